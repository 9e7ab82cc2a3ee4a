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
//! * `bd[m,t] <= Pd[m,t]`, `bc[m,t] <= Pc[m,t]` battery discharge and
//!   charge (the microgrid's batteries aggregated: powers summed,
//!   efficiencies capacity-weighted); in period 0 the limits are what the
//!   batteries can give or take in this interval at their present state of
//!   charge, in later periods their rated power (energy is bounded by `E`);
//! * `E[m,t] <= Emax[m]` stored energy above the SoC floors at the end of
//!   period `t` (MWh), `E[m,t] = E[m,t-1] + h_t (eta_c bc - bd / eta_d)`;
//! * `g[m,t] <= G[m,t]` diesel output (period 0: this interval's limit;
//!   later: rated power), with `sum_t h_t g[m,t] <= F[m]`, the
//!   fuel as energy at the consumption of the expected running point
//!   (HOMER's linear curve at the unit's share of the critical and
//!   essential demand, at least 10 % of rated: conservative at part load;
//!   the simulator burns the exact curve and the next plan sees it);
//! * `f[e,t,dir] <= cap[e]` flow on each usable path element in each
//!   direction, arriving with `(1 - loss[e])` of what is sent;
//!
//! (battery and diesel variables only where the microgrid has such units)
//! subject to a power balance at every microgrid, with the renewable
//! forecast `R[m,t]` as the bound on what is not covered otherwise (the
//! rest is curtailed): `sum_c s + bc - bd - g - inflow (1-loss) + outflow
//! <= R`, and at the hub `inflow (1-loss) = outflow`. The program maximises
//!
//! ```text
//! sum_{m,t,c} h_t w_c d_t s[m,t,c] + sum_m V(reserve[m])
//!   - c_f sum h_t f - 1e-4 sum h_t (bd + bc) - 0.01 sum_t a_t h_t bc
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
//! `a_t` is the hours from now to the start of period `t`: charging later
//! costs a little more than charging now (`CHARGE_LATER_PER_H`), so energy
//! is stored before essential or normal load is served from renewables
//! that a later, forecast, charge would have to replace.
//!
//! The small penalties make the optimum unique in practice (no needless
//! transfers or battery cycling). Internal network losses are left to the
//! grid-forming units. The first period's values become the plan; the
//! program is solved again every interval with the new state (receding
//! horizon).
//!
//! # Solving
//!
//! Microgrids in different sharing groups (the grid analyzer's groups of
//! microgrids that can reach each other over usable paths) share no
//! variable, so each group gets its own program, and each islanded
//! microgrid outside any group a small one of its own: the same optimum as
//! one program over all, in time that grows with the largest group rather
//! than with the community. Small groups (up to [`AUTO_SIMPLEX_MAX`]
//! microgrids) are solved with `good_lp`'s pure-Rust `microlp` simplex (an
//! exact vertex), larger ones with the pure-Rust `clarabel` sparse
//! interior-point method, which grows about linearly where the simplex
//! grows as n^2.2 ([`LpSolver`]; `benches/results/plan_speed_*.txt`). Both
//! are deterministic: the same observation gives the same plan.

use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};

use crate::observe::{MicrogridState, Node, Observation};
use crate::plan::{Dispatch, Plan, PlanError, PlanInput, Strategy, Transfer};
use crate::roles::UsableEdge;

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

/// Cost per MWh charged into storage, per hour from now to the period in
/// which it is charged (0.01): energy stored now is preferred to energy
/// forecast. Without it, charging a battery now from renewables and
/// charging it later from forecast renewables tie, while serving a load now
/// rather than later gains the discount, so the program serves normal or
/// essential load with this interval's PV and plans to charge later;
/// re-planned every interval with a persistence forecast that is often too
/// sunny, later may never come and the battery starts the night short.
/// 0.01 per MWh-hour exceeds the discount on essential (10 x 0.0005) and
/// normal load, so they wait until storage is charged, and is below the
/// discount on critical load (100 x 0.0005), which is never deferred for
/// it. Only charging is penalised (not holding energy), so no load waits
/// for stored energy.
pub const CHARGE_LATER_PER_H: f64 = 0.01;

