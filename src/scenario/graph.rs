//! The knowledge graph of a scenario (for `blackstart query --scenario`).
//!
//! What is written (vocabulary in `ontology/vocab/blackstart.ttl`):
//! - each microgrid: `bs:Microgrid` at its centre point;
//! - each damageable site: the substation (`cim:Substation`), microgrid
//!   feeders (`cim:ACLineSegment`), PV (`cim:PhotoVoltaicUnit`), batteries
//!   (`cim:BatteryUnit`), diesels (`cim:GeneratingUnit`) at their coordinates,
//!   with `bs:partOfMicrogrid`;
//! - each load: `cim:EnergyConsumer` with `bs:priority` and `bs:demandKw`
//!   (peak); hospitals are also `schema:Hospital`, shelters `bs:Shelter`, water
//!   pumps `bs:CriticalFacility`. Loads have no coordinates of their own in
//!   the community model, so they are placed at their microgrid's centre;
//! - topology: the substation `bs:feeds` every feeder; a feeder and the
//!   microgrid's local sources each `bs:feeds` the microgrid's loads, and
//!   every load is `bs:servedBy` them;
//! - the hazard: a `bs:DisasterEvent` with a `bs:HazardFootprint` whose
//!   geometry is the convex hull of the hazard grid cells with a positive
//!   intensity (active from the start);
//! - with a time: the state of one replica's run (the scenario's seed) at
//!   that time: every site gets `bs:isDamaged` and `bs:isEnergised` (a site is
//!   damaged between its failure and repair times, and dark while damaged).

use geo::{ConvexHull, Geometry, MultiPoint, Point};
use ontology::oxigraph::model::{Literal, NamedNode};

use ontology::KnowledgeGraph;
use ontology::builder::GraphBuilder;
use ontology::vocab::{bs, cim};

use super::community::{self, LoadClass, SiteKind};
use super::{Loaded, RunOptions};

/// Errors building a scenario graph.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// The scenario is invalid.
    #[error("{0}")]
    Scenario(String),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] ontology::OntologyError),
}

fn schema(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}{local}", ontology::vocab::SCHEMA))
}

