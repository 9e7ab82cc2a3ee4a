//! Redistribution plans, the strategy seam and path routing.

use serde::{Deserialize, Serialize};

use crate::observe::{Node, Observation};
use crate::roles::{
    Agent, DisasterAnalyzer, DisasterReport, EnergyAnalyzer, EnergyReport, GridAnalyzer, GridReport,
};

/// Energy sent from one microgrid to another this interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// Sending microgrid.
    pub from: usize,
    /// Receiving microgrid.
    pub to: usize,
    /// Power leaving the sender (MW).
    pub sent_mw: f64,
    /// Power reaching the receiver (MW): `sent_mw` less path losses.
    pub delivered_mw: f64,
    /// Path: indices into [`Observation::edges`], sender to receiver.
    pub path: Vec<usize>,
    /// Why (for the log).
    pub reason: String,
}

/// A microgrid's own dispatch when the strategy decides it (the optimal
/// planner); otherwise the executor's local controller decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Dispatch {
    /// Net battery power (MW, + discharge).
    pub battery_mw: f64,
    /// Diesel power (MW).
    pub diesel_mw: f64,
    /// Fraction of each class's demand to shed (critical, essential, normal).
    pub shed: [f64; 3],
}

/// A market transaction (compensation for shared energy).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    /// Buyer microgrid.
    pub buyer: usize,
    /// Seller microgrid.
    pub seller: usize,
    /// Priority class the energy serves at the buyer (0 critical, 1
    /// essential, 2 normal).
    pub class: usize,
    /// Energy leaving the seller (MWh).
    pub sent_mwh: f64,
    /// Energy reaching the buyer (MWh).
    pub delivered_mwh: f64,
    /// Price (credits per MWh delivered).
    pub price: f64,
    /// Payment from buyer to seller (credits).
    pub payment: f64,
}

/// A redistribution plan for one interval.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Strategy that made it.
    pub strategy: String,
    /// Transfers between microgrids.
    pub transfers: Vec<Transfer>,
    /// Per-microgrid dispatch (indexed like the observation's microgrids),
    /// when the strategy decides it.
    pub dispatch: Option<Vec<Option<Dispatch>>>,
    /// Market transactions (market strategy).
    pub trades: Vec<Trade>,
    /// Rationale in words.
    pub rationale: String,
    /// Confidence 0..1: how much of the plan rests on forecasts.
    pub confidence: f64,
}

/// What a strategy sees.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The observation.
    pub obs: &'a Observation,
    /// Disaster analyzer's report.
    pub disaster: &'a DisasterReport,
    /// Energy analyzer's report.
    pub energy: &'a EnergyReport,
    /// Grid analyzer's report.
    pub grid: &'a GridReport,
}

/// The three analyzers' reports on one observation (default analyzer
/// settings): what a strategy sees besides the observation. Fields are
/// public so a caller can adjust a report before planning.
#[derive(Debug, Clone)]
pub struct Analyses {
    /// Disaster analyzer's report.
    pub disaster: DisasterReport,
    /// Energy analyzer's report.
    pub energy: EnergyReport,
    /// Grid analyzer's report.
    pub grid: GridReport,
}

impl Analyses {
    /// Runs [`DisasterAnalyzer::default`], [`EnergyAnalyzer`] and
    /// [`GridAnalyzer`] on `obs`.
    pub fn of(obs: &Observation) -> Analyses {
        Analyses {
            disaster: DisasterAnalyzer::default().run(obs),
            energy: EnergyAnalyzer.run(obs),
            grid: GridAnalyzer.run(obs),
        }
    }

    /// The planning input over `obs`, the observation these reports came
    /// from.
    pub fn input<'a>(&'a self, obs: &'a Observation) -> PlanInput<'a> {
        PlanInput {
            obs,
            disaster: &self.disaster,
            energy: &self.energy,
            grid: &self.grid,
        }
    }
}

/// Errors of a strategy.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The optimiser failed.
    #[error("planner failed: {0}")]
    Solver(String),
}

/// A decision-making strategy.
pub trait Strategy: Send {
    /// Name (`none`, `priority`, `optimal`, `market`).
    fn name(&self) -> &'static str;
    /// The plan for this interval.
    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError>;
}

/// The baseline: each microgrid alone, no transfers.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NoSharing;

impl Strategy for NoSharing {
    fn name(&self) -> &'static str {
        "none"
    }

    fn plan(&mut self, _input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        Ok(Plan {
            strategy: "none".into(),
            rationale: "each microgrid alone (baseline)".into(),
            confidence: 1.0,
            ..Plan::default()
        })
    }
}

