//! AC and DC power flow.
//!
//! [`PowerFlow::new`] processes the topology (see [`crate::topology`]),
//! builds the bus admittance matrix of every energised island and the
//! symbolic factorisation (minimum-degree ordering and fill pattern, see
//! [`sparse`]) of its Jacobian. Both are kept and reused by every later
//! solve, as long as the topology does not change: a time series or a
//! Monte-Carlo study changes injections with [`PowerFlow::set_injections`]
//! and solves again without any symbolic work.
//!
//! - **AC**: Newton-Raphson in polar coordinates, as MATPOWER's `newtonpf`:
//!   unknowns are the angles of PV and PQ buses and the magnitudes of PQ
//!   buses; convergence when the infinity norm of the power mismatch
//!   (p.u.) is below `tol`. The Jacobian is assembled in 2x2 bus blocks
//!   (a PV bus carries the trivial equation `dVm = 0`) directly into the LU
//!   storage and factorised in place.
//! - **DC**: MATPOWER's `makeBdc` / `dcpf` model: `b = 1 / (x * ratio)`,
//!   resistance, charging and shunt susceptance ignored, shunt conductance
//!   taken as load, phase shifters as injections.
//!
//! Islands are independent and solved in parallel with Rayon; each island
//! has its own slack. Non-convergence is a result
//! ([`PfSolution::converged`] is false, with the iteration count and the
//! largest mismatch), never a panic.
//!
//! Generator results follow MATPOWER's `pfsoln`: the slack power goes to
//! the first in-service generator at the slack bus; the reactive power of a
//! PV or slack bus is split between its generators equally, then in
//! proportion to their reactive ranges (infinite limits replaced by a
//! finite proxy).

use rayon::prelude::*;

use crate::error::GridError;
use crate::network::Network;
use crate::topology::{Island, Role, SlackRule, Topology};

pub mod sparse;

use sparse::{B2, Lu, Symbolic};

/// Where Newton-Raphson starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    /// The case's voltages (bus Vm and Va; generator Vg at PV and slack
    /// buses), as MATPOWER does by default.
    #[default]
    Case,
    /// Flat: Vm = 1 (Vg at PV and slack buses), every angle equal to the
    /// island's reference angle.
    Flat,
    /// Angles from the DC power flow, magnitudes as `Flat`.
    Dc,
    /// The previous solve's voltages (time series: consecutive steps are
    /// close); `Flat` on the first solve or after a failed one.
    Warm,
}

impl std::str::FromStr for Init {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "case" => Ok(Init::Case),
            "flat" => Ok(Init::Flat),
            "dc" => Ok(Init::Dc),
            "warm" => Ok(Init::Warm),
            _ => Err(format!(
                "unknown start `{s}`: expected case, flat, dc or warm"
            )),
        }
    }
}

/// Options of an AC solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PfOptions {
    /// Start point.
    pub init: Init,
    /// Tolerance on the infinity norm of the power mismatch (p.u.).
    /// MATPOWER's default is 1e-8.
    pub tol: f64,
    /// Maximum number of Newton iterations.
    pub max_iter: usize,
}

impl Default for PfOptions {
    fn default() -> Self {
        PfOptions {
            init: Init::Case,
            tol: 1e-8,
            max_iter: 20,
        }
    }
}

/// The outcome of one island's solve.
#[derive(Debug, Clone, PartialEq)]
pub struct IslandReport {
    /// Bus indices of the island.
    pub buses: Vec<usize>,
    /// Converged.
    pub converged: bool,
    /// Newton iterations (Jacobian factorisations); 1 for DC.
    pub iterations: usize,
    /// Infinity norm of the final mismatch (p.u.).
    pub max_mismatch_pu: f64,
    /// Why the solve stopped early, if it failed.
    pub failure: Option<String>,
}

