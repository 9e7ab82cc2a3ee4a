//! Stepping a replica from outside, one control interval at a time: the
//! seam for reinforcement-learning environments (the Python package's
//! `blackstart.gym`).
//!
//! A [`Session`] runs one replica of a scenario on its own thread with an
//! external decision maker in the agents' pipeline. At every control step
//! the disaster, energy and grid analyzers report as usual; the session
//! hands their reports to the caller as an [`EnvObservation`] and waits for
//! an [`EnvAction`], which becomes the step's plan: requested transfers are
//! routed over the paths the grid analyzer finds usable (fewest edges,
//! within capacity, as [`agents::plan::Router`] does for the built-in
//! strategies), and a microgrid's own dispatch (battery, diesel, shedding
//! per class) replaces its local controller where the action gives one.
//! The executor then turns the plan into commands exactly as for any
//! strategy (switches follow the accepted paths). After the step the caller
//! gets what was served per microgrid and class ([`sim::StepRecord`]), then
//! the next observation, or the replica's results after the last step.
//!
//! An action that asks for nothing (no transfers, no dispatch) leaves every
//! microgrid to its local controller, so an episode of such actions is the
//! batch replica of policy `none` with the same seed, to the bit (tested).
//! The same seed and the same actions give the same episode.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use agents::plan::Router;
use agents::{Dispatch, Plan, PlanError, PlanInput, RiskLevel, Strategy, Transfer};

use agents::pipeline::Strategies;
use scenario::frame::TimeFrame;
use scenario::{Loaded, ScenarioError};

use crate::results::RunResults;
use crate::runner::{ReplicaRunner, RunOptions, run_with_runner};
use crate::sim;

/// Priority weights of the reward (critical, essential, normal) per MWh
/// served: the optimal planner's ([`agents::optimal::WEIGHTS`]).
pub const REWARD_WEIGHTS: [f64; 3] = agents::optimal::WEIGHTS;

/// The fixed shape of a scenario's environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvSpec {
    /// Microgrid names (the agents, in scenario order).
    pub microgrids: Vec<String>,
    /// Path elements, as in the observation: each microgrid's feeder to
    /// the substation bus (`NAME-feeder`), then the tie lines.
    pub edges: Vec<String>,
    /// Ends of each path element: microgrid indices, -1 for the substation
    /// bus.
    pub edge_ends: Vec<(i64, i64)>,
    /// Capacity of each path element (MW).
    pub edge_capacity_mw: Vec<f64>,
    /// Control steps in an episode.
    pub steps: usize,
    /// Control interval (h).
    pub dt_h: f64,
    /// Per microgrid: the sum of its batteries' power ratings (MW).
    pub battery_power_mw: Vec<f64>,
    /// Per microgrid: the sum of its diesels' ratings, mobile generator
    /// slot included (MW).
    pub diesel_power_mw: Vec<f64>,
    /// Per microgrid: peak demand per class (critical, essential, normal),
    /// MW.
    pub peak_demand_mw: Vec<[f64; 3]>,
}

/// Builds the environment's shape from a scenario.
///
/// # Errors
/// The scenario's errors (as `blackstart run` reports them).
pub fn spec(l: &Loaded) -> Result<EnvSpec, ScenarioError> {
    let frame = TimeFrame::of(l)?;
    let (interval, steps) = (frame.interval, frame.steps);
    let c = scenario::community::build(&l.file, &|k| l.at(k))?;
    let n = c.microgrids.len();
    let mut edges = Vec::new();
    let mut ends = Vec::new();
    let mut caps = Vec::new();
    for (mi, mg) in c.microgrids.iter().enumerate() {
        edges.push(format!("{}-feeder", mg.name));
        ends.push((mi as i64, -1));
        caps.push(c.feeder_rating_mw);
    }
    for t in &c.ties {
        edges.push(t.name.clone());
        ends.push((t.from as i64, t.to as i64));
        caps.push(t.rating_mw);
    }
    let mut batt = vec![0.0; n];
    for (b, _, m) in &c.batteries {
        batt[*m] += b.power_mw;
    }
    let mut dsl = vec![0.0; n];
    for (d, _, m) in &c.diesels {
        dsl[*m] += d.rated_mw;
    }
    let mut peak = vec![[0.0; 3]; n];
    for ld in &c.loads {
        peak[ld.microgrid][agents::observe::class_index(ld.priority)] += ld.peak_mw;
    }
    Ok(EnvSpec {
        microgrids: c.microgrids.iter().map(|m| m.name.clone()).collect(),
        edges,
        edge_ends: ends,
        edge_capacity_mw: caps,
        steps,
        dt_h: interval.as_hours_f64(),
        battery_power_mw: batt,
        diesel_power_mw: dsl,
        peak_demand_mw: peak,
    })
}

