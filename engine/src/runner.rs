//! Running a scenario's replicas: resolve the file, prepare the
//! replica-independent inputs, sample and run every replica in parallel,
//! and gather the results in replica order.
//!
//! [`run_with_hooks`] is the whole run as named phases:
//! [`resolve`] (overrides, defaults, policy) → [`prepare`] (hazard, tables,
//! agents) → [`ReplicaSampler::plan`] per replica (damage, upstream,
//! clouds, trucks) → [`crate::sim::run_replica`] → [`gather`] (replica
//! order, missing replicas) → [`aggregate`] (bands, map, footprint).
//! Replicas run in parallel; results are merged in replica order, so every
//! output has the same bytes whatever the thread count
//! (`sim-core/DETERMINISM.md`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use agents::pipeline::Strategies;
use grid_model::assets::MarkovCloudModel;
use scenario::community::{Community, SiteKind};
use scenario::eventset::{EventSet, event_set_of};
use scenario::frame::TimeFrame;
use scenario::hazard::{self, SiteDamage};
use scenario::schema::{HazardSpec, ScenarioFile};
use scenario::{Loaded, ScenarioError, tables};
use sim_core::recorder::Recorder;
use sim_core::rng::stream;
use sim_core::time::SimDuration;

use crate::metrics;
use crate::results::{Band, MapPoint, MissingReplica, RunResults};
use crate::sim::{self, AgentSettings, Prepared, ReplicaPlan, ReplicaResult};

/// What a run may change in the scenario, and how it runs.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Replicas (overrides the file).
    pub replicas: Option<u32>,
    /// Seed (overrides the file).
    pub seed: Option<u64>,
    /// Threads (0: Rayon's default, `RAYON_NUM_THREADS` or the core count).
    pub threads: usize,
    /// Record per-microgrid and per-asset series (true) or the system only.
    pub detail: bool,
    /// The strategies `[policy] kind` may name (default: the built-in ones;
    /// front ends add the learned planner with `gnn::strategies()`).
    pub strategies: Strategies,
}

/// A replacement for [`sim::run_replica`] (the live twin runs the same model
/// paced by the wall clock; a stepping session runs it with an external
/// decision maker).
#[derive(Clone)]
pub struct ReplicaRunner(pub std::sync::Arc<RunReplicaFn>);

/// The signature of a replica runner (see [`ReplicaRunner`]).
pub type RunReplicaFn =
    dyn Fn(&Prepared, &ReplicaPlan, u32) -> Result<ReplicaResult, ScenarioError> + Send + Sync;

impl std::fmt::Debug for ReplicaRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplicaRunner")
    }
}

/// Progress reports, cancellation and test hooks for [`run_with_hooks`]:
/// front ends attach their own (the CLI's progress bar and Ctrl-C, the
/// Python package's tqdm and KeyboardInterrupt). The results do not depend
/// on the hooks.
#[derive(Clone, Copy, Default)]
pub struct RunHooks<'h> {
    /// Called after each replica with (replicas done, replicas in all), on
    /// the worker thread that ran it.
    pub progress: Option<&'h (dyn Fn(u32, u32) + Sync)>,
    /// Once set, replicas that have not started yet fail at once, and so
    /// does the run (`simulation failed: interrupted`), unless `partial`.
    pub cancel: Option<&'h AtomicBool>,
    /// Keep what finished: when some replicas are interrupted, fail or
    /// panic, the run still returns the others, with the rest listed in
    /// [`RunResults::missing`]. When false, the first such replica's error
    /// (in replica order) ends the run. Either way, when no replica
    /// finishes, the run fails.
    pub partial: bool,
    /// Called with the replica's number on its worker thread, inside the
    /// panic guard, before the replica runs: the seam for tests of partial
    /// results (a hook that panics for replica K makes that replica fail as
    /// a bug would). `None` in normal use.
    pub before_replica: Option<&'h (dyn Fn(u32) + Sync)>,
}

impl std::fmt::Debug for RunHooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHooks")
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .field("partial", &self.partial)
            .field("before_replica", &self.before_replica.is_some())
            .finish()
    }
}

/// Why a replica has no results (internal).
enum Missing {
    Interrupted,
    Failed(ScenarioError),
    Panicked(String),
}

impl Missing {
    fn reason(&self) -> String {
        match self {
            Missing::Interrupted => "interrupted".into(),
            Missing::Failed(e) => format!("failed: {e}"),
            Missing::Panicked(m) => format!("panicked: {m}"),
        }
    }

