//! `blackstart run`: scenario files, the community's operation over time,
//! resilience metrics and plots.
//!
//! A scenario (TOML, see [`schema`] and `examples/scenarios/README.md`) is
//! loaded and validated ([`load`]), resolved into replica-independent inputs
//! (network, demand and PV tables, hazard intensities), then every replica
//! samples its damage, repairs, upstream restoration and clouds from named
//! random streams and runs the discrete-event model of [`sim`]. Replicas run
//! in parallel; results are merged in replica order, so every output file
//! has the same bytes whatever the thread count.

pub mod community;
pub mod compare;
pub mod env;
pub mod eventset;
pub mod graph;
pub mod hazard;
pub mod metrics;
pub mod plots;
pub mod profiles;
pub mod schema;
pub mod sim;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use chrono::DateTime;
use grid_model::assets::{
    MarkovCloudModel, Observer, PVLIB_DELTA_T_S, PvPlant, PvSystem, SunInstant,
};
use sim_core::recorder::Recorder;
use sim_core::rng::{replica_seed, stream};
use sim_core::time::SimDuration;

pub use schema::ScenarioFile;

/// Errors of scenario loading and running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// Path.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not match the schema.
    #[error("{}: {message}", at_line_col(file, *line, *column))]
    Parse {
        /// File.
        file: String,
        /// 1-based line (0: not applicable, e.g. a Parquet file).
        line: usize,
        /// 1-based column (0: not applicable).
        column: usize,
        /// What was expected.
        message: String,
    },
    /// A value is invalid (the message says where and why).
    #[error("{0}")]
    Invalid(String),
    /// The simulation failed.
    #[error("simulation failed: {0}")]
    Sim(String),
    /// Writing outputs failed.
    #[error("cannot write outputs: {0}")]
    Output(String),
}

impl From<sim_core::SimError> for ScenarioError {
    fn from(e: sim_core::SimError) -> Self {
        ScenarioError::Sim(e.to_string())
    }
}

/// A loaded scenario with its source text (for error locations).
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The parsed file.
    pub file: ScenarioFile,
    /// The source text.
    pub text: String,
    /// The file name used in messages.
    pub name: String,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |p| offset - p - 1) + 1;
    (line, col)
}

impl Loaded {
    /// `file:line:col` of the first place `needle` appears as a quoted
    /// string or a key; `file` alone if it does not.
    pub fn at(&self, needle: &str) -> String {
        let quoted = format!("\"{needle}\"");
        let pos = self
            .text
            .find(&quoted)
            .or_else(|| self.text.find(&format!("{needle} =")))
            .or_else(|| self.text.find(needle));
        match pos {
            Some(p) => {
                let (l, c) = line_col(&self.text, p);
                format!("{}:{l}:{c}", self.name)
            }
            None => self.name.clone(),
        }
    }
}

/// Reads and parses a scenario file.
pub fn load(path: impl AsRef<Path>) -> Result<Loaded, ScenarioError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses scenario text; `name` is used in messages.
pub fn parse(text: &str, name: &str) -> Result<Loaded, ScenarioError> {
    let file: ScenarioFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
        ScenarioError::Parse {
            file: name.to_string(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    Ok(Loaded {
        file,
        text: text.to_string(),
        name: name.to_string(),
    })
}

/// Overrides from the command line.
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
    /// Show a progress bar on stderr.
    pub progress: bool,
}

/// A replacement for [`sim::run_replica`] (the live twin runs the same model
/// paced by the wall clock, see `crate::twin`).
#[derive(Clone)]
pub struct ReplicaRunner(pub std::sync::Arc<RunReplicaFn>);

/// The signature of a replica runner (see [`ReplicaRunner`]).
pub type RunReplicaFn = dyn Fn(&sim::Prepared, &sim::ReplicaPlan, u32) -> Result<sim::ReplicaResult, ScenarioError>
    + Send
    + Sync;

impl std::fmt::Debug for ReplicaRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReplicaRunner")
    }
}