/// The analyzers' reports at one control step, as arrays (one entry per
/// microgrid unless said otherwise).
#[derive(Debug, Clone, PartialEq)]
pub struct EnvObservation {
    /// Control step (0-based).
    pub step: usize,
    /// Hours since the event.
    pub time_h: f64,
    /// Disaster analyzer: observed-impact severity 1-5.
    pub severity: u8,
    /// The upstream (bulk) grid is available.
    pub upstream_up: bool,
    /// Disaster analyzer: risk level (0 low, 1 elevated, 2 high).
    pub risk: Vec<u8>,
    /// Disaster analyzer: damaged sites.
    pub damaged_sites: Vec<f64>,
    /// Disaster analyzer: planned hours until the upstream grid feeds the
    /// microgrid again (0 when connected).
    pub expected_restore_h: Vec<f64>,
    /// Energy analyzer: demand now per class (critical, essential,
    /// normal), MW.
    pub demand_mw: Vec<[f64; 3]>,
    /// Energy analyzer: renewable power now (MW).
    pub renewable_mw: Vec<f64>,
    /// Energy analyzer: usable stored energy (MWh).
    pub stored_mwh: Vec<f64>,
    /// Energy analyzer: usable fuel (MWh).
    pub fuel_mwh: Vec<f64>,
    /// Energy analyzer: the most power storage and diesels can give now
    /// (MW).
    pub dispatchable_mw: Vec<f64>,
    /// Energy analyzer: energy over the planning horizon less all demand
    /// (MWh; negative = deficit).
    pub horizon_balance_mwh: Vec<f64>,
    /// Energy analyzer: the same for critical demand only (MWh).
    pub critical_balance_mwh: Vec<f64>,
    /// Fed by the upstream grid now.
    pub upstream_connected: Vec<bool>,
    /// Has a grid-forming unit in service (battery, or diesel with fuel).
    pub can_form_grid: Vec<bool>,
    /// Grid analyzer: sharing group of each islanded microgrid that can
    /// reach another over usable paths (groups numbered from 0 in order of
    /// their first member), -1 otherwise.
    pub group: Vec<i64>,
    /// Grid analyzer, per path element ([`EnvSpec::edges`]): intact.
    pub edge_intact: Vec<bool>,
    /// Grid analyzer, per path element: usable for sharing now.
    pub edge_usable: Vec<bool>,
}

fn observation(input: &PlanInput<'_>) -> EnvObservation {
    let obs = input.obs;
    let n = obs.microgrids.len();
    let e = obs.edges.len();
    let mut group = vec![-1i64; n];
    for (g, members) in input.grid.groups.iter().enumerate() {
        for &m in members {
            if let Some(x) = group.get_mut(m) {
                *x = g as i64;
            }
        }
    }
    let mut edge_usable = vec![false; e];
    for u in &input.grid.usable {
        if let Some(x) = edge_usable.get_mut(u.edge) {
            *x = true;
        }
    }
    let mut edge_intact = vec![true; e];
    for &b in &input.grid.broken {
        if let Some(x) = edge_intact.get_mut(b) {
            *x = false;
        }
    }
    let pos = &input.energy.positions;
    EnvObservation {
        step: 0,
        time_h: obs.hazard.hours_since_event,
        severity: input.disaster.severity,
        upstream_up: obs.hazard.upstream_up,
        risk: input
            .disaster
            .risk
            .iter()
            .map(|r| match r {
                RiskLevel::Low => 0,
                RiskLevel::Elevated => 1,
                RiskLevel::High => 2,
            })
            .collect(),
        damaged_sites: input.disaster.damaged.iter().map(|&d| d as f64).collect(),
        expected_restore_h: input.disaster.expected_restore_h.clone(),
        demand_mw: pos.iter().map(|p| p.demand_mw).collect(),
        renewable_mw: pos.iter().map(|p| p.renewable_mw).collect(),
        stored_mwh: pos.iter().map(|p| p.stored_mwh).collect(),
        fuel_mwh: pos.iter().map(|p| p.fuel_mwh).collect(),
        dispatchable_mw: pos.iter().map(|p| p.dispatchable_mw).collect(),
        horizon_balance_mwh: pos.iter().map(|p| p.horizon_balance_mwh).collect(),
        critical_balance_mwh: pos.iter().map(|p| p.critical_balance_mwh).collect(),
        upstream_connected: obs
            .microgrids
            .iter()
            .map(|m| m.upstream_connected)
            .collect(),
        can_form_grid: obs.microgrids.iter().map(|m| m.can_form_grid()).collect(),
        group,
        edge_intact,
        edge_usable,
    }
}

