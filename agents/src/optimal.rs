//! The `optimal` strategy: a receding-horizon linear program.
//!
//! # The program
//!
//! Over the planning periods `t` (lengths `h_t`, hours; period 0 is the
//! current interval) and the islanded microgrids `m`, with decision
//! variables (all MW unless noted, all `>= 0`):
//!
//! * `s[m,t,c] <= D[m,t,c]` served demand of class `c` (critical,
//!   essential, normal), `D` the demand forecast;
//! * `r[m,t] <= R[m,t]` renewables used (the rest curtailed);
//! * `bd[m,t] <= Pd[m]`, `bc[m,t] <= Pc[m]` battery discharge and charge
//!   (the microgrid's batteries aggregated: powers summed, efficiencies
//!   capacity-weighted);
//! * `E[m,t] <= Emax[m]` stored energy above the SoC floors at the end of
//!   period `t` (MWh), `E[m,t] = E[m,t-1] + h_t (eta_c bc - bd / eta_d)`;
//! * `g[m,t] <= G[m]` diesel output, with `sum_t h_t g[m,t] <= F[m]`, the
//!   fuel as energy at the consumption of the expected running point
//!   (HOMER's linear curve at the unit's share of the critical and
//!   essential demand, at least 10 % of rated: conservative at part load;
//!   the simulator burns the exact curve and the next plan sees it);
//! * `f[e,t,dir] <= cap[e]` flow on each usable path element in each
//!   direction, arriving with `(1 - loss[e])` of what is sent;
//!
//! subject to a power balance at every microgrid and at the hub
//! (`r + bd - bc + g + inflow (1-loss) - outflow = sum_c s`; at the hub
//! without the `r, bd, bc, g, s` terms), the program maximises
//!
//! ```text
//! sum_{m,t,c} h_t w_c d_t s[m,t,c] + sum_m V(reserve[m])
//!   - c_f sum h_t f - 1e-4 sum h_t (bd + bc)
//! ```
//!
//! with priority weights `w = (100, 10, 1)`, a small discount
//! `d_t = 1 - 0.0005 * (hours to the middle of period t)` (serving earlier
//! is better, so a receding horizon never postpones), and `V` the value of
//! the energy
//! left at the end of the horizon, `reserve[m] = eta_d E[m,T] + F[m] -
//! sum_t h_t g[m,t]`: a concave piecewise-linear function whose first
//! segment (up to the critical demand expected beyond the horizon, from the
//! disaster analyzer's restoration estimate) is worth `0.98 w_critical`,
//! the second (the essential demand beyond the horizon) `0.98 w_essential`
//! and the rest `0.5 w_essential` (`REST`): more than any normal load, less
//! than essential load now. So stored energy and fuel are never spent on
//! normal loads (only renewables that cannot be stored are), because the
//! outage may outlast the disaster analyzer's estimate and every kept MWh
//! may be needed for critical load later; essential load is served from
//! what exceeds the critical and essential reserve; and energy goes to
//! another microgrid only when its path losses are worth it.
//!
//! `c_f = 3` per MWh sent (`TRANSFER_COST`, 3 % of a critical MWh) is a
//! margin against the program's simplifications: moving energy that a
//! microgrid keeps for its own critical load to another's critical load is
//! zero-sum at best (and loses on the way), so a transfer must gain more
//! than that; energy beyond a donor's own critical and essential reserve
//! still flows freely to a neighbour's critical or essential load.
//!
//! The small penalties make the optimum unique in practice (no needless
//! transfers or battery cycling). Internal network losses are left to the
//! grid-forming units. The first period's values become the plan; the
//! program is solved again every interval with the new state (receding
//! horizon). Solved with `good_lp` and its pure-Rust `microlp` simplex.

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use crate::observe::{Node, Observation};
use crate::plan::{Dispatch, Plan, PlanError, PlanInput, Strategy, Transfer};

/// Priority weights (critical, essential, normal) per MWh served.
pub const WEIGHTS: [f64; 3] = [100.0, 10.0, 1.0];

/// Cost per MWh sent over a path (see the module docs).
pub const TRANSFER_COST: f64 = 3.0;

/// Worth of reserve beyond the critical and essential need, relative to
/// the essential weight (0.5: above normal load, below essential load).
pub const REST: f64 = 0.5;