    fn into_error(self, replica: u32) -> ScenarioError {
        match self {
            Missing::Interrupted => ScenarioError::Sim("interrupted".into()),
            Missing::Failed(e) => e,
            Missing::Panicked(m) => ScenarioError::Sim(format!("replica {replica} panicked: {m}")),
        }
    }
}

/// The message of a caught panic.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".into()
    }
}

/// Runs a scenario.
///
/// # Errors
/// Invalid input ([`ScenarioError::is_input`]) or a failed replica.
pub fn run(l: &Loaded, opts: &RunOptions) -> Result<RunResults, ScenarioError> {
    run_with_runner(l, opts, None)
}

/// Like [`run`], with each replica run by `runner` instead of
/// [`sim::run_replica`] when given.
///
/// # Errors
/// As [`run`].
pub fn run_with_runner(
    l: &Loaded,
    opts: &RunOptions,
    runner: Option<&ReplicaRunner>,
) -> Result<RunResults, ScenarioError> {
    run_with_hooks(l, opts, runner, RunHooks::default())
}

/// A scenario with the run's overrides and the file's defaults filled in.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The resolved file (what `scenario.resolved.toml` holds).
    pub file: ScenarioFile,
    /// Its time frame.
    pub frame: TimeFrame,
    /// Its community as built.
    pub community: Community,
    /// The folder its relative paths are relative to.
    pub base_dir: PathBuf,
}

/// Phase 1: applies the overrides of `opts`, checks the replica count and
/// the policy, builds the community and fills the defaults (load priority,
/// sheddable) into the resolved copy.
///
/// # Errors
/// An invalid scenario, naming the file, line and column.
pub fn resolve(l: &Loaded, opts: &RunOptions) -> Result<Resolved, ScenarioError> {
    let mut resolved = l.file.clone();
    if let Some(r) = opts.replicas {
        resolved.scenario.replicas = r;
    }
    if let Some(s) = opts.seed {
        resolved.scenario.seed = s;
    }
    if opts.replicas == Some(0) {
        return Err(ScenarioError::Invalid(
            "the number of replicas must be at least 1, got 0".into(),
        ));
    }
    if resolved.scenario.replicas == 0 {
        return Err(ScenarioError::Invalid(format!(
            "{}: replicas must be at least 1",
            l.at("replicas")
        )));
    }
    let frame = TimeFrame::of(l)?;
    let community = scenario::community::build(&resolved, &|k| l.at(k))?;
    for mg in &mut resolved.microgrids {
        for ld in &mut mg.loads {
            if let Some(a) = community.loads.iter().find(|a| a.id == ld.id) {
                ld.priority = Some(a.priority);
                ld.sheddable = Some(a.sheddable);
            }
        }
    }
    if !opts.strategies.contains(&resolved.policy.kind) {
        return Err(ScenarioError::Invalid(format!(
            "{}: policy kind `{}` is not known: expected one of {}",
            l.at("kind"),
            resolved.policy.kind,
            opts.strategies.names().join(", ")
        )));
    }
    Ok(Resolved {
        file: resolved,
        frame,
        community,
        base_dir: l.base_dir(),
    })
}

/// Phase 2: the replica-independent inputs: the hazard at the sites, the
/// demand/PV/wind tables and the agents' settings. The resolved file's
/// paths become absolute.
///
/// # Errors
/// An invalid hazard, profile or asset, naming where it is.
pub fn prepare(
    l: &Loaded,
    r: &mut Resolved,
    opts: &RunOptions,
) -> Result<(Prepared, hazard::Prepared), ScenarioError> {
    let hz = hazard::Prepared::new(
        &r.file,
        &r.community,
        r.frame.start_unix,
        &r.base_dir,
        &|k| l.at(k),
    )?;
    let t = tables::build(l, &r.file, &r.community, &r.frame, &r.base_dir)?;
    tables::absolute_paths(&mut r.file, &r.base_dir);
    let prep = Prepared {
        community: r.community.clone(),
        steps: r.frame.steps,
        interval: r.frame.interval,
        demand: t.demand,
        pv: t.pv,
        wind: t.wind,
        policy: r.file.policy.kind.clone(),
        strategies: opts.strategies.clone(),
        reserves: (
            r.file.policy.reserve_normal,
            r.file.policy.reserve_essential,
        ),
        detail: opts.detail,
        agents: agent_settings(l, &r.file, r.frame.interval)?,
    };
    Ok((prep, hz))
}