/// The caller's decision for one control step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EnvAction {
    /// Requested power sent from microgrid `i` to microgrid `j` (MW), at
    /// `i * n + j` (row-major, `n` microgrids; the diagonal is ignored).
    /// Each request is routed over usable paths within the capacity left by
    /// the requests before it (row-major order); what cannot be routed is
    /// dropped. Empty: no transfers.
    pub transfer_mw: Vec<f64>,
    /// Per microgrid: its own dispatch (net battery power, + discharge;
    /// diesel power; fraction of each class to shed), clamped by the
    /// executor to every unit's limits, or `None` for its local controller
    /// (priority shedding within battery and fuel limits). Empty: every
    /// microgrid's local controller.
    pub dispatch: Vec<Option<Dispatch>>,
}

impl EnvAction {
    /// An action from flat arrays over `n = dispatch_mask.len()`
    /// microgrids: `transfer_mw` (n x n, row-major, or empty), and per
    /// microgrid whether it takes its own dispatch (`dispatch_mask`) with
    /// `battery_mw`, `diesel_mw` and `shed` (n x 3, row-major: critical,
    /// essential, normal). The arrays of the dispatch are read only where
    /// the mask is set; missing entries count as 0.
    pub fn from_arrays(
        transfer_mw: Vec<f64>,
        dispatch_mask: &[bool],
        battery_mw: &[f64],
        diesel_mw: &[f64],
        shed: &[f64],
    ) -> EnvAction {
        let at = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
        let dispatch = if dispatch_mask.iter().any(|m| *m) {
            dispatch_mask
                .iter()
                .enumerate()
                .map(|(m, on)| {
                    on.then(|| Dispatch {
                        battery_mw: at(battery_mw, m),
                        diesel_mw: at(diesel_mw, m),
                        shed: [at(shed, 3 * m), at(shed, 3 * m + 1), at(shed, 3 * m + 2)],
                    })
                })
                .collect()
        } else {
            Vec::new()
        };
        EnvAction {
            transfer_mw,
            dispatch,
        }
    }

    /// Checks the action against `n` microgrids.
    ///
    /// # Errors
    /// Wrong lengths, or numbers that are not finite or out of range.
    pub fn check(&self, n: usize) -> Result<(), ScenarioError> {
        let bad = |m: String| Err(ScenarioError::Invalid(m));
        if !self.transfer_mw.is_empty() && self.transfer_mw.len() != n * n {
            return bad(format!(
                "action: transfer_mw has {} entries, expected {} ({n} x {n} microgrids)",
                self.transfer_mw.len(),
                n * n
            ));
        }
        if let Some(x) = self
            .transfer_mw
            .iter()
            .find(|x| !(x.is_finite() && **x >= 0.0))
        {
            return bad(format!(
                "action: transfer_mw must be finite and >= 0, got {x}"
            ));
        }
        if !self.dispatch.is_empty() && self.dispatch.len() != n {
            return bad(format!(
                "action: dispatch has {} entries, expected {n} (one per microgrid)",
                self.dispatch.len()
            ));
        }
        for d in self.dispatch.iter().flatten() {
            if !(d.battery_mw.is_finite() && d.diesel_mw.is_finite() && d.diesel_mw >= 0.0) {
                return bad(format!(
                    "action: battery_mw must be finite and diesel_mw finite and >= 0, got {} and {}",
                    d.battery_mw, d.diesel_mw
                ));
            }
            if let Some(s) = d.shed.iter().find(|s| !(0.0..=1.0).contains(*s)) {
                return bad(format!("action: shed fractions must be in [0, 1], got {s}"));
            }
        }
        Ok(())
    }
}