/// Worth of reserve kept for critical and essential demand beyond the
/// horizon, relative to serving it (below any in-horizon weight: at most
/// 1 - 0.0005 * 24 = 0.988 after a day).
pub const TERMINAL: f64 = 0.98;

/// Receding-horizon LP planner.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimalPlanner {
    /// Cap on the hours beyond the horizon for which reserve is valued (h).
    pub beyond_cap_h: f64,
    /// The LP solver.
    pub solver: LpSolver,
}

impl Default for OptimalPlanner {
    fn default() -> Self {
        OptimalPlanner {
            beyond_cap_h: 72.0,
            solver: LpSolver::Auto,
        }
    }
}

/// Which LP solver the planner uses (both pure Rust, both deterministic).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LpSolver {
    /// `microlp`'s simplex: an exact vertex solution; fast on small
    /// programs, grows about as n^2.2 in the number of microgrids.
    Simplex,
    /// `clarabel`'s sparse interior-point method: solutions to its
    /// tolerances (flows under [`MIN_FLOW_MW`] are dropped); grows about
    /// linearly for these programs.
    InteriorPoint,
    /// The simplex for sharing groups of up to [`AUTO_SIMPLEX_MAX`]
    /// microgrids, the interior-point method above.
    #[default]
    Auto,
}

/// Largest sharing group solved by the simplex under [`LpSolver::Auto`].
pub const AUTO_SIMPLEX_MAX: usize = 20;

/// One microgrid's variables in a program, by period.
struct MgVars {
    /// Microgrid index.
    m: usize,
    /// Served demand per class (critical, essential, normal).
    s: Vec<[Variable; 3]>,
    /// Battery discharge, where the microgrid has batteries.
    bd: Vec<Option<Variable>>,
    /// Battery charge, where the microgrid has batteries.
    bc: Vec<Option<Variable>>,
    /// Diesel output, where the microgrid has diesels able to run.
    g: Vec<Option<Variable>>,
    /// Renewables available per period (MW); what is not used is curtailed.
    ren: Vec<f64>,
    /// Stored energy at the end of the last period (MWh), where the
    /// microgrid has batteries: the storage part of its terminal reserve.
    e_last: Option<Variable>,
}

/// The planning periods of an observation.
struct Horizon {
    /// Number of periods (at least one).
    np: usize,
    /// Period lengths (h); the control interval alone when the observation
    /// has no planning periods.
    periods: Vec<f64>,
    /// Their sum (h).
    horizon_h: f64,
}

impl Horizon {
    /// The planning periods of `obs`.
    fn of(obs: &Observation) -> Horizon {
        let np = obs.periods_h.len().max(1);
        let periods: Vec<f64> = if obs.periods_h.is_empty() {
            vec![obs.dt_h]
        } else {
            obs.periods_h.clone()
        };
        let horizon_h: f64 = periods.iter().sum();
        Horizon {
            np,
            periods,
            horizon_h,
        }
    }
}

/// The program of one sharing group while it is built: its variables (and
/// the list of them in the order they were created, to read the solution
/// back), its objective and its constraints, in the order they are added.
struct Program {
    /// The variables with their bounds.
    vars: ProblemVariables,
    /// Every variable, in creation order.
    all: Vec<Variable>,
    /// The objective (maximised).
    objective: Expression,
    /// The constraints, in the order they were added.
    constraints: Vec<good_lp::Constraint>,
}

