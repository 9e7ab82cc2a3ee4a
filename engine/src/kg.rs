//! The knowledge graph of a community: what [`crate::scenario_graph`]
//! writes for `blackstart query --scenario`, and the disaster analyzer's
//! impact question ([`KgImpact`]).
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
//!   every load is `bs:servedBy` them (tie lines between microgrids are
//!   sites of their first microgrid but, normally open, feed nothing);
//! - the hazard: a `bs:DisasterEvent` with a `bs:HazardFootprint` whose
//!   geometry is the convex hull of the hazard grid cells with a positive
//!   intensity (active from the start);
//! - with a time: the state of one replica's run (the scenario's seed) at
//!   that time: every site gets `bs:isDamaged` and `bs:isEnergised` (a site is
//!   damaged between its failure and repair times, and dark while damaged).

use geo::{Geometry, Point};
use ontology::oxigraph::model::{Literal, NamedNode};

use ontology::KnowledgeGraph;
use ontology::builder::GraphBuilder;
use ontology::vocab::{bs, cim};

use scenario::community::{self, LoadClass, SiteKind};

/// Errors building a scenario graph.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// The scenario is invalid, or its run failed.
    #[error("{0}")]
    Scenario(#[from] scenario::ScenarioError),
    /// The time asked for is not a time in the run.
    #[error("the time must be in seconds >= 0, got {0}")]
    BadTime(f64),
    /// The store failed.
    #[error("{0}")]
    Store(#[from] ontology::OntologyError),
}

fn schema(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{}{local}", ontology::vocab::SCHEMA))
}

/// The nodes [`write_community`] wrote.
pub(crate) struct CommunityNodes {
    /// Per community site (same order as `Community::sites`).
    pub(crate) sites: Vec<NamedNode>,
    /// Per load (same order as `Community::loads`).
    loads: Vec<NamedNode>,
    /// Per microgrid.
    mg_nodes: Vec<NamedNode>,
}

/// Writes the static part of a community: microgrids, sites, loads and the
/// feeds/servedBy topology (see the module docs).
pub(crate) fn write_community(b: &mut GraphBuilder, c: &community::Community) -> CommunityNodes {
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
    // Tie lines are line sites too (kind `Feeder`), but normally open and
    // between two microgrids: they do not feed a microgrid's loads.
    let ties: std::collections::HashSet<usize> = c.ties.iter().map(|t| t.site).collect();
    for (si, s) in c.sites.iter().enumerate() {
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
                SiteKind::Feeder(_) if !ties.contains(&si) => feeders[m] = Some(n.clone()),
                SiteKind::Feeder(_) => {}
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
    let mut loads = Vec::new();
    for ld in &c.loads {
        let m = ld.microgrid.min(c.microgrids.len().saturating_sub(1));
        let Some(mg) = c.microgrids.get(m) else {
            loads.push(ontology::builder::feature_iri("load", &ld.id));
            continue;
        };
        let n = b.feature(
            "load",
            &ld.id,
            cim("EnergyConsumer"),
            &ld.id,
            &point(mg.lon, mg.lat),
        );
        loads.push(n.clone());
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
    CommunityNodes {
        sites,
        loads,
        mg_nodes,
    }
}

/// The scenario's knowledge graph as the disaster analyzer's
/// [`agents::ImpactGraph`] (`[policy] knowledge_graph = true`).
///
/// Built once per replica from the community (as `blackstart query
/// --scenario` writes it, plus a node per mobile-generator slot that feeds
/// its microgrid's loads). Every interval the state of each element is
/// written where it changed (`bs:isDamaged`, `bs:isEnergised`), the
/// inferred graph is cleared and the WithoutPower rule is run; the answer is
/// the critical loads it finds without power, per microgrid. An element is
/// energised when it is intact and:
/// - the substation: the upstream grid is up;
/// - a feeder: always (its power comes through the substation, which the
///   rule follows along `bs:feeds`);
/// - a battery: in service and above its minimum state of charge;
/// - a diesel (fixed or mobile): able to form a grid (in service, with fuel);
/// - PV: producing, and its microgrid is fed from upstream or has a
///   grid-forming unit (PV follows a grid, it cannot form one).
pub struct KgImpact {
    kg: KnowledgeGraph,
    /// Graph nodes whose state is written: sites, then mobile slots.
    nodes: Vec<NamedNode>,
    /// What each node is.
    kinds: Vec<Element>,
    /// The state last written per node (damaged, energised).
    written: Vec<Option<(bool, bool)>>,
    /// Critical loads: node IRI -> (microgrid, load id).
    critical: std::collections::HashMap<String, (usize, String)>,
    /// Site ids (as the observation names damaged sites).
    site_ids: Vec<String>,
    microgrids: usize,
}

/// An element whose state the impact graph writes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Element {
    Site(usize, SiteKind, Option<usize>),
    Mobile(usize, usize),
}

impl KgImpact {
    /// Builds the graph of a community.
    pub fn new(c: &community::Community) -> Result<KgImpact, GraphError> {
        let kg = KnowledgeGraph::new()?;
        let mut b = GraphBuilder::new(&kg)?;
        let nodes = write_community(&mut b, c);
        let mut all = nodes.sites.clone();
        let mut kinds: Vec<Element> = c
            .sites
            .iter()
            .enumerate()
            .map(|(i, s)| Element::Site(i, s.kind, s.microgrid))
            .collect();
        for (m, &d) in c.mobile.iter().enumerate() {
            let (Some(mg), Some(mg_node)) = (c.microgrids.get(m), nodes.mg_nodes.get(m)) else {
                continue;
            };
            let n = b.feature(
                "mobile-generator",
                &format!("{m}-{}", mg.name),
                cim("GeneratingUnit"),
                &format!("mobile generator slot of {}", mg.name),
                &Geometry::Point(Point::new(mg.lon, mg.lat)),
            );
            b.triple(&n, bs("partOfMicrogrid"), mg_node.clone());
            for (li, ld) in c.loads.iter().enumerate() {
                if ld.microgrid == m {
                    b.triple(&n, bs("feeds"), nodes.loads[li].clone());
                    b.triple(&nodes.loads[li], bs("servedBy"), n.clone());
                }
            }
            all.push(n);
            kinds.push(Element::Mobile(d, m));
        }
        b.flush()?;
        let critical = c
            .loads
            .iter()
            .zip(&nodes.loads)
            .filter(|(ld, _)| ld.priority == grid_model::Priority::Critical)
            .map(|(ld, n)| (n.as_str().to_string(), (ld.microgrid, ld.id.clone())))
            .collect();
        Ok(KgImpact {
            kg,
            written: vec![None; all.len()],
            nodes: all,
            kinds,
            critical,
            site_ids: c.sites.iter().map(|s| s.id.clone()).collect(),
            microgrids: c.microgrids.len(),
        })
    }

    /// The graph (for queries, e.g. in tests).
    pub fn graph(&self) -> &KnowledgeGraph {
        &self.kg
    }

    /// (damaged, energised) of every node at `obs`.
    fn state(&self, obs: &agents::Observation) -> Vec<(bool, bool)> {
        let damaged: std::collections::HashSet<&str> = obs
            .hazard
            .damaged
            .iter()
            .map(|(id, _, _)| id.as_str())
            .collect();
        let grid_forming = |m: usize| obs.microgrids.get(m).is_some_and(|g| g.can_form_grid());
        self.kinds
            .iter()
            .map(|k| match *k {
                Element::Site(i, kind, mg) => {
                    let id = self.site_id(i);
                    let dmg = damaged.contains(id);
                    let m = mg.and_then(|m| obs.microgrids.get(m));
                    let on = !dmg
                        && match kind {
                            SiteKind::Substation => obs.hazard.upstream_up,
                            SiteKind::Feeder(_) => true,
                            SiteKind::Battery(b) => m.is_some_and(|g| {
                                g.batteries.iter().any(|(bi, bat)| {
                                    *bi == b && bat.in_service && bat.soc > bat.soc_min
                                })
                            }),
                            SiteKind::Diesel(d) => m.is_some_and(|g| {
                                g.diesels
                                    .iter()
                                    .any(|(di, dsl)| *di == d && dsl.can_form_grid())
                            }),
                            SiteKind::Pv(_) => m.is_some_and(|g| {
                                g.renewable_mw > 0.0
                                    && (g.upstream_connected || mg.is_some_and(grid_forming))
                            }),
                        };
                    (dmg, on)
                }
                Element::Mobile(d, m) => {
                    let on = obs.microgrids.get(m).is_some_and(|g| {
                        g.diesels
                            .iter()
                            .any(|(di, dsl)| *di == d && dsl.can_form_grid())
                    });
                    (false, on)
                }
            })
            .collect()
    }

    fn site_id(&self, i: usize) -> &str {
        // Site IRIs end in the site id made IRI-safe; the observation names
        // damaged sites by id, so keep the ids themselves.
        self.site_ids.get(i).map_or("", String::as_str)
    }
}

impl agents::ImpactGraph for KgImpact {
    fn critical_without_power(
        &mut self,
        obs: &agents::Observation,
    ) -> Result<Vec<Vec<String>>, String> {
        use ontology::oxigraph::model::{GraphNameRef, QuadRef};
        let state = self.state(obs);
        let store = self.kg.store();
        let (dp, ep) = (bs("isDamaged"), bs("isEnergised"));
        for (i, now) in state.into_iter().enumerate() {
            if self.written[i] == Some(now) {
                continue;
            }
            let n = &self.nodes[i];
            if let Some((d, e)) = self.written[i] {
                for (p, v) in [(&dp, d), (&ep, e)] {
                    store
                        .remove(QuadRef::new(
                            n,
                            p,
                            &Literal::from(v),
                            GraphNameRef::DefaultGraph,
                        ))
                        .map_err(|e| e.to_string())?;
                }
            }
            for (p, v) in [(&dp, now.0), (&ep, now.1)] {
                store
                    .insert(QuadRef::new(
                        n,
                        p,
                        &Literal::from(v),
                        GraphNameRef::DefaultGraph,
                    ))
                    .map_err(|e| e.to_string())?;
            }
            self.written[i] = Some(now);
        }
        self.kg.clear_inferred().map_err(|e| e.to_string())?;
        let dark = ontology::rules::without_power(store).map_err(|e| e.to_string())?;
        let mut out = vec![Vec::new(); obs.microgrids.len().max(self.microgrids)];
        for f in dark {
            let key = match &f {
                ontology::oxigraph::model::NamedOrBlankNode::NamedNode(n) => n.as_str(),
                ontology::oxigraph::model::NamedOrBlankNode::BlankNode(_) => continue,
            };
            if let Some((m, id)) = self.critical.get(key)
                && let Some(v) = out.get_mut(*m)
            {
                v.push(id.clone());
            }
        }
        out.truncate(obs.microgrids.len());
        for v in &mut out {
            v.sort();
        }
        Ok(out)
    }
}