fn plan_of(a: &EnvAction, input: &PlanInput<'_>) -> Plan {
    let obs = input.obs;
    let n = obs.microgrids.len();
    let mut router = Router::new(input.grid);
    let mut transfers = Vec::new();
    if a.transfer_mw.len() == n * n {
        for i in 0..n {
            for j in 0..n {
                let want = a.transfer_mw[i * n + j];
                if i == j || want <= 1e-9 {
                    continue;
                }
                if let Some((path, sent, delivered)) = router.route(i, j, want) {
                    transfers.push(Transfer {
                        from: i,
                        to: j,
                        sent_mw: sent,
                        delivered_mw: delivered,
                        path,
                        reason: format!(
                            "external controller: {sent:.3} of {want:.3} MW asked from {} to {}",
                            obs.microgrids[i].name, obs.microgrids[j].name
                        ),
                    });
                }
            }
        }
    }
    let dispatch = a.dispatch.iter().any(Option::is_some).then(|| {
        (0..n)
            .map(|m| a.dispatch.get(m).copied().flatten())
            .collect()
    });
    Plan {
        strategy: "external".into(),
        transfers,
        dispatch,
        trades: Vec::new(),
        rationale: "external controller".into(),
        confidence: 1.0,
    }
}

enum ToCaller {
    Observe(Box<EnvObservation>),
    Stepped(sim::StepRecord),
    Done(Result<Box<RunResults>, ScenarioError>),
}

enum ToSim {
    Act(EnvAction),
    Stop,
}

/// The external decision maker: hands the reports out, waits for the plan.
struct External {
    out: Sender<ToCaller>,
    inbox: Receiver<ToSim>,
    stop: Arc<AtomicBool>,
    step: usize,
}

impl Strategy for External {
    fn name(&self) -> &'static str {
        "external"
    }

    fn plan(&mut self, input: &PlanInput<'_>) -> Result<Plan, PlanError> {
        let stopped = || PlanError::Solver("stopped by the controller".into());
        if self.stop.load(Ordering::Relaxed) {
            return Err(stopped());
        }
        let mut o = observation(input);
        o.step = self.step;
        self.step += 1;
        if self.out.send(ToCaller::Observe(Box::new(o))).is_err() {
            self.stop.store(true, Ordering::Relaxed);
            return Err(stopped());
        }
        match self.inbox.recv() {
            Ok(ToSim::Act(a)) => Ok(plan_of(&a, input)),
            Ok(ToSim::Stop) | Err(_) => {
                self.stop.store(true, Ordering::Relaxed);
                Err(stopped())
            }
        }
    }
}

/// Where an episode stands after a call.
#[derive(Debug)]
pub enum Progress {
    /// The next control step's observation; an action is awaited.
    Observe(Box<EnvObservation>),
    /// The replica is over: its results (as `blackstart run` with one
    /// replica and the session's seed computes them).
    Done(Box<RunResults>),
}

/// One replica of a scenario, stepped by the caller (see the module docs).
/// Dropping a session stops its replica.
#[derive(Debug)]
pub struct Session {
    to_sim: Sender<ToSim>,
    from_sim: Receiver<ToCaller>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    n: usize,
    done: bool,
}

impl std::fmt::Debug for ToCaller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ToCaller::Observe(_) => "Observe",
            ToCaller::Stepped(_) => "Stepped",
            ToCaller::Done(_) => "Done",
        })
    }
}

impl std::fmt::Debug for ToSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ToSim::Act(_) => "Act",
            ToSim::Stop => "Stop",
        })
    }
}