/// Mobile generator trucks: to the microgrids with the most critical peak
/// demand first (ties: scenario order), one per microgrid, arriving
/// `mobile_arrival_h` after the event and then every `mobile_interval_h`;
/// (diesel slot, arrival hours).
pub fn mobile_plan(c: &Community, r: &scenario::schema::RestorationSpec) -> Vec<(usize, f64)> {
    let mut order: Vec<usize> = (0..c.microgrids.len()).collect();
    let crit = |mi: usize| -> f64 {
        c.loads
            .iter()
            .filter(|l| l.microgrid == mi && l.priority == grid_model::Priority::Critical)
            .map(|l| l.peak_mw)
            .sum()
    };
    order.sort_by(|&a, &b| crit(b).total_cmp(&crit(a)).then(a.cmp(&b)));
    order
        .iter()
        .take(r.mobile_generators as usize)
        .enumerate()
        .filter_map(|(k, &mi)| {
            c.mobile
                .get(mi)
                .map(|&slot| (slot, r.mobile_arrival_h + k as f64 * r.mobile_interval_h))
        })
        .collect()
}

/// Phase 3: what each replica samples from its own random streams (damage
/// and repairs, its own event of an event set, the upstream grid's return,
/// clouds), given the replica-independent inputs.
pub struct ReplicaSampler<'a> {
    l: &'a Loaded,
    resolved: &'a Resolved,
    prep: &'a Prepared,
    hazard: &'a hazard::Prepared,
    event_set: Option<EventSet>,
    mobile: Vec<(usize, f64)>,
    cloud_model: MarkovCloudModel,
}

impl<'a> ReplicaSampler<'a> {
    /// The sampler of a resolved, prepared scenario.
    ///
    /// # Errors
    /// An invalid event set.
    pub fn new(
        l: &'a Loaded,
        resolved: &'a Resolved,
        prep: &'a Prepared,
        hazard: &'a hazard::Prepared,
    ) -> Result<ReplicaSampler<'a>, ScenarioError> {
        Ok(ReplicaSampler {
            l,
            resolved,
            prep,
            hazard,
            event_set: event_set_of(l, &resolved.file)?,
            mobile: mobile_plan(&prep.community, &resolved.file.restoration),
            cloud_model: MarkovCloudModel::default(),
        })
    }

    /// Replica `r`'s plan from its seed `rseed`, and the event-set event it
    /// drew (a line for the event log), if any.
    ///
    /// # Errors
    /// An invalid hazard for the drawn event.
    pub fn plan(&self, rseed: u64) -> Result<(ReplicaPlan, Option<String>), ScenarioError> {
        let sc = &self.resolved.file;
        let c = &self.prep.community;
        let (damage, event) = match &self.event_set {
            None => (self.hazard.sample(rseed, c, &sc.restoration), None),
            Some(es) => {
                // This replica's own event, from its own stream.
                let mut st = stream(rseed, "event_set", "hazard");
                let (sc_r, shift, what) = es.sample(sc, &mut st);
                let hz_r = hazard::Prepared::new_shifted(
                    &sc_r,
                    c,
                    self.resolved.frame.start_unix,
                    &self.resolved.base_dir,
                    &|k| self.l.at(k),
                    shift.as_ref(),
                )?;
                (hz_r.sample(rseed, c, &sc.restoration), Some(what))
            }
        };
        let (upstream_lost, upstream_back_h) = if sc.upstream.blackout {
            let mut s = stream(rseed, "upstream", "restore");
            (
                true,
                hazard::invert_curve(&sc.upstream.restore_curve, s.uniform()),
            )
        } else {
            (false, None)
        };
        let mut cs = stream(rseed, "weather", "cloud");
        let mut u = || cs.uniform();
        let cloud =
            self.cloud_model
                .factors(self.prep.steps, self.prep.interval.as_secs_f64(), &mut u);
        let plan = ReplicaPlan {
            mobile: self.mobile.clone(),
            damage,
            upstream_lost,
            upstream_back_h,
            cloud,
        };
        Ok((plan, event))
    }

    /// Samples and runs replica `r` (with `runner` when given); returns its
    /// results and its damaged sites.
    ///
    /// # Errors
    /// As [`plan`](Self::plan), or the replica's failure.
    pub fn run(
        &self,
        r: u32,
        rseed: u64,
        runner: Option<&ReplicaRunner>,
    ) -> Result<(ReplicaResult, Vec<SiteDamage>), ScenarioError> {
        let (plan, event) = self.plan(rseed)?;
        let out = match runner {
            Some(f) => (f.0)(self.prep, &plan, r),
            None => sim::run_replica(self.prep, &plan, r).map_err(ScenarioError::from),
        };
        out.map(|mut o| {
            if let Some(what) = event {
                o.recorder
                    .log_event(sim_core::time::SimTime::ZERO, "hazard", "event_set", &what);
            }
            (o, plan.damage)
        })
    }
}