/// Smallest planned flow carried out (MW).
pub const MIN_FLOW_MW: f64 = 1e-3;

/// Weight lost per hour of delay within the horizon (0.05 % per hour).
pub const DISCOUNT_PER_H: f64 = 5e-4;

/// Worth of reserve kept for critical and essential demand beyond the
/// horizon, relative to serving it (below any in-horizon weight: at most
/// 1 - 0.0005 * 24 = 0.988 after a day).
pub const TERMINAL: f64 = 0.98;

/// Receding-horizon LP planner.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimalPlanner {
    /// Cap on the hours beyond the horizon for which reserve is valued (h).
    pub beyond_cap_h: f64,
}

impl Default for OptimalPlanner {
    fn default() -> Self {
        OptimalPlanner { beyond_cap_h: 72.0 }
    }
}

struct MgVars {
    m: usize,
    s: Vec<[Variable; 3]>,
    bd: Vec<Variable>,
    bc: Vec<Variable>,
    g: Vec<Variable>,
    tranche: [Variable; 3],
    eta_c: f64,
    eta_d: f64,
    e0: f64,
    fuel: f64,
    r: Vec<Variable>,
}

/// The solution of the program for one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct LpSolution {
    /// Objective value.
    pub objective: f64,
    /// Per islanded microgrid: (index, dispatch of period 0, served MW per
    /// class in period 0).
    pub dispatch: Vec<(usize, Dispatch, [f64; 3])>,
    /// Net import per microgrid in period 0 (MW; delivered in minus sent).
    pub net_import_mw: Vec<f64>,
    /// Period-0 flow on each usable edge: (edge index, from node, to node,
    /// sent MW).
    pub flows: Vec<(usize, Node, Node, f64)>,
}