/// Everything a run produces.
#[derive(Debug)]
pub struct RunResults {
    /// The scenario as resolved (defaults and overrides filled in).
    pub resolved: ScenarioFile,
    /// All replicas' time series and events, in replica order.
    pub recorder: Recorder,
    /// Per-replica metrics, in replica order (finished replicas only: see
    /// `missing`; each map's `replica` entry is the replica's number).
    pub replica_metrics: Vec<BTreeMap<&'static str, f64>>,
    /// Replicas without results (interrupted, failed or panicked), in
    /// replica order; empty for a complete run. Only a run with
    /// [`RunHooks::partial`] returns results with replicas missing.
    pub missing: Vec<MissingReplica>,
    /// Served-fraction band over time.
    pub served_band: plots::Band,
    /// Critical-served band over time.
    pub critical_band: plots::Band,
    /// Restoration band: fraction of damaged sites back in service.
    pub restoration_band: plots::Band,
    /// Map points.
    pub map: Vec<plots::MapPoint>,
    /// Hazard footprint.
    pub footprint: plots::Footprint,
    /// Per-replica raw results (checks in tests).
    pub replicas: Vec<sim::ReplicaResult>,
    /// Control interval in hours.
    pub dt_h: f64,
    /// Per replica: the damaged sites with failure and repair times.
    pub damages: Vec<Vec<hazard::SiteDamage>>,
    /// The community's network as built (all in service).
    pub network: grid_model::Network,
}

impl RunResults {
    /// The numbers of the replicas with results, in the order of
    /// `replica_metrics` and `replicas`.
    pub fn replica_numbers(&self) -> Vec<u32> {
        let all = (self.replica_metrics.len() + self.missing.len()) as u32;
        (0..all)
            .filter(|r| !self.missing.iter().any(|m| m.replica == *r))
            .collect()
    }
}

/// `file:line:column`, or `file` alone when there is no line (0).
fn at_line_col(file: &str, line: usize, column: usize) -> String {
    if line == 0 {
        file.to_owned()
    } else {
        format!("{file}:{line}:{column}")
    }
}

/// A replica without results, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingReplica {
    /// Replica number.
    pub replica: u32,
    /// `interrupted`, `failed: <error>` or `panicked: <message>`.
    pub reason: String,
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

/// Fault injection for the tests of partial results, read from the
/// environment variable `BLACKSTART_FAULT` (unset in normal use):
/// `panic-replica:K` makes replica K panic; `interrupt-after:K` acts as a
/// Ctrl-C once K replicas have finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    PanicReplica(u32),
    InterruptAfter(u32),
}

impl Fault {
    fn from_env() -> Fault {
        let Ok(v) = std::env::var("BLACKSTART_FAULT") else {
            return Fault::None;
        };
        let num = |s: &str| s.trim().parse::<u32>().ok();
        if let Some(k) = v.strip_prefix("panic-replica:").and_then(num) {
            Fault::PanicReplica(k)
        } else if let Some(k) = v.strip_prefix("interrupt-after:").and_then(num) {
            Fault::InterruptAfter(k)
        } else {
            Fault::None
        }
    }
}

