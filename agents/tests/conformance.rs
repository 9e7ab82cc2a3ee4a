//! Strategy conformance: every built-in strategy
//! ([`agents::pipeline::STRATEGIES`]) is planned on hand-made states
//! (normal operation, islanded with a battery, a broken tie, scarcity that
//! forces sheds, ...) and its plan must be one that can be carried out and
//! that keeps the promises its docs make:
//!
//! * (a) unit limits: a planned battery setpoint within what the batteries
//!   can give or take this interval, a diesel setpoint within what the
//!   fuel and rating allow, shed fractions in `[0, 1]`, a planned dispatch
//!   that serves no more than its sources and imports, and no microgrid
//!   exporting more power than its own units can give;
//! * (b) transfers only over intact, usable path elements, along a path
//!   that joins sender and receiver, with the path losses accounted for
//!   and every element within its capacity (and the executor accepts all
//!   of them);
//! * (c) priority order: a planned dispatch sheds critical load only once
//!   essential and normal load are shed, essential only once normal is;
//!   strategies whose docs promise it serve critical load first across
//!   microgrids; energy sold in a market serves critical load first; `none`
//!   plans nothing (each microgrid alone);
//! * (d) determinism: the same input gives the same plan, from a fresh
//!   strategy and from the same one asked again.
//!
//! A strategy added to `STRATEGIES` gets every universal check; what its
//! docs promise beyond them goes in [`promises`].

// Test code: a failed check panics. (clippy.toml's `allow-*-in-tests`
// covers `#[test]` functions, not the helpers they share.)
#![allow(
    clippy::panic,
    clippy::expect_used,
    reason = "test helpers fail by panicking"
)]

use agents::observe::{
    EdgeKind, HazardState, MicrogridState, Node, Observation, PathEdge, class_index,
};
use agents::pipeline::{STRATEGIES, strategy};
use agents::plan::{Analyses, Dispatch, Plan, PlanError, PlanInput, Transfer, own_position};
use agents::roles::GridReport;
use agents::{Executor, Strategy};
use grid_model::network::Priority;
use grid_model::ops::{Battery, Diesel, LoadDemand};

/// Tolerance on powers (MW): the LP's interior-point solutions are
/// accurate to about 1e-8.
const TOL: f64 = 1e-6;

/// Tolerance of a planned dispatch's power balance (MW): the optimal
/// planner drops flows under `MIN_FLOW_MW` (1 kW) from its transfers, so a
/// dispatch may count on a little power that no transfer carries (on these
/// states the balance holds to 1e-9).
const BALANCE_TOL: f64 = 2.0 * agents::optimal::MIN_FLOW_MW;

// ---------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------

/// A battery: `energy` MWh, `power` MW, at `soc` (floor 0.1, ceiling
/// 0.95, 95 % each way).
fn battery(id: usize, energy: f64, power: f64, soc: f64) -> (usize, Battery) {
    (
        id,
        Battery {
            id: format!("b{id}"),
            bus: 0,
            energy_mwh: energy,
            power_mw: power,
            eta_charge: 0.95,
            eta_discharge: 0.95,
            soc,
            soc_min: 0.1,
            soc_max: 0.95,
            soh: 1.0,
            in_service: true,
        },
    )
}

/// A diesel of `rated` MW with `fuel` litres and HOMER's fuel curve.
fn diesel(id: usize, rated: f64, fuel: f64) -> (usize, Diesel) {
    (
        id,
        Diesel {
            id: format!("d{id}"),
            bus: 0,
            rated_mw: rated,
            fuel_l: fuel,
            f0_l_per_mwh_rated: Diesel::HOMER_F0,
            f1_l_per_mwh: Diesel::HOMER_F1,
            in_service: true,
        },
    )
}

fn load(id: usize, p: f64, pr: Priority) -> LoadDemand {
    LoadDemand {
        load: id,
        p_mw: p,
        priority: pr,
        sheddable: 0.0,
    }
}

/// Critical, essential and normal loads of `m` (load ids `3m..3m+3`).
fn loads(m: usize, [c, e, n]: [f64; 3]) -> Vec<LoadDemand> {
    vec![
        load(3 * m, c, Priority::Critical),
        load(3 * m + 1, e, Priority::Essential),
        load(3 * m + 2, n, Priority::Normal),
    ]
}

/// An islanded microgrid with flat demand and renewables over `periods`
/// planning periods (the forecast of period 0 is the state now).
fn mg(
    name: &str,
    loads: Vec<LoadDemand>,
    batteries: Vec<(usize, Battery)>,
    diesels: Vec<(usize, Diesel)>,
    pv: f64,
    periods: usize,
) -> MicrogridState {
    let mut d = [0.0; 3];
    for l in &loads {
        d[class_index(l.priority)] += l.p_mw;
    }
    MicrogridState {
        name: name.into(),
        lat: 0.0,
        lon: 0.0,
        upstream_connected: false,
        import_limit_mw: 0.0,
        loads,
        renewable_mw: pv,
        batteries,
        diesels,
        losses_mw: 0.0,
        demand_forecast_mw: vec![d; periods],
        renewable_forecast_mw: vec![pv; periods],
        damaged_sites: (0, 3),
    }
}

/// An open tie between microgrids `a` and `b`.
fn tie(id: &str, a: usize, b: usize, cap: f64, loss: f64, switch: usize) -> PathEdge {
    PathEdge {
        id: id.into(),
        kind: EdgeKind::Tie,
        a: Node::Mg(a),
        b: Node::Mg(b),
        capacity_mw: cap,
        loss_frac: loss,
        intact: true,
        switch,
        closed: false,
    }
}

/// Microgrid `m`'s feeder to the substation bus (PCC switch closed).
fn feeder(m: usize, cap: f64, loss: f64, switch: usize) -> PathEdge {
    PathEdge {
        id: format!("mg{m}-feeder"),
        kind: EdgeKind::Feeder,
        a: Node::Mg(m),
        b: Node::Hub,
        capacity_mw: cap,
        loss_frac: loss,
        intact: true,
        switch,
        closed: true,
    }
}