/// One replica's outcome: its results and damage, or why it has none.
type Outcome = Result<(ReplicaResult, Vec<SiteDamage>), Missing>;

/// Phase 4: runs every replica in parallel (each inside a panic guard, so a
/// bug in one does not lose the others), with the hooks' progress and
/// cancellation; outcomes in replica order.
fn run_replicas(
    sampler: &ReplicaSampler<'_>,
    n: u32,
    seed: u64,
    threads: usize,
    runner: Option<&ReplicaRunner>,
    hooks: &RunHooks<'_>,
) -> Result<Vec<Outcome>, ScenarioError> {
    let done = AtomicU64::new(0);
    let stopped = || hooks.cancel.is_some_and(|c| c.load(Ordering::Relaxed));
    sim_core::replica::run_replicas_with_threads(n, seed, threads, |r, rseed| {
        if stopped() {
            return Err(Missing::Interrupted);
        }
        let guarded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if let Some(h) = hooks.before_replica {
                h(r);
            }
            sampler.run(r, rseed, runner)
        }));
        let out = match guarded {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Missing::Failed(e)),
            Err(payload) => Err(Missing::Panicked(panic_message(payload.as_ref()))),
        };
        let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(p) = hooks.progress {
            p(finished as u32, n);
        }
        out
    })
    .map_err(ScenarioError::from)
}

/// Finished replicas in replica order, with their damage.
struct Gathered {
    replicas: Vec<ReplicaResult>,
    damages: Vec<Vec<SiteDamage>>,
    missing: Vec<MissingReplica>,
}

/// Phase 5: splits the outcomes into finished and missing replicas; without
/// `partial` (or with no replica finished) the first missing replica's
/// error ends the run.
fn gather(outcomes: Vec<Outcome>, partial: bool) -> Result<Gathered, ScenarioError> {
    let mut g = Gathered {
        replicas: Vec::with_capacity(outcomes.len()),
        damages: Vec::with_capacity(outcomes.len()),
        missing: Vec::new(),
    };
    let mut first_error = None;
    for (r, o) in (0u32..).zip(outcomes) {
        match o {
            Ok((res, dmg)) => {
                g.replicas.push(res);
                g.damages.push(dmg);
            }
            Err(m) => {
                let reason = m.reason();
                if first_error.is_none() {
                    first_error = Some(m.into_error(r));
                }
                g.missing.push(MissingReplica { replica: r, reason });
            }
        }
    }
    if let Some(e) = first_error
        && (!partial || g.replicas.is_empty())
    {
        return Err(e);
    }
    Ok(g)
}

/// The 5/50/95 % band and the mean of `f(replica, step)` over replicas.
fn band_of(
    hours: &[f64],
    replicas: &[ReplicaResult],
    f: &dyn Fn(&ReplicaResult, usize) -> f64,
) -> Band {
    let mut b = Band {
        hours: hours.to_vec(),
        ..Default::default()
    };
    for k in 0..hours.len() {
        let v: Vec<f64> = replicas.iter().map(|r| f(r, k)).collect();
        let s = metrics::summarise(&v);
        b.p5.push(s.get("p5").copied().unwrap_or(f64::NAN));
        b.p50.push(s.get("p50").copied().unwrap_or(f64::NAN));
        b.p95.push(s.get("p95").copied().unwrap_or(f64::NAN));
        b.mean.push(s.get("mean").copied().unwrap_or(f64::NAN));
    }
    b
}

/// The band of the fraction of damaged sites back in service.
fn restoration_band(hours: &[f64], damages: &[Vec<SiteDamage>]) -> Band {
    let mut b = Band {
        hours: hours.to_vec(),
        ..Default::default()
    };
    for &t in hours {
        let v: Vec<f64> = damages
            .iter()
            .map(|d| {
                if d.is_empty() {
                    1.0
                } else {
                    d.iter()
                        .filter(|x| x.repair_h.is_some_and(|h| h <= t))
                        .count() as f64
                        / d.len() as f64
                }
            })
            .collect();
        let s = metrics::summarise(&v);
        b.p5.push(s["p5"]);
        b.p50.push(s["p50"]);
        b.p95.push(s["p95"]);
        b.mean.push(s["mean"]);
    }
    b
}