/// Resolves the time frame: (start unix seconds, UTC offset seconds,
/// interval, steps).
fn time_frame(l: &Loaded) -> Result<(i64, i32, SimDuration, usize), ScenarioError> {
    let m = &l.file.scenario;
    let start = DateTime::parse_from_rfc3339(&m.start).map_err(|e| {
        ScenarioError::Invalid(format!(
            "{}: start `{}` is not an RFC 3339 time with a UTC offset (e.g. 2016-04-16T01:25:00+09:00): {e}",
            l.at("start"),
            m.start
        ))
    })?;
    let dur = |s: &str, key: &str| -> Result<SimDuration, ScenarioError> {
        let d: SimDuration = s.parse().map_err(|e| {
            ScenarioError::Invalid(format!(
                "{}: {key} `{s}` is not a duration like 15min, 6h or 7d: {e}",
                l.at(key)
            ))
        })?;
        if d.as_millis() <= 0 {
            return Err(ScenarioError::Invalid(format!(
                "{}: {key} must be positive, got `{s}`",
                l.at(key)
            )));
        }
        Ok(d)
    };
    let horizon = dur(&m.horizon, "horizon")?;
    let interval = dur(&m.control_interval, "control_interval")?;
    if interval.as_millis() < 60_000 || interval > horizon {
        return Err(ScenarioError::Invalid(format!(
            "{}: control_interval must be at least 1 minute and at most the horizon",
            l.at("control_interval")
        )));
    }
    let steps = (horizon.as_millis() / interval.as_millis()) as usize;
    Ok((
        start.timestamp(),
        start.offset().local_minus_utc(),
        interval,
        steps,
    ))
}

/// Runs a scenario.
pub fn run(l: &Loaded, opts: &RunOptions) -> Result<RunResults, ScenarioError> {
    run_with_runner(l, opts, None)
}

/// Like [`run`], with each replica run by `runner` instead of
/// [`sim::run_replica`] when given (the live twin: the same model paced by
/// the wall clock, see `crate::twin`).
pub fn run_with_runner(
    l: &Loaded,
    opts: &RunOptions,
    runner: Option<&ReplicaRunner>,
) -> Result<RunResults, ScenarioError> {
    run_with_hooks(l, opts, runner, RunHooks::default())
}

/// Progress reports and cancellation for [`run_with_hooks`] (the Python
/// package's progress bar and Ctrl-C).
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
    /// [`RunResults::missing`] (`blackstart run` writes them and says which
    /// are missing). When false, the first such replica's error (in replica
    /// order) ends the run. Either way, when no replica finishes, the run
    /// fails.
    pub partial: bool,
}

impl std::fmt::Debug for RunHooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunHooks")
            .field("progress", &self.progress.is_some())
            .field("cancel", &self.cancel)
            .field("partial", &self.partial)
            .finish()
    }
}