/// A 15-min interval, then six 1-h planning periods.
fn periods() -> Vec<f64> {
    let mut p = vec![0.25];
    p.extend(std::iter::repeat_n(1.0, 6));
    p
}

fn observation(
    microgrids: Vec<MicrogridState>,
    edges: Vec<PathEdge>,
    hazard: HazardState,
) -> Observation {
    Observation {
        time_ms: 3_600_000,
        replica: 0,
        dt_h: 0.25,
        periods_h: periods(),
        microgrids,
        edges,
        hazard,
    }
}

fn hazard(upstream_up: bool, substation_ok: bool, severity: u8) -> HazardState {
    HazardState {
        kind: "earthquake".into(),
        severity,
        hours_since_event: 2.0,
        upstream_up,
        substation_ok,
        damaged: vec![("site".into(), 35.0, 139.0)],
    }
}

/// Upstream grid up, substation intact, every microgrid fed through its
/// feeder: nothing to share, no usable sharing path.
fn normal_operation() -> Observation {
    let np = periods().len();
    let mut microgrids = vec![
        mg(
            "a",
            loads(0, [0.2, 0.2, 0.3]),
            vec![battery(0, 2.0, 1.0, 0.5)],
            vec![],
            0.4,
            np,
        ),
        mg("b", loads(1, [0.3, 0.1, 0.2]), vec![], vec![], 0.0, np),
        mg(
            "c",
            loads(2, [0.1, 0.1, 0.1]),
            vec![],
            vec![diesel(0, 0.3, 400.0)],
            0.0,
            np,
        ),
    ];
    for m in &mut microgrids {
        m.upstream_connected = true;
        m.import_limit_mw = 2.0;
        m.damaged_sites = (0, 3);
    }
    let edges = vec![
        feeder(0, 2.0, 0.02, 0),
        feeder(1, 2.0, 0.02, 1),
        feeder(2, 2.0, 0.02, 2),
        tie("tie-a-b", 0, 1, 1.0, 0.01, 3),
        tie("tie-b-c", 1, 2, 1.0, 0.01, 4),
    ];
    let mut obs = observation(microgrids, edges, hazard(true, true, 1));
    obs.hazard.damaged.clear();
    obs
}

/// Substation damaged, upstream down: A (battery and PV), B (dark: no
/// source of its own), C (small battery and a diesel) joined by ties
/// A-B and B-C.
fn islanded_with_battery() -> Observation {
    let np = periods().len();
    let microgrids = vec![
        mg(
            "a",
            loads(0, [0.2, 0.2, 0.3]),
            vec![battery(0, 4.0, 1.0, 0.8)],
            vec![],
            0.3,
            np,
        ),
        mg("b", loads(1, [0.3, 0.1, 0.2]), vec![], vec![], 0.0, np),
        mg(
            "c",
            loads(2, [0.1, 0.1, 0.1]),
            vec![battery(1, 0.5, 0.2, 0.5)],
            vec![diesel(0, 0.3, 400.0)],
            0.05,
            np,
        ),
    ];
    let edges = vec![
        tie("tie-a-b", 0, 1, 1.0, 0.02, 10),
        tie("tie-b-c", 1, 2, 1.0, 0.02, 11),
    ];
    observation(microgrids, edges, hazard(false, false, 4))
}

/// Upstream down, substation intact (sharing through the substation bus):
/// the direct tie A-B is broken (its switch still reported closed), A's
/// path to B goes over the feeders; C's feeder is broken, so C can reach
/// the others only over the intact tie C-D, and D is dark.
fn broken_tie() -> Observation {
    let np = periods().len();
    let microgrids = vec![
        mg(
            "a",
            loads(0, [0.1, 0.1, 0.1]),
            vec![battery(0, 4.0, 1.0, 0.9)],
            vec![],
            0.2,
            np,
        ),
        mg("b", loads(1, [0.3, 0.2, 0.2]), vec![], vec![], 0.0, np),
        mg(
            "c",
            loads(2, [0.05, 0.05, 0.05]),
            vec![battery(1, 2.0, 0.5, 0.9)],
            vec![],
            0.1,
            np,
        ),
        mg("d", loads(3, [0.2, 0.1, 0.1]), vec![], vec![], 0.0, np),
    ];
    let mut broken = tie("tie-a-b", 0, 1, 2.0, 0.01, 10);
    broken.intact = false;
    broken.closed = true;
    let mut c_feeder = feeder(2, 2.0, 0.02, 2);
    c_feeder.intact = false;
    let edges = vec![
        broken,
        feeder(0, 0.5, 0.03, 0),
        feeder(1, 0.5, 0.03, 1),
        c_feeder,
        feeder(3, 0.5, 0.03, 3),
        tie("tie-c-d", 2, 3, 0.15, 0.02, 11),
    ];
    observation(microgrids, edges, hazard(false, true, 3))
}

/// Scarcity: B and D are dark with large critical load; A's battery is
/// nearly empty; C's diesel has less fuel than its rating needs for the
/// interval (the fuel binds); ties are thin (their capacity binds). The
/// community cannot serve all its critical and essential load.
fn scarcity() -> Observation {
    let np = periods().len();
    let microgrids = vec![
        mg(
            "a",
            loads(0, [0.2, 0.3, 0.3]),
            vec![battery(0, 2.0, 0.8, 0.2)],
            vec![],
            0.1,
            np,
        ),
        mg("b", loads(1, [0.6, 0.2, 0.1]), vec![], vec![], 0.0, np),
        mg(
            "c",
            loads(2, [0.1, 0.2, 0.2]),
            vec![],
            vec![diesel(0, 0.6, 30.0)],
            0.0,
            np,
        ),
        mg("d", loads(3, [0.4, 0.1, 0.1]), vec![], vec![], 0.0, np),
    ];
    let edges = vec![
        tie("tie-a-b", 0, 1, 0.2, 0.05, 10),
        tie("tie-b-c", 1, 2, 0.15, 0.05, 11),
        tie("tie-c-d", 2, 3, 0.1, 0.05, 12),
        tie("tie-a-d", 0, 3, 0.25, 0.05, 13),
    ];
    observation(microgrids, edges, hazard(false, false, 5))
}

