//! The learned planner: a message-passing network that imitates the
//! `optimal` strategy's decisions, and a projection of its output onto the
//! feasible set, so that a command is never infeasible.
//!
//! # Graph
//!
//! Nodes are the observation's microgrids plus one node for the substation
//! bus (the hub, last). Edges are the path elements the grid analyzer finds
//! usable now (both directions), with features [`EDGE_DIM`]: capacity
//! (`ln(1 + cap / P)`), loss fraction (x 10), tie or feeder, switch closed.
//! `P` is the community's power scale ([`power_scale`]): the mean present
//! demand of the microgrids, so the same model serves communities of any
//! size and rating.
//!
//! Node inputs ([`NODE_DIM`], per unit of `P` for powers and of `P` times
//! the horizon for energies): see [`encode`].
//!
//! # Targets (imitation of `optimal`)
//!
//! Per islanded microgrid ([`OUT_DIM`]): battery power as a fraction of
//! this interval's discharge limit (positive) or charge limit (negative);
//! diesel power as a fraction of its limit; net import (delivered minus
//! sent, per unit of `P`); served fraction of each class's demand. Nodes
//! fed by the upstream grid and the hub are masked out of the loss (their
//! units are left to the local controller, as `optimal` does).
//!
//! # Projection onto the feasible set ([`project`])
//!
//! 1. Net imports (within [`DEAD_BAND`] of `P`: none): exports are capped
//!    by what a microgrid can supply now
//!    (renewables if it can form a grid, plus battery and diesel limits);
//!    imports by its demand. Importers (largest first) draw from the
//!    nearest exporter with export left (breadth-first search from the
//!    importer over edges with residual capacity), over that path, never
//!    above any edge's capacity as the executor counts it (a transfer's
//!    sent power on every edge of its path).
//! 2. Dispatch: battery and diesel are clamped to this interval's limits,
//!    then moved (battery, then diesel) so that supply equals served load
//!    plus exports, as in the LP's power balance; if the limits do not
//!    allow it, load is shed normal first, then essential, then critical;
//!    a surplus is stored (within the charge limit), then serves load that
//!    the network left unserved, critical first, and the rest is curtailed.
//!
//! Every transfer, battery, diesel and shed value of the result is within
//! the limits the executor checks ([`check`] counts violations; tested on
//! random inputs).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use agents::observe::{EdgeKind, Node, Observation};
use agents::plan::{Dispatch, Plan, PlanError, PlanInput, Strategy, Transfer};
use agents::roles::{GridReport, RiskLevel};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::graph::Graph;
use crate::model::{Gnn, GnnConfig};
use crate::rng::SplitMix64;

/// Node input features.
pub const NODE_DIM: usize = 26;
/// Edge features.
pub const EDGE_DIM: usize = 4;
/// Outputs per node: battery fraction, diesel fraction, net import (per
/// unit of `P`), served fraction of critical, essential, normal demand.
pub const OUT_DIM: usize = 6;

/// Smallest transfer planned (MW), as the optimal planner's
/// [`agents::optimal::MIN_FLOW_MW`].
pub const MIN_FLOW_MW: f64 = agents::optimal::MIN_FLOW_MW;

/// Net imports predicted within this fraction of the power scale `P` are
/// treated as zero (see [`project`]).
pub const DEAD_BAND: f64 = 0.02;

/// The community's power scale `P` (MW): the mean present demand per
/// microgrid, at least 1 kW.
pub fn power_scale(obs: &Observation) -> f64 {
    let n = obs.microgrids.len().max(1) as f64;
    let total: f64 = obs
        .microgrids
        .iter()
        .map(|m| {
            m.demand_forecast_mw
                .first()
                .map_or(0.0, |d| d[0] + d[1] + d[2])
        })
        .sum();
    (total / n).max(1e-3)
}

/// Per-microgrid limits for this interval (MW).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Limits {
    /// Demand per class now (the forecast of period 0, as the LP uses).
    pub demand: [f64; 3],
    /// Renewable power usable now (0 without a grid-forming unit).
    pub renewable: f64,
    /// Battery discharge limit.
    pub discharge: f64,
    /// Battery charge limit.
    pub charge: f64,
    /// Diesel limit.
    pub diesel: f64,
}

/// This interval's limits of microgrid `m`.
pub fn limits(obs: &Observation, m: usize) -> Limits {
    let mg = &obs.microgrids[m];
    let forms = mg.can_form_grid();
    let d = mg.demand_forecast_mw.first().copied().unwrap_or([0.0; 3]);
    Limits {
        demand: d.map(|x| if x.is_finite() { x.max(0.0) } else { 0.0 }),
        renewable: if forms {
            mg.renewable_forecast_mw
                .first()
                .copied()
                .unwrap_or(0.0)
                .max(0.0)
        } else {
            0.0
        },
        discharge: mg
            .batteries
            .iter()
            .map(|(_, b)| b.max_discharge_mw(obs.dt_h).min(b.power_mw).max(0.0))
            .sum(),
        charge: mg
            .batteries
            .iter()
            .map(|(_, b)| b.max_charge_mw(obs.dt_h).min(b.power_mw).max(0.0))
            .sum(),
        diesel: mg
            .diesels
            .iter()
            .map(|(_, g)| g.max_mw(obs.dt_h).max(0.0))
            .sum(),
    }
}