/// A power-flow solution, indexed like the network's element vectors.
#[derive(Debug, Clone, PartialEq)]
pub struct PfSolution {
    /// DC (true) or AC (false).
    pub dc: bool,
    /// Every energised island converged.
    pub converged: bool,
    /// Largest iteration count over islands.
    pub iterations: usize,
    /// Largest final mismatch over islands (p.u.).
    pub max_mismatch_pu: f64,
    /// Voltage magnitude per bus (p.u.); NaN for dark buses; 1 in DC.
    pub bus_vm: Vec<f64>,
    /// Voltage angle per bus (degrees); NaN for dark buses.
    pub bus_va_deg: Vec<f64>,
    /// Bus is in an energised island.
    pub bus_energised: Vec<bool>,
    /// Generator active power (MW); 0 for generators off or dark.
    pub gen_p_mw: Vec<f64>,
    /// Generator reactive power (MVAr); 0 in DC and for generators off.
    pub gen_q_mvar: Vec<f64>,
    /// Branch flow into the branch at the from end (MW).
    pub branch_pf_mw: Vec<f64>,
    /// Branch flow at the from end (MVAr); 0 in DC.
    pub branch_qf_mvar: Vec<f64>,
    /// Branch flow into the branch at the to end (MW).
    pub branch_pt_mw: Vec<f64>,
    /// Branch flow at the to end (MVAr); 0 in DC.
    pub branch_qt_mvar: Vec<f64>,
    /// Branch carries flow (in service, in an energised island).
    pub branch_active: Vec<bool>,
    /// Total series and shunt-of-branch active losses (MW); 0 in DC.
    pub losses_mw: f64,
    /// Per-island reports (energised islands only).
    pub islands: Vec<IslandReport>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct C {
    re: f64,
    im: f64,
}

impl C {
    #[inline(always)]
    fn new(re: f64, im: f64) -> C {
        C { re, im }
    }
    #[inline(always)]
    fn mul(self, o: C) -> C {
        C::new(
            self.re * o.re - self.im * o.im,
            self.re * o.im + self.im * o.re,
        )
    }
    #[inline(always)]
    fn conj(self) -> C {
        C::new(self.re, -self.im)
    }
    #[inline(always)]
    fn add(self, o: C) -> C {
        C::new(self.re + o.re, self.im + o.im)
    }
    fn inv(self) -> C {
        let d = self.re * self.re + self.im * self.im;
        C::new(self.re / d, -self.im / d)
    }
    fn scale(self, s: f64) -> C {
        C::new(self.re * s, self.im * s)
    }
    fn neg(self) -> C {
        C::new(-self.re, -self.im)
    }
}

const NONE: u32 = u32::MAX;

/// A branch of an island, with its admittance pieces.
#[derive(Debug, Clone)]
struct IslandBranch {
    global: usize,
    f: usize,
    t: usize,
    yff: C,
    yft: C,
    ytf: C,
    ytt: C,
    /// DC susceptance b / tap and phase-shift injection (p.u.).
    b_dc: f64,
    p_shift: f64,
}

/// Solver state of one energised island. Local node order: the `m`
/// non-slack nodes in elimination order, then the slack nodes.
#[derive(Debug, Clone)]
struct IslandSolver {
    /// Global node id of each local node.
    nodes: Vec<usize>,
    /// Buses of the island.
    buses: Vec<usize>,
    /// Local node of each bus in `buses` (same order).
    bus_local: Vec<usize>,
    m: usize,
    pq: Vec<bool>,
    vset: Vec<f64>,
    va_ref: f64,
    va0: Vec<f64>,
    vm0: Vec<f64>,
    p_spec: Vec<f64>,
    q_spec: Vec<f64>,
    /// Shunt conductance per node (p.u.), for DC.
    gs: Vec<f64>,
    y_ptr: Vec<usize>,
    y_col: Vec<u32>,
    y_re: Vec<f64>,
    y_im: Vec<f64>,
    jpos: Vec<u32>,
    fill: Vec<u32>,
    diag_pos: Vec<u32>,
    sym: Symbolic,
    lu: Lu<B2>,
    lu_dc: Lu<f64>,
    branches: Vec<IslandBranch>,
    // State.
    vm: Vec<f64>,
    va: Vec<f64>,
    vr: Vec<f64>,
    vi: Vec<f64>,
    cvm: Vec<f64>,
    rhs: Vec<[f64; 2]>,
    /// The state holds a converged AC solution.
    warm: bool,
}

/// A prepared power flow: topology, admittance matrices and symbolic
/// factorisations, reusable across solves.
#[derive(Debug, Clone)]
pub struct PowerFlow {
    base_mva: f64,
    topology: Topology,
    islands: Vec<IslandSolver>,
    n_bus: usize,
    n_gen: usize,
    n_branch: usize,
    /// Generator data needed for results: (bus, in service, pg, qg, qmin, qmax).
    gens: Vec<(usize, bool, f64, f64, f64, f64)>,
    /// Load P and Q per bus (MW, MVAr).
    bus_load: Vec<(f64, f64)>,
    /// Shunt G per bus (MW at 1 p.u.).
    bus_gs: Vec<f64>,
    /// Statuses the preparation depends on (buses, branches, switches,
    /// generators), to refuse `set_injections` after a topology change.
    statuses: Vec<bool>,
}

fn statuses(net: &Network) -> Vec<bool> {
    let mut v: Vec<bool> = net.buses.iter().map(|b| b.in_service).collect();
    v.extend(net.branches.iter().map(|b| b.in_service));
    v.extend(net.switches.iter().map(|s| s.in_service && s.closed));
    v.extend(net.gens.iter().map(|g| g.in_service));
    v
}

impl PowerFlow {
    /// Prepares a power flow with MATPOWER's slack rule.
    pub fn new(net: &Network) -> Result<Self, GridError> {
        Self::with_slack_rule(net, SlackRule::Matpower)
    }

    /// Prepares a power flow with the given slack rule: processes the
    /// topology, sums loads and shunts per bus, then prepares the solver of
    /// every energised island (admittance matrix, elimination order and
    /// symbolic factorisation of its Jacobian).
    pub fn with_slack_rule(net: &Network, rule: SlackRule) -> Result<Self, GridError> {
        let topology = Topology::new(net, rule);
        let base = net.base_mva;
        let nb = net.buses.len();
        let (bus_load, bus_shunt) = bus_totals(net);
        let prep = Prep {
            net,
            topology: &topology,
            base,
            bus_load: &bus_load,
            bus_shunt: &bus_shunt,
        };
        // Local index of each global node; shared across islands (a node
        // belongs to one island only).
        let mut node_local = vec![usize::MAX; topology.n_nodes];
        let mut islands = Vec::new();
        for island in topology.islands.iter().filter(|i| i.energised) {
            islands.push(prep.island(island, &mut node_local));
        }
        Ok(PowerFlow {
            base_mva: base,
            islands,
            n_bus: nb,
            n_gen: net.gens.len(),
            n_branch: net.branches.len(),
            gens: net
                .gens
                .iter()
                .map(|g| {
                    (
                        g.bus,
                        g.in_service,
                        g.pg_mw,
                        g.qg_mvar,
                        g.qmin_mvar,
                        g.qmax_mvar,
                    )
                })
                .collect(),
            bus_load,
            bus_gs: bus_shunt.iter().map(|s| s.re).collect(),
            statuses: statuses(net),
            topology,
        })
    }

    /// The topology the power flow was prepared for.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Number of energised islands.
    pub fn n_islands(&self) -> usize {
        self.islands.len()
    }

    /// Non-zero 2x2 blocks of the factors (including fill), summed over
    /// islands; a measure of the factorisation's size.
    pub fn factor_blocks(&self) -> usize {
        self.islands.iter().map(|i| i.sym.nnz()).sum()
    }