/// A donor limited by power rather than energy: A's battery holds 20 MWh
/// but gives at most 0.2 MW, less than A's own critical load; B (dark,
/// critical load) is joined to A by an ample tie.
fn power_limited_donor() -> Observation {
    let np = periods().len();
    let microgrids = vec![
        mg(
            "a",
            loads(0, [0.3, 0.3, 0.2]),
            vec![battery(0, 20.0, 0.2, 0.9)],
            vec![],
            0.0,
            np,
        ),
        mg("b", loads(1, [0.3, 0.0, 0.0]), vec![], vec![], 0.0, np),
    ];
    let edges = vec![tie("tie-a-b", 0, 1, 2.0, 0.02, 10)];
    observation(microgrids, edges, hazard(false, false, 3))
}

/// A lossy tie (a quarter of the power sent is lost): A has power to
/// spare now (1 MW of battery power for 0.5 MW of its own load) but too
/// little energy over the horizon to count as a donor with a margin; B is
/// dark with 0.5 MW of critical load.
fn lossy_tie() -> Observation {
    let np = periods().len();
    let microgrids = vec![
        mg(
            "a",
            loads(0, [0.1, 0.1, 0.3]),
            vec![battery(0, 1.0, 1.0, 0.5)],
            vec![],
            0.0,
            np,
        ),
        mg("b", loads(1, [0.5, 0.0, 0.0]), vec![], vec![], 0.0, np),
    ];
    let edges = vec![tie("tie-a-b", 0, 1, 2.0, 0.25, 10)];
    observation(microgrids, edges, hazard(false, false, 3))
}

/// A ring of six microgrids with feeders to an intact substation bus (two
/// of them broken) and a calm hazard (severity 2): every other microgrid
/// has a battery and PV, every third a diesel; one battery is out of
/// service and one diesel has no fuel.
fn community() -> Observation {
    let np = periods().len();
    let n = 6;
    let mut microgrids = Vec::new();
    for i in 0..n {
        let bats = if i % 2 == 0 {
            vec![battery(i, 1.0 + 0.5 * i as f64, 0.5, 0.3 + 0.1 * i as f64)]
        } else {
            vec![]
        };
        let dsl = if i % 3 == 1 {
            vec![diesel(i, 0.3, if i == 4 { 0.0 } else { 300.0 })]
        } else {
            vec![]
        };
        let pv = if i % 2 == 0 { 0.15 } else { 0.0 };
        microgrids.push(mg(
            &format!("mg{i}"),
            loads(i, [0.05 + 0.02 * i as f64, 0.1, 0.15]),
            bats,
            dsl,
            pv,
            np,
        ));
    }
    microgrids[2].batteries[0].1.in_service = false;
    let mut edges = Vec::new();
    for i in 0..n {
        let mut f = feeder(i, 0.4, 0.02, i);
        f.intact = i % 3 != 2;
        f.closed = false;
        edges.push(f);
        edges.push(tie(&format!("tie-{i}"), i, (i + 1) % n, 0.3, 0.01, n + i));
    }
    observation(microgrids, edges, hazard(false, true, 2))
}

// ---------------------------------------------------------------------
// What a microgrid can do this interval
// ---------------------------------------------------------------------

/// Largest power microgrid `m`'s own units can give this interval (MW):
/// renewables (only with a grid-forming unit), what the batteries can
/// discharge and what the diesels' fuel and rating allow.
fn supply_limit(obs: &Observation, m: usize) -> f64 {
    let mg = &obs.microgrids[m];
    let ren = if mg.can_form_grid() {
        mg.renewable_mw.max(0.0)
    } else {
        0.0
    };
    ren + discharge_limit(obs, m)
        + mg.diesels
            .iter()
            .map(|(_, d)| d.max_mw(obs.dt_h))
            .sum::<f64>()
}

/// What microgrid `m`'s batteries can discharge this interval (MW).
fn discharge_limit(obs: &Observation, m: usize) -> f64 {
    obs.microgrids[m]
        .batteries
        .iter()
        .map(|(_, b)| b.max_discharge_mw(obs.dt_h))
        .sum()
}

/// What microgrid `m`'s batteries can take this interval (MW).
fn charge_limit(obs: &Observation, m: usize) -> f64 {
    obs.microgrids[m]
        .batteries
        .iter()
        .map(|(_, b)| b.max_charge_mw(obs.dt_h))
        .sum()
}

/// Per microgrid, (power sent, power delivered to it) by the plan's
/// transfers (MW).
fn exchanges(obs: &Observation, plan: &Plan) -> Vec<(f64, f64)> {
    let mut x = vec![(0.0, 0.0); obs.microgrids.len()];
    for t in &plan.transfers {
        x[t.from].0 += t.sent_mw;
        x[t.to].1 += t.delivered_mw;
    }
    x
}

/// Power on each path element of the observation booked by the plan's
/// transfers (the sent power less the losses of the path's earlier
/// elements, as the executor books it).
fn edge_use(obs: &Observation, plan: &Plan) -> Vec<f64> {
    let mut used = vec![0.0; obs.edges.len()];
    for t in &plan.transfers {
        let mut flow = t.sent_mw;
        for &e in &t.path {
            used[e] += flow;
            flow *= 1.0 - obs.edges[e].loss_frac;
        }
    }
    used
}

/// Whether microgrid `from` can still send power to `to` after the plan:
/// a path of usable elements each with more than [`TOL`] of capacity
/// left.
fn reachable_after(
    obs: &Observation,
    grid: &GridReport,
    plan: &Plan,
    from: usize,
    to: usize,
) -> bool {
    let used = edge_use(obs, plan);
    let open: Vec<(Node, Node)> = grid
        .usable
        .iter()
        .filter(|u| u.capacity_mw - used[u.edge] > TOL)
        .map(|u| (u.a, u.b))
        .collect();
    let mut seen = vec![Node::Mg(from)];
    let mut frontier = vec![Node::Mg(from)];
    while let Some(x) = frontier.pop() {
        for &(a, b) in &open {
            let y = if a == x {
                b
            } else if b == x {
                a
            } else {
                continue;
            };
            if y == Node::Mg(to) {
                return true;
            }
            if !seen.contains(&y) {
                seen.push(y);
                frontier.push(y);
            }
        }
    }
    false
}

