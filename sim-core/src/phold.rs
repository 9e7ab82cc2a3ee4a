//! PHOLD, the classic synthetic benchmark for discrete-event kernels.
//!
//! `lps` logical processes (LPs) start with `population` events each. When
//! an LP handles an event it counts it and schedules one new event at an LP
//! chosen uniformly at random (itself included) after `lookahead +
//! Exp(mean)` of simulation time (rounded down to whole milliseconds; the
//! exponential is `mean * Stream::standard_exponential()`, the portable
//! ziggurat sampler).
//! Each LP draws from its own named stream `stream(seed, "lp/<i>",
//! "phold")`, so the run is a pure function of the configuration.
//!
//! `cargo run --release --example phold -- --lps 1000 --events 10000000 --seed 1`
//! (from the workspace root) times it and prints one JSON line.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::replica::run_replicas_with_threads;
use crate::rng::{Stream, siphash24, stream};
use crate::sched::{Model, Scheduler, Simulation};
use crate::time::SimTime;

/// PHOLD parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PholdConfig {
    /// Number of logical processes.
    pub lps: u32,
    /// Events to handle (per replica).
    pub events: u64,
    /// Seed of the streams (per replica: the replica seed).
    pub seed: u64,
    /// Initial events per LP (the message population).
    pub population: u32,
    /// Minimum delay in ms.
    pub lookahead_ms: u64,
    /// Mean of the exponential part of the delay, in ms.
    pub mean_delay_ms: f64,
}

impl Default for PholdConfig {
    fn default() -> Self {
        PholdConfig {
            lps: 1000,
            events: 1_000_000,
            seed: 1,
            population: 1,
            lookahead_ms: 100,
            mean_delay_ms: 1000.0,
        }
    }
}

struct Lp {
    rng: Stream,
    count: u64,
}

/// The PHOLD model.
pub struct Phold {
    lps: Vec<Lp>,
    lookahead_ms: u64,
    mean_ms: f64,
}

impl Phold {
    /// Per-LP event counts.
    pub fn counts(&self) -> Vec<u64> {
        self.lps.iter().map(|l| l.count).collect()
    }
}

impl Model for Phold {
    type Event = u32;

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<u32>, lp: u32) -> Result<(), SimError> {
        let n = self.lps.len() as u64;
        let Some(state) = self.lps.get_mut(lp as usize) else {
            return Err(SimError::model(format!("no LP {lp}")));
        };
        state.count += 1;
        let dest = state.rng.below(n) as u32;
        let delay = self.lookahead_ms + (self.mean_ms * state.rng.standard_exponential()) as u64;
        sched.schedule_untracked_in_ms(delay, 0, dest)?;
        Ok(())
    }
}

/// The result of one PHOLD run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PholdOutcome {
    /// Events handled.
    pub events: u64,
    /// Simulation time of the last event.
    pub final_time: SimTime,
    /// SipHash of the final time and every LP's count (a fingerprint of the
    /// whole trajectory's outcome).
    pub checksum: u64,
}

/// Builds a PHOLD simulation with its initial events.
///
/// # Errors
/// [`SimError::Model`] for zero LPs or a non-positive mean delay.
pub fn build(config: &PholdConfig) -> Result<Simulation<Phold>, SimError> {
    if config.lps == 0 {
        return Err(SimError::model("PHOLD needs at least one LP"));
    }
    if !(config.mean_delay_ms.is_finite() && config.mean_delay_ms > 0.0) {
        return Err(SimError::model("PHOLD needs a positive finite mean delay"));
    }
    let lps = (0..config.lps)
        .map(|i| Lp {
            rng: stream(config.seed, &format!("lp/{i}"), "phold"),
            count: 0,
        })
        .collect();
    let model = Phold {
        lps,
        lookahead_ms: config.lookahead_ms,
        mean_ms: config.mean_delay_ms,
    };
    let cap = config.lps as usize * config.population.max(1) as usize;
    let mut sim = Simulation::with_capacity(model, cap + 1);
    for i in 0..config.lps {
        for _ in 0..config.population {
            let (model, sched) = sim.parts_mut();
            let lp = &mut model.lps[i as usize];
            let delay =
                config.lookahead_ms + (model.mean_ms * lp.rng.standard_exponential()) as u64;
            sched.schedule_untracked_in_ms(delay, 0, i)?;
        }
    }
    Ok(sim)
}

/// Runs PHOLD until `config.events` events were handled (or the queue
/// empties, with `population == 0`).
///
/// # Errors
/// As [`build`].
pub fn run(config: &PholdConfig) -> Result<PholdOutcome, SimError> {
    let mut sim = build(config)?;
    let summary = sim.run_events(config.events)?;
    Ok(outcome(&sim, summary.events))
}

fn outcome(sim: &Simulation<Phold>, events: u64) -> PholdOutcome {
    let mut bytes = Vec::with_capacity(8 * (sim.model().lps.len() + 2));
    bytes.extend_from_slice(&sim.now().as_millis().to_le_bytes());
    bytes.extend_from_slice(&events.to_le_bytes());
    for lp in &sim.model().lps {
        bytes.extend_from_slice(&lp.count.to_le_bytes());
    }
    PholdOutcome {
        events,
        final_time: sim.now(),
        checksum: siphash24(0, 0, &bytes),
    }
}