/// Like [`run_with_runner`], with progress reports and cancellation; the
/// results do not depend on the hooks.
pub fn run_with_hooks(
    l: &Loaded,
    opts: &RunOptions,
    runner: Option<&ReplicaRunner>,
    hooks: RunHooks<'_>,
) -> Result<RunResults, ScenarioError> {
    let mut resolved = l.file.clone();
    if let Some(r) = opts.replicas {
        resolved.scenario.replicas = r;
    }
    if let Some(s) = opts.seed {
        resolved.scenario.seed = s;
    }
    if opts.replicas == Some(0) {
        return Err(ScenarioError::Invalid(
            "--replicas must be at least 1, got 0".into(),
        ));
    }
    if resolved.scenario.replicas == 0 {
        return Err(ScenarioError::Invalid(format!(
            "{}: replicas must be at least 1",
            l.at("replicas")
        )));
    }
    let (start_unix, offset_s, interval, steps) = time_frame(l)?;
    let community = community::build(&resolved, &|k| l.at(k))?;
    // Fill the defaults into the resolved copy.
    for mg in &mut resolved.microgrids {
        for ld in &mut mg.loads {
            if let Some(a) = community.loads.iter().find(|a| a.id == ld.id) {
                ld.priority = Some(
                    match a.priority {
                        grid_model::Priority::Critical => "critical",
                        grid_model::Priority::Essential => "essential",
                        grid_model::Priority::Normal => "normal",
                    }
                    .to_string(),
                );
                ld.sheddable = Some(a.sheddable);
            }
        }
    }
    let known = crate::learn::strategy_names();
    if !known.contains(&resolved.policy.kind.as_str()) {
        return Err(ScenarioError::Invalid(format!(
            "{}: policy kind `{}` is not known: expected one of {}",
            l.at("kind"),
            resolved.policy.kind,
            known.join(", ")
        )));
    }
    let base_dir = Path::new(&l.name)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let hz = hazard::Prepared::new(&resolved, &community, start_unix, &base_dir, &|k| l.at(k))?;
    // The resolved copy names files by absolute path, so that it runs from
    // wherever it is written.
    let abs = |f: &str| {
        let p = base_dir.join(f);
        std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
    };
    let dt_h = interval.as_hours_f64();
    // Profile files (relative to the scenario file).
    // Per load: (series, per unit of peak, typical year).
    let mut load_profiles: Vec<Option<(profiles::Series, bool, bool)>> = Vec::new();
    for mg in &resolved.microgrids {
        for ld in &mg.loads {
            load_profiles.push(match &ld.profile {
                Some(f) => {
                    let path = base_dir.join(f);
                    let series = if f.ends_with(".parquet") {
                        let col = ld.profile_column.as_deref().ok_or_else(|| {
                            ScenarioError::Invalid(format!(
                                "{}: load `{}`: a Parquet profile needs `profile_column`",
                                l.at(&ld.id),
                                ld.id
                            ))
                        })?;
                        profiles::read_parquet_profile(&path, col)?
                    } else {
                        profiles::read_profile(&path, "kw")?
                    };
                    Some((series, ld.profile_per_unit, ld.profile_typical_year))
                }
                None => None,
            });
        }
    }
    if let schema::HazardSpec::Typhoon(t) = &mut resolved.hazard {
        t.track = abs(&t.track);
    }
    for mg in &mut resolved.microgrids {
        for ld in &mut mg.loads {
            if let Some(f) = &ld.profile {
                ld.profile = Some(abs(f));
            }
        }
        for w in &mut mg.winds {
            w.wind_profile = abs(&w.wind_profile);
        }
    }
    let mut turbines = Vec::new();
    for w in &community.winds {
        let spec = &resolved.microgrids[w.spec.0].winds[w.spec.1];
        let t = grid_model::assets::WindTurbine::generic(
            spec.rated_kw,
            spec.cut_in_ms,
            spec.rated_ms,
            spec.cut_out_ms,
        )
        .map_err(|e| {
            ScenarioError::Invalid(format!("{}: wind `{}`: {e}", l.at(&spec.id), spec.id))
        })?;
        let series = profiles::read_profile(&base_dir.join(&spec.wind_profile), "speed_ms")?;
        turbines.push((t, series));
    }
    // Replica-independent tables.
    let mut demand: Vec<Vec<f64>> = Vec::with_capacity(steps);
    let mut wind: Vec<Vec<f64>> = Vec::with_capacity(steps);
    let mut pv = Vec::with_capacity(steps);
    let plants: Vec<PvPlant> = community
        .pvs
        .iter()
        .map(|p| {
            PvPlant::new(
                Observer::new(p.lat, p.lon),
                PvSystem::new(p.tilt_deg, p.azimuth_deg, p.dc_kw),
            )
            .map_err(|e| ScenarioError::Invalid(format!("{}: pv `{}`: {e}", l.at(&p.id), p.id)))
        })
        .collect::<Result<_, _>>()?;
    for k in 0..steps {
        let t = start_unix as f64 + k as f64 * interval.as_secs_f64();
        let local_h = ((t + f64::from(offset_s)) / 3600.0).rem_euclid(24.0);
        demand.push(
            community
                .loads
                .iter()
                .zip(&load_profiles)
                .map(|(ld, prof)| match prof {
                    Some((s, per_unit, typical)) => {
                        let tt = if *typical {
                            profiles::into_profile_year(s, t)
                        } else {
                            t
                        };
                        let v = profiles::value_at(s, tt).max(0.0);
                        if *per_unit {
                            v * ld.peak_mw
                        } else {
                            v / 1000.0
                        }
                    }
                    None => ld.peak_mw * profiles::at(ld.class, local_h),
                })
                .collect(),
        );
        wind.push(
            turbines
                .iter()
                .map(|(tb, s)| tb.power_kw(profiles::value_at(s, t)) / 1000.0)
                .collect(),
        );
        let inst = SunInstant::new(t, PVLIB_DELTA_T_S);
        pv.push(
            plants
                .iter()
                .map(|p| {
                    let mut row = [0.0; 11];
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = p.output_at(&inst, j as f64 / 10.0).ac_kw.max(0.0) / 1000.0;
                    }
                    row
                })
                .collect(),
        );
    }
    let prep = sim::Prepared {
        community,
        steps,
        interval,
        demand,
        pv,
        wind,
        policy: resolved.policy.kind.clone(),
        reserves: (
            resolved.policy.reserve_normal,
            resolved.policy.reserve_essential,
        ),
        detail: opts.detail,
        agents: agent_settings(l, &resolved, interval)?,
    };
    let n = resolved.scenario.replicas;
    let seed = resolved.scenario.seed;
    let pb = if opts.progress {
        let pb = indicatif::ProgressBar::new(u64::from(n));
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} replicas {bar:40} {pos}/{len} [{elapsed_precise} < {eta_precise}]",
        ) {
            pb.set_style(style);
        }
        Some(pb)
    } else {
        None
    };
    // Mobile generator trucks: to the microgrids with the most critical peak
    // demand first (ties: scenario order), one per microgrid, arriving
    // `mobile_arrival_h` after the event and then every `mobile_interval_h`.
    let mobile_plan: Vec<(usize, f64)> = {
        let c = &prep.community;
        let mut order: Vec<usize> = (0..c.microgrids.len()).collect();
        let crit = |mi: usize| -> f64 {
            c.loads
                .iter()
                .filter(|l| l.microgrid == mi && l.priority == grid_model::Priority::Critical)
                .map(|l| l.peak_mw)
                .sum()
        };
        order.sort_by(|&a, &b| crit(b).total_cmp(&crit(a)).then(a.cmp(&b)));
        let r = &resolved.restoration;
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
    };
    let done = AtomicU64::new(0);
    let cloud_model = MarkovCloudModel::default();
    let upstream = resolved.upstream.clone();
    let restoration = resolved.restoration.clone();
    let event_set = eventset::event_set_of(l, &resolved)?;
    let fault = Fault::from_env();
    let one = |r: u32,
               rseed: u64|
     -> Result<(sim::ReplicaResult, Vec<hazard::SiteDamage>), ScenarioError> {
        if fault == Fault::PanicReplica(r) {
            // Fault injection for the tests of partial results (see `Fault`).
            #[allow(clippy::panic)]
            {
                panic!("injected fault: replica {r} panics (BLACKSTART_FAULT)");
            }
        }
        let (damage, event) = match &event_set {
            None => (hz.sample(rseed, &prep.community, &restoration), None),
            Some(es) => {
                // This replica's own event, from its own stream.
                let mut st = stream(rseed, "event_set", "hazard");
                let (sc_r, shift, what) = es.sample(&resolved, &mut st);
                let hz_r = hazard::Prepared::new_shifted(
                    &sc_r,
                    &prep.community,
                    start_unix,
                    &base_dir,
                    &|k| l.at(k),
                    shift.as_ref(),
                )?;
                (
                    hz_r.sample(rseed, &prep.community, &restoration),
                    Some(what),
                )
            }
        };
        let (upstream_lost, upstream_back_h) = if upstream.blackout {
            let mut s = stream(rseed, "upstream", "restore");
            (
                true,
                hazard::invert_curve(&upstream.restore_curve, s.uniform()),
            )
        } else {
            (false, None)
        };
        let mut cs = stream(rseed, "weather", "cloud");
        let mut u = || cs.uniform();
        let cloud = cloud_model.factors(prep.steps, interval.as_secs_f64(), &mut u);
        let plan = sim::ReplicaPlan {
            mobile: mobile_plan.clone(),
            damage,
            upstream_lost,
            upstream_back_h,
            cloud,
        };
        let out = match runner {
            Some(f) => (f.0)(&prep, &plan, r),
            None => {
                sim::run_replica(&prep, &plan, r).map_err(|e| ScenarioError::Sim(e.to_string()))
            }
        };
        out.map(|mut o| {
            if let Some(what) = event {
                o.recorder
                    .log_event(sim_core::time::SimTime::ZERO, "hazard", "event_set", &what);
            }
            (o, plan.damage)
        })
    };
    let injected_stop = AtomicBool::new(false);
    let stopped = || {
        hooks.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
            || injected_stop.load(Ordering::Relaxed)
    };
    let outcomes =
        sim_core::replica::run_replicas_with_threads(n, seed, opts.threads, |r, rseed| {
            if stopped() {
                return Err(Missing::Interrupted);
            }
            // A panic in one replica (a bug) must not lose the others.
            let out = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| one(r, rseed)))
            {
                Ok(Ok(v)) => Ok(v),
                Ok(Err(e)) => Err(Missing::Failed(e)),
                Err(payload) => Err(Missing::Panicked(panic_message(payload.as_ref()))),
            };
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(pb) = &pb {
                pb.inc(1);
            }
            if let Some(p) = hooks.progress {
                p(finished as u32, n);
            }
            if let Fault::InterruptAfter(k) = fault
                && finished >= u64::from(k)
            {
                injected_stop.store(true, Ordering::Relaxed);
            }
            out
        })
        .map_err(|e| ScenarioError::Sim(e.to_string()))?;
    let _ = replica_seed; // seeds derive inside run_replicas (replica_seed)
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let mut replicas = Vec::with_capacity(outcomes.len());
    let mut damages = Vec::with_capacity(outcomes.len());
    let mut missing = Vec::new();
    let mut first_error = None;
    for (r, o) in (0..n).zip(outcomes) {
        match o {
            Ok((res, dmg)) => {
                replicas.push(res);
                damages.push(dmg);
            }
            Err(m) => {
                let reason = m.reason();
                if first_error.is_none() {
                    first_error = Some(m.into_error(r));
                }
                missing.push(MissingReplica { replica: r, reason });
            }
        }
    }
    if let Some(e) = first_error
        && (!hooks.partial || replicas.is_empty())
    {
        return Err(e);
    }
    let recorder = Recorder::concat(replicas.iter().map(|r| &r.recorder));
    let replica_metrics: Vec<_> = replicas
        .iter()
        .map(|r| metrics::replica_metrics(r, dt_h))
        .collect();
    let hours: Vec<f64> = (0..steps).map(|k| k as f64 * dt_h).collect();
    let band = |f: &dyn Fn(&sim::ReplicaResult, usize) -> f64| {
        let mut b = plots::Band {
            hours: hours.clone(),
            ..Default::default()
        };
        for k in 0..steps {
            let v: Vec<f64> = replicas.iter().map(|r| f(r, k)).collect();
            let s = metrics::summarise(&v);
            b.p5.push(s.get("p5").copied().unwrap_or(f64::NAN));
            b.p50.push(s.get("p50").copied().unwrap_or(f64::NAN));
            b.p95.push(s.get("p95").copied().unwrap_or(f64::NAN));
            b.mean.push(s.get("mean").copied().unwrap_or(f64::NAN));
        }
        b
    };
    let served_band = band(&|r, k| r.served_fraction[k]);
    let critical_band = band(&|r, k| r.critical_fraction[k]);
    let restoration_band = {
        let mut b = plots::Band {
            hours: hours.clone(),
            ..Default::default()
        };
        for k in 0..steps {
            let t = k as f64 * dt_h;
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
    };
    let c = &prep.community;
    let map = c
        .sites
        .iter()
        .enumerate()
        .map(|(si, s)| plots::MapPoint {
            lon: s.lon,
            lat: s.lat,
            p_fail: damages
                .iter()
                .filter(|d| d.iter().any(|x| x.site == si))
                .count() as f64
                / damages.len() as f64,
            big: matches!(
                s.kind,
                community::SiteKind::Substation | community::SiteKind::Feeder(_)
            ),
        })
        .collect();
    let footprint = hz.footprint(c);
    Ok(RunResults {
        missing,
        resolved,
        recorder,
        replica_metrics,
        served_band,
        critical_band,
        restoration_band,
        map,
        footprint,
        replicas,
        dt_h,
        damages,
        network: prep.community.net.clone(),
    })
}