fn node_index(n: usize, node: Node) -> usize {
    match node {
        Node::Mg(i) => i,
        Node::Hub => n,
    }
}

fn finite(x: f64) -> f32 {
    if x.is_finite() {
        x.clamp(-1e3, 1e3) as f32
    } else {
        0.0
    }
}

/// The graph and node inputs of one interval: `(graph over n + 1 nodes,
/// x as [n + 1, NODE_DIM] row-major, P)`.
///
/// Node inputs (microgrid rows; the hub row has only its flag set):
/// hub flag; fed by the upstream grid; can form a grid; demand per class
/// now; renewable now; battery discharge and charge limits; diesel limit;
/// stored energy, fuel, horizon demand critical and essential, horizon
/// renewable (per unit of `P` x horizon); critical and whole horizon
/// balance from the energy analyzer; expected restoration (per 72 h); risk
/// level (3, one-hot); own deficit per class and spare power
/// ([`agents::plan::own_position`]); mean state of charge; has a usable
/// path; degree of the node in usable paths (per 4).
pub fn encode(input: &PlanInput<'_>) -> (Graph, Vec<f32>, f64) {
    let obs = input.obs;
    let n = obs.microgrids.len();
    let p = power_scale(obs);
    let horizon_h: f64 = obs.periods_h.iter().sum::<f64>().max(obs.dt_h).max(1e-6);
    let e_scale = p * horizon_h;
    let mut edges = Vec::with_capacity(input.grid.usable.len());
    let mut degree = vec![0usize; n + 1];
    for u in &input.grid.usable {
        let (a, b) = (node_index(n, u.a), node_index(n, u.b));
        if a > n || b > n || a == b {
            continue;
        }
        degree[a] += 1;
        degree[b] += 1;
        let e = obs.edges.get(u.edge);
        edges.push((
            a,
            b,
            vec![
                finite((1.0 + u.capacity_mw.max(0.0) / p).ln()),
                finite(u.loss_frac * 10.0),
                if e.is_some_and(|e| e.kind == EdgeKind::Tie) {
                    1.0
                } else {
                    0.0
                },
                if e.is_some_and(|e| e.closed) {
                    1.0
                } else {
                    0.0
                },
            ],
        ));
    }
    let graph = Graph::undirected(n + 1, &edges, EDGE_DIM);
    let mut x = vec![0f32; (n + 1) * NODE_DIM];
    x[n * NODE_DIM] = 1.0;
    for (m, mg) in obs.microgrids.iter().enumerate() {
        let lim = limits(obs, m);
        let row = &mut x[m * NODE_DIM..(m + 1) * NODE_DIM];
        let (mut crit_h, mut ess_h, mut ren_h) = (0.0, 0.0, 0.0);
        for (k, h) in obs.periods_h.iter().enumerate() {
            let f = mg.demand_forecast_mw.get(k).copied().unwrap_or([0.0; 3]);
            crit_h += f[0] * h;
            ess_h += f[1] * h;
            ren_h += mg.renewable_forecast_mw.get(k).copied().unwrap_or(0.0) * h;
        }
        let pos = input.energy.positions.get(m);
        let (def, spare) = agents::plan::own_position(obs, m);
        let soc = if mg.batteries.is_empty() {
            0.0
        } else {
            mg.batteries.iter().map(|(_, b)| b.soc).sum::<f64>() / mg.batteries.len() as f64
        };
        let risk = input.disaster.risk.get(m).copied();
        let vals = [
            0.0,
            f64::from(u8::from(mg.upstream_connected)),
            f64::from(u8::from(mg.can_form_grid())),
            lim.demand[0] / p,
            lim.demand[1] / p,
            lim.demand[2] / p,
            lim.renewable / p,
            lim.discharge / p,
            lim.charge / p,
            lim.diesel / p,
            pos.map_or(0.0, |e| e.stored_mwh) / e_scale,
            pos.map_or(0.0, |e| e.fuel_mwh) / e_scale,
            crit_h / e_scale,
            ess_h / e_scale,
            ren_h / e_scale,
            pos.map_or(0.0, |e| e.critical_balance_mwh) / e_scale,
            pos.map_or(0.0, |e| e.horizon_balance_mwh) / e_scale,
            input
                .disaster
                .expected_restore_h
                .get(m)
                .copied()
                .unwrap_or(0.0)
                / 72.0,
            f64::from(u8::from(risk == Some(RiskLevel::Low))),
            f64::from(u8::from(risk == Some(RiskLevel::Elevated))),
            f64::from(u8::from(risk == Some(RiskLevel::High))),
            (def[0] + def[1]) / p,
            def[2] / p,
            spare / p,
            soc,
            degree[m] as f64 / 4.0,
        ];
        for (r, v) in row.iter_mut().zip(vals) {
            *r = finite(v);
        }
    }
    (graph, x, p)
}

