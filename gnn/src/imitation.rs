//! Learned models on blackstart's own simulations: data generation for the
//! `gnn` planner (imitation of the `optimal` strategy), its evaluation
//! against the teacher.
//!
//! The planner's data come from replicas of a scenario run with the
//! `optimal` strategy wrapped in a [`crate::planner::Probe`], which keeps every
//! interval's graph, inputs and decisions. Evaluation runs the same
//! replicas (same seed: the same hazards, damage and weather) once with
//! `optimal` and once with the learned planner and compares the
//! priority-weighted served energy (weights [`agents::optimal::WEIGHTS`]),
//! the infeasible commands ([`crate::planner::check`]) and the planning time
//! per interval.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::planner::{PlannerSample, Probe, ProbeStats};
use agents::Strategy;
use serde::{Deserialize, Serialize};

use engine::{ReplicaRunner, RunOptions, sim};
use scenario::{Loaded, ScenarioError};

/// Makes a fresh strategy for each replica.
pub type MakeStrategy = Arc<dyn Fn() -> Box<dyn Strategy> + Send + Sync>;

/// What replicas run with one strategy produced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PolicyRun {
    /// Priority-weighted served energy, summed over replicas
    /// (`sum w_c * served_mw * dt_h`).
    pub weighted_served: f64,
    /// Priority-weighted demand, summed over replicas.
    pub weighted_demand: f64,
    /// Intervals planned.
    pub intervals: usize,
    /// Seconds spent inside the strategy.
    pub plan_secs: f64,
    /// Infeasible commands ([`crate::planner::check`]).
    pub infeasible: usize,
    /// Microgrids in the community.
    pub microgrids: usize,
    /// Per replica: weighted served energy.
    pub per_replica: Vec<f64>,
    /// Samples recorded (when recording), in replica order.
    #[serde(skip)]
    pub samples: Vec<PlannerSample>,
}

/// Runs `replicas` replicas of `l` with master seed `seed`, each with a
/// strategy from `make` (wrapped in a [`Probe`]; `record` keeps samples).
/// Results are in replica order, so they do not depend on the threads.
///
/// # Errors
/// The scenario's errors.
pub fn run_policy(
    l: &Loaded,
    seed: u64,
    replicas: u32,
    make: MakeStrategy,
    record: bool,
) -> Result<PolicyRun, ScenarioError> {
    type Out = BTreeMap<u32, (ProbeStats, f64, f64, usize)>;
    let out: Arc<Mutex<Out>> = Arc::new(Mutex::new(BTreeMap::new()));
    let out_r = out.clone();
    let runner = ReplicaRunner(Arc::new(move |prep, plan, r| {
        let stats = Arc::new(Mutex::new(ProbeStats::default()));
        let probe = Probe::new(make(), record, stats.clone());
        let acc = Arc::new(Mutex::new((0.0f64, 0.0f64, 0usize)));
        let acc_h = acc.clone();
        let mut hook = move |rec: &sim::StepRecord| {
            if let Ok(mut a) = acc_h.lock() {
                a.0 += engine::env::rewards(rec).iter().sum::<f64>();
                a.1 += engine::env::weighted_energy(&rec.demand_mw, rec.dt_h)
                    .iter()
                    .sum::<f64>();
                a.2 = rec.served_mw.len();
            }
            true
        };
        let res = sim::run_replica_stepped(prep, plan, r, Box::new(probe), &mut hook)
            .map_err(ScenarioError::from)?;
        let st = stats.lock().map(|s| s.clone()).unwrap_or_default();
        let a = acc.lock().map(|a| *a).unwrap_or_default();
        if let Ok(mut o) = out_r.lock() {
            o.insert(r, (st, a.0, a.1, a.2));
        }
        Ok(res)
    }));
    engine::run_with_runner(
        l,
        &RunOptions {
            replicas: Some(replicas),
            seed: Some(seed),
            threads: 0,
            detail: false,
            strategies: crate::strategies(),
        },
        Some(&runner),
    )?;
    let out = std::mem::take(
        &mut *out
            .lock()
            .map_err(|_| ScenarioError::Sim("a replica panicked".into()))?,
    );
    let mut run = PolicyRun::default();
    for (_, (st, served, demand, n)) in out {
        run.weighted_served += served;
        run.weighted_demand += demand;
        run.intervals += st.intervals;
        run.plan_secs += st.plan_secs;
        run.infeasible += st.infeasible;
        run.microgrids = n;
        run.per_replica.push(served);
        run.samples.extend(st.samples);
    }
    Ok(run)
}

