//! The analyzer roles and their typed reports.
//!
//! Each role is a plain type behind the one small [`Agent`] trait: it takes
//! the reports of the roles before it and produces its own.

use serde::{Deserialize, Serialize};

use crate::observe::{EdgeKind, Node, Observation};

/// One role of the pipeline: a named function of its input with state.
pub trait Agent<In: ?Sized> {
    /// What the role produces.
    type Out;
    /// Role name (used in the decision log).
    fn name(&self) -> &'static str;
    /// Produces the report for this interval.
    fn run(&mut self, input: &In) -> Self::Out;
}

/// Risk level of a microgrid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    /// Fed by the upstream grid, nothing damaged.
    Low,
    /// Islanded or damaged, but able to supply itself.
    Elevated,
    /// Islanded without a grid-forming source: dark unless helped.
    High,
}

/// The disaster analyzer's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisasterReport {
    /// Severity of the event, 1-5.
    pub severity: u8,
    /// Risk level per microgrid.
    pub risk: Vec<RiskLevel>,
    /// Damaged sites per microgrid.
    pub damaged: Vec<usize>,
    /// Impact footprint: the bounding box of the damaged sites
    /// `[min_lon, min_lat, max_lon, max_lat]`, if any.
    pub footprint: Option<[f64; 4]>,
    /// Expected hours until each microgrid is fed by the upstream grid again
    /// (0 when connected). A planning figure, see [`DisasterAnalyzer`].
    pub expected_restore_h: Vec<f64>,
    /// Per microgrid, the critical loads that the knowledge graph finds
    /// without power (sorted ids); `None` when the analyzer has no graph
    /// (see [`ImpactGraph`]).
    #[serde(default)]
    pub critical_without_power: Option<Vec<Vec<String>>>,
}

/// A knowledge graph the disaster analyzer asks its impact questions of.
///
/// The facade implements it over the scenario's oxigraph graph (crate
/// `ontology`): it writes the interval's state (damaged and energised sites)
/// into the graph and answers with the WithoutPower rule, so the analyzer
/// sees which critical facilities have no intact path to an energised
/// source, as an emergency planner querying the graph would.
pub trait ImpactGraph: Send {
    /// Brings the graph to `obs` and returns, per microgrid of `obs` (in
    /// order), the critical loads without power (sorted ids).
    fn critical_without_power(&mut self, obs: &Observation) -> Result<Vec<Vec<String>>, String>;
}

/// Disaster analyzer: risk level, damage, footprint and expected restoration
/// time per microgrid.
///
/// Expected restoration is a planning assumption, not a peek at the sampled
/// repairs: while a microgrid is islanded, the analyzer plans for the outage
/// to last until `assumed_outage_h` after the event and at least
/// `min_remaining_h` more (defaults 72 h and 24 h: the "72 hours" of
/// self-sufficiency that Japanese and US disaster-preparedness guidance asks
/// households and facilities to plan for, e.g. Cabinet Office of Japan's
/// "Disaster Management in Japan" and FEMA's Ready.gov).
#[derive(Debug, Clone, PartialEq)]
pub struct DisasterAnalyzer {
    /// Planned outage length after the event (h).
    pub assumed_outage_h: f64,
    /// Planned minimum remaining outage while still islanded (h).
    pub min_remaining_h: f64,
}

impl Default for DisasterAnalyzer {
    fn default() -> Self {
        DisasterAnalyzer {
            assumed_outage_h: 72.0,
            min_remaining_h: 24.0,
        }
    }
}

impl Agent<Observation> for DisasterAnalyzer {
    type Out = DisasterReport;