/// Runs `replicas` PHOLD replicas on `threads` threads (0: Rayon's
/// default); replica `r` uses seed `replica_seed(config.seed, r)`. Results
/// in replica order.
///
/// # Errors
/// As [`build`], or a thread-pool error.
pub fn run_replicas(
    config: &PholdConfig,
    replicas: u32,
    threads: usize,
) -> Result<Vec<PholdOutcome>, SimError> {
    let results = run_replicas_with_threads(replicas, config.seed, threads, |_, seed| {
        let cfg = PholdConfig {
            seed,
            ..config.clone()
        };
        run(&cfg)
    })?;
    results.into_iter().collect()
}

/// Command-line options of the PHOLD benchmark example.
#[derive(Clone, Debug, PartialEq)]
pub struct PholdArgs {
    /// The model.
    pub config: PholdConfig,
    /// Replicas (1: a single run on the calling thread with `config.seed`
    /// itself; more: replica `r` uses `replica_seed(config.seed, r)`).
    pub replicas: u32,
    /// Threads for replicas (0: Rayon's default, i.e. `RAYON_NUM_THREADS` or
    /// the number of cores).
    pub threads: usize,
}

/// Usage text of the PHOLD example.
pub const USAGE: &str = "usage: phold [--lps N] [--events M] [--seed S] [--population P] \
[--lookahead-ms L] [--mean-ms D] [--replicas R] [--threads T]";

impl PholdArgs {
    /// Parses `--lps N --events M --seed S [--population P] [--lookahead-ms L]
    /// [--mean-ms D] [--replicas R] [--threads T]` (also `--key=value`).
    /// `args` excludes the program name.
    ///
    /// # Errors
    /// A message for an unknown flag or a bad value (`--help` returns
    /// [`USAGE`]).
    pub fn parse<I, S>(args: I) -> Result<PholdArgs, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut out = PholdArgs {
            config: PholdConfig::default(),
            replicas: 1,
            threads: 1,
        };
        let args: Vec<String> = args.into_iter().map(|s| s.as_ref().to_owned()).collect();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a == "-h" || a == "--help" {
                return Err(USAGE.to_owned());
            }
            let (key, value) = match a.split_once('=') {
                Some((k, v)) => (k.to_owned(), v.to_owned()),
                None => {
                    i += 1;
                    let v = args
                        .get(i)
                        .ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?;
                    (a.clone(), v.clone())
                }
            };
            i += 1;
            fn num<T: std::str::FromStr>(k: &str, v: &str) -> Result<T, String> {
                v.replace('_', "")
                    .parse::<T>()
                    .map_err(|_| format!("bad value {v:?} for {k}\n{USAGE}"))
            }
            match key.as_str() {
                "--lps" => out.config.lps = num(&key, &value)?,
                "--events" => out.config.events = num(&key, &value)?,
                "--seed" => out.config.seed = num(&key, &value)?,
                "--population" => out.config.population = num(&key, &value)?,
                "--lookahead-ms" => out.config.lookahead_ms = num(&key, &value)?,
                "--mean-ms" => out.config.mean_delay_ms = num(&key, &value)?,
                "--replicas" => out.replicas = num(&key, &value)?,
                "--threads" => out.threads = num(&key, &value)?,
                _ => return Err(format!("unknown option {key}\n{USAGE}")),
            }
        }
        if out.replicas == 0 {
            return Err(format!("--replicas must be >= 1\n{USAGE}"));
        }
        Ok(out)
    }
}

/// The JSON line printed by the PHOLD example.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PholdReport {
    /// Always `"phold"`.
    pub model: String,
    /// Logical processes.
    pub lps: u32,
    /// Events handled, all replicas together.
    pub events: u64,
    /// Wall seconds of the timed part (running; building excluded).
    pub seconds: f64,
    /// `events / seconds`.
    pub events_per_s: f64,
    /// Replicas.
    pub replicas: u32,
    /// Threads requested (0: Rayon's default).
    pub threads: usize,
    /// Master seed.
    pub seed: u64,
    /// Initial events per LP.
    pub population: u32,
    /// Simulation time reached by replica 0, in ms.
    pub final_time_ms: u64,
    /// Fingerprint of all replicas' outcomes (identical across thread counts).
    pub checksum: String,
}

/// Runs the benchmark described by `args` and times it.
///
/// With one replica the model runs on the calling thread with
/// `config.seed` (`threads` is then irrelevant); with several, replicas run
/// through
/// [`run_replicas`] (building included in the timing, since it happens on
/// the worker threads; it is small next to the run).
///
/// # Errors
/// As [`build`], or a thread-pool error.
pub fn bench(args: &PholdArgs) -> Result<PholdReport, SimError> {
    let (outcomes, seconds) = if args.replicas == 1 {
        let mut sim = build(&args.config)?;
        let t = Instant::now();
        let summary = sim.run_events(args.config.events)?;
        let secs = t.elapsed().as_secs_f64();
        (vec![outcome(&sim, summary.events)], secs)
    } else {
        let t = Instant::now();
        let o = run_replicas(&args.config, args.replicas, args.threads)?;
        (o, t.elapsed().as_secs_f64())
    };
    let events: u64 = outcomes.iter().map(|o| o.events).sum();
    let mut bytes = Vec::new();
    for o in &outcomes {
        bytes.extend_from_slice(&o.checksum.to_le_bytes());
    }
    Ok(PholdReport {
        model: "phold".to_owned(),
        lps: args.config.lps,
        events,
        seconds,
        events_per_s: if seconds > 0.0 {
            events as f64 / seconds
        } else {
            0.0
        },
        replicas: args.replicas,
        threads: args.threads,
        seed: args.config.seed,
        population: args.config.population,
        final_time_ms: outcomes.first().map_or(0, |o| o.final_time.as_millis()),
        checksum: format!("{:016x}", siphash24(0, 0, &bytes)),
    })
}