/// A microgrid's units aggregated for the program (see the module docs):
/// the batteries' power limits, capacity, stored energy and efficiencies,
/// the diesels' power limits and fuel as energy.
struct Units {
    /// Battery discharge limit in period 0 (MW).
    pd0: f64,
    /// Battery charge limit in period 0 (MW).
    pc0: f64,
    /// Rated discharge power of the batteries in service, for later
    /// periods (MW).
    pd: f64,
    /// Rated charge power of the batteries in service, for later periods
    /// (MW).
    pc: f64,
    /// Storage capacity between the SoC floors and ceilings (MWh).
    cap: f64,
    /// Stored energy above the SoC floors now (MWh).
    e0: f64,
    /// Capacity-weighted charge efficiency.
    eta_c: f64,
    /// Capacity-weighted discharge efficiency.
    eta_d: f64,
    /// Diesel limit in period 0 (MW).
    gmax0: f64,
    /// Rated power of the diesels able to run, for later periods (MW).
    gmax: f64,
    /// Fuel as energy at the expected running point (MWh).
    fuel: f64,
    /// The microgrid gets battery variables.
    has_batt: bool,
    /// The microgrid gets diesel variables.
    has_dsl: bool,
}

/// The flows of one sharing group's program: its usable edges, their flow
/// variables and the edges at each node.
struct Flows<'a> {
    /// Number of microgrids in the observation; the hub's slot in
    /// `incident`.
    n: usize,
    /// Usable edges between members (and the hub).
    edges: Vec<&'a UsableEdge>,
    /// Flow variables per edge, period and direction (0: a to b, 1: b to
    /// a).
    flows: Vec<Vec<[Variable; 2]>>,
    /// Incidence: per node (microgrids by index, then the hub), (edge slot,
    /// node is end a).
    incident: Vec<Vec<(usize, bool)>>,
}

/// The solution of the program for one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct LpSolution {
    /// Objective value (summed over the sharing groups).
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

/// Solves a model with its constraints and returns the values of `vars`.
fn run_model<M>(
    mut model: M,
    constraints: Vec<good_lp::Constraint>,
    vars: &[Variable],
) -> Result<Vec<f64>, PlanError>
where
    M: SolverModel,
    M::Error: std::fmt::Display,
{
    for c in constraints {
        model = model.with(c);
    }
    let sol = model
        .solve()
        .map_err(|e| PlanError::Solver(e.to_string()))?;
    Ok(vars.iter().map(|&v| sol.value(v)).collect())
}

/// The values of a solved program, by variable.
struct Values {
    index: std::collections::HashMap<Variable, usize>,
    values: Vec<f64>,
}

impl Values {
    fn get(&self, v: Variable) -> f64 {
        self.index.get(&v).map_or(0.0, |&i| self.values[i])
    }
}

impl Solution for Values {
    fn status(&self) -> good_lp::SolutionStatus {
        good_lp::SolutionStatus::Optimal
    }

    fn value(&self, v: Variable) -> f64 {
        self.get(v)
    }
}

impl OptimalPlanner {
    /// Builds and solves the program (see the module docs), one program per
    /// sharing group of the grid analyzer (microgrids that can reach each
    /// other over usable paths) and one per islanded microgrid outside any
    /// group: programs of different groups share no variable, so solving
    /// them apart gives the same optimum as one program over all of them.
    pub fn solve(&self, input: &PlanInput<'_>) -> Result<LpSolution, PlanError> {
        let obs = input.obs;
        let n = obs.microgrids.len();
        let mut grouped = vec![false; n];
        let mut parts: Vec<Vec<usize>> = Vec::new();
        for g in &input.grid.groups {
            let members: Vec<usize> = g
                .iter()
                .copied()
                .filter(|&m| m < n && !obs.microgrids[m].upstream_connected)
                .collect();
            for &m in &members {
                grouped[m] = true;
            }
            if !members.is_empty() {
                parts.push(members);
            }
        }
        for m in 0..n {
            if !grouped[m] && !obs.microgrids[m].upstream_connected {
                parts.push(vec![m]);
            }
        }
        // Deterministic order: by first member.
        parts.sort_by_key(|p| p[0]);
        let mut out = LpSolution {
            objective: 0.0,
            dispatch: Vec::new(),
            net_import_mw: vec![0.0; n],
            flows: Vec::new(),
        };
        for part in &parts {
            self.solve_part(input, part, &mut out)?;
        }
        out.dispatch.sort_by_key(|d| d.0);
        Ok(out)
    }