    /// Replaces load and generator set-points (P, Q, Vg) with those of
    /// `net`, which must have the same topology (same element statuses) as
    /// the network the power flow was prepared with. No symbolic work is
    /// redone.
    pub fn set_injections(&mut self, net: &Network) -> Result<(), GridError> {
        if net.buses.len() != self.n_bus
            || net.gens.len() != self.n_gen
            || net.branches.len() != self.n_branch
        {
            return Err(GridError::InvalidNetwork(
                "set_injections: the network has a different size from the prepared one".into(),
            ));
        }
        if statuses(net) != self.statuses {
            return Err(GridError::InvalidNetwork(
                "set_injections: an element's status changed; prepare a new PowerFlow".into(),
            ));
        }
        let fresh = PowerFlow::new(net)?;
        if fresh.topology != self.topology {
            return Err(GridError::InvalidNetwork(
                "set_injections: the topology changed; prepare a new PowerFlow".into(),
            ));
        }
        for (mine, new) in self.islands.iter_mut().zip(fresh.islands) {
            mine.p_spec = new.p_spec;
            mine.q_spec = new.q_spec;
            mine.vset = new.vset;
            mine.vm0 = new.vm0;
            mine.va0 = new.va0;
        }
        self.gens = fresh.gens;
        self.bus_load = fresh.bus_load;
        Ok(())
    }

    /// Sets the net injection (generation minus demand, MW and MVAr) of
    /// every bus directly, for time-series use: no element data is read and
    /// nothing but the injections changes (voltage setpoints, topology and
    /// factorisation pattern are kept). Values of dark buses are ignored.
    /// The slack buses' values are their scheduled injections (the slack
    /// takes the balance).
    pub fn set_bus_injections(&mut self, p_mw: &[f64], q_mvar: &[f64]) -> Result<(), GridError> {
        if p_mw.len() != self.n_bus || q_mvar.len() != self.n_bus {
            return Err(GridError::InvalidNetwork(format!(
                "set_bus_injections: expected {} values, got {} and {}",
                self.n_bus,
                p_mw.len(),
                q_mvar.len()
            )));
        }
        let base = self.base_mva;
        for isl in &mut self.islands {
            isl.p_spec.fill(0.0);
            isl.q_spec.fill(0.0);
            for (&b, &k) in isl.buses.iter().zip(&isl.bus_local) {
                isl.p_spec[k] += p_mw[b] / base;
                isl.q_spec[k] += q_mvar[b] / base;
            }
        }
        Ok(())
    }

    /// Per island: (bus indices, the slack injection in MW after the last
    /// AC solve, i.e. what the slack unit must produce net of its bus's
    /// scheduled injection).
    pub fn slack_injections_mw(&self) -> Vec<(Vec<usize>, f64)> {
        self.islands
            .iter()
            .map(|isl| {
                let mut p = 0.0;
                for i in isl.m..isl.nodes.len() {
                    let vi = C::new(isl.vr[i], isl.vi[i]);
                    let mut s = C::default();
                    for q in isl.y_ptr[i]..isl.y_ptr[i + 1] {
                        let j = isl.y_col[q] as usize;
                        let yv = C::new(isl.y_re[q], isl.y_im[q]).mul(C::new(isl.vr[j], isl.vi[j]));
                        s = s.add(vi.mul(yv.conj()));
                    }
                    p += (s.re - isl.p_spec[i]) * self.base_mva;
                }
                (isl.buses.clone(), p)
            })
            .collect()
    }

    /// Solves the AC power flow of every energised island (in parallel when
    /// there are several) and returns the full solution.
    pub fn solve_ac(&mut self, opts: &PfOptions) -> PfSolution {
        let reports = self.run_ac(opts);
        self.ac_solution(reports)
    }

    /// Solves the AC power flow and returns the per-island reports only (no
    /// flows or generator allocation): the hot path of time-series use.
    pub fn solve_ac_islands(&mut self, opts: &PfOptions) -> Vec<IslandReport> {
        self.run_ac(opts)
    }

    /// Solves the AC power flow and returns only (converged, iterations,
    /// max mismatch): the hot path for repeated solves and benchmarks.
    pub fn solve_ac_voltages(&mut self, opts: &PfOptions) -> (bool, usize, f64) {
        let reports = self.run_ac(opts);
        let conv = reports.iter().all(|r| r.converged);
        let it = reports.iter().map(|r| r.iterations).max().unwrap_or(0);
        let mm = reports
            .iter()
            .map(|r| r.max_mismatch_pu)
            .fold(0.0, f64::max);
        (conv, it, mm)
    }

    fn run_ac(&mut self, opts: &PfOptions) -> Vec<IslandReport> {
        if self.islands.len() == 1 {
            self.islands
                .iter_mut()
                .map(|isl| isl.solve_ac(opts))
                .collect()
        } else {
            self.islands
                .par_iter_mut()
                .map(|isl| isl.solve_ac(opts))
                .collect()
        }
    }

    /// Solves the DC power flow.
    pub fn solve_dc(&mut self) -> PfSolution {
        let reports: Vec<IslandReport> = if self.islands.len() == 1 {
            self.islands.iter_mut().map(|i| i.solve_dc()).collect()
        } else {
            self.islands.par_iter_mut().map(|i| i.solve_dc()).collect()
        };
        self.dc_solution(reports)
    }

    fn empty_solution(&self, dc: bool, reports: Vec<IslandReport>) -> PfSolution {
        PfSolution {
            dc,
            converged: reports.iter().all(|r| r.converged),
            iterations: reports.iter().map(|r| r.iterations).max().unwrap_or(0),
            max_mismatch_pu: reports
                .iter()
                .map(|r| r.max_mismatch_pu)
                .fold(0.0, f64::max),
            bus_vm: vec![f64::NAN; self.n_bus],
            bus_va_deg: vec![f64::NAN; self.n_bus],
            bus_energised: vec![false; self.n_bus],
            gen_p_mw: vec![0.0; self.n_gen],
            gen_q_mvar: vec![0.0; self.n_gen],
            branch_pf_mw: vec![0.0; self.n_branch],
            branch_qf_mvar: vec![0.0; self.n_branch],
            branch_pt_mw: vec![0.0; self.n_branch],
            branch_qt_mvar: vec![0.0; self.n_branch],
            branch_active: vec![false; self.n_branch],
            losses_mw: 0.0,
            islands: reports,
        }
    }