/// The agents' settings from the `[policy]` table.
fn agent_settings(
    l: &Loaded,
    resolved: &ScenarioFile,
    interval: SimDuration,
) -> Result<sim::AgentSettings, ScenarioError> {
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
    Ok(sim::AgentSettings {
        horizon_steps: steps(&p.horizon, "horizon")?,
        block_steps: steps(&p.block, "block")?,
        assumed_outage_h: p.assumed_outage_h,
        min_remaining_h: p.min_remaining_h,
        log_decisions: p.log_decisions,
        knowledge_graph: p.knowledge_graph,
        hazard_kind: match resolved.hazard {
            schema::HazardSpec::Earthquake(_) => "earthquake",
            schema::HazardSpec::Typhoon(_) => "typhoon",
            schema::HazardSpec::Flood(_) => "flood",
            schema::HazardSpec::None => "none",
        }
        .into(),
    })
}

/// The decision log of all replicas as a table: `replica`, `time_h`,
/// `agent`, `inputs`, `rationale`, `confidence`, `commands` (JSON),
/// `outcome` (what happened one interval later).
pub fn decisions_frame(res: &RunResults) -> Result<polars::prelude::DataFrame, ScenarioError> {
    use polars::prelude::{Column, DataFrame};
    let all: Vec<&agents::DecisionRecord> = res
        .replicas
        .iter()
        .flat_map(|r| r.decisions.iter())
        .collect();
    let col_s = |name: &str, f: &dyn Fn(&agents::DecisionRecord) -> &str| {
        Column::new(name.into(), all.iter().map(|d| f(d)).collect::<Vec<&str>>())
    };
    DataFrame::new(
        all.len(),
        vec![
            Column::new(
                "replica".into(),
                all.iter().map(|d| d.replica).collect::<Vec<u32>>(),
            ),
            Column::new(
                "time_h".into(),
                all.iter()
                    .map(|d| d.time_ms as f64 / 3.6e6)
                    .collect::<Vec<f64>>(),
            ),
            col_s("agent", &|d| d.agent.as_str()),
            col_s("inputs", &|d| d.inputs.as_str()),
            col_s("rationale", &|d| d.rationale.as_str()),
            Column::new(
                "confidence".into(),
                all.iter().map(|d| d.confidence).collect::<Vec<f64>>(),
            ),
            col_s("commands", &|d| d.commands.as_str()),
            col_s("outcome", &|d| d.outcome.as_str()),
        ],
    )
    .map_err(|e| ScenarioError::Output(e.to_string()))
}