/// Phase 6: metrics per replica, bands over time, the damage map and the
/// hazard footprint.
fn aggregate(resolved: Resolved, prep: Prepared, hz: &hazard::Prepared, g: Gathered) -> RunResults {
    let dt_h = prep.interval.as_hours_f64();
    let recorder = Recorder::concat(g.replicas.iter().map(|r| &r.recorder));
    let replica_metrics: Vec<_> = g
        .replicas
        .iter()
        .map(|r| metrics::replica_metrics(r, dt_h))
        .collect();
    let hours: Vec<f64> = (0..prep.steps).map(|k| k as f64 * dt_h).collect();
    let served_band = band_of(&hours, &g.replicas, &|r, k| r.served_fraction[k]);
    let critical_band = band_of(&hours, &g.replicas, &|r, k| r.critical_fraction[k]);
    let restoration_band = restoration_band(&hours, &g.damages);
    let c = &prep.community;
    let map = c
        .sites
        .iter()
        .enumerate()
        .map(|(si, s)| MapPoint {
            lon: s.lon,
            lat: s.lat,
            p_fail: g
                .damages
                .iter()
                .filter(|d| d.iter().any(|x| x.site == si))
                .count() as f64
                / g.damages.len() as f64,
            big: matches!(s.kind, SiteKind::Substation | SiteKind::Feeder(_)),
        })
        .collect();
    let footprint = hz.footprint(c);
    RunResults {
        missing: g.missing,
        resolved: resolved.file,
        recorder,
        replica_metrics,
        served_band,
        critical_band,
        restoration_band,
        map,
        footprint,
        replicas: g.replicas,
        dt_h,
        damages: g.damages,
        network: prep.community.net,
    }
}

/// Like [`run_with_runner`], with progress reports, cancellation and test
/// hooks; the results do not depend on the hooks.
///
/// # Errors
/// As [`run`].
pub fn run_with_hooks(
    l: &Loaded,
    opts: &RunOptions,
    runner: Option<&ReplicaRunner>,
    hooks: RunHooks<'_>,
) -> Result<RunResults, ScenarioError> {
    let mut resolved = resolve(l, opts)?;
    let (prep, hz) = prepare(l, &mut resolved, opts)?;
    let n = resolved.file.scenario.replicas;
    let seed = resolved.file.scenario.seed;
    let outcomes = {
        let sampler = ReplicaSampler::new(l, &resolved, &prep, &hz)?;
        run_replicas(&sampler, n, seed, opts.threads, runner, &hooks)?
    };
    let gathered = gather(outcomes, hooks.partial)?;
    Ok(aggregate(resolved, prep, &hz, gathered))
}

/// The agents' settings from the `[policy]` table.
fn agent_settings(
    l: &Loaded,
    resolved: &ScenarioFile,
    interval: SimDuration,
) -> Result<AgentSettings, ScenarioError> {
    let p = &resolved.policy;
    let steps = |s: &str, key: &str| -> Result<usize, ScenarioError> {
        let d: SimDuration = s.parse().map_err(|e| {
            ScenarioError::Invalid(format!(
                "{}: {key} `{s}` is not a duration like 1h or 24h: {e}",
                l.at(key)
            ))
        })?;
        if d.as_millis() < interval.as_millis() {
            return Err(ScenarioError::Invalid(format!(
                "{}: {key} `{s}` must be at least the control interval",
                l.at(key)
            )));
        }
        Ok((d.as_millis() / interval.as_millis().max(1)) as usize)
    };
    for (v, key) in [
        (p.assumed_outage_h, "assumed_outage_h"),
        (p.min_remaining_h, "min_remaining_h"),
    ] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(ScenarioError::Invalid(format!(
                "{}: {key} must be a number >= 0, got {v}",
                l.at(key)
            )));
        }
    }
    Ok(AgentSettings {
        horizon_steps: steps(&p.horizon, "horizon")?,
        block_steps: steps(&p.block, "block")?,
        assumed_outage_h: p.assumed_outage_h,
        min_remaining_h: p.min_remaining_h,
        log_decisions: p.log_decisions,
        knowledge_graph: p.knowledge_graph,
        hazard_kind: match resolved.hazard {
            HazardSpec::Earthquake(_) => "earthquake",
            HazardSpec::Typhoon(_) => "typhoon",
            HazardSpec::Flood(_) => "flood",
            HazardSpec::None => "none",
        }
        .into(),
    })
}