/// Per microgrid, (critical load left unserved, essential and normal load
/// served) after the plan (MW): from the plan's dispatch where it has one,
/// otherwise from the microgrid's own supply (as the strategies count it,
/// [`own_position`]) plus what the plan delivers to it less what it sends,
/// allocated critical first.
fn outcome(obs: &Observation, plan: &Plan) -> Vec<(f64, f64)> {
    let x = exchanges(obs, plan);
    (0..obs.microgrids.len())
        .map(|m| {
            let d = obs.microgrids[m].demand_by_class();
            let planned = plan
                .dispatch
                .as_ref()
                .and_then(|v| v.get(m).copied().flatten());
            match planned {
                Some(p) => (
                    d[0] * p.shed[0],
                    d[1] * (1.0 - p.shed[1]) + d[2] * (1.0 - p.shed[2]),
                ),
                None => {
                    let (deficit, spare) = own_position(obs, m);
                    let own: f64 = (0..3).map(|c| d[c] - deficit[c]).sum::<f64>() + spare;
                    let avail = (own + x[m].1 - x[m].0).max(0.0);
                    (
                        (d[0] - avail).max(0.0),
                        (avail - d[0]).clamp(0.0, d[1] + d[2]),
                    )
                }
            }
        })
        .collect()
}

// ---------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------

/// What a strategy's docs promise beyond the universal checks.
#[derive(Debug, Clone, Copy, Default)]
struct Promises {
    /// Each microgrid alone: no transfers, no dispatch, no trades
    /// (`none`).
    alone: bool,
    /// Critical load first across microgrids: no microgrid's critical
    /// load is left short while another microgrid that could still send
    /// it power (over a path with capacity left) serves its own essential
    /// or normal load. `priority` (step 4 of its docs: donors that serve
    /// their own lower classes shed them to give the power) and `optimal`
    /// (its priority weights: a critical MWh is worth 100, an essential 10,
    /// a normal 1, a transfer costs 3). Not `market`: a seller offers only
    /// what is spare after its own demand.
    critical_first_across: bool,
}

/// What each strategy's docs promise (see [`Promises`]); a strategy not
/// listed gets the universal checks only.
fn promises(name: &str) -> Promises {
    match name {
        "none" => Promises {
            alone: true,
            ..Promises::default()
        },
        "priority" | "optimal" => Promises {
            critical_first_across: true,
            ..Promises::default()
        },
        _ => Promises::default(),
    }
}

/// Plans `obs` with strategy `name` and checks the plan against every
/// conformance property (see the module docs); returns the plan.
fn conforms(name: &str, obs: &Observation) -> Plan {
    let analyses = Analyses::of(obs);
    let input = analyses.input(obs);
    let mut s = strategy(name).unwrap_or_else(|| panic!("{name}: not a built-in strategy"));
    let plan = s
        .plan(&input)
        .unwrap_or_else(|e| panic!("{name}: planning failed: {e}"));
    let ctx = format!("{name} on {}", describe(obs));
    assert_eq!(
        plan.strategy,
        s.name(),
        "{ctx}: plan names another strategy"
    );
    assert!(
        (0.0..=1.0).contains(&plan.confidence),
        "{ctx}: confidence {}",
        plan.confidence
    );
    check_transfers(&ctx, obs, &analyses.grid, &plan);
    check_units(&ctx, obs, &plan);
    check_priorities(&ctx, name, obs, &analyses.grid, &plan);
    check_trades(&ctx, obs, &analyses.grid, &plan);
    let make = || strategy(name).unwrap_or_else(|| panic!("{name}: not a built-in strategy"));
    check_deterministic(&ctx, &make, s.as_mut(), obs, &plan);
    plan
}

/// A short description of a state for failure messages.
fn describe(obs: &Observation) -> String {
    obs.microgrids
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join("/")
}

/// (b): transfers over intact, usable path elements that join sender and
/// receiver, losses accounted for, within capacity; the executor refuses
/// none of them.
fn check_transfers(ctx: &str, obs: &Observation, grid: &GridReport, plan: &Plan) {
    let n = obs.microgrids.len();
    for t in &plan.transfers {
        assert!(t.from < n && t.to < n && t.from != t.to, "{ctx}: {t:?}");
        assert!(
            t.sent_mw.is_finite() && t.sent_mw > 0.0,
            "{ctx}: sends {} MW: {t:?}",
            t.sent_mw
        );
        assert!(
            t.delivered_mw.is_finite() && t.delivered_mw >= 0.0 && t.delivered_mw <= t.sent_mw,
            "{ctx}: delivers more than it sends: {t:?}"
        );
        assert!(!t.path.is_empty(), "{ctx}: no path: {t:?}");
        let mut at = Node::Mg(t.from);
        let mut keep = 1.0;
        for (k, &e) in t.path.iter().enumerate() {
            let edge = obs
                .edges
                .get(e)
                .unwrap_or_else(|| panic!("{ctx}: no path element {e}: {t:?}"));
            assert!(edge.intact, "{ctx}: over broken {}: {t:?}", edge.id);
            assert!(
                grid.usable.iter().any(|u| u.edge == e),
                "{ctx}: over {}, not usable now: {t:?}",
                edge.id
            );
            assert!(
                !t.path[..k].contains(&e),
                "{ctx}: path uses {} twice: {t:?}",
                edge.id
            );
            at = if edge.a == at {
                edge.b
            } else if edge.b == at {
                edge.a
            } else {
                panic!("{ctx}: path breaks at {} (at {at:?}): {t:?}", edge.id)
            };
            keep *= 1.0 - edge.loss_frac;
        }
        assert_eq!(at, Node::Mg(t.to), "{ctx}: path ends elsewhere: {t:?}");
        assert!(
            (t.delivered_mw - t.sent_mw * keep).abs() <= 1e-9 * t.sent_mw.max(1.0),
            "{ctx}: delivered {} MW, path losses leave {} MW: {t:?}",
            t.delivered_mw,
            t.sent_mw * keep
        );
    }
    for (e, used) in edge_use(obs, plan).into_iter().enumerate() {
        let cap = obs.edges[e].capacity_mw;
        assert!(
            used <= cap * (1.0 + 1e-6) + 1e-9,
            "{ctx}: {} carries {used} MW over its {cap} MW capacity",
            obs.edges[e].id
        );
    }
    let ex = Executor::default().execute(obs, grid, plan);
    assert!(
        ex.refused.is_empty(),
        "{ctx}: executor refused {:?}",
        ex.refused
    );
    assert_eq!(ex.accepted.len(), plan.transfers.len(), "{ctx}");
}