/// The summary JSON: `{"scenario", "replicas_run", "complete",
/// "missing_replicas": [{"replica", "reason"}], "seed", "policy",
/// "aggregate": {METRIC: {mean, p5, p50, p95}}, "replicas": [{"replica",
/// METRIC: value}]}`.
pub fn summary_json(res: &RunResults) -> serde_json::Value {
    let mut agg = serde_json::Map::new();
    for m in metrics::METRICS {
        let v: Vec<f64> = res.replica_metrics.iter().map(|r| r[m]).collect();
        let s = metrics::summarise(&v);
        agg.insert(m.to_string(), serde_json::json!(s));
    }
    let reps: Vec<serde_json::Value> = res
        .replica_metrics
        .iter()
        .zip(res.replica_numbers())
        .map(|(m, r)| {
            let mut o = serde_json::json!(m);
            o["replica"] = serde_json::json!(r);
            o
        })
        .collect();
    serde_json::json!({
        "scenario": res.resolved.scenario.name,
        "replicas_run": res.replica_metrics.len(),
        "complete": res.missing.is_empty(),
        "missing_replicas": res.missing,
        "seed": res.resolved.scenario.seed,
        "policy": res.resolved.policy.kind,
        "aggregate": agg,
        "replicas": reps,
    })
}