impl OptimalPlanner {
    /// Builds and solves the program (see the module docs).
    pub fn solve(&self, input: &PlanInput<'_>) -> Result<LpSolution, PlanError> {
        let obs = input.obs;
        let np = obs.periods_h.len().max(1);
        let periods: Vec<f64> = if obs.periods_h.is_empty() {
            vec![obs.dt_h]
        } else {
            obs.periods_h.clone()
        };
        let horizon_h: f64 = periods.iter().sum();
        let islanded: Vec<usize> = (0..obs.microgrids.len())
            .filter(|&m| !obs.microgrids[m].upstream_connected)
            .collect();
        let mut vars = ProblemVariables::new();
        let mut mgv: Vec<MgVars> = Vec::new();
        let mut objective = Expression::from(0.0);
        let mut constraints = Vec::new();
        for &m in &islanded {
            let mg = &obs.microgrids[m];
            let forms = mg.can_form_grid();
            let (mut pd, mut pc, mut cap, mut e0, mut wc, mut wd, mut wsum) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for (_, b) in &mg.batteries {
                let usable = (b.soc_max - b.soc_min).max(0.0) * b.energy_mwh * b.soh;
                pd += b.max_discharge_mw(obs.dt_h).min(b.power_mw);
                pc += b.max_charge_mw(obs.dt_h).min(b.power_mw);
                cap += usable;
                e0 += ((b.soc - b.soc_min).max(0.0) * b.energy_mwh * b.soh).min(usable);
                wc += usable * b.eta_charge;
                wd += usable * b.eta_discharge;
                wsum += usable;
            }
            let (eta_c, eta_d) = if wsum > 0.0 {
                (wc / wsum, wd / wsum)
            } else {
                (1.0, 1.0)
            };
            let gmax: f64 = mg.diesels.iter().map(|(_, d)| d.max_mw(obs.dt_h)).sum();
            // Fuel as energy at the consumption of the expected running
            // point: HOMER's curve F = f0 * rated + f1 * P gives
            // f1 + f0 * rated / P litres per MWh, P the unit's share of the
            // microgrid's critical + essential demand now (at least 10 % of
            // rated). Conservative at part load, where diesels mostly run.
            let ce_now: f64 = {
                let d = mg.demand_by_class();
                d[0] + d[1]
            };
            let rated_sum: f64 = mg.diesels.iter().map(|(_, d)| d.rated_mw).sum();
            let fuel: f64 = mg
                .diesels
                .iter()
                .map(|(_, d)| {
                    let share = if rated_sum > 0.0 {
                        ce_now * d.rated_mw / rated_sum
                    } else {
                        0.0
                    };
                    let p = share.clamp(0.1 * d.rated_mw, d.rated_mw).max(1e-9);
                    let rate = d.f1_l_per_mwh + d.f0_l_per_mwh_rated * d.rated_mw / p;
                    if rate > 0.0 { d.fuel_l / rate } else { 0.0 }
                })
                .sum();
            let mut s = Vec::with_capacity(np);
            let (mut r, mut bd, mut bc, mut g) = (
                Vec::with_capacity(np),
                Vec::with_capacity(np),
                Vec::with_capacity(np),
                Vec::with_capacity(np),
            );
            let mut e_prev = Expression::from(e0);
            let mut start_h = 0.0;
            for (t, &h) in periods.iter().enumerate() {
                // Earlier is better: without this, serving a load now or
                // later from the same stored energy ties, and a receding
                // horizon may postpone forever.
                let disc = 1.0 - DISCOUNT_PER_H * (start_h + 0.5 * h);
                start_h += h;
                let d = mg.demand_forecast_mw.get(t).copied().unwrap_or([0.0; 3]);
                let st = [0, 1, 2].map(|c| vars.add(variable().min(0.0).max(d[c].max(0.0))));
                for c in 0..3 {
                    objective += h * WEIGHTS[c] * disc * st[c];
                }
                // Without a grid-forming unit of its own the microgrid's
                // renewables are not counted (grid-following inverters);
                // its loads can still be served by imports (conservative
                // when a neighbour energises it).
                let ren = if forms {
                    mg.renewable_forecast_mw
                        .get(t)
                        .copied()
                        .unwrap_or(0.0)
                        .max(0.0)
                } else {
                    0.0
                };
                let rt = vars.add(variable().min(0.0).max(ren));
                let bdt = vars.add(variable().min(0.0).max(pd));
                let bct = vars.add(variable().min(0.0).max(pc));
                let gt = vars.add(variable().min(0.0).max(gmax));
                objective += -1e-4 * h * bdt;
                objective += -1e-4 * h * bct;
                objective += -1e-5 * h * gt;
                let e_t = e_prev.clone() + h * eta_c * bct - (h / eta_d) * bdt;
                constraints.push(e_t.clone().leq(cap));
                constraints.push(e_t.clone().geq(0.0));
                e_prev = e_t;
                s.push(st);
                r.push(rt);
                bd.push(bdt);
                bc.push(bct);
                g.push(gt);
            }
            // Fuel over the horizon.
            let mut fuel_used = Expression::from(0.0);
            for (t, &h) in periods.iter().enumerate() {
                fuel_used += h * g[t];
            }
            constraints.push(fuel_used.clone().leq(fuel));
            // Terminal reserve tranches.
            let rest = input
                .disaster
                .expected_restore_h
                .get(m)
                .copied()
                .unwrap_or(0.0);
            let beyond = (rest - horizon_h).clamp(0.0, self.beyond_cap_h);
            let last = mg.demand_forecast_mw.last().copied().unwrap_or([0.0; 3]);
            let mean = |c: usize| {
                let mut acc = 0.0;
                for (t, &h) in periods.iter().enumerate() {
                    acc += mg.demand_forecast_mw.get(t).map_or(last[c], |d| d[c]) * h;
                }
                acc / horizon_h.max(1e-9)
            };
            let need = [mean(0) * beyond, mean(1) * beyond];
            let tr = [
                vars.add(variable().min(0.0).max(need[0])),
                vars.add(variable().min(0.0).max(need[1])),
                vars.add(variable().min(0.0)),
            ];
            objective += TERMINAL * WEIGHTS[0] * tr[0];
            objective += TERMINAL * WEIGHTS[1] * tr[1];
            objective += REST * WEIGHTS[1] * tr[2];
            let reserve = eta_d * e_prev + fuel - fuel_used;
            constraints.push((tr[0] + tr[1] + tr[2]).leq(reserve));
            mgv.push(MgVars {
                m,
                s,
                bd,
                bc,
                g,
                tranche: tr,
                eta_c,
                eta_d,
                e0,
                fuel,
                r,
            });
        }
        // Flows on usable edges whose both ends are in the program.
        let in_prog = |n: Node| match n {
            Node::Mg(i) => islanded.contains(&i),
            Node::Hub => true,
        };
        let edges: Vec<_> = input
            .grid
            .usable
            .iter()
            .filter(|u| in_prog(u.a) && in_prog(u.b))
            .collect();
        let mut flows: Vec<Vec<[Variable; 2]>> = Vec::with_capacity(edges.len());
        for u in &edges {
            let mut fe = Vec::with_capacity(np);
            for &h in &periods {
                let f = [
                    vars.add(variable().min(0.0).max(u.capacity_mw)),
                    vars.add(variable().min(0.0).max(u.capacity_mw)),
                ];
                objective += -TRANSFER_COST * h * f[0];
                objective += -TRANSFER_COST * h * f[1];
                fe.push(f);
            }
            flows.push(fe);
        }
        // Balances.
        let net_in = |node: Node, t: usize| {
            let mut e = Expression::from(0.0);
            for (k, u) in edges.iter().enumerate() {
                let keep = 1.0 - u.loss_frac;
                if u.a == node {
                    // dir 0: a -> b, dir 1: b -> a
                    e += keep * flows[k][t][1];
                    e += -1.0 * flows[k][t][0];
                }
                if u.b == node {
                    e += keep * flows[k][t][0];
                    e += -1.0 * flows[k][t][1];
                }
            }
            e
        };
        for v in &mgv {
            for t in 0..np {
                let supply = net_in(Node::Mg(v.m), t) + v.r[t] + v.bd[t] - v.bc[t] + v.g[t];
                let served = v.s[t][0] + v.s[t][1] + v.s[t][2];
                constraints.push(supply.eq(served));
            }
        }
        if edges.iter().any(|u| u.a == Node::Hub || u.b == Node::Hub) {
            for t in 0..np {
                constraints.push(net_in(Node::Hub, t).eq(0.0));
            }
        }
        let mut model = vars.maximise(objective.clone()).using(good_lp::microlp);
        for c in constraints {
            model = model.with(c);
        }
        let sol = model
            .solve()
            .map_err(|e| PlanError::Solver(e.to_string()))?;
        let mut dispatch = Vec::new();
        let mut net_import = vec![0.0; obs.microgrids.len()];
        for v in &mgv {
            let mg = &obs.microgrids[v.m];
            let d0 = mg.demand_forecast_mw.first().copied().unwrap_or([0.0; 3]);
            let served = [0, 1, 2].map(|c| sol.value(v.s[0][c]).max(0.0));
            let shed = [0, 1, 2].map(|c| {
                if d0[c] > 1e-12 {
                    (1.0 - served[c] / d0[c]).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            });
            let _ = (v.eta_c, v.eta_d, v.e0, v.fuel, v.tranche);
            dispatch.push((
                v.m,
                Dispatch {
                    battery_mw: sol.value(v.bd[0]) - sol.value(v.bc[0]),
                    diesel_mw: sol.value(v.g[0]).max(0.0),
                    shed,
                },
                served,
            ));
            net_import[v.m] = sol.eval(net_in(Node::Mg(v.m), 0));
        }
        let mut fl = Vec::new();
        for (k, u) in edges.iter().enumerate() {
            let f0 = sol.value(flows[k][0][0]);
            let f1 = sol.value(flows[k][0][1]);
            // Flows under 1 kW are not worth closing a path for.
            if f0 > MIN_FLOW_MW {
                fl.push((u.edge, u.a, u.b, f0));
            }
            if f1 > MIN_FLOW_MW {
                fl.push((u.edge, u.b, u.a, f1));
            }
        }
        Ok(LpSolution {
            objective: sol.eval(objective),
            dispatch,
            net_import_mw: net_import,
            flows: fl,
        })
    }
}

impl Strategy for OptimalPlanner {
    fn name(&self) -> &'static str {
        "optimal"
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let obs = input.obs;
        let sol = self.solve(input)?;
        let mut disp: Vec<Option<Dispatch>> = vec![None; obs.microgrids.len()];
        for (m, d, _) in &sol.dispatch {
            disp[*m] = Some(*d);
        }
        let transfers = decompose(obs, &sol);
        let served_c: f64 = sol.dispatch.iter().map(|x| x.2[0]).sum();
        let demand_c: f64 = sol
            .dispatch
            .iter()
            .map(|x| {
                obs.microgrids[x.0]
                    .demand_forecast_mw
                    .first()
                    .map_or(0.0, |d| d[0])
            })
            .sum();
        let rationale = format!(
            "LP over {} period(s) ({:.0} h): serves {:.3} of {:.3} MW critical now; {} transfer(s) delivering {:.3} MW; objective {:.2}",
            obs.periods_h.len(),
            obs.periods_h.iter().sum::<f64>(),
            served_c,
            demand_c,
            transfers.len(),
            transfers.iter().map(|t| t.delivered_mw).sum::<f64>(),
            sol.objective
        );
        Ok(Plan {
            strategy: "optimal".into(),
            transfers,
            dispatch: Some(disp),
            trades: Vec::new(),
            rationale,
            // The first period is certain; later ones rest on forecasts.
            confidence: 0.9,
        })
    }
}