/// (a): every microgrid exports at most what its units can give; a
/// planned dispatch stays within battery, diesel and fuel limits, sheds
/// fractions in `[0, 1]` and serves no more than its sources and imports.
fn check_units(ctx: &str, obs: &Observation, plan: &Plan) {
    let n = obs.microgrids.len();
    let x = exchanges(obs, plan);
    for m in 0..n {
        let (sent, got) = x[m];
        assert!(
            sent - got <= supply_limit(obs, m) + TOL,
            "{ctx}: {} exports {} MW net, its units can give {} MW",
            obs.microgrids[m].name,
            sent - got,
            supply_limit(obs, m)
        );
    }
    let Some(dispatch) = &plan.dispatch else {
        return;
    };
    assert_eq!(dispatch.len(), n, "{ctx}: dispatch per microgrid");
    for (m, d) in dispatch.iter().enumerate() {
        let Some(d) = d else { continue };
        let mg = &obs.microgrids[m];
        let who = format!("{ctx}: {}", mg.name);
        assert!(
            d.battery_mw.is_finite() && d.diesel_mw.is_finite(),
            "{who}: {d:?}"
        );
        assert!(
            d.battery_mw <= discharge_limit(obs, m) + TOL,
            "{who}: discharges {} MW, its batteries can give {} MW",
            d.battery_mw,
            discharge_limit(obs, m)
        );
        assert!(
            -d.battery_mw <= charge_limit(obs, m) + TOL,
            "{who}: charges {} MW, its batteries can take {} MW",
            -d.battery_mw,
            charge_limit(obs, m)
        );
        let dsl: f64 = mg.diesels.iter().map(|(_, g)| g.max_mw(obs.dt_h)).sum();
        assert!(
            d.diesel_mw >= -TOL && d.diesel_mw <= dsl + TOL,
            "{who}: diesel {} MW, fuel and rating allow {dsl} MW",
            d.diesel_mw
        );
        for f in d.shed {
            assert!((0.0..=1.0).contains(&f), "{who}: shed fraction {f}");
        }
        let dem = mg.demand_by_class();
        let served: f64 = (0..3).map(|c| dem[c] * (1.0 - d.shed[c])).sum();
        let ren = if mg.can_form_grid() {
            mg.renewable_mw
        } else {
            0.0
        };
        let sources = ren + d.battery_mw + d.diesel_mw + x[m].1 - x[m].0;
        assert!(
            served <= sources + BALANCE_TOL,
            "{who}: serves {served} MW from {sources} MW (renewables, battery, diesel, net import)"
        );
    }
}

/// (c): priority order (see [`Promises`]).
fn check_priorities(ctx: &str, name: &str, obs: &Observation, grid: &GridReport, plan: &Plan) {
    let promised = promises(name);
    if promised.alone {
        assert!(
            plan.transfers.is_empty() && plan.dispatch.is_none() && plan.trades.is_empty(),
            "{ctx}: plans something, documented as each microgrid alone: {plan:?}"
        );
    }
    // Within a microgrid: a planned shed of a class only once every lower
    // class (with demand) is shed entirely.
    if let Some(dispatch) = &plan.dispatch {
        for (m, d) in dispatch.iter().enumerate() {
            let Some(d) = d else { continue };
            let dem = obs.microgrids[m].demand_by_class();
            for hi in 0..2 {
                if d.shed[hi] * dem[hi] > TOL {
                    for lo in hi + 1..3 {
                        assert!(
                            dem[lo] <= TOL || d.shed[lo] >= 1.0 - TOL,
                            "{ctx}: {} sheds {} of class {hi} but only {} of class {lo}",
                            obs.microgrids[m].name,
                            d.shed[hi],
                            d.shed[lo]
                        );
                    }
                }
            }
        }
    }
    if promised.critical_first_across {
        let after = outcome(obs, plan);
        for (b, &(short, _)) in after.iter().enumerate() {
            if short <= TOL {
                continue;
            }
            for (a, &(_, lower)) in after.iter().enumerate() {
                if a != b && lower > TOL {
                    assert!(
                        !reachable_after(obs, grid, plan, a, b),
                        "{ctx}: {} leaves {short} MW of critical load short while {} serves {lower} MW of essential and normal load and can still reach it",
                        obs.microgrids[b].name,
                        obs.microgrids[a].name
                    );
                }
            }
        }
    }
}