/// The optimal plan's decisions as targets `[n + 1, OUT_DIM]` and the loss
/// mask `[n + 1]` (1 for microgrids the plan dispatches).
pub fn targets(input: &PlanInput<'_>, plan: &Plan, p: f64) -> (Vec<f32>, Vec<f32>) {
    let obs = input.obs;
    let n = obs.microgrids.len();
    let mut y = vec![0f32; (n + 1) * OUT_DIM];
    let mut mask = vec![0f32; n + 1];
    let mut import = vec![0.0; n];
    for t in &plan.transfers {
        if t.from < n && t.to < n {
            import[t.from] -= t.sent_mw;
            import[t.to] += t.delivered_mw;
        }
    }
    let Some(disp) = &plan.dispatch else {
        return (y, mask);
    };
    for m in 0..n {
        let Some(Some(d)) = disp.get(m) else { continue };
        let lim = limits(obs, m);
        mask[m] = 1.0;
        let row = &mut y[m * OUT_DIM..(m + 1) * OUT_DIM];
        let b = if d.battery_mw >= 0.0 {
            if lim.discharge > 1e-9 {
                d.battery_mw / lim.discharge
            } else {
                0.0
            }
        } else if lim.charge > 1e-9 {
            d.battery_mw / lim.charge
        } else {
            0.0
        };
        let g = if lim.diesel > 1e-9 {
            d.diesel_mw / lim.diesel
        } else {
            0.0
        };
        row[0] = finite(b.clamp(-1.0, 1.0));
        row[1] = finite(g.clamp(0.0, 1.0));
        row[2] = finite(import[m] / p);
        for c in 0..3 {
            row[3 + c] = finite(if lim.demand[c] > 1e-12 {
                (1.0 - d.shed[c]).clamp(0.0, 1.0)
            } else {
                1.0
            });
        }
    }
    (y, mask)
}

/// Residual capacities of the usable edges, with an adjacency list for
/// breadth-first routing in time linear in the nodes and edges reached.
#[derive(Debug, Clone)]
struct FastRouter {
    n: usize,
    /// (edge index in the observation, a, b, residual MW, loss fraction)
    edges: Vec<(usize, usize, usize, f64, f64)>,
    /// Per node (n microgrids + hub): incident slots into `edges`.
    adj: Vec<Vec<usize>>,
}

impl FastRouter {
    fn new(obs: &Observation, grid: &GridReport) -> FastRouter {
        let n = obs.microgrids.len();
        let mut edges = Vec::with_capacity(grid.usable.len());
        let mut adj = vec![Vec::new(); n + 1];
        for u in &grid.usable {
            let (a, b) = (node_index(n, u.a), node_index(n, u.b));
            let Some(e) = obs.edges.get(u.edge) else {
                continue;
            };
            if a > n || b > n || a == b || !e.intact {
                continue;
            }
            // The executor checks against the observation's capacity.
            let cap = u.capacity_mw.min(e.capacity_mw);
            if !(cap.is_finite() && cap > 0.0) {
                continue;
            }
            let loss = if u.loss_frac.is_finite() {
                u.loss_frac.clamp(0.0, 1.0)
            } else {
                1.0
            };
            adj[a].push(edges.len());
            adj[b].push(edges.len());
            edges.push((u.edge, a, b, cap, loss));
        }
        FastRouter { n, edges, adj }
    }