/// Builds the scenario's graph into `kg`; with `at` (seconds after the
/// start) also the state at that time from a one-replica run.
pub fn build(kg: &KnowledgeGraph, l: &Loaded, at: Option<f64>) -> Result<(), GraphError> {
    let c =
        community::build(&l.file, &|k| l.at(k)).map_err(|e| GraphError::Scenario(e.to_string()))?;
    let mut b = GraphBuilder::new(kg)?;
    let point = |lon: f64, lat: f64| Geometry::Point(Point::new(lon, lat));
    let mut mg_nodes = Vec::new();
    for (i, mg) in c.microgrids.iter().enumerate() {
        let n = b.feature(
            "microgrid",
            &format!("{i}-{}", mg.name),
            bs("Microgrid"),
            &mg.name,
            &point(mg.lon, mg.lat),
        );
        mg_nodes.push(n);
    }
    let mut sites = Vec::new();
    let mut substation = None;
    let mut feeders: Vec<Option<NamedNode>> = vec![None; c.microgrids.len()];
    let mut local: Vec<Vec<NamedNode>> = vec![Vec::new(); c.microgrids.len()];
    for s in &c.sites {
        let class = match s.kind {
            SiteKind::Substation => cim("Substation"),
            SiteKind::Feeder(_) => cim("ACLineSegment"),
            SiteKind::Pv(_) => cim("PhotoVoltaicUnit"),
            SiteKind::Battery(_) => cim("BatteryUnit"),
            SiteKind::Diesel(_) => cim("GeneratingUnit"),
        };
        let n = b.feature("site", &s.id, class, &s.id, &point(s.lon, s.lat));
        if let Some(m) = s.microgrid.filter(|m| *m < mg_nodes.len()) {
            b.triple(&n, bs("partOfMicrogrid"), mg_nodes[m].clone());
            match s.kind {
                SiteKind::Feeder(_) => feeders[m] = Some(n.clone()),
                SiteKind::Battery(_) | SiteKind::Diesel(_) | SiteKind::Pv(_) => {
                    local[m].push(n.clone())
                }
                SiteKind::Substation => {}
            }
        }
        if s.kind == SiteKind::Substation {
            substation = Some(n.clone());
        }
        sites.push(n);
    }
    if let Some(sub) = &substation {
        for f in feeders.iter().flatten() {
            b.triple(sub, bs("feeds"), f.clone());
        }
    }
    for ld in &c.loads {
        let m = ld.microgrid.min(c.microgrids.len().saturating_sub(1));
        let Some(mg) = c.microgrids.get(m) else {
            continue;
        };
        let n = b.feature(
            "load",
            &ld.id,
            cim("EnergyConsumer"),
            &ld.id,
            &point(mg.lon, mg.lat),
        );
        match ld.class {
            LoadClass::Hospital => b.triple(&n, ontology::vocab::rdf_type(), schema("Hospital")),
            LoadClass::Shelter => b.triple(&n, ontology::vocab::rdf_type(), bs("Shelter")),
            LoadClass::WaterPump => {
                b.triple(&n, ontology::vocab::rdf_type(), bs("CriticalFacility"))
            }
            LoadClass::Residential | LoadClass::Commercial => {}
        }
        let prio = match ld.priority {
            grid_model::Priority::Critical => "critical",
            grid_model::Priority::Essential => "essential",
            grid_model::Priority::Normal => "normal",
        };
        b.triple(&n, bs("priority"), Literal::new_simple_literal(prio));
        b.triple(&n, bs("demandKw"), Literal::from(ld.peak_mw * 1000.0));
        b.triple(&n, bs("partOfMicrogrid"), mg_nodes[m].clone());
        for s in feeders[m].iter().chain(local[m].iter()) {
            b.triple(s, bs("feeds"), n.clone());
            b.triple(&n, bs("servedBy"), s.clone());
        }
    }
    b.flush()?;
    if let Some(t) = at {
        if !(t.is_finite() && t >= 0.0) {
            return Err(GraphError::Scenario(format!(
                "--at must be a time in seconds >= 0, got {t}"
            )));
        }
        let res = super::run(
            l,
            &RunOptions {
                replicas: Some(1),
                ..RunOptions::default()
            },
        )
        .map_err(|e| GraphError::Scenario(e.to_string()))?;
        // Hazard footprint: convex hull of the cells with positive intensity.
        let cells: Vec<Point<f64>> = res
            .footprint
            .cells
            .iter()
            .filter(|(_, _, v)| *v > 0.0)
            .map(|(lon, lat, _)| Point::new(*lon, *lat))
            .collect();
        if cells.len() >= 3 {
            let hull = MultiPoint(cells).convex_hull();
            let ev = ontology::builder::feature_iri("event", "hazard");
            b.triple(&ev, ontology::vocab::rdf_type(), bs("DisasterEvent"));
            let fp = b.feature(
                "footprint",
                "hazard",
                bs("HazardFootprint"),
                &res.footprint.label,
                &Geometry::Polygon(hull),
            );
            b.triple(&ev, bs("hasFootprint"), fp.clone());
            b.triple(&fp, bs("isActive"), Literal::from(true));
        }
        b.triple(
            &ontology::builder::feature_iri("event", "hazard"),
            bs("simulationTime"),
            Literal::from(t),
        );
        let hours = t / 3600.0;
        let damages = res.damages.first().cloned().unwrap_or_default();
        for (i, n) in sites.iter().enumerate() {
            let damaged = damages.iter().any(|d| {
                d.site == i
                    && d.damage_state >= 1
                    && d.fail_h <= hours
                    && d.repair_h.is_none_or(|r| hours < r)
            });
            b.triple(n, bs("isDamaged"), Literal::from(damaged));
            b.triple(n, bs("isEnergised"), Literal::from(!damaged));
        }
        b.flush()?;
    }
    Ok(())
}