/// Market transactions: each trade's energy is a transfer's power over the
/// interval, the payment is price times delivered energy, and energy is
/// sold for essential or normal load only once every critical deficit its
/// seller can still reach is covered.
fn check_trades(ctx: &str, obs: &Observation, grid: &GridReport, plan: &Plan) {
    if plan.trades.is_empty() {
        return;
    }
    let n = obs.microgrids.len();
    let mut by_pair = std::collections::BTreeMap::<(usize, usize), [f64; 4]>::new();
    for t in &plan.trades {
        assert!(
            t.buyer < n && t.seller < n && t.buyer != t.seller && t.class < 3,
            "{ctx}: {t:?}"
        );
        assert!(
            t.delivered_mwh >= 0.0 && t.delivered_mwh <= t.sent_mwh,
            "{ctx}: {t:?}"
        );
        assert!(
            (t.payment - t.price * t.delivered_mwh).abs() <= 1e-9 * t.payment.abs().max(1.0),
            "{ctx}: payment is not price times delivered energy: {t:?}"
        );
        let e = by_pair.entry((t.seller, t.buyer)).or_default();
        e[0] += t.sent_mwh;
        e[1] += t.delivered_mwh;
    }
    for t in &plan.transfers {
        let e = by_pair.entry((t.from, t.to)).or_default();
        e[2] += t.sent_mw * obs.dt_h;
        e[3] += t.delivered_mw * obs.dt_h;
    }
    for ((s, b), e) in &by_pair {
        assert!(
            (e[0] - e[2]).abs() <= TOL && (e[1] - e[3]).abs() <= TOL,
            "{ctx}: trades from {s} to {b} (sent, delivered MWh) {:?} but transfers {:?}",
            &e[..2],
            &e[2..]
        );
    }
    // Critical first: a seller that sold for essential or normal load can
    // no longer reach any microgrid whose critical deficit the trades
    // leave uncovered.
    let mut critical_got = vec![0.0; n];
    for t in plan.trades.iter().filter(|t| t.class == 0) {
        critical_got[t.buyer] += t.delivered_mwh / obs.dt_h;
    }
    for t in plan.trades.iter().filter(|t| t.class > 0) {
        for b in 0..n {
            let (deficit, _) = own_position(obs, b);
            let short = deficit[0] - critical_got[b];
            if short > TOL && b != t.seller {
                assert!(
                    !reachable_after(obs, grid, plan, t.seller, b),
                    "{ctx}: {} sells for class {} load while {} lacks {short} MW of critical load within its reach",
                    obs.microgrids[t.seller].name,
                    t.class,
                    obs.microgrids[b].name
                );
            }
        }
    }
}

/// (d): the same input planned by a fresh strategy from `make` (over a
/// copy of the observation, analysed again) and by the same strategy `s`
/// again gives the same plan.
fn check_deterministic(
    ctx: &str,
    make: &dyn Fn() -> Box<dyn Strategy>,
    s: &mut dyn Strategy,
    obs: &Observation,
    plan: &Plan,
) {
    let copy = obs.clone();
    let analyses = Analyses::of(&copy);
    let input = analyses.input(&copy);
    for (who, again) in [
        ("a fresh strategy", make().plan(&input)),
        ("the same strategy again", s.plan(&input)),
    ] {
        let again = again.unwrap_or_else(|e| panic!("{ctx}: {who} failed: {e}"));
        assert_eq!(&again, plan, "{ctx}: {who} plans differently");
        assert_eq!(format!("{again:?}"), format!("{plan:?}"), "{ctx}: {who}");
    }
}

/// Strategies that violate a property on a state: (state, strategy, the
/// violation). Found by this suite and reported, not yet fixed;
/// [`all_conform`] requires each of them to still fail there with that
/// message, so a fix shows up as a failing test until its entry is removed
/// (and the strategy then gets every check on that state).
const KNOWN_VIOLATIONS: &[(&str, &str, &str)] = &[
    // `PriorityHeuristic` counts `spare + own demand - own class` as the
    // power a donor can give (and `spare + essential + normal` in step
    // 4), which exceeds its supply when its supply does not cover its own
    // demand: A (0.2 MW of battery power, 0.3 MW of its own critical
    // load, 15 MWh stored) plans to send 0.306 MW to B.
    ("power-limited donor", "priority", "a exports 0.306"),
    // Step 4 books each donor once, for at most 1.2 times the deficit in
    // sent power: over a path losing more than 1/6 it delivers less than
    // the deficit and does not come back to that donor, so B's critical
    // load stays 0.05 MW short while A serves 0.3 MW of its own lower
    // classes with 1.4 MW of tie capacity left.
    ("lossy tie", "priority", "b leaves 0.05"),
];