    /// Breadth-first search from `to` over edges with residual capacity
    /// above [`MIN_FLOW_MW`] for the nearest node that `source` accepts:
    /// that node and the path's slots, ordered from it to `to`.
    fn nearest(&self, to: usize, source: &dyn Fn(usize) -> bool) -> Option<(usize, Vec<usize>)> {
        if to > self.n {
            return None;
        }
        let mut prev: Vec<Option<usize>> = vec![None; self.n + 1];
        let mut seen = vec![false; self.n + 1];
        seen[to] = true;
        let mut q = VecDeque::from([to]);
        let mut found = None;
        'bfs: while let Some(u) = q.pop_front() {
            for &s in &self.adj[u] {
                let (_, a, b, cap, _) = self.edges[s];
                if cap <= MIN_FLOW_MW {
                    continue;
                }
                let v = if a == u { b } else { a };
                if seen[v] {
                    continue;
                }
                seen[v] = true;
                prev[v] = Some(s);
                if source(v) {
                    found = Some(v);
                    break 'bfs;
                }
                q.push_back(v);
            }
        }
        let from = found?;
        // Walk from the source back towards `to`: slots in sending order.
        let mut slots = Vec::new();
        let mut v = from;
        while v != to {
            let s = prev[v]?;
            slots.push(s);
            let (_, a, b, _, _) = self.edges[s];
            v = if a == v { b } else { a };
        }
        Some((from, slots))
    }

    /// Fraction of the sent power that arrives over `slots`.
    fn keep(&self, slots: &[usize]) -> f64 {
        slots.iter().map(|&s| 1.0 - self.edges[s].4).product()
    }

    /// Books up to `want_sent` MW on `slots`; `(path, sent, delivered)`.
    /// The executor counts a transfer's sent power on every edge of its
    /// path (losses are not subtracted along the way), so the same is
    /// booked here: never over any edge's capacity by its count.
    fn book(&mut self, slots: &[usize], want_sent: f64) -> (Vec<usize>, f64, f64) {
        let mut sent = want_sent.max(0.0);
        for &s in slots {
            sent = sent.min(self.edges[s].3);
        }
        for &s in slots {
            // Never below zero through rounding.
            self.edges[s].3 = (self.edges[s].3 - sent).max(0.0);
        }
        (
            slots.iter().map(|&s| self.edges[s].0).collect(),
            sent,
            sent * self.keep(slots),
        )
    }
}

fn out_at(raw: &[f32], m: usize, k: usize) -> f64 {
    raw.get(m * OUT_DIM + k)
        .map_or(0.0, |&v| if v.is_finite() { f64::from(v) } else { 0.0 })
}

/// Projects the network's raw output `[n + 1, OUT_DIM]` (see the module
/// docs) onto the feasible set and returns the plan.
pub fn project(input: &PlanInput<'_>, raw: &[f32]) -> Plan {
    let obs = input.obs;
    let n = obs.microgrids.len();
    let p = power_scale(obs);
    let lims: Vec<Limits> = (0..n).map(|m| limits(obs, m)).collect();
    let islanded: Vec<bool> = obs
        .microgrids
        .iter()
        .map(|m| !m.upstream_connected)
        .collect();
    // 1. Net imports, capped.
    let mut export = vec![0.0; n];
    let mut import = vec![0.0; n];
    for m in 0..n {
        if !islanded[m] {
            continue;
        }
        let x = out_at(raw, m, 2) * p;
        let l = &lims[m];
        // Dead band: net imports within DEAD_BAND of P are regression
        // noise, not decisions (the teacher rarely shares on the presets).
        let floor = MIN_FLOW_MW.max(DEAD_BAND * p);
        if x < -floor {
            export[m] = (-x).min(l.renewable + l.discharge + l.diesel);
        } else if x > floor {
            import[m] = x.min(l.demand.iter().sum());
        }
    }
    let mut router = FastRouter::new(obs, input.grid);
    let mut transfers = Vec::new();
    let mut got = vec![0.0; n];
    let mut sent_by = vec![0.0; n];
    let mut importers: Vec<usize> = (0..n).filter(|&m| import[m] > MIN_FLOW_MW).collect();
    importers.sort_by(|&a, &b| import[b].total_cmp(&import[a]).then(a.cmp(&b)));
    // Each importer (largest first) draws from the nearest exporter with
    // export left, over the fewest edges with residual capacity, until it
    // has what it asked for or no exporter is reachable. Every round
    // fills the importer, empties an exporter or saturates an edge, so the
    // loop ends.
    for &to in &importers {
        let mut want = import[to];
        while want > MIN_FLOW_MW {
            let source = |m: usize| m < n && m != to && export[m] > MIN_FLOW_MW;
            let Some((from, slots)) = router.nearest(to, &source) else {
                break;
            };
            let keep = router.keep(&slots);
            if keep <= 1e-6 {
                break;
            }
            let (path, sent, delivered) = router.book(&slots, export[from].min(want / keep));
            export[from] -= sent;
            sent_by[from] += sent;
            got[to] += delivered;
            want -= delivered;
            transfers.push(Transfer {
                from,
                to,
                sent_mw: sent,
                delivered_mw: delivered,
                path,
                reason: format!(
                    "GNN: {} exports to {}",
                    obs.microgrids[from].name, obs.microgrids[to].name
                ),
            });
        }
    }
    // 2. Dispatch.
    let mut disp: Vec<Option<Dispatch>> = vec![None; n];
    for m in 0..n {
        if !islanded[m] {
            continue;
        }
        let l = &lims[m];
        let bf = out_at(raw, m, 0).clamp(-1.0, 1.0);
        let mut b = if bf >= 0.0 {
            bf * l.discharge
        } else {
            bf * l.charge
        };
        let mut g = out_at(raw, m, 1).clamp(0.0, 1.0) * l.diesel;
        let mut s = [0.0; 3];
        for c in 0..3 {
            s[c] = out_at(raw, m, 3 + c).clamp(0.0, 1.0) * l.demand[c];
        }
        let net_in = got[m] - sent_by[m];
        // need > 0: short of supply.
        let need =
            |s: &[f64; 3], b: f64, g: f64| s.iter().sum::<f64>() - l.renewable - net_in - b - g;
        let mut short = need(&s, b, g);
        if short > 0.0 {
            let db = short.min(l.discharge - b).max(0.0);
            b += db;
            short -= db;
            let dg = short.min(l.diesel - g).max(0.0);
            g += dg;
            short -= dg;
            for c in (0..3).rev() {
                let ds = short.min(s[c]).max(0.0);
                s[c] -= ds;
                short -= ds;
            }
        } else {
            let mut surplus = -short;
            let dg = surplus.min(g).max(0.0);
            g -= dg;
            surplus -= dg;
            let db = surplus.min(b + l.charge).max(0.0);
            b -= db;
            surplus -= db;
            for c in 0..3 {
                let ds = surplus.min(l.demand[c] - s[c]).max(0.0);
                s[c] += ds;
                surplus -= ds;
            }
        }
        let shed = [0, 1, 2].map(|c| {
            if l.demand[c] > 1e-12 {
                (1.0 - s[c] / l.demand[c]).clamp(0.0, 1.0)
            } else {
                0.0
            }
        });
        disp[m] = Some(Dispatch {
            battery_mw: b.clamp(-l.charge, l.discharge),
            diesel_mw: g.clamp(0.0, l.diesel),
            shed,
        });
    }
    let delivered: f64 = transfers.iter().map(|t| t.delivered_mw).sum();
    Plan {
        strategy: "gnn".into(),
        rationale: format!(
            "GNN imitation of the LP, projected onto the limits: {} transfer(s) delivering {:.3} MW",
            transfers.len(),
            delivered
        ),
        transfers,
        dispatch: Some(disp),
        trades: Vec::new(),
        confidence: 0.7,
    }
}