/// Writes every output file into `dir`; returns the paths written.
pub fn write_outputs(res: &RunResults, dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let o = |e: String| ScenarioError::Output(e);
    std::fs::create_dir_all(dir).map_err(|e| o(format!("{}: {e}", dir.display())))?;
    let mut written = Vec::new();
    let ts = dir.join("timeseries.parquet");
    res.recorder
        .write_parquet(&ts)
        .map_err(|e| o(e.to_string()))?;
    written.push(ts);
    let ev = dir.join("events.parquet");
    res.recorder
        .write_events_parquet(&ev)
        .map_err(|e| o(e.to_string()))?;
    written.push(ev);
    if res.resolved.policy.log_decisions {
        let dp = dir.join("decisions.parquet");
        let mut df = decisions_frame(res)?;
        let f = std::fs::File::create(&dp).map_err(|e| o(format!("{}: {e}", dp.display())))?;
        polars::prelude::ParquetWriter::new(f)
            .finish(&mut df)
            .map_err(|e| o(format!("{}: {e}", dp.display())))?;
        written.push(dp);
    }
    let sj = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary_json(res)).map_err(|e| o(e.to_string()))?;
    std::fs::write(&sj, text + "\n").map_err(|e| o(format!("{}: {e}", sj.display())))?;
    written.push(sj);
    let gj = dir.join("network.geojson");
    let geo = serde_json::to_string(&grid_model::export::to_geojson(&res.network))
        .map_err(|e| o(e.to_string()))?;
    std::fs::write(&gj, geo + "\n").map_err(|e| o(format!("{}: {e}", gj.display())))?;
    written.push(gj);
    let rs = dir.join("scenario.resolved.toml");
    let toml_text = toml::to_string_pretty(&res.resolved).map_err(|e| o(e.to_string()))?;
    std::fs::write(&rs, toml_text).map_err(|e| o(format!("{}: {e}", rs.display())))?;
    written.push(rs);
    let name = &res.resolved.scenario.name;
    plots::write_band_chart(
        dir,
        "resilience_curve",
        &format!("{name}: served load"),
        "served fraction of demand",
        &[
            (
                "all load",
                &res.served_band,
                plotters::style::RGBColor(31, 119, 180),
            ),
            (
                "critical load",
                &res.critical_band,
                plotters::style::RGBColor(214, 39, 40),
            ),
        ],
    )
    .map_err(o)?;
    written.push(dir.join("resilience_curve.png"));
    written.push(dir.join("resilience_curve.svg"));
    plots::write_band_chart(
        dir,
        "restoration_curve",
        &format!("{name}: restoration of damaged assets"),
        "fraction of damaged assets repaired",
        &[(
            "repaired",
            &res.restoration_band,
            plotters::style::RGBColor(44, 160, 44),
        )],
    )
    .map_err(o)?;
    written.push(dir.join("restoration_curve.png"));
    written.push(dir.join("restoration_curve.svg"));
    plots::write_map(
        dir,
        &format!("{name}: damage probability"),
        &res.map,
        &res.footprint,
    )
    .map_err(o)?;
    written.push(dir.join("damage_map.png"));
    written.push(dir.join("damage_map.svg"));
    Ok(written)
}