/// Residual capacities of usable edges, for routing several transfers.
#[derive(Debug, Clone)]
pub struct Router {
    /// (edge index, a, b, residual capacity MW, loss fraction)
    edges: Vec<(usize, Node, Node, f64, f64)>,
}

impl Router {
    /// Starts from the grid analyzer's usable edges at full capacity.
    pub fn new(grid: &GridReport) -> Router {
        Router {
            edges: grid
                .usable
                .iter()
                .map(|u| (u.edge, u.a, u.b, u.capacity_mw, u.loss_frac))
                .collect(),
        }
    }

    /// Finds the path with the fewest edges (ties broken by edge order, so
    /// the result is deterministic) from `from` to `to` over edges with
    /// residual capacity, and books up to `want_mw` of sent power on it.
    /// Returns the path (edge indices), the power sent and the power
    /// delivered, or `None` when no path has capacity.
    pub fn route(
        &mut self,
        from: usize,
        to: usize,
        want_mw: f64,
    ) -> Option<(Vec<usize>, f64, f64)> {
        if want_mw <= 0.0 || from == to {
            return None;
        }
        // Breadth-first search over nodes; Hub is encoded as usize::MAX.
        let enc = |n: Node| match n {
            Node::Mg(i) => i,
            Node::Hub => usize::MAX,
        };
        let start = from;
        let goal = to;
        let mut prev: Vec<(usize, usize)> = Vec::new(); // (node, via edge slot)
        let mut seen = vec![start];
        let mut frontier = vec![start];
        let mut found = false;
        while !frontier.is_empty() && !found {
            let mut next = Vec::new();
            for &u in &frontier {
                for (slot, &(_, a, b, cap, _)) in self.edges.iter().enumerate() {
                    if cap <= 1e-9 {
                        continue;
                    }
                    let (ea, eb) = (enc(a), enc(b));
                    let v = if ea == u {
                        eb
                    } else if eb == u {
                        ea
                    } else {
                        continue;
                    };
                    if seen.contains(&v) {
                        continue;
                    }
                    seen.push(v);
                    prev.push((v, slot));
                    if v == goal {
                        found = true;
                        break;
                    }
                    next.push(v);
                }
                if found {
                    break;
                }
            }
            frontier = next;
        }
        if !found {
            return None;
        }
        // Walk back from the goal.
        let mut slots = Vec::new();
        let mut v = goal;
        while v != start {
            let &(_, slot) = prev.iter().find(|(n, _)| *n == v)?;
            slots.push(slot);
            let (_, a, b, _, _) = self.edges[slot];
            v = if enc(a) == v { enc(b) } else { enc(a) };
        }
        slots.reverse();
        // Capacity: the power on edge k is the sent power less losses of
        // the edges before it.
        let mut sent = want_mw;
        let mut keep = 1.0;
        for &s in &slots {
            let (_, _, _, cap, loss) = self.edges[s];
            sent = sent.min(cap / keep);
            keep *= 1.0 - loss;
        }
        if sent <= 1e-9 {
            return None;
        }
        let mut flow = sent;
        for &s in &slots {
            self.edges[s].3 -= flow;
            flow *= 1.0 - self.edges[s].4;
        }
        Some((slots.iter().map(|&s| self.edges[s].0).collect(), sent, flow))
    }
}

/// A microgrid's power position now, allocating its own supply to its own
/// demand critical-first: `(deficit per class, spare power)` in MW.
///
/// Supply is the renewables plus what storage and diesels can give this
/// interval; the spare is what is left after all its own demand.
pub fn own_position(obs: &Observation, m: usize) -> ([f64; 3], f64) {
    let mg = &obs.microgrids[m];
    let mut supply = mg.renewable_mw
        + mg.batteries
            .iter()
            .map(|(_, b)| b.max_discharge_mw(obs.dt_h))
            .sum::<f64>()
        + mg.diesels
            .iter()
            .map(|(_, d)| d.max_mw(obs.dt_h))
            .sum::<f64>()
        - mg.losses_mw;
    supply = supply.max(0.0);
    if !mg.can_form_grid() {
        // Without a grid-forming unit the microgrid is dark on its own:
        // renewables cannot run (grid-following inverters).
        supply = 0.0;
    }
    let d = mg.demand_by_class();
    let mut deficit = [0.0; 3];
    for c in 0..3 {
        let take = supply.min(d[c]);
        deficit[c] = d[c] - take;
        supply -= take;
    }
    (deficit, supply)
}