/// Turns period-0 edge flows into microgrid-to-microgrid transfers by path
/// decomposition: for each net exporter in index order, a depth-first search
/// along edges that still carry flow in the right direction finds a net
/// importer; the bottleneck (in sent power, accounting for the losses of the
/// edges before each one) is booked as one transfer and removed from those
/// edges, until the exporter's export or the flows are used up. Every
/// transfer's power on every edge is therefore within the LP's flow, and so
/// within the edge's capacity.
fn decompose(obs: &Observation, sol: &LpSolution) -> Vec<Transfer> {
    let n = obs.microgrids.len();
    let mut sent = vec![0.0; n];
    let mut got = vec![0.0; n];
    // Residual directed flows: (edge, from, to, flow sent onto the edge).
    let mut res: Vec<(usize, Node, Node, f64)> = sol.flows.clone();
    for &(e, from, to, f) in &sol.flows {
        let loss = obs.edges.get(e).map_or(0.0, |x| x.loss_frac);
        if let Node::Mg(i) = from {
            sent[i] += f;
        }
        if let Node::Mg(j) = to {
            got[j] += f * (1.0 - loss);
        }
    }
    let mut export: Vec<f64> = (0..n).map(|m| (sent[m] - got[m]).max(0.0)).collect();
    let mut import: Vec<f64> = (0..n).map(|m| (got[m] - sent[m]).max(0.0)).collect();
    let mut out = Vec::new();
    for from in 0..n {
        let mut guard = 0;
        while export[from] > MIN_FLOW_MW && guard < 4 * res.len() + 4 {
            guard += 1;
            // DFS over residual edges: stack of (node, slots so far).
            let mut stack: Vec<(Node, Vec<usize>)> = vec![(Node::Mg(from), Vec::new())];
            let mut found: Option<(usize, Vec<usize>)> = None;
            while let Some((node, slots)) = stack.pop() {
                if let Node::Mg(j) = node
                    && j != from
                    && import[j] > 1e-7
                {
                    found = Some((j, slots));
                    break;
                }
                for (k, r) in res.iter().enumerate().rev() {
                    if r.1 == node && r.3 > 1e-7 && !slots.contains(&k) {
                        let visited =
                            slots.iter().any(|&s| res[s].1 == r.2) || r.2 == Node::Mg(from);
                        if !visited {
                            let mut p = slots.clone();
                            p.push(k);
                            stack.push((r.2, p));
                        }
                    }
                }
            }
            let Some((to, slots)) = found else { break };
            let mut keep = 1.0;
            let mut cap = export[from];
            for &k in &slots {
                cap = cap.min(res[k].3 / keep);
                keep *= 1.0 - obs.edges.get(res[k].0).map_or(0.0, |x| x.loss_frac);
            }
            cap = cap.min(import[to] / keep);
            if cap <= 1e-9 {
                break;
            }
            let mut flow = cap;
            for &k in &slots {
                res[k].3 -= flow;
                flow *= 1.0 - obs.edges.get(res[k].0).map_or(0.0, |x| x.loss_frac);
            }
            export[from] -= cap;
            import[to] -= cap * keep;
            out.push(Transfer {
                from,
                to,
                sent_mw: cap,
                delivered_mw: cap * keep,
                path: slots.iter().map(|&k| res[k].0).collect(),
                reason: format!(
                    "LP: {} exports to {}",
                    obs.microgrids[from].name, obs.microgrids[to].name
                ),
            });
        }
    }
    out
}