    fn name(&self) -> &'static str {
        "disaster_analyzer"
    }

    fn run(&mut self, obs: &Observation) -> DisasterReport {
        let t = obs.hazard.hours_since_event;
        let mut risk = Vec::with_capacity(obs.microgrids.len());
        let mut damaged = Vec::with_capacity(obs.microgrids.len());
        let mut restore = Vec::with_capacity(obs.microgrids.len());
        for m in &obs.microgrids {
            damaged.push(m.damaged_sites.0);
            let r = if m.upstream_connected && m.damaged_sites.0 == 0 {
                RiskLevel::Low
            } else if m.upstream_connected || m.can_form_grid() {
                RiskLevel::Elevated
            } else {
                RiskLevel::High
            };
            risk.push(r);
            restore.push(if m.upstream_connected {
                0.0
            } else {
                (self.assumed_outage_h - t).max(self.min_remaining_h)
            });
        }
        let footprint = obs
            .hazard
            .damaged
            .iter()
            .fold(None::<[f64; 4]>, |acc, (_, lat, lon)| {
                Some(match acc {
                    None => [*lon, *lat, *lon, *lat],
                    Some([a, b, c, d]) => [
                        f64::min(a, *lon),
                        f64::min(b, *lat),
                        f64::max(c, *lon),
                        f64::max(d, *lat),
                    ],
                })
            });
        DisasterReport {
            severity: obs.hazard.severity,
            risk,
            damaged,
            footprint,
            expected_restore_h: restore,
            critical_without_power: None,
        }
    }
}

impl DisasterAnalyzer {
    /// [`Agent::run`], then the impact question put to the knowledge graph:
    /// which critical loads are without power. A failing graph leaves the
    /// answer out (`None`) and returns the error beside the report.
    pub fn run_with_graph(
        &mut self,
        obs: &Observation,
        graph: &mut dyn ImpactGraph,
    ) -> (DisasterReport, Option<String>) {
        let mut report = self.run(obs);
        match graph.critical_without_power(obs) {
            Ok(v) => {
                report.critical_without_power = Some(v);
                (report, None)
            }
            Err(e) => (report, Some(e)),
        }
    }
}

/// One microgrid's energy position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyPosition {
    /// Demand now per class (MW; critical, essential, normal).
    pub demand_mw: [f64; 3],
    /// Renewable power now (MW).
    pub renewable_mw: f64,
    /// Usable stored energy (MWh).
    pub stored_mwh: f64,
    /// Usable fuel (MWh).
    pub fuel_mwh: f64,
    /// Largest power the microgrid's storage and diesels can give now (MW).
    pub dispatchable_mw: f64,
    /// Energy over the planning horizon: renewables + storage + fuel minus
    /// all demand (MWh; negative = deficit).
    pub horizon_balance_mwh: f64,
    /// The same for critical demand only (MWh).
    pub critical_balance_mwh: f64,
}

/// The energy analyzer's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnergyReport {
    /// Per microgrid.
    pub positions: Vec<EnergyPosition>,
}

/// Energy analyzer: supply, demand, storage and forecast per microgrid.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EnergyAnalyzer;

impl Agent<Observation> for EnergyAnalyzer {
    type Out = EnergyReport;

    fn name(&self) -> &'static str {
        "energy_analyzer"
    }

    fn run(&mut self, obs: &Observation) -> EnergyReport {
        let positions = obs
            .microgrids
            .iter()
            .map(|m| {
                let (mut dem, mut crit, mut ren) = (0.0, 0.0, 0.0);
                for (k, h) in obs.periods_h.iter().enumerate() {
                    let d = m.demand_forecast_mw.get(k).copied().unwrap_or([0.0; 3]);
                    dem += (d[0] + d[1] + d[2]) * h;
                    crit += d[0] * h;
                    ren += m.renewable_forecast_mw.get(k).copied().unwrap_or(0.0) * h;
                }
                let stored = m.stored_mwh();
                let fuel = m.fuel_mwh();
                let dispatchable = m
                    .batteries
                    .iter()
                    .map(|(_, b)| b.max_discharge_mw(obs.dt_h))
                    .sum::<f64>()
                    + m.diesels
                        .iter()
                        .map(|(_, d)| d.max_mw(obs.dt_h))
                        .sum::<f64>();
                EnergyPosition {
                    demand_mw: m.demand_by_class(),
                    renewable_mw: m.renewable_mw,
                    stored_mwh: stored,
                    fuel_mwh: fuel,
                    dispatchable_mw: dispatchable,
                    horizon_balance_mwh: ren + stored + fuel - dem,
                    critical_balance_mwh: ren + stored + fuel - crit,
                }
            })
            .collect();
        EnergyReport { positions }
    }
}