    /// Node injections S = V conj(Y V) (p.u.) for all local nodes.
    fn ac_solution(&self, reports: Vec<IslandReport>) -> PfSolution {
        let base = self.base_mva;
        let mut sol = self.empty_solution(false, reports);
        let topo = &self.topology;
        // Injection per global node.
        let mut node_s = vec![C::default(); topo.n_nodes];
        let mut node_v = vec![C::default(); topo.n_nodes];
        let mut node_island = vec![usize::MAX; topo.n_nodes];
        for (ii, isl) in self.islands.iter().enumerate() {
            let n = isl.nodes.len();
            for i in 0..n {
                let vi = C::new(isl.vr[i], isl.vi[i]);
                let mut s = C::default();
                for p in isl.y_ptr[i]..isl.y_ptr[i + 1] {
                    let j = isl.y_col[p] as usize;
                    let yv = C::new(isl.y_re[p], isl.y_im[p]).mul(C::new(isl.vr[j], isl.vi[j]));
                    s = s.add(vi.mul(yv.conj()));
                }
                node_s[isl.nodes[i]] = s;
                node_v[isl.nodes[i]] = vi;
                node_island[isl.nodes[i]] = ii;
            }
            for br in &isl.branches {
                let vf = C::new(isl.vr[br.f], isl.vi[br.f]);
                let vt = C::new(isl.vr[br.t], isl.vi[br.t]);
                let sf = vf
                    .mul(br.yff.mul(vf).add(br.yft.mul(vt)).conj())
                    .scale(base);
                let st = vt
                    .mul(br.ytf.mul(vf).add(br.ytt.mul(vt)).conj())
                    .scale(base);
                let g = br.global;
                sol.branch_pf_mw[g] = sf.re;
                sol.branch_qf_mvar[g] = sf.im;
                sol.branch_pt_mw[g] = st.re;
                sol.branch_qt_mvar[g] = st.im;
                sol.branch_active[g] = true;
                sol.losses_mw += sf.re + st.re;
            }
        }
        for b in 0..self.n_bus {
            if let Some(nd) = topo.bus_node[b]
                && node_island[nd] != usize::MAX
            {
                let v = node_v[nd];
                sol.bus_vm[b] = (v.re * v.re + v.im * v.im).sqrt();
                sol.bus_va_deg[b] = v.im.atan2(v.re).to_degrees();
                sol.bus_energised[b] = true;
            }
        }
        self.allocate_gens(&mut sol, &node_s, |nd| node_island[nd] != usize::MAX, false);
        sol
    }

    /// Generator P/Q from node injections (MATPOWER `pfsoln` semantics).
    fn allocate_gens(
        &self,
        sol: &mut PfSolution,
        node_s: &[C],
        live: impl Fn(usize) -> bool,
        dc: bool,
    ) {
        let base = self.base_mva;
        let topo = &self.topology;
        // Demand per node (MW, MVAr).
        let mut node_d = vec![(0.0, 0.0); topo.n_nodes];
        for b in 0..self.n_bus {
            if let Some(nd) = topo.bus_node[b] {
                node_d[nd].0 += self.bus_load[b].0;
                node_d[nd].1 += self.bus_load[b].1;
                if dc {
                    node_d[nd].0 += self.bus_gs[b];
                }
            }
        }
        // Gens grouped by node, in gen order.
        let mut by_node: Vec<Vec<usize>> = vec![Vec::new(); topo.n_nodes];
        for (k, &(bus, on, pg, qg, _, _)) in self.gens.iter().enumerate() {
            if !on {
                continue;
            }
            let Some(nd) = topo.bus_node[bus] else {
                continue;
            };
            if !live(nd) {
                continue;
            }
            sol.gen_p_mw[k] = pg;
            sol.gen_q_mvar[k] = if dc { 0.0 } else { qg };
            by_node[nd].push(k);
        }
        for (nd, gens) in by_node.iter().enumerate() {
            if gens.is_empty() {
                continue;
            }
            let roles: Vec<Role> = gens.iter().map(|&k| topo.role[self.gens[k].0]).collect();
            let is_slack = roles.contains(&Role::Slack);
            let non_pq = roles.iter().any(|r| matches!(r, Role::Pv | Role::Slack));
            let s = node_s[nd].scale(base);
            if is_slack {
                // First gen at a slack bus takes the balance.
                if let Some(pos) = roles.iter().position(|&r| r == Role::Slack) {
                    let first = gens[pos];
                    let others: f64 = gens
                        .iter()
                        .filter(|&&k| k != first)
                        .map(|&k| self.gens[k].2)
                        .sum();
                    sol.gen_p_mw[first] = s.re + node_d[nd].0 - others;
                }
            }
            if non_pq && !dc {
                let qtot = s.im + node_d[nd].1;
                split_q(gens, qtot, &self.gens, &mut sol.gen_q_mvar);
            }
        }
    }