/// Commands of `plan` that the executor would refuse or that break a unit's
/// limit, in words: a transfer over an unusable path, over an edge's
/// capacity, with a negative or non-finite power or delivering more than
/// it sends; a battery setpoint outside this interval's charge and
/// discharge limits; diesel power outside `[0, limit]`; a shed fraction
/// outside `[0, 1]`. Tolerance 1e-6 relative plus 1e-9 MW (the executor's).
pub fn check(obs: &Observation, grid: &GridReport, plan: &Plan) -> Vec<String> {
    let mut bad = Vec::new();
    let mut used = vec![0.0f64; obs.edges.len()];
    let tol = |cap: f64| cap * (1.0 + 1e-6) + 1e-9;
    for t in &plan.transfers {
        let usable = !t.path.is_empty()
            && t.path
                .iter()
                .all(|&e| e < obs.edges.len() && grid.usable.iter().any(|u| u.edge == e));
        let powers_ok = t.sent_mw.is_finite()
            && t.sent_mw >= 0.0
            && t.delivered_mw.is_finite()
            && t.delivered_mw <= tol(t.sent_mw);
        if !(usable && powers_ok) {
            bad.push(format!(
                "transfer {} -> {}: bad path or power",
                t.from, t.to
            ));
            continue;
        }
        if let Some(&e) = t
            .path
            .iter()
            .find(|&&e| used[e] + t.sent_mw > tol(obs.edges[e].capacity_mw))
        {
            bad.push(format!(
                "transfer {} -> {}: over capacity on edge {e}",
                t.from, t.to
            ));
            continue;
        }
        for &e in &t.path {
            used[e] += t.sent_mw;
        }
    }
    if let Some(disp) = &plan.dispatch {
        for (m, d) in disp.iter().enumerate() {
            let Some(d) = d else { continue };
            if m >= obs.microgrids.len() {
                bad.push(format!("dispatch for unknown microgrid {m}"));
                continue;
            }
            let l = limits(obs, m);
            if !(d.battery_mw.is_finite()
                && d.battery_mw <= tol(l.discharge)
                && -d.battery_mw <= tol(l.charge))
            {
                bad.push(format!("microgrid {m}: battery {:.4} MW", d.battery_mw));
            }
            if !(d.diesel_mw.is_finite() && d.diesel_mw >= 0.0 && d.diesel_mw <= tol(l.diesel)) {
                bad.push(format!("microgrid {m}: diesel {:.4} MW", d.diesel_mw));
            }
            if d.shed
                .iter()
                .any(|f| !(f.is_finite() && (0.0..=1.0).contains(f)))
            {
                bad.push(format!("microgrid {m}: shed {:?}", d.shed));
            }
        }
    }
    bad
}