impl Session {
    /// Starts replica 0 of `loaded` with `seed` (the scenario's policy is
    /// replaced by the caller, but must still be one of `strategies`;
    /// `detail` records per-microgrid and per-asset series as `blackstart
    /// run` does) and returns the first observation.
    ///
    /// # Errors
    /// The scenario's errors, as `blackstart run` reports them.
    pub fn start(
        loaded: Arc<Loaded>,
        seed: u64,
        detail: bool,
        strategies: Strategies,
    ) -> Result<(Session, Progress), ScenarioError> {
        let n = spec(&loaded)?.microgrids.len();
        let (to_sim, inbox) = channel::<ToSim>();
        let (out, from_sim) = channel::<ToCaller>();
        let stop = Arc::new(AtomicBool::new(false));
        let ext = External {
            out: out.clone(),
            inbox,
            stop: stop.clone(),
            step: 0,
        };
        let slot = Mutex::new(Some(ext));
        let stop_t = stop.clone();
        let thread = std::thread::Builder::new()
            .name("blackstart-env".into())
            .spawn(move || {
                let out_step = out.clone();
                let runner = ReplicaRunner(Arc::new(move |prep, plan, r| {
                    let ext =
                        slot.lock().ok().and_then(|mut g| g.take()).ok_or_else(|| {
                            ScenarioError::Sim("a session runs one replica".into())
                        })?;
                    let tx = out_step.clone();
                    let stop = stop_t.clone();
                    let mut hook = move |rec: &sim::StepRecord| {
                        let _ = tx.send(ToCaller::Stepped(rec.clone()));
                        !stop.load(Ordering::Relaxed)
                    };
                    sim::run_replica_stepped(prep, plan, r, Box::new(ext), &mut hook)
                        .map_err(ScenarioError::from)
                }));
                let res = run_with_runner(
                    &loaded,
                    &RunOptions {
                        replicas: Some(1),
                        seed: Some(seed),
                        threads: 1,
                        detail,
                        strategies,
                    },
                    Some(&runner),
                );
                let _ = out.send(ToCaller::Done(res.map(Box::new)));
            })
            .map_err(|e| ScenarioError::Sim(format!("cannot start the replica's thread: {e}")))?;
        let mut s = Session {
            to_sim,
            from_sim,
            stop,
            thread: Some(thread),
            n,
            done: false,
        };
        let first = s.next()?;
        Ok((s, first))
    }

    /// Number of microgrids.
    pub fn microgrids(&self) -> usize {
        self.n
    }

    fn next(&mut self) -> Result<Progress, ScenarioError> {
        match self.from_sim.recv() {
            Ok(ToCaller::Observe(o)) => Ok(Progress::Observe(o)),
            Ok(ToCaller::Done(r)) => {
                self.done = true;
                r.map(Progress::Done)
            }
            Ok(ToCaller::Stepped(_)) => Err(ScenarioError::Sim(
                "the replica stepped without an action".into(),
            )),
            Err(_) => {
                self.done = true;
                Err(ScenarioError::Sim("the replica's thread stopped".into()))
            }
        }
    }

    /// Carries out `action` for the awaited control step; returns what the
    /// step served and where the episode stands.
    ///
    /// # Errors
    /// An invalid action (the episode goes on and still awaits an action),
    /// a finished episode, or a failure of the model.
    pub fn step(
        &mut self,
        action: EnvAction,
    ) -> Result<(sim::StepRecord, Progress), ScenarioError> {
        if self.done {
            return Err(ScenarioError::Invalid(
                "the episode is over: reset the environment".into(),
            ));
        }
        action.check(self.n)?;
        if self.to_sim.send(ToSim::Act(action)).is_err() {
            self.done = true;
            return Err(ScenarioError::Sim("the replica's thread stopped".into()));
        }
        let rec = match self.from_sim.recv() {
            Ok(ToCaller::Stepped(r)) => r,
            Ok(ToCaller::Done(Err(e))) => {
                self.done = true;
                return Err(e);
            }
            _ => {
                self.done = true;
                return Err(ScenarioError::Sim(
                    "the replica did not report its step".into(),
                ));
            }
        };
        Ok((rec, self.next()?))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.to_sim.send(ToSim::Stop);
        if let Some(t) = self.thread.take() {
            // Drain what the replica still sends so that it finishes.
            while self.from_sim.recv().is_ok() {}
            let _ = t.join();
        }
    }
}

/// Priority-weighted energy of one step per microgrid: the sum over classes
/// (critical, essential, normal) of `REWARD_WEIGHTS[c] * mw[c] * dt_h`, with
/// `mw` a power per microgrid and class (served or demanded). The one
/// definition of weighted energy: the environments' reward, the learned
/// planner's evaluation (`gnn::imitation`) and Python's `blackstart.gym`
/// all use it.
pub fn weighted_energy(mw: &[[f64; 3]], dt_h: f64) -> Vec<f64> {
    mw.iter()
        .map(|s| (0..3).map(|c| REWARD_WEIGHTS[c] * s[c] * dt_h).sum())
        .collect()
}