    fn dc_solution(&self, reports: Vec<IslandReport>) -> PfSolution {
        let base = self.base_mva;
        let mut sol = self.empty_solution(true, reports);
        let topo = &self.topology;
        let mut node_s = vec![C::default(); topo.n_nodes];
        let mut node_va = vec![f64::NAN; topo.n_nodes];
        for isl in &self.islands {
            let n = isl.nodes.len();
            let mut pinj = vec![0.0; n];
            for br in &isl.branches {
                let pf = br.b_dc * (isl.va[br.f] - isl.va[br.t]) + br.p_shift;
                pinj[br.f] += pf;
                pinj[br.t] -= pf;
                let g = br.global;
                sol.branch_pf_mw[g] = pf * base;
                sol.branch_pt_mw[g] = -pf * base;
                sol.branch_active[g] = true;
            }
            for i in 0..n {
                // Net injection into the network (shunt G handled as demand).
                node_s[isl.nodes[i]] = C::new(pinj[i], 0.0);
                node_va[isl.nodes[i]] = isl.va[i];
            }
        }
        for b in 0..self.n_bus {
            if let Some(nd) = topo.bus_node[b]
                && !node_va[nd].is_nan()
            {
                sol.bus_vm[b] = 1.0;
                sol.bus_va_deg[b] = node_va[nd].to_degrees();
                sol.bus_energised[b] = true;
            }
        }
        self.allocate_gens(&mut sol, &node_s, |nd| !node_va[nd].is_nan(), true);
        sol
    }
}

/// Splits a bus's total reactive output between its generators: equally,
/// then in proportion to (Qmax - Qmin), with infinite limits replaced by a
/// finite proxy (MATPOWER `pfsoln`).
fn split_q(gens: &[usize], qtot: f64, data: &[(usize, bool, f64, f64, f64, f64)], out: &mut [f64]) {
    let n = gens.len() as f64;
    if gens.len() == 1 {
        out[gens[0]] = qtot;
        return;
    }
    let qeq = qtot / n;
    let mut m = 0.0;
    for &k in gens {
        let (_, _, _, _, qmin, qmax) = data[k];
        m += qeq.abs();
        if qmax.is_finite() {
            m += qmax.abs();
        }
        if qmin.is_finite() {
            m += qmin.abs();
        }
    }
    let lim = |x: f64| {
        if x == f64::INFINITY {
            m
        } else if x == f64::NEG_INFINITY {
            -m
        } else {
            x
        }
    };
    let (mut smin, mut smax) = (0.0, 0.0);
    for &k in gens {
        smin += lim(data[k].4);
        smax += lim(data[k].5);
    }
    if (smax - smin).abs() < 10.0 * f64::EPSILON {
        for &k in gens {
            out[k] = lim(data[k].4) + (qtot - smin) / n;
        }
    } else {
        for &k in gens {
            let (qmin, qmax) = (lim(data[k].4), lim(data[k].5));
            out[k] = qmin + (qtot - smin) / (smax - smin + f64::EPSILON) * (qmax - qmin);
        }
    }
}

// Preparation of the islands' solvers (`PowerFlow::with_slack_rule`).

/// An admittance triplet: (row, column, value) in a local numbering.
type Triplet = (u32, u32, C);

/// Sums the in-service loads (MW, MVAr) and shunts (G in MW, B in MVAr at
/// 1 p.u.) of every bus.
fn bus_totals(net: &Network) -> (Vec<(f64, f64)>, Vec<C>) {
    let nb = net.buses.len();
    let mut bus_load = vec![(0.0, 0.0); nb];
    for l in net.loads.iter().filter(|l| l.in_service) {
        bus_load[l.bus].0 += l.p_mw;
        bus_load[l.bus].1 += l.q_mvar;
    }
    let mut bus_shunt = vec![C::default(); nb];
    for s in net.shunts.iter().filter(|s| s.in_service) {
        bus_shunt[s.bus].re += s.g_mw;
        bus_shunt[s.bus].im += s.b_mvar;
    }
    (bus_load, bus_shunt)
}

/// What the preparation of every island reads: the network, its topology
/// and the per-bus totals of [`bus_totals`].
struct Prep<'a> {
    net: &'a Network,
    topology: &'a Topology,
    base: f64,
    bus_load: &'a [(f64, f64)],
    bus_shunt: &'a [C],
}

/// Per-node quantities of one island (p.u., radians), in its initial local
/// numbering (order of first bus), before the elimination ordering.
struct NodeData {
    role: Vec<Role>,
    /// Voltage set-point of PV and slack nodes (NaN for PQ nodes).
    vset: Vec<f64>,
    p_spec: Vec<f64>,
    q_spec: Vec<f64>,
    /// Shunt conductance, for DC.
    gs: Vec<f64>,
    vm0: Vec<f64>,
    va0: Vec<f64>,
    /// Shunt admittance.
    shunt: Vec<C>,
    /// Angle of the island's first slack bus (NaN if none has a node).
    va_ref: f64,
}

/// The elimination order of one island.
struct Order {
    /// Symbolic factorisation of the non-slack nodes.
    sym: Symbolic,
    /// New local index (non-slack nodes in elimination order, then slack
    /// nodes) of each initial local index.
    newi: Vec<usize>,
    /// Number of non-slack nodes.
    m: usize,
}

/// An island's bus admittance matrix in compressed rows, columns ascending
/// within a row.
struct Ybus {
    ptr: Vec<usize>,
    col: Vec<u32>,
    re: Vec<f64>,
    im: Vec<f64>,
}

/// Where the Jacobian's blocks go in the LU storage.
struct JacobianMap {
    /// Factor position of the Jacobian block of each entry of Y (`NONE` for
    /// slack columns and rows past `m`).
    jpos: Vec<u32>,
    /// Factor positions no entry of Y maps to (fill), zeroed before each
    /// assembly.
    fill: Vec<u32>,
    /// Factor position of each diagonal block.
    diag_pos: Vec<u32>,
}