/// A usable path element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsableEdge {
    /// Index in [`Observation::edges`].
    pub edge: usize,
    /// Ends.
    pub a: Node,
    /// Other end.
    pub b: Node,
    /// Capacity (MW).
    pub capacity_mw: f64,
    /// Loss fraction.
    pub loss_frac: f64,
}

/// The grid analyzer's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridReport {
    /// Path elements that can carry energy now.
    pub usable: Vec<UsableEdge>,
    /// Indices of edges that exist but are damaged.
    pub broken: Vec<usize>,
    /// Groups of islanded microgrids that can reach each other over usable
    /// paths (each sorted; groups in order of their first member).
    pub groups: Vec<Vec<usize>>,
    /// The upstream grid feeds the hub now: no sharing is needed through it.
    pub hub_fed: bool,
}

/// Grid analyzer: which islanded microgrids can still exchange energy, over
/// which paths, with what capacity and losses.
///
/// A feeder is usable for sharing when it is intact, the substation is intact
/// and the upstream grid is down (while it is up, the feeders carry the
/// upstream supply and microgrids are connected anyway). A tie is usable when
/// it is intact and neither end is fed by the upstream grid (ties are not
/// closed in parallel with the upstream supply).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GridAnalyzer;

impl Agent<Observation> for GridAnalyzer {
    type Out = GridReport;

    fn name(&self) -> &'static str {
        "grid_analyzer"
    }

    fn run(&mut self, obs: &Observation) -> GridReport {
        let hub_fed = obs.hazard.upstream_up && obs.hazard.substation_ok;
        let connected = |n: Node| match n {
            Node::Mg(i) => obs.microgrids.get(i).is_none_or(|m| m.upstream_connected),
            Node::Hub => hub_fed,
        };
        let mut usable = Vec::new();
        let mut broken = Vec::new();
        for (i, e) in obs.edges.iter().enumerate() {
            if !e.intact {
                broken.push(i);
                continue;
            }
            let ok = match e.kind {
                EdgeKind::Feeder => !hub_fed && obs.hazard.substation_ok,
                EdgeKind::Tie => !connected(e.a) && !connected(e.b),
            };
            if ok && e.capacity_mw > 0.0 {
                usable.push(UsableEdge {
                    edge: i,
                    a: e.a,
                    b: e.b,
                    capacity_mw: e.capacity_mw,
                    loss_frac: e.loss_frac.clamp(0.0, 0.5),
                });
            }
        }
        // Union-find over microgrids and the hub (index n).
        let n = obs.microgrids.len();
        let idx = |x: Node| match x {
            Node::Mg(i) => i,
            Node::Hub => n,
        };
        let mut parent: Vec<usize> = (0..=n).collect();
        fn find(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for u in &usable {
            let (a, b) = (find(&mut parent, idx(u.a)), find(&mut parent, idx(u.b)));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut root_of: Vec<Option<usize>> = vec![None; n + 1];
        for i in 0..n {
            if obs.microgrids[i].upstream_connected {
                continue;
            }
            let r = find(&mut parent, i);
            match root_of[r] {
                Some(g) => groups[g].push(i),
                None => {
                    root_of[r] = Some(groups.len());
                    groups.push(vec![i]);
                }
            }
        }
        groups.retain(|g| g.len() > 1);
        GridReport {
            usable,
            broken,
            groups,
            hub_fed,
        }
    }
}