/// Training samples from `replicas` replicas of each scenario, teacher
/// `optimal`.
///
/// # Errors
/// The scenarios' errors.
pub fn collect_samples(
    scenarios: &[Loaded],
    seed: u64,
    replicas: u32,
) -> Result<Vec<PlannerSample>, ScenarioError> {
    let mut all = Vec::new();
    for l in scenarios {
        let make: MakeStrategy = Arc::new(|| Box::new(agents::OptimalPlanner::default()));
        all.extend(run_policy(l, seed, replicas, make, true)?.samples);
    }
    Ok(all)
}

/// `metrics.json` of `blackstart eval planner` (the keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannerMetrics {
    /// Priority-weighted served energy, learned planner / optimal.
    pub objective_ratio: f64,
    /// Infeasible commands the learned planner emitted.
    pub infeasible_commands: usize,
    /// Optimal planning time per interval / learned planning time per
    /// interval.
    pub speedup: f64,
    /// Microgrids in the community.
    pub microgrids: usize,
}

/// Evaluation of the learned planner against `optimal` on fresh replicas.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlannerEval {
    /// The headline numbers.
    pub metrics: PlannerMetrics,
    /// The optimal planner's run.
    pub optimal: PolicyRun,
    /// The learned planner's run.
    pub gnn: PolicyRun,
    /// The priority heuristic's run (a reference point).
    pub priority: PolicyRun,
}

/// Runs `replicas` replicas of `l` (seed `seed`) with `optimal`, with the
/// learned planner from `make_gnn` and with `priority`, and compares them.
///
/// # Errors
/// The scenario's errors.
pub fn eval_planner(
    l: &Loaded,
    seed: u64,
    replicas: u32,
    make_gnn: MakeStrategy,
) -> Result<PlannerEval, ScenarioError> {
    let optimal = run_policy(
        l,
        seed,
        replicas,
        Arc::new(|| Box::new(agents::OptimalPlanner::default())),
        false,
    )?;
    let gnn = run_policy(l, seed, replicas, make_gnn, false)?;
    let priority = run_policy(
        l,
        seed,
        replicas,
        Arc::new(|| Box::new(agents::PriorityHeuristic::default())),
        false,
    )?;
    let per = |r: &PolicyRun| r.plan_secs / r.intervals.max(1) as f64;
    let metrics = PlannerMetrics {
        objective_ratio: if optimal.weighted_served > 0.0 {
            gnn.weighted_served / optimal.weighted_served
        } else {
            1.0
        },
        infeasible_commands: gnn.infeasible,
        speedup: if per(&gnn) > 0.0 {
            per(&optimal) / per(&gnn)
        } else {
            0.0
        },
        microgrids: optimal.microgrids,
    };
    Ok(PlannerEval {
        metrics,
        optimal,
        gnn,
        priority,
    })
}

/// A strategy maker for planner weights: the shipped ones (`None`) or
/// `FILE.bpk` with `FILE.json` beside it. The file is read once here.
///
/// # Errors
/// Missing or mismatched files.
pub fn gnn_maker(weights: Option<&Path>) -> Result<MakeStrategy, crate::Error> {
    match weights {
        None => {
            // Check now, so a corrupt build fails loudly.
            crate::planner::GnnPlanner::shipped()?;
            Ok(Arc::new(crate::planner::shipped_strategy))
        }
        Some(p) => {
            let device = crate::cpu();
            let (_, meta) = crate::planner::load(p, &device)?;
            let bytes = std::fs::read(p).map_err(|source| crate::Error::Io {
                path: p.display().to_string(),
                source,
            })?;
            let config = meta.config;
            Ok(Arc::new(move || {
                let device = crate::cpu();
                match crate::weights::load_model_bytes(&bytes, &config, &device) {
                    Ok(m) => Box::new(crate::planner::GnnPlanner::new(m, device)),
                    Err(e) => Box::new(crate::planner::Unavailable(e.to_string())),
                }
            }))
        }
    }
}