    /// Builds and solves the program of one sharing group (or one microgrid
    /// Builds and solves the program of one sharing group (or one microgrid
    /// alone) and adds its solution to `out`.
    fn solve_part(
        &self,
        input: &PlanInput<'_>,
        members: &[usize],
        out: &mut LpSolution,
    ) -> Result<(), PlanError> {
        let obs = input.obs;
        let hz = Horizon::of(obs);
        let mut prog = Program::new();
        let mut mgv: Vec<MgVars> = Vec::new();
        for &m in members {
            let mg = &obs.microgrids[m];
            let units = Units::of(obs, mg);
            let v = prog.add_periods(&hz, m, mg, &units);
            self.add_reserve(&mut prog, input, &hz, &v, &units);
            mgv.push(v);
        }
        let flows = Flows::build(&mut prog, input, members, &hz);
        prog.add_balances(&mgv, &flows, hz.np);
        let (sol, objective) = self.run_program(prog, members.len())?;
        read_back(obs, &mgv, &flows, &sol, &objective, out);
        Ok(())
    }

    /// Adds a microgrid's fuel limit over the horizon and its terminal
    /// reserve tranches (see the module docs): the stored energy and fuel
    /// left at the end of the horizon, worth [`TERMINAL`] times the critical
    /// and essential weights up to the demand expected beyond the horizon,
    /// and [`REST`] times the essential weight beyond that.
    fn add_reserve(
        &self,
        prog: &mut Program,
        input: &PlanInput<'_>,
        hz: &Horizon,
        v: &MgVars,
        u: &Units,
    ) {
        let m = v.m;
        let mg = &input.obs.microgrids[m];
        let periods = &hz.periods;
        let horizon_h = hz.horizon_h;
        // Fuel over the horizon.
        let mut fuel_used = Expression::from(0.0);
        for (t, &h) in periods.iter().enumerate() {
            if let Some(gt) = v.g[t] {
                fuel_used += h * gt;
            }
        }
        if u.has_dsl {
            prog.constraints.push(fuel_used.clone().leq(u.fuel));
        }
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
        if u.has_batt || u.has_dsl {
            let tr = [
                prog.add(0.0, Some(need[0])),
                prog.add(0.0, Some(need[1])),
                prog.add(0.0, None),
            ];
            prog.objective += TERMINAL * WEIGHTS[0] * tr[0];
            prog.objective += TERMINAL * WEIGHTS[1] * tr[1];
            prog.objective += REST * WEIGHTS[1] * tr[2];
            let mut reserve = Expression::from(0.0);
            if let Some(e) = v.e_last {
                reserve += u.eta_d * e;
            }
            if u.has_dsl {
                reserve += u.fuel - fuel_used;
            }
            prog.constraints.push((tr[0] + tr[1] + tr[2]).leq(reserve));
        }
    }

    /// Solves a built program with the configured solver ([`LpSolver`];
    /// under [`LpSolver::Auto`] the simplex for groups of up to
    /// [`AUTO_SIMPLEX_MAX`] `members`) and returns the values of its
    /// variables with its objective.
    fn run_program(
        &self,
        prog: Program,
        members: usize,
    ) -> Result<(Values, Expression), PlanError> {
        let Program {
            vars,
            all,
            objective,
            constraints,
        } = prog;
        let interior = match self.solver {
            LpSolver::Simplex => false,
            LpSolver::InteriorPoint => true,
            LpSolver::Auto => members > AUTO_SIMPLEX_MAX,
        };
        let problem = vars.maximise(objective.clone());
        let values = if interior {
            let mut model = problem.using(good_lp::clarabel);
            // Tolerances: objective to 1e-7 (relative), constraints to
            // 1e-8 MW; tighter ones cost iterations and refinement steps
            // without changing a decision above MIN_FLOW_MW.
            model
                .settings()
                .tol_gap_abs(1e-7)
                .tol_gap_rel(1e-7)
                .tol_feas(1e-8)
                .iterative_refinement_reltol(1e-10)
                .iterative_refinement_abstol(1e-11);
            run_model(model, constraints, &all)?
        } else {
            run_model(problem.using(good_lp::microlp), constraints, &all)?
        };
        let sol = Values {
            index: all.iter().enumerate().map(|(i, &v)| (v, i)).collect(),
            values,
        };
        Ok((sol, objective))
    }
}