impl Prep<'_> {
    /// Prepares the solver of one energised island: gathers its nodes and
    /// their data, its branches and admittance triplets, orders the
    /// non-slack nodes by minimum degree, renumbers everything into that
    /// order, then builds the admittance matrix, the Jacobian's map into
    /// the factor storage and the factor storage itself.
    fn island(&self, island: &Island, node_local: &mut [usize]) -> IslandSolver {
        let nodes = self.island_nodes(island, node_local);
        let n = nodes.len();
        let mut data = self.node_data(island, &nodes, node_local);
        self.add_gens(&nodes, node_local, &mut data);
        let (mut trip, mut ibr) = self.branches(island, node_local, &data.shunt);
        let Order { sym, newi, m } = elimination_order(&data.role, &trip);
        let mut new_nodes = vec![0usize; n];
        let mut pq = vec![false; n];
        for k in 0..n {
            new_nodes[newi[k]] = nodes[k];
            pq[newi[k]] = data.role[k] == Role::Pq;
        }
        for br in &mut ibr {
            br.f = newi[br.f];
            br.t = newi[br.t];
        }
        for tr in &mut trip {
            tr.0 = newi[tr.0 as usize] as u32;
            tr.1 = newi[tr.1 as usize] as u32;
        }
        let y = assemble_y(n, trip);
        let jac = jacobian_map(m, &sym, &y);
        let lu = Lu::<B2>::new(&sym);
        let lu_dc = Lu::<f64>::new(&sym);
        let buses = island.buses.clone();
        let bus_local: Vec<usize> = buses
            .iter()
            .map(|&b| self.topology.bus_node[b].map_or(0, |nd| newi[node_local[nd]]))
            .collect();
        IslandSolver {
            nodes: new_nodes,
            buses,
            bus_local,
            m,
            pq,
            vset: permute(&data.vset, &newi),
            va_ref: if data.va_ref.is_nan() {
                0.0
            } else {
                data.va_ref
            },
            va0: permute(&data.va0, &newi),
            vm0: permute(&data.vm0, &newi),
            p_spec: permute(&data.p_spec, &newi),
            q_spec: permute(&data.q_spec, &newi),
            gs: permute(&data.gs, &newi),
            y_ptr: y.ptr,
            y_col: y.col,
            y_re: y.re,
            y_im: y.im,
            jpos: jac.jpos,
            fill: jac.fill,
            diag_pos: jac.diag_pos,
            sym,
            lu,
            lu_dc,
            branches: ibr,
            vm: vec![1.0; n],
            va: vec![0.0; n],
            vr: vec![0.0; n],
            vi: vec![0.0; n],
            cvm: vec![0.0; n],
            rhs: vec![[0.0; 2]; n],
            warm: false,
        }
    }

    /// The island's nodes in order of first bus; sets `node_local` of each
    /// to its index in the result.
    fn island_nodes(&self, island: &Island, node_local: &mut [usize]) -> Vec<usize> {
        let mut nodes: Vec<usize> = Vec::new();
        for &b in &island.buses {
            if let Some(nd) = self.topology.bus_node[b]
                && node_local[nd] == usize::MAX
            {
                node_local[nd] = nodes.len();
                nodes.push(nd);
            }
        }
        nodes
    }

    /// Bus data merged per node: role (slack over PV over PQ), load as
    /// negative injection, shunts, the case voltage of the node's first bus,
    /// and the case angles of the slack buses (the first one is the
    /// island's reference angle). Generators come later ([`Prep::add_gens`]).
    fn node_data(&self, island: &Island, nodes: &[usize], node_local: &[usize]) -> NodeData {
        let (net, topology, base) = (self.net, self.topology, self.base);
        let (bus_load, bus_shunt) = (self.bus_load, self.bus_shunt);
        let n = nodes.len();
        let mut role = vec![Role::Pq; n];
        let vset = vec![f64::NAN; n];
        let mut p_spec = vec![0.0; n];
        let mut q_spec = vec![0.0; n];
        let mut gs = vec![0.0; n];
        let mut vm0 = vec![f64::NAN; n];
        let mut va0 = vec![f64::NAN; n];
        let mut shunt = vec![C::default(); n];
        for &b in &island.buses {
            let Some(nd) = topology.bus_node[b] else {
                continue;
            };
            let k = node_local[nd];
            let r = topology.role[b];
            role[k] = match (role[k], r) {
                (Role::Slack, _) | (_, Role::Slack) => Role::Slack,
                (Role::Pv, _) | (_, Role::Pv) => Role::Pv,
                _ => Role::Pq,
            };
            p_spec[k] -= bus_load[b].0 / base;
            q_spec[k] -= bus_load[b].1 / base;
            gs[k] += bus_shunt[b].re / base;
            shunt[k] = shunt[k].add(bus_shunt[b].scale(1.0 / base));
            if vm0[k].is_nan() {
                vm0[k] = net.buses[b].vm;
                va0[k] = net.buses[b].va_deg.to_radians();
            }
        }
        let mut va_ref = f64::NAN;
        for &b in &island.slack {
            if let Some(nd) = topology.bus_node[b] {
                if va_ref.is_nan() {
                    va_ref = net.buses[b].va_deg.to_radians();
                }
                va0[node_local[nd]] = net.buses[b].va_deg.to_radians();
            }
        }
        NodeData {
            role,
            vset,
            p_spec,
            q_spec,
            gs,
            vm0,
            va0,
            shunt,
            va_ref,
        }
    }

    /// Adds the in-service generators of the island's nodes: their P and Q
    /// to the injections, their Vg as the set-point of PV and slack nodes
    /// (the case Vm where none is given), which is also those nodes' start
    /// magnitude.
    fn add_gens(&self, nodes: &[usize], node_local: &[usize], data: &mut NodeData) {
        let (topology, base) = (self.topology, self.base);
        let NodeData {
            role,
            vset,
            p_spec,
            q_spec,
            vm0,
            ..
        } = data;
        for g in self.net.gens.iter().filter(|g| g.in_service) {
            let Some(nd) = topology.bus_node[g.bus] else {
                continue;
            };
            if node_local[nd] == usize::MAX || topology.bus_island[g.bus].is_none() {
                continue;
            }
            let k = node_local[nd];
            if nodes.get(k).is_none_or(|&x| x != nd) {
                continue;
            }
            p_spec[k] += g.pg_mw / base;
            q_spec[k] += g.qg_mvar / base;
            if matches!(topology.role[g.bus], Role::Pv | Role::Slack) {
                vset[k] = g.vg;
            }
        }
        for k in 0..nodes.len() {
            if role[k] != Role::Pq && vset[k].is_nan() {
                vset[k] = vm0[k];
            }
            if role[k] != Role::Pq {
                vm0[k] = vset[k];
            }
        }
    }

    /// The island's in-service branches with their admittances (pi model
    /// with tap and phase shift, and the DC model's susceptance and
    /// phase-shift injection), and the admittance triplets in the initial
    /// local numbering: the shunt diagonal of every node first, then four
    /// per branch in branch order.
    fn branches(
        &self,
        island: &Island,
        node_local: &[usize],
        shunt: &[C],
    ) -> (Vec<Triplet>, Vec<IslandBranch>) {
        let topology = self.topology;
        let mut trip: Vec<Triplet> = Vec::new();
        let mut ibr = Vec::new();
        for (k, &sh) in shunt.iter().enumerate() {
            trip.push((k as u32, k as u32, sh));
        }
        for (gi, br) in self.net.branches.iter().enumerate() {
            if !br.in_service {
                continue;
            }
            let (Some(nf), Some(nt)) = (topology.bus_node[br.from], topology.bus_node[br.to])
            else {
                continue;
            };
            if topology.bus_island[br.from] != topology.bus_island[island.buses[0]] {
                continue;
            }
            let (f, t) = (node_local[nf], node_local[nt]);
            let ys = C::new(br.r, br.x).inv();
            let (m, sh) = br.tap();
            let tap = C::new(m * sh.cos(), m * sh.sin());
            let ytt = ys.add(C::new(0.0, br.b / 2.0));
            let yff = ytt.scale(1.0 / (m * m));
            let yft = ys.mul(tap.conj().inv()).neg();
            let ytf = ys.mul(tap.inv()).neg();
            trip.push((f as u32, f as u32, yff));
            trip.push((f as u32, t as u32, yft));
            trip.push((t as u32, f as u32, ytf));
            trip.push((t as u32, t as u32, ytt));
            let b_dc = 1.0 / (br.x * m);
            ibr.push(IslandBranch {
                global: gi,
                f,
                t,
                yff,
                yft,
                ytf,
                ytt,
                b_dc,
                p_shift: -b_dc * sh,
            });
        }
        (trip, ibr)
    }
}