/// Runs [`conforms`] for every built-in strategy on state `state` and
/// fails with every violation found (not only the first), and with every
/// known violation ([`KNOWN_VIOLATIONS`]) that no longer occurs.
fn all_conform(state: &str, obs: &Observation) {
    let mut failed = Vec::new();
    for name in STRATEGIES {
        let known = KNOWN_VIOLATIONS
            .iter()
            .find(|(s, n, _)| *s == state && *n == name);
        let run = std::panic::catch_unwind(|| conforms(name, obs));
        let msg = match run {
            Ok(_) => None,
            Err(e) => Some(panic_message(e.as_ref())),
        };
        match (known, msg) {
            (None, None) => {}
            (None, Some(m)) => failed.push(format!("{state}: {m}")),
            (Some((_, _, want)), Some(m)) if m.contains(want) => {
                eprintln!("{state}: known violation still there: {m}");
            }
            (Some((_, _, want)), m) => failed.push(format!(
                "{state}: {name} no longer fails with \"{want}\" (now: {m:?}); remove it from KNOWN_VIOLATIONS"
            )),
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn normal_operation_conforms() {
    all_conform("normal operation", &normal_operation());
}

#[test]
fn islanded_with_a_battery_conforms() {
    all_conform("islanded with a battery", &islanded_with_battery());
}

#[test]
fn broken_tie_conforms() {
    all_conform("broken tie", &broken_tie());
}

#[test]
fn scarcity_conforms() {
    all_conform("scarcity", &scarcity());
}

#[test]
fn power_limited_donor_conforms() {
    all_conform("power-limited donor", &power_limited_donor());
}

#[test]
fn lossy_tie_conforms() {
    all_conform("lossy tie", &lossy_tie());
}

#[test]
fn community_conforms() {
    all_conform("community", &community());
}

/// The states exercise what the checks are about, so that passing them
/// means something: sharing happens, over multi-element paths and around
/// the broken tie, up to a path element's capacity, with the diesel's fuel
/// binding and load shed.
#[test]
fn the_states_exercise_the_checks() {
    let plan = |name: &str, obs: &Observation| {
        let a = Analyses::of(obs);
        strategy(name)
            .expect("built in")
            .plan(&a.input(obs))
            .expect("plans")
    };
    // Normal operation: nothing can be shared.
    let obs = normal_operation();
    let a = Analyses::of(&obs);
    assert!(a.grid.hub_fed && a.grid.usable.is_empty() && a.grid.groups.is_empty());
    // Islanded: every sharing strategy sends power to the dark microgrid
    // b, and the optimal plan sheds part of a class.
    let obs = islanded_with_battery();
    for name in ["priority", "optimal", "market"] {
        let p = plan(name, &obs);
        assert!(p.transfers.iter().any(|t| t.to == 1), "{name}: {p:?}");
    }
    let p = plan("optimal", &obs);
    let partial = |p: &Plan| {
        p.dispatch
            .iter()
            .flatten()
            .flatten()
            .any(|d| d.shed.iter().any(|&f| f > 0.01 && f < 0.99))
    };
    assert!(partial(&p), "{p:?}");
    // Broken tie: the tie a-b and c's feeder are broken (the tie's switch
    // still closed); b is served over the feeders and the hub, d over the
    // tie c-d or the hub.
    let obs = broken_tie();
    let a = Analyses::of(&obs);
    assert_eq!(a.grid.broken, vec![0, 3]);
    assert!(obs.edges[0].closed);
    for name in ["priority", "optimal", "market"] {
        let p = plan(name, &obs);
        assert!(
            p.transfers.iter().any(|t| t.to == 1 && t.path.len() == 2),
            "{name}: {p:?}"
        );
    }
    // Scarcity: the diesel's fuel, not its rating, limits it this
    // interval; the priority plan fills ties to capacity; every strategy
    // leaves critical load short.
    let obs = scarcity();
    let (_, d) = &obs.microgrids[2].diesels[0];
    assert!(d.max_mw(obs.dt_h) < 0.5 * d.rated_mw);
    let p = plan("priority", &obs);
    let used = edge_use(&obs, &p);
    assert!(
        (0..obs.edges.len()).any(|e| used[e] >= obs.edges[e].capacity_mw - 1e-9),
        "{used:?}"
    );
    for name in STRATEGIES {
        let p = plan(name, &obs);
        let short: f64 = outcome(&obs, &p).iter().map(|o| o.0).sum();
        assert!(short > 0.1, "{name}: {short}");
    }
    // Power-limited donor: a's units cannot cover its own critical load.
    let obs = power_limited_donor();
    assert!(supply_limit(&obs, 0) < obs.microgrids[0].demand_by_class()[0]);
    // Lossy tie: more than 1/6 of what is sent is lost (beyond the 1.2
    // times the deficit that `priority` asks a donor for).
    assert!(lossy_tie().edges[0].loss_frac > 1.0 / 6.0);
    // Community: the market trades in emergency mode over the hub.
    let obs = community();
    let p = plan("market", &obs);
    assert!(!p.trades.is_empty() && p.rationale.starts_with("emergency"));
    assert!(
        p.transfers.iter().any(|t| t.path.len() > 1),
        "{:?}",
        p.transfers
    );
}

/// Asserts that `f` panics with a message containing `why`: the check it
/// runs rejects a wrong plan for the right reason.
fn rejects(what: &str, why: &str, f: impl FnOnce() + std::panic::UnwindSafe) {
    match std::panic::catch_unwind(f) {
        Ok(()) => panic!("a check accepted {what}"),
        Err(e) => {
            let msg = panic_message(e.as_ref());
            assert!(
                msg.contains(why),
                "{what}: rejected for another reason: {msg}"
            );
        }
    }
}

/// The message of a panic.
fn panic_message(e: &(dyn std::any::Any + Send)) -> String {
    e.downcast_ref::<String>()
        .cloned()
        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A transfer from `from` to `to` of `sent` MW over `path`, delivering
/// what the path's losses leave.
fn transfer(obs: &Observation, from: usize, to: usize, sent: f64, path: Vec<usize>) -> Transfer {
    let keep: f64 = path.iter().map(|&e| 1.0 - obs.edges[e].loss_frac).product();
    Transfer {
        from,
        to,
        sent_mw: sent,
        delivered_mw: sent * keep,
        path,
        reason: "test".into(),
    }
}

/// Every check fails on a plan that breaks its property.
#[test]
fn the_checks_reject_wrong_plans() {
    let obs = islanded_with_battery();
    let a = Analyses::of(&obs);
    let grid = &a.grid;
    let good = strategy("optimal")
        .expect("built in")
        .plan(&a.input(&obs))
        .expect("plans");
    // The unchanged plan passes.
    check_transfers("good", &obs, grid, &good);
    check_units("good", &obs, &good);
    check_priorities("good", "optimal", &obs, grid, &good);
    let with = |f: &dyn Fn(&mut Plan)| {
        let mut p = good.clone();
        f(&mut p);
        p
    };
    let only = |t: Transfer| {
        with(&|p: &mut Plan| {
            p.transfers = vec![t.clone()];
            p.dispatch = None;
        })
    };
    // (b) Transfers.
    let broken = broken_tie();
    let ba = Analyses::of(&broken);
    let p = Plan {
        transfers: vec![transfer(&broken, 0, 1, 0.1, vec![0])],
        ..Plan::default()
    };
    rejects(
        "a transfer over a broken tie",
        "over broken tie-a-b",
        || check_transfers("", &broken, &ba.grid, &p),
    );
    let normal = normal_operation();
    let na = Analyses::of(&normal);
    let p = Plan {
        transfers: vec![transfer(&normal, 0, 1, 0.1, vec![3])],
        ..Plan::default()
    };
    rejects(
        "a transfer over an intact tie that is not usable",
        "not usable now",
        || check_transfers("", &normal, &na.grid, &p),
    );
    let p = only(transfer(&obs, 0, 2, 0.1, vec![0]));
    rejects(
        "a path that does not reach the receiver",
        "path ends elsewhere",
        || check_transfers("", &obs, grid, &p),
    );
    let p = only(transfer(&obs, 0, 2, 0.1, vec![0, 1, 0]));
    rejects("a path that uses an element twice", "twice", || {
        check_transfers("", &obs, grid, &p)
    });
    let p = only(transfer(&obs, 0, 1, 1.2, vec![0]));
    rejects("a transfer over capacity", "over its 1 MW capacity", || {
        check_transfers("", &obs, grid, &p)
    });
    let p = with(&|p: &mut Plan| {
        p.transfers = vec![
            transfer(&obs, 0, 1, 0.6, vec![0]),
            transfer(&obs, 0, 1, 0.5, vec![0]),
        ]
    });
    rejects(
        "transfers together over capacity",
        "over its 1 MW capacity",
        || check_transfers("", &obs, grid, &p),
    );
    let mut lossless = transfer(&obs, 0, 1, 0.1, vec![0]);
    lossless.delivered_mw = lossless.sent_mw;
    let p = only(lossless);
    rejects("a transfer without its losses", "path losses leave", || {
        check_transfers("", &obs, grid, &p)
    });
    let p = only(transfer(&obs, 0, 1, 0.0, vec![0]));
    rejects("a transfer of nothing", "sends 0 MW", || {
        check_transfers("", &obs, grid, &p)
    });
    // (a) Unit limits.
    let p = only(transfer(&obs, 1, 0, 0.1, vec![0]));
    rejects(
        "an export from a microgrid without a source",
        "b exports 0.1 MW net",
        || check_units("", &obs, &p),
    );
    let p = only(transfer(&obs, 2, 1, 0.9, vec![1]));
    rejects(
        "an export beyond the units' power",
        "c exports 0.9 MW net",
        || check_units("", &obs, &p),
    );
    let set = |m: usize, f: &dyn Fn(&mut Dispatch)| {
        with(&|p: &mut Plan| {
            let d = p.dispatch.as_mut().expect("dispatch")[m]
                .as_mut()
                .expect("planned");
            f(d);
        })
    };
    let p = set(0, &|d| d.battery_mw = discharge_limit(&obs, 0) + 0.01);
    rejects(
        "a discharge beyond the battery's limit",
        "its batteries can give",
        || check_units("", &obs, &p),
    );
    let p = set(2, &|d| d.battery_mw = -charge_limit(&obs, 2) - 0.01);
    rejects(
        "a charge beyond the battery's limit",
        "its batteries can take",
        || check_units("", &obs, &p),
    );
    let p = set(2, &|d| d.diesel_mw = 0.31);
    rejects("a diesel above its rating", "fuel and rating allow", || {
        check_units("", &obs, &p)
    });
    let p = set(0, &|d| d.shed = [0.0, 0.0, 1.5]);
    rejects("a shed fraction above 1", "shed fraction 1.5", || {
        check_units("", &obs, &p)
    });
    let p = set(1, &|d| d.shed = [0.0, 0.0, 0.0]);
    rejects(
        "a dispatch serving more than its sources",
        "(renewables, battery, diesel, net import)",
        || check_units("", &obs, &p),
    );
    let p = with(&|p: &mut Plan| {
        p.dispatch.as_mut().expect("dispatch").pop();
    });
    rejects(
        "a dispatch not per microgrid",
        "dispatch per microgrid",
        || check_units("", &obs, &p),
    );
    let scarce = scarcity();
    let fuel_mw = scarce.microgrids[2].diesels[0].1.max_mw(scarce.dt_h);
    let p = Plan {
        dispatch: Some(vec![
            None,
            None,
            Some(Dispatch {
                battery_mw: 0.0,
                diesel_mw: fuel_mw + 0.01,
                shed: [0.0; 3],
            }),
            None,
        ]),
        ..Plan::default()
    };
    rejects(
        "a diesel beyond what its fuel allows",
        "fuel and rating allow",
        || check_units("", &scarce, &p),
    );
    // (c) Priority order.
    let p = set(0, &|d| d.shed = [0.5, 1.0, 0.0]);
    rejects(
        "critical load shed before normal load",
        "of class 0 but only 0 of class 2",
        || check_priorities("", "optimal", &obs, grid, &p),
    );
    let p = set(0, &|d| d.shed = [0.0, 0.5, 0.9]);
    rejects(
        "essential load shed before normal load",
        "of class 1 but only 0.9 of class 2",
        || check_priorities("", "optimal", &obs, grid, &p),
    );
    let idle = Plan::default();
    rejects(
        "a critical deficit left while a neighbour serves lower classes",
        "can still reach it",
        || check_priorities("", "priority", &obs, grid, &idle),
    );
    let p = only(transfer(&obs, 0, 1, 0.1, vec![0]));
    rejects(
        "a transfer from `none`",
        "documented as each microgrid alone",
        || check_priorities("", "none", &obs, grid, &p),
    );
    // Trades.
    let market = strategy("market")
        .expect("built in")
        .plan(&a.input(&obs))
        .expect("plans");
    assert!(!market.trades.is_empty());
    check_trades("good", &obs, grid, &market);
    let mut p = market.clone();
    p.trades[0].payment *= 1.5;
    rejects(
        "a payment other than price times energy",
        "payment is not price times delivered energy",
        || check_trades("", &obs, grid, &p),
    );
    let mut p = market.clone();
    p.transfers.pop();
    rejects("a trade without its transfer", "but transfers", || {
        check_trades("", &obs, grid, &p)
    });
    let mut p = market.clone();
    for t in &mut p.trades {
        t.class = 1;
    }
    rejects(
        "energy sold for essential load before critical load",
        "within its reach",
        || check_trades("", &obs, grid, &p),
    );
    // (d) Determinism.
    /// Plans differently every time it is asked (its count of plans in
    /// the rationale).
    struct Counting(usize);
    impl Strategy for Counting {
        fn name(&self) -> &'static str {
            "counting"
        }
        fn plan(&mut self, _: &PlanInput<'_>) -> Result<Plan, PlanError> {
            self.0 += 1;
            Ok(Plan {
                strategy: "counting".into(),
                rationale: format!("plan {}", self.0),
                ..Plan::default()
            })
        }
    }
    rejects(
        "a strategy that plans differently when asked again",
        "the same strategy again plans differently",
        || {
            let mut s = Counting(0);
            let first = s.plan(&a.input(&obs)).expect("plans");
            check_deterministic("", &|| Box::new(Counting(0)), &mut s, &obs, &first);
        },
    );
    rejects(
        "a strategy that plans differently from a fresh one",
        "a fresh strategy plans differently",
        || {
            let mut s = Counting(5);
            let first = s.plan(&a.input(&obs)).expect("plans");
            let mut again = Counting(5);
            check_deterministic("", &|| Box::new(Counting(0)), &mut again, &obs, &first);
        },
    );
}