impl Program {
    /// An empty program: no variables, no constraints, objective 0.
    fn new() -> Program {
        Program {
            vars: ProblemVariables::new(),
            all: Vec::new(),
            objective: Expression::from(0.0),
            constraints: Vec::new(),
        }
    }

    /// Adds a variable `lo <= x` (and `x <= hi` when given) and records it.
    fn add(&mut self, lo: f64, hi: Option<f64>) -> Variable {
        let def = match hi {
            Some(h) => variable().min(lo).max(h),
            None => variable().min(lo),
        };
        let v = self.vars.add(def);
        self.all.push(v);
        v
    }

    /// Adds one microgrid's variables for every period, with their
    /// objective terms: served demand per class, battery discharge, charge
    /// and stored energy (with each period's storage balance), diesel
    /// output.
    fn add_periods(&mut self, hz: &Horizon, m: usize, mg: &MicrogridState, u: &Units) -> MgVars {
        let np = hz.np;
        let forms = mg.can_form_grid();
        let ren_of = |t: usize| {
            // Without a grid-forming unit of its own the microgrid's
            // renewables are not counted (grid-following inverters);
            // its loads can still be served by imports (conservative
            // when a neighbour energises it).
            if forms {
                mg.renewable_forecast_mw
                    .get(t)
                    .copied()
                    .unwrap_or(0.0)
                    .max(0.0)
            } else {
                0.0
            }
        };
        let mut s = Vec::with_capacity(np);
        let (mut bd, mut bc, mut g, mut ren) = (
            Vec::with_capacity(np),
            Vec::with_capacity(np),
            Vec::with_capacity(np),
            Vec::with_capacity(np),
        );
        let mut e_last: Option<Variable> = None;
        let mut start_h = 0.0;
        for (t, &h) in hz.periods.iter().enumerate() {
            // Earlier is better: without this, serving a load now or
            // later from the same stored energy ties, and a receding
            // horizon may postpone forever.
            let disc = 1.0 - DISCOUNT_PER_H * (start_h + 0.5 * h);
            start_h += h;
            let d = mg.demand_forecast_mw.get(t).copied().unwrap_or([0.0; 3]);
            let st = [0, 1, 2].map(|c| self.add(0.0, Some(d[c].max(0.0))));
            for c in 0..3 {
                self.objective += h * WEIGHTS[c] * disc * st[c];
            }
            ren.push(ren_of(t));
            let (pdt, pct, gt_max) = if t == 0 {
                (u.pd0, u.pc0, u.gmax0)
            } else {
                (u.pd, u.pc, u.gmax)
            };
            if u.has_batt {
                let bdt = self.add(0.0, Some(pdt));
                let bct = self.add(0.0, Some(pct));
                let et = self.add(0.0, Some(u.cap));
                self.objective += -1e-4 * h * bdt;
                self.objective += -(1e-4 + CHARGE_LATER_PER_H * (start_h - h)) * h * bct;
                let prev = match e_last {
                    Some(v) => Expression::from(v),
                    None => Expression::from(u.e0.min(u.cap)),
                };
                self.constraints.push(
                    (Expression::from(et) - prev - h * u.eta_c * bct + (h / u.eta_d) * bdt).eq(0.0),
                );
                e_last = Some(et);
                bd.push(Some(bdt));
                bc.push(Some(bct));
            } else {
                bd.push(None);
                bc.push(None);
            }
            if u.has_dsl && gt_max > 0.0 {
                let gt = self.add(0.0, Some(gt_max));
                self.objective += -1e-5 * h * gt;
                g.push(Some(gt));
            } else {
                g.push(None);
            }
            s.push(st);
        }
        MgVars {
            m,
            s,
            bd,
            bc,
            g,
            ren,
            e_last,
        }
    }