/// The local order of an island: the non-slack nodes by minimum degree on
/// the pattern of the triplets (the symbolic factorisation), then the slack
/// nodes in initial order.
fn elimination_order(role: &[Role], trip: &[Triplet]) -> Order {
    let n = role.len();
    let non_slack: Vec<usize> = (0..n).filter(|&k| role[k] != Role::Slack).collect();
    let slack_nodes: Vec<usize> = (0..n).filter(|&k| role[k] == Role::Slack).collect();
    let m = non_slack.len();
    let mut ns_index = vec![usize::MAX; n];
    for (i, &k) in non_slack.iter().enumerate() {
        ns_index[k] = i;
    }
    let mut adj = vec![Vec::new(); m];
    for &(r, c, _) in trip {
        let (a, b) = (ns_index[r as usize], ns_index[c as usize]);
        if a != usize::MAX && b != usize::MAX && a != b {
            adj[a].push(b);
        }
    }
    let sym = Symbolic::analyse(m, &adj);
    let mut newi = vec![0usize; n];
    for &k in &non_slack {
        newi[k] = sym.iperm[ns_index[k]];
    }
    for (s, &k) in slack_nodes.iter().enumerate() {
        newi[k] = m + s;
    }
    Order { sym, newi, m }
}

/// `v` (initial local numbering) in the new local numbering `newi`.
fn permute(v: &[f64], newi: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; newi.len()];
    for k in 0..newi.len() {
        out[newi[k]] = v[k];
    }
    out
}

/// Sorts the triplets (new local numbering) and sums duplicates into the
/// compressed rows of the `n`-node admittance matrix.
fn assemble_y(n: usize, mut trip: Vec<Triplet>) -> Ybus {
    trip.sort_by_key(|a| (a.0, a.1));
    let mut y_ptr = vec![0usize; n + 1];
    let mut y_col = Vec::new();
    let mut y_re = Vec::new();
    let mut y_im = Vec::new();
    let mut last: Option<(u32, u32)> = None;
    for &(r, c, v) in &trip {
        if last == Some((r, c)) {
            if let (Some(a), Some(b)) = (y_re.last_mut(), y_im.last_mut()) {
                *a += v.re;
                *b += v.im;
            }
        } else {
            y_col.push(c);
            y_re.push(v.re);
            y_im.push(v.im);
            y_ptr[r as usize + 1] = y_col.len();
            last = Some((r, c));
        }
    }
    for r in 0..n {
        if y_ptr[r + 1] < y_ptr[r] {
            y_ptr[r + 1] = y_ptr[r];
        }
    }
    Ybus {
        ptr: y_ptr,
        col: y_col,
        re: y_re,
        im: y_im,
    }
}

/// Maps the entries of Y among the first `m` rows and columns to their
/// block positions in the factor storage of `sym`; the positions left over
/// are fill.
fn jacobian_map(m: usize, sym: &Symbolic, y: &Ybus) -> JacobianMap {
    let mut jpos = vec![NONE; y.col.len()];
    let mut used = vec![false; sym.nnz()];
    for r in 0..m {
        for p in y.ptr[r]..y.ptr[r + 1] {
            let c = y.col[p] as usize;
            if c < m
                && let Some(pos) = sym.position(r, c)
            {
                jpos[p] = pos as u32;
                used[pos] = true;
            }
        }
    }
    let fill: Vec<u32> = (0..sym.nnz())
        .filter(|&p| !used[p])
        .map(|p| p as u32)
        .collect();
    let diag_pos: Vec<u32> = sym.diag.iter().map(|&d| d as u32).collect();
    JacobianMap {
        jpos,
        fill,
        diag_pos,
    }
}

impl IslandSolver {
    fn start(&mut self, init: Init) -> Option<String> {
        let n = self.nodes.len();
        let init = match init {
            Init::Warm if self.warm && self.vm.iter().chain(&self.va).all(|x| x.is_finite()) => {
                return None;
            }
            Init::Warm => Init::Flat,
            other => other,
        };
        match init {
            Init::Case => {
                self.vm.copy_from_slice(&self.vm0);
                self.va.copy_from_slice(&self.va0);
            }
            Init::Warm | Init::Flat | Init::Dc => {
                for k in 0..n {
                    self.vm[k] = if self.pq[k] && k < self.m {
                        1.0
                    } else {
                        self.vset[k]
                    };
                    self.va[k] = if k < self.m { self.va_ref } else { self.va0[k] };
                }
                if init == Init::Dc {
                    let r = self.solve_dc();
                    if !r.converged {
                        return r.failure;
                    }
                    for k in 0..n {
                        self.vm[k] = if self.pq[k] && k < self.m {
                            1.0
                        } else {
                            self.vset[k]
                        };
                    }
                }
            }
        }
        None
    }