/// The reward of a step: priority-weighted served energy
/// ([`weighted_energy`] of what was served), per microgrid.
pub fn rewards(rec: &sim::StepRecord) -> Vec<f64> {
    weighted_energy(&rec.served_mw, rec.dt_h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hokkaido(policy: &str) -> Loaded {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/scenarios/hokkaido-2018.toml"
        );
        let mut l = scenario::load(path).expect("preset loads");
        l.file.policy.kind = policy.into();
        l
    }

    fn rollout(
        l: &Arc<Loaded>,
        seed: u64,
        act: &dyn Fn(&EnvObservation) -> EnvAction,
    ) -> (Vec<f64>, Box<RunResults>) {
        let (mut s, mut p) =
            Session::start(l.clone(), seed, true, Strategies::builtin()).expect("starts");
        let mut rewards_seen = Vec::new();
        loop {
            match p {
                Progress::Observe(o) => {
                    let (rec, next) = s.step(act(&o)).expect("steps");
                    assert_eq!(rec.step, o.step);
                    rewards_seen.push(rewards(&rec).iter().sum());
                    p = next;
                }
                Progress::Done(r) => return (rewards_seen, r),
            }
        }
    }

    #[test]
    fn empty_actions_reproduce_the_batch_run_of_policy_none() {
        let l = Arc::new(hokkaido("none"));
        let (rw, res) = rollout(&l, 7, &|_| EnvAction::default());
        let batch = crate::run(
            &l,
            &RunOptions {
                replicas: Some(1),
                seed: Some(7),
                threads: 1,
                detail: true,
                ..RunOptions::default()
            },
        )
        .expect("runs");
        assert_eq!(rw.len(), batch.replicas[0].served_fraction.len());
        let a = res.recorder.to_dataframe().expect("frame");
        let b = batch.recorder.to_dataframe().expect("frame");
        assert!(a.equals_missing(&b));
        assert_eq!(res.replica_metrics, batch.replica_metrics);
        // The rewards add up to the weighted served energy.
        let r = &batch.replicas[0];
        assert!(rw.iter().sum::<f64>() >= r.critical_served_mwh * REWARD_WEIGHTS[0] - 1e-6);
    }

    #[test]
    fn same_seed_same_actions_same_episode_and_transfers_are_routed() {
        let l = Arc::new(hokkaido("priority"));
        let n = spec(&l).expect("spec").microgrids.len();
        // Every islanded microgrid with spare energy sends 0.2 MW to every
        // other in its group.
        let act = move |o: &EnvObservation| {
            let mut t = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    if i != j
                        && o.group[i] >= 0
                        && o.group[i] == o.group[j]
                        && o.stored_mwh[i] > 0.5
                    {
                        t[i * n + j] = 0.2;
                    }
                }
            }
            EnvAction {
                transfer_mw: t,
                dispatch: Vec::new(),
            }
        };
        let (a, ra) = rollout(&l, 3, &act);
        let (b, rb) = rollout(&l, 3, &act);
        assert_eq!(a, b);
        assert_eq!(ra.replica_metrics, rb.replica_metrics);
        let (c, _) = rollout(&l, 4, &act);
        assert_ne!(a, c);
    }

    #[test]
    fn bad_actions_are_refused_and_the_episode_goes_on() {
        let l = Arc::new(hokkaido("none"));
        let (mut s, p) = Session::start(l, 1, false, Strategies::builtin()).expect("starts");
        assert!(matches!(p, Progress::Observe(_)));
        let n = s.microgrids();
        let e = s
            .step(EnvAction {
                transfer_mw: vec![f64::NAN; n * n],
                dispatch: Vec::new(),
            })
            .expect_err("refused");
        assert!(e.to_string().contains("transfer_mw must be finite"));
        let e = s
            .step(EnvAction {
                transfer_mw: vec![0.0; 3],
                dispatch: Vec::new(),
            })
            .expect_err("refused");
        assert!(e.to_string().contains("expected"));
        let (rec, _) = s.step(EnvAction::default()).expect("steps");
        assert_eq!(rec.step, 0);
        // Dropping mid-episode stops the replica's thread.
        drop(s);
    }
}