/// Shape and training record of a saved planner (`planner.json` beside
/// `planner.bpk`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannerMeta {
    /// Model shape.
    pub config: GnnConfig,
    /// Training options.
    pub options: PlannerTrainOptions,
    /// Where the training data came from, in words.
    pub data: String,
    /// Epoch kept (best validation loss).
    pub best_epoch: usize,
    /// Per-epoch numbers.
    pub history: Vec<PlannerEpoch>,
}

/// Options of [`train`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlannerTrainOptions {
    /// Seed of weights and shuffles.
    pub seed: u64,
    /// Epochs.
    pub epochs: usize,
    /// Samples (intervals) per minibatch, joined as one disjoint graph.
    pub batch: usize,
    /// Width of node states.
    pub hidden: usize,
    /// Rounds of message passing.
    pub layers: usize,
    /// Peak Adam learning rate (cosine decay to 5 % of it).
    pub lr: f64,
}

impl Default for PlannerTrainOptions {
    fn default() -> Self {
        PlannerTrainOptions {
            seed: 7,
            epochs: 30,
            batch: 32,
            hidden: 32,
            layers: 3,
            lr: 3e-3,
        }
    }
}

/// Numbers of one training epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlannerEpoch {
    /// Epoch, from 1.
    pub epoch: usize,
    /// Mean training loss (masked mean squared error).
    pub train_loss: f64,
    /// Validation loss (same), or the training loss without validation data.
    pub val_loss: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
}

/// One training example: an interval's graph, inputs and the teacher's
/// decisions.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannerSample {
    /// The graph (microgrids + hub).
    pub graph: Graph,
    /// `[n, NODE_DIM]` inputs.
    pub x: Vec<f32>,
    /// `[n, OUT_DIM]` targets.
    pub y: Vec<f32>,
    /// `[n]` loss mask.
    pub mask: Vec<f32>,
}

impl PlannerSample {
    /// The sample of an interval and the teacher's plan.
    pub fn new(input: &PlanInput<'_>, plan: &Plan) -> PlannerSample {
        let (graph, x, p) = encode(input);
        let (y, mask) = targets(input, plan, p);
        PlannerSample { graph, x, y, mask }
    }
}

/// A trained planner.
#[derive(Debug)]
pub struct TrainedPlanner {
    /// The model of the best validation epoch (plain device).
    pub model: Gnn,
    /// Its shape.
    pub config: GnnConfig,
    /// Per-epoch numbers.
    pub history: Vec<PlannerEpoch>,
    /// Epoch kept.
    pub best_epoch: usize,
}

/// Joins samples into one disjoint graph with stacked inputs, targets and
/// mask: `(graph, x, y, mask, rows)`.
fn join(samples: &[&PlannerSample]) -> (Graph, Vec<f32>, Vec<f32>, Vec<f32>) {
    let graphs: Vec<Graph> = samples.iter().map(|s| s.graph.clone()).collect();
    let g = Graph::disjoint_union(&graphs);
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut mask = Vec::new();
    for s in samples {
        x.extend_from_slice(&s.x);
        y.extend_from_slice(&s.y);
        mask.extend_from_slice(&s.mask);
    }
    (g, x, y, mask)
}

fn batch_loss(model: &Gnn, samples: &[&PlannerSample], device: &Device) -> Tensor<1> {
    let (g, x, y, mask) = join(samples);
    let n = g.n;
    let gt = g.to_tensors(device);
    let x = Tensor::<3>::from_data(TensorData::new(x, [1, n, NODE_DIM]), device);
    let y = Tensor::<3>::from_data(TensorData::new(y, [1, n, OUT_DIM]), device);
    let cnt: f32 = mask.iter().sum::<f32>().max(1.0);
    let mask = Tensor::<3>::from_data(TensorData::new(mask, [1, n, 1]), device);
    let d = model.forward(x, &gt) - y;
    ((d.clone() * d) * mask).sum() / (cnt * OUT_DIM as f32)
}