    /// Adds the power balance of every member microgrid in every period and,
    /// where the hub has edges, the hub's.
    fn add_balances(&mut self, mgv: &[MgVars], flows: &Flows<'_>, np: usize) {
        for v in mgv {
            for t in 0..np {
                // Served load, charge and exports within renewables,
                // discharge, diesel and imports (the rest of the renewables
                // is curtailed).
                let mut use_ = v.s[t][0] + v.s[t][1] + v.s[t][2] - flows.net_in(Node::Mg(v.m), t);
                if let (Some(bd), Some(bc)) = (v.bd[t], v.bc[t]) {
                    use_ += bc - bd;
                }
                if let Some(g) = v.g[t] {
                    use_ -= g;
                }
                self.constraints.push(use_.leq(v.ren[t]));
            }
        }
        if !flows.incident[flows.n].is_empty() {
            for t in 0..np {
                self.constraints.push(flows.net_in(Node::Hub, t).eq(0.0));
            }
        }
    }
}

impl Units {
    /// Aggregates the batteries and diesels of `mg` (see the module docs).
    fn of(obs: &Observation, mg: &MicrogridState) -> Units {
        // Power limits: in period 0 the units' limits for this interval
        // (which also reflect the energy each battery can give or take
        // in it); in later periods their rated power, the energy being
        // bounded by the storage balance. Bounding every period by this
        // interval's energy-limited power (as an earlier version did)
        // made an empty battery look unable ever to discharge within
        // the horizon, so the program postponed charging to its last
        // hours and spent the day's PV on normal load.
        let (mut pd0, mut pc0, mut pd, mut pc) = (0.0, 0.0, 0.0, 0.0);
        let (mut cap, mut e0, mut wc, mut wd, mut wsum) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (_, b) in &mg.batteries {
            let usable = (b.soc_max - b.soc_min).max(0.0) * b.energy_mwh * b.soh;
            pd0 += b.max_discharge_mw(obs.dt_h).min(b.power_mw);
            pc0 += b.max_charge_mw(obs.dt_h).min(b.power_mw);
            if b.in_service {
                pd += b.power_mw.max(0.0);
                pc += b.power_mw.max(0.0);
            }
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
        let gmax0: f64 = mg.diesels.iter().map(|(_, d)| d.max_mw(obs.dt_h)).sum();
        let gmax: f64 = mg
            .diesels
            .iter()
            .filter(|(_, d)| d.max_mw(obs.dt_h) > 0.0)
            .map(|(_, d)| d.rated_mw.max(0.0))
            .sum();
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
        // Variables only for the units the microgrid has: a battery's
        // discharge, charge and stored energy (an explicit state
        // variable per period, so each period's balance is one sparse
        // row), a diesel's output.
        let has_batt = cap > 0.0 && (pd > 0.0 || pc > 0.0 || e0 > 0.0);
        let has_dsl = gmax > 0.0 && fuel > 0.0;
        Units {
            pd0,
            pc0,
            pd,
            pc,
            cap,
            e0,
            eta_c,
            eta_d,
            gmax0,
            gmax,
            fuel,
            has_batt,
            has_dsl,
        }
    }
}

impl<'a> Flows<'a> {
    /// Adds the flow variables, per period and direction, on the usable
    /// edges between members (and the hub), with their transfer cost; a
    /// microgrid alone has none.
    fn build(
        prog: &mut Program,
        input: &PlanInput<'a>,
        members: &[usize],
        hz: &Horizon,
    ) -> Flows<'a> {
        let n = input.obs.microgrids.len();
        let grid = input.grid;
        // Flows on usable edges between members (and the hub); a
        // microgrid alone has none.
        let mut member = vec![false; n];
        for &m in members {
            member[m] = true;
        }
        let in_part = |x: Node| match x {
            Node::Mg(i) => i < n && member[i],
            Node::Hub => true,
        };
        let edges: Vec<&'a UsableEdge> = if members.len() > 1 {
            grid.usable
                .iter()
                .filter(|u| in_part(u.a) && in_part(u.b) && u.a != u.b)
                .collect()
        } else {
            Vec::new()
        };
        let mut flows: Vec<Vec<[Variable; 2]>> = Vec::with_capacity(edges.len());
        for u in &edges {
            let mut fe = Vec::with_capacity(hz.np);
            for &h in &hz.periods {
                let f = [
                    prog.add(0.0, Some(u.capacity_mw)),
                    prog.add(0.0, Some(u.capacity_mw)),
                ];
                prog.objective += -TRANSFER_COST * h * f[0];
                prog.objective += -TRANSFER_COST * h * f[1];
                fe.push(f);
            }
            flows.push(fe);
        }
        // Incidence: per node, (edge slot, node is end a).
        let mut incident: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n + 1];
        let node_slot = |x: Node| match x {
            Node::Mg(i) => i,
            Node::Hub => n,
        };
        for (k, u) in edges.iter().enumerate() {
            incident[node_slot(u.a)].push((k, true));
            incident[node_slot(u.b)].push((k, false));
        }
        Flows {
            n,
            edges,
            flows,
            incident,
        }
    }

    /// What `node` receives in period `t` (delivered, after each edge's
    /// losses) less what it sends.
    fn net_in(&self, node: Node, t: usize) -> Expression {
        let slot = match node {
            Node::Mg(i) => i,
            Node::Hub => self.n,
        };
        let mut e = Expression::from(0.0);
        for &(k, is_a) in &self.incident[slot] {
            let keep = 1.0 - self.edges[k].loss_frac;
            // dir 0: a -> b, dir 1: b -> a
            let (inflow, outflow) = if is_a { (1, 0) } else { (0, 1) };
            e += keep * self.flows[k][t][inflow];
            e += -1.0 * self.flows[k][t][outflow];
        }
        e
    }
}

