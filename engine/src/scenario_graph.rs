//! The knowledge graph of a scenario at a time (`blackstart query
//! --scenario`): the community (see [`crate::kg`] for what is written), the
//! hazard footprint and, at a given time, one replica's damage state.

use geo::{ConvexHull, Geometry, MultiPoint, Point};
use ontology::KnowledgeGraph;
use ontology::oxigraph::model::Literal;
use ontology::vocab::bs;
use scenario::Loaded;

use crate::kg::{GraphError, write_community};
use crate::runner::{RunOptions, run};

/// Builds the scenario's graph into `kg`; with `at` (seconds after the
/// start) also the state at that time from a one-replica run (the policy
/// is looked up in `strategies`).
pub fn build(
    kg: &KnowledgeGraph,
    l: &Loaded,
    at: Option<f64>,
    strategies: &agents::pipeline::Strategies,
) -> Result<(), GraphError> {
    let c = scenario::community::build(&l.file, &|k| l.at(k))?;
    let mut b = ontology::builder::GraphBuilder::new(kg)?;
    let sites = write_community(&mut b, &c).sites;
    b.flush()?;
    if let Some(t) = at {
        if !(t.is_finite() && t >= 0.0) {
            return Err(GraphError::BadTime(t));
        }
        let res = run(
            l,
            &RunOptions {
                replicas: Some(1),
                strategies: strategies.clone(),
                ..RunOptions::default()
            },
        )?;
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