/// Trains a planner on `train` (validating on `val` to keep the best
/// epoch): masked mean squared error against the teacher's decisions,
/// Adam with cosine decay. Deterministic under `opts.seed` on the CPU
/// backend. `on_epoch` sees every epoch.
///
/// # Errors
/// No training sample with a decision to imitate.
pub fn train(
    train: &[PlannerSample],
    val: &[PlannerSample],
    opts: &PlannerTrainOptions,
    device: &Device,
    on_epoch: &mut dyn FnMut(&PlannerEpoch),
) -> Result<TrainedPlanner, Error> {
    let useful: Vec<&PlannerSample> = train
        .iter()
        .filter(|s| s.mask.iter().any(|&m| m > 0.0))
        .collect();
    if useful.is_empty() {
        return Err(Error::Data(
            "no training interval has an islanded microgrid to plan for".into(),
        ));
    }
    let val: Vec<&PlannerSample> = val
        .iter()
        .filter(|s| s.mask.iter().any(|&m| m > 0.0))
        .collect();
    let ad = device.clone().autodiff();
    let config = GnnConfig {
        in_dim: NODE_DIM,
        hidden: opts.hidden,
        layers: opts.layers,
        edge_dim: EDGE_DIM,
        out_dim: OUT_DIM,
    };
    let mut model = config.init(opts.seed, &ad);
    let mut optim = AdamConfig::new().init();
    let mut rng = SplitMix64::fork(opts.seed, "planner-shuffle");
    let batch = opts.batch.max(1);
    let steps_per_epoch = useful.len().div_ceil(batch);
    let total = (steps_per_epoch * opts.epochs).max(1);
    let mut step = 0usize;
    let mut history = Vec::new();
    let mut best: Option<(f64, usize, Gnn)> = None;
    for epoch in 1..=opts.epochs {
        let t0 = Instant::now();
        let mut order: Vec<usize> = (0..useful.len()).collect();
        rng.shuffle(&mut order);
        let (mut sum, mut cnt) = (0.0, 0usize);
        for chunk in order.chunks(batch) {
            let part: Vec<&PlannerSample> = chunk.iter().map(|&i| useful[i]).collect();
            let loss = batch_loss(&model, &part, &ad);
            sum += f64::from(loss.clone().into_scalar::<f32>());
            cnt += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            let frac = step as f64 / total as f64;
            let lr = opts.lr * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos()));
            model = optim.step(lr, model, grads);
            step += 1;
        }
        let plain = model.valid().to_device(device);
        let train_loss = sum / cnt.max(1) as f64;
        let val_loss = if val.is_empty() {
            train_loss
        } else {
            let (mut s, mut k) = (0.0, 0usize);
            for chunk in val.chunks(256) {
                s += f64::from(batch_loss(&plain, chunk, device).into_scalar::<f32>());
                k += 1;
            }
            s / k.max(1) as f64
        };
        let rep = PlannerEpoch {
            epoch,
            train_loss,
            val_loss,
            seconds: t0.elapsed().as_secs_f64(),
        };
        on_epoch(&rep);
        history.push(rep);
        if best.as_ref().is_none_or(|(v, _, _)| val_loss < *v) {
            best = Some((val_loss, epoch, plain));
        }
    }
    let (_, best_epoch, model) = best.ok_or_else(|| Error::Data("no epochs".into()))?;
    Ok(TrainedPlanner {
        model,
        config,
        history,
        best_epoch,
    })
}

/// The model's raw output `[n + 1, OUT_DIM]` for one interval.
pub fn infer(model: &Gnn, input: &PlanInput<'_>, device: &Device) -> Vec<f32> {
    let (g, x, _) = encode(input);
    let n = g.n;
    let gt = g.to_tensors(device);
    let x = Tensor::<3>::from_data(TensorData::new(x, [1, n, NODE_DIM]), device);
    model.forward(x, &gt).into_data().iter::<f32>().collect()
}

/// The `gnn` strategy: the network's output projected onto the feasible
/// set ([`project`]).
#[derive(Debug)]
pub struct GnnPlanner {
    model: Gnn,
    device: Device,
}

impl GnnPlanner {
    /// A planner with the given model on `device`.
    pub fn new(model: Gnn, device: Device) -> GnnPlanner {
        GnnPlanner { model, device }
    }

    /// The planner with the weights shipped in the crate, on the CPU.
    ///
    /// # Errors
    /// Only if the shipped files are corrupt.
    pub fn shipped() -> Result<GnnPlanner, Error> {
        let device = crate::cpu();
        let (model, _) = shipped_model(&device)?;
        Ok(GnnPlanner { model, device })
    }

    /// The model.
    pub fn model(&self) -> &Gnn {
        &self.model
    }
}

impl Strategy for GnnPlanner {
    fn name(&self) -> &'static str {
        "gnn"
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let raw = infer(&self.model, input, &self.device);
        Ok(project(input, &raw))
    }
}

/// A strategy that failed to load: every plan is an error, so the pipeline
/// falls back to each microgrid alone and logs why.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

impl Strategy for Unavailable {
    fn name(&self) -> &'static str {
        "gnn"
    }

    fn plan(&mut self, _input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        Err(PlanError::Solver(self.0.clone()))
    }
}

/// The shipped `gnn` strategy, or [`Unavailable`] with the reason: the
/// constructor registered with `agents::pipeline::register_strategy`.
pub fn shipped_strategy() -> Box<dyn Strategy> {
    match GnnPlanner::shipped() {
        Ok(p) => Box::new(p),
        Err(e) => Box::new(Unavailable(format!("gnn planner unavailable: {e}"))),
    }
}