/// Reads one group's solution into `out`: each member's period-0 dispatch
/// and served load, its net import, the period-0 flows worth carrying out
/// and the objective.
fn read_back(
    obs: &Observation,
    mgv: &[MgVars],
    flows: &Flows<'_>,
    sol: &Values,
    objective: &Expression,
    out: &mut LpSolution,
) {
    for v in mgv {
        let mg = &obs.microgrids[v.m];
        let d0 = mg.demand_forecast_mw.first().copied().unwrap_or([0.0; 3]);
        let served = [0, 1, 2].map(|c| sol.get(v.s[0][c]).max(0.0));
        let shed = [0, 1, 2].map(|c| {
            if d0[c] > 1e-12 {
                (1.0 - served[c] / d0[c]).clamp(0.0, 1.0)
            } else {
                0.0
            }
        });
        out.dispatch.push((
            v.m,
            Dispatch {
                battery_mw: v.bd[0].map_or(0.0, |x| sol.get(x))
                    - v.bc[0].map_or(0.0, |x| sol.get(x)),
                diesel_mw: v.g[0].map_or(0.0, |x| sol.get(x)).max(0.0),
                shed,
            },
            served,
        ));
        out.net_import_mw[v.m] = sol.eval(flows.net_in(Node::Mg(v.m), 0));
    }
    for (k, u) in flows.edges.iter().enumerate() {
        let f0 = sol.get(flows.flows[k][0][0]);
        let f1 = sol.get(flows.flows[k][0][1]);
        // Flows under 1 kW are not worth closing a path for.
        if f0 > MIN_FLOW_MW {
            out.flows.push((u.edge, u.a, u.b, f0));
        }
        if f1 > MIN_FLOW_MW {
            out.flows.push((u.edge, u.b, u.a, f1));
        }
    }
    out.objective += sol.eval(objective);
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