    fn report(
        &self,
        converged: bool,
        iterations: usize,
        mm: f64,
        failure: Option<String>,
    ) -> IslandReport {
        IslandReport {
            buses: self.buses.clone(),
            converged,
            iterations,
            max_mismatch_pu: mm,
            failure,
        }
    }

    fn update_v(&mut self) {
        for k in 0..self.nodes.len() {
            let (s, c) = self.va[k].sin_cos();
            self.vr[k] = self.vm[k] * c;
            self.vi[k] = self.vm[k] * s;
            self.cvm[k] = if self.pq[k] { 1.0 / self.vm[k] } else { 0.0 };
        }
    }

    /// Mismatch into `rhs` (negated) and, if asked, the Jacobian into the LU
    /// storage. Returns the infinity norm of the mismatch.
    fn eval(&mut self, build_j: bool) -> f64 {
        let m = self.m;
        let mut norm = 0.0f64;
        let val = &mut self.lu.val;
        if build_j {
            for &p in &self.fill {
                val[p as usize] = [0.0; 4];
            }
        }
        for i in 0..m {
            let (vr_i, vi_i) = (self.vr[i], self.vi[i]);
            let rmask = if self.pq[i] { 1.0 } else { 0.0 };
            let (mut s_re, mut s_im) = (0.0, 0.0);
            for p in self.y_ptr[i]..self.y_ptr[i + 1] {
                let j = self.y_col[p] as usize;
                let (yr, yi) = (self.y_re[p], self.y_im[p]);
                let (vr_j, vi_j) = (self.vr[j], self.vi[j]);
                // yv = Y_ij V_j ; a = V_i conj(yv)
                let yv_re = yr * vr_j - yi * vi_j;
                let yv_im = yr * vi_j + yi * vr_j;
                let a_re = vr_i * yv_re + vi_i * yv_im;
                let a_im = vi_i * yv_re - vr_i * yv_im;
                s_re += a_re;
                s_im += a_im;
                if build_j {
                    let pos = self.jpos[p];
                    if pos != NONE {
                        let c = self.cvm[j];
                        val[pos as usize] = [a_im, a_re * c, -a_re * rmask, a_im * c * rmask];
                    }
                }
            }
            let dp = s_re - self.p_spec[i];
            let dq = (s_im - self.q_spec[i]) * rmask;
            norm = norm.max(dp.abs()).max(dq.abs());
            if dp.is_nan() || dq.is_nan() {
                norm = f64::NAN;
            }
            self.rhs[i] = [-dp, -dq];
            if build_j {
                let d = &mut val[self.diag_pos[i] as usize];
                let inv_vm = 1.0 / self.vm[i];
                if self.pq[i] {
                    d[0] -= s_im;
                    d[1] += s_re * inv_vm;
                    d[2] += s_re;
                    d[3] += s_im * inv_vm;
                } else {
                    d[0] -= s_im;
                    d[1] = 0.0;
                    d[2] = 0.0;
                    d[3] = 1.0;
                }
            }
        }
        norm
    }

    fn solve_ac(&mut self, opts: &PfOptions) -> IslandReport {
        let start = self.start(opts.init);
        self.warm = false;
        if let Some(f) = start {
            return self.report(
                false,
                0,
                f64::INFINITY,
                Some(format!("DC start failed: {f}")),
            );
        }
        let mut it = 0;
        loop {
            self.update_v();
            let norm = self.eval(true);
            if norm.is_nan() {
                return self.report(
                    false,
                    it,
                    f64::INFINITY,
                    Some("mismatch is not finite (diverged)".into()),
                );
            }
            if norm < opts.tol {
                self.warm = true;
                return self.report(true, it, norm, None);
            }
            if it >= opts.max_iter {
                return self.report(
                    false,
                    it,
                    norm,
                    Some(format!("no convergence in {it} iterations")),
                );
            }
            if let Err(e) = self.lu.factor(&self.sym) {
                return self.report(
                    false,
                    it,
                    norm,
                    Some(format!(
                        "singular Jacobian at bus block {} (elimination order)",
                        e.row
                    )),
                );
            }
            self.lu.solve(&self.sym, &mut self.rhs[..self.m]);
            for i in 0..self.m {
                self.va[i] += self.rhs[i][0];
                if self.pq[i] {
                    self.vm[i] += self.rhs[i][1];
                }
            }
            it += 1;
        }
    }

    fn solve_dc(&mut self) -> IslandReport {
        let m = self.m;
        let n = self.nodes.len();
        self.lu_dc.clear();
        let mut p = vec![0.0; n];
        for k in 0..n {
            p[k] = self.p_spec[k] - self.gs[k];
        }
        // Slack angles fixed at their case values.
        for k in m..n {
            self.va[k] = self.va0[k];
        }
        for br in &self.branches {
            let (f, t, b) = (br.f, br.t, br.b_dc);
            p[f] -= br.p_shift;
            p[t] += br.p_shift;
            for (r, c, v) in [(f, f, b), (f, t, -b), (t, f, -b), (t, t, b)] {
                if r < m {
                    if c < m {
                        if let Some(pos) = self.sym.position(r, c) {
                            self.lu_dc.val[pos] += v;
                        }
                    } else {
                        p[r] -= v * self.va[c];
                    }
                }
            }
        }
        if let Err(e) = self.lu_dc.factor(&self.sym) {
            return self.report(
                false,
                1,
                f64::INFINITY,
                Some(format!("singular B matrix at row {}", e.row)),
            );
        }
        let mut x: Vec<f64> = p[..m].to_vec();
        self.lu_dc.solve(&self.sym, &mut x);
        self.va[..m].copy_from_slice(&x);
        for k in 0..n {
            self.vm[k] = 1.0;
        }
        let ok = x.iter().all(|v| v.is_finite());
        self.report(
            ok,
            1,
            0.0,
            (!ok).then(|| "DC solution not finite".to_string()),
        )
    }
}