/// What a [`Probe`] measured.
#[derive(Debug, Clone, Default)]
pub struct ProbeStats {
    /// Intervals planned.
    pub intervals: usize,
    /// Seconds spent planning (inside the strategy).
    pub plan_secs: f64,
    /// Commands [`check`] found infeasible.
    pub infeasible: usize,
    /// Examples recorded (when recording).
    pub samples: Vec<PlannerSample>,
}

/// Wraps a strategy: times every plan, counts infeasible commands
/// ([`check`]) and, when `record` is set, keeps each interval's
/// [`PlannerSample`] (the wrapped strategy is then the teacher).
pub struct Probe {
    inner: Box<dyn Strategy>,
    record: bool,
    stats: Arc<Mutex<ProbeStats>>,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("inner", &self.inner.name())
            .field("record", &self.record)
            .finish()
    }
}

impl Probe {
    /// Wraps `inner`; results go to `stats`.
    pub fn new(inner: Box<dyn Strategy>, record: bool, stats: Arc<Mutex<ProbeStats>>) -> Probe {
        Probe {
            inner,
            record,
            stats,
        }
    }
}

impl Strategy for Probe {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let t0 = Instant::now();
        let plan = self.inner.plan(input);
        let secs = t0.elapsed().as_secs_f64();
        let bad = plan
            .as_ref()
            .map_or(0, |p| check(input.obs, input.grid, p).len());
        let sample = match (&plan, self.record) {
            (Ok(p), true) if p.dispatch.is_some() => Some(PlannerSample::new(input, p)),
            _ => None,
        };
        if let Ok(mut s) = self.stats.lock() {
            s.intervals += 1;
            s.plan_secs += secs;
            s.infeasible += bad;
            if let Some(x) = sample
                && x.mask.iter().any(|&m| m > 0.0)
            {
                s.samples.push(x);
            }
        }
        plan
    }
}

/// The shipped planner on `device`, with its metadata.
///
/// # Errors
/// Only if the files in the crate are corrupt.
pub fn shipped_model(device: &Device) -> Result<(Gnn, PlannerMeta), Error> {
    let meta: PlannerMeta = serde_json::from_str(crate::shipped::PLANNER_JSON)?;
    Ok((
        crate::weights::load_model_bytes(crate::shipped::PLANNER_BPK, &meta.config, device)?,
        meta,
    ))
}

/// Saves a planner (`FILE.bpk`) with its [`PlannerMeta`] (`FILE.json`).
///
/// # Errors
/// The files cannot be written.
pub fn save(model: &Gnn, meta: &PlannerMeta, path: &std::path::Path) -> Result<(), Error> {
    crate::weights::save_model(model, path)?;
    let json = serde_json::to_string_pretty(meta)? + "\n";
    let mp = path.with_extension("json");
    std::fs::write(&mp, json).map_err(|source| Error::Io {
        path: mp.display().to_string(),
        source,
    })
}

/// Loads `FILE.bpk` with its `FILE.json` ([`PlannerMeta`]).
///
/// # Errors
/// Missing or mismatched files.
pub fn load(path: &std::path::Path, device: &Device) -> Result<(Gnn, PlannerMeta), Error> {
    let io = |p: &std::path::Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            path: p.display().to_string(),
            source,
        }
    };
    let mp = path.with_extension("json");
    let meta: PlannerMeta = serde_json::from_str(&std::fs::read_to_string(&mp).map_err(io(&mp))?)?;
    let bytes = std::fs::read(path).map_err(io(path))?;
    Ok((
        crate::weights::load_model_bytes(&bytes, &meta.config, device)?,
        meta,
    ))
}

/// Teacher samples on `count` random synthetic communities
/// ([`crate::synth::community`]: 4 to 31 microgrids, ring or clusters of
/// ties, a quarter of them with some microgrids still fed upstream), one
/// interval each, decisions from `optimal`. They add sharing situations
/// that the presets rarely show (their `optimal` runs seldom transfer
/// energy). Intervals whose LP fails are skipped.
pub fn synthetic_samples(count: usize, seed: u64) -> Vec<PlannerSample> {
    let mut rng = SplitMix64::fork(seed, "planner-synthetic");
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let n = 4 + rng.below(28);
        let obs = crate::synth::community(
            n,
            rng.next_u64(),
            k % 2 == 0,
            if k % 4 == 0 { 0.25 } else { 0.0 },
        );
        let analyses = agents::Analyses::of(&obs);
        let input = analyses.input(&obs);
        if let Ok(plan) = agents::OptimalPlanner::default().plan(&input) {
            let s = PlannerSample::new(&input, &plan);
            if s.mask.iter().any(|&m| m > 0.0) {
                out.push(s);
            }
        }
    }
    out
}
