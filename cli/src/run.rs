//! `blackstart run`: run a scenario file end to end.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use engine::{RunHooks, RunOptions};

use super::CliError;

/// Arguments of `blackstart run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (TOML), e.g. examples/scenarios/kumamoto-2016.toml.
    pub scenario: PathBuf,
    /// Number of replicas (overrides the file).
    #[arg(long)]
    pub replicas: Option<u32>,
    /// Worker threads (default: RAYON_NUM_THREADS or the number of cores).
    /// Results do not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Master seed (overrides the file).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory.
    #[arg(long, default_value = "out/run")]
    pub out: PathBuf,
    /// Record only system-level series (smaller files for large studies).
    #[arg(long)]
    pub system_only: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Test hook (hidden): `panic-replica:K` makes replica K panic,
    /// `interrupt-after:K` acts as a Ctrl-C once K replicas have finished;
    /// for the tests of partial results.
    #[arg(long, hide = true, value_parser = parse_fault)]
    pub inject_fault: Option<Fault>,
}

/// A fault injected for the tests of partial results (`--inject-fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Replica K panics before it runs.
    PanicReplica(u32),
    /// A Ctrl-C once K replicas have finished.
    InterruptAfter(u32),
}

fn parse_fault(s: &str) -> Result<Fault, String> {
    let num = |v: &str| v.trim().parse::<u32>().map_err(|e| format!("`{v}`: {e}"));
    if let Some(k) = s.strip_prefix("panic-replica:") {
        Ok(Fault::PanicReplica(num(k)?))
    } else if let Some(k) = s.strip_prefix("interrupt-after:") {
        Ok(Fault::InterruptAfter(num(k)?))
    } else {
        Err(format!(
            "`{s}`: expected panic-replica:K or interrupt-after:K"
        ))
    }
}

/// A progress bar on stderr for `n` replicas (none when `quiet`).
pub fn progress_bar(n: Option<u32>, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet {
        return None;
    }
    let pb = indicatif::ProgressBar::new(u64::from(n.unwrap_or(0)));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} replicas {bar:40} {pos}/{len} [{elapsed_precise} < {eta_precise}]",
    ) {
        pb.set_style(style);
    }
    Some(pb)
}

/// Checks the flags the libraries know only as values.
pub fn check_replicas(replicas: Option<u32>) -> Result<(), CliError> {
    if replicas == Some(0) {
        return Err(CliError::BadInput(
            "--replicas must be at least 1, got 0".into(),
        ));
    }
    Ok(())
}

/// Runs `blackstart run`.
pub fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let t0 = Instant::now();
    let loaded = engine::load(&args.scenario).map_err(CliError::of_scenario)?;
    check_replicas(args.replicas)?;
    let opts = RunOptions {
        replicas: args.replicas,
        seed: args.seed,
        threads: args.threads,
        detail: !args.system_only,
        strategies: gnn::strategies(),
    };
    // Ctrl-C (SIGINT) or SIGTERM: replicas not started yet are skipped, the
    // finished ones are written, and the run exits with status 130. A second
    // signal ends the process at once.
    let cancel = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // Registration only fails for forbidden signals; these two are not.
        let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(&cancel));
        let _ = signal_hook::flag::register(sig, Arc::clone(&cancel));
    }
    let pb = progress_bar(
        Some(args.replicas.unwrap_or(loaded.file.scenario.replicas)),
        args.quiet,
    );
    let fault = args.inject_fault;
    let progress = |done: u32, _n: u32| {
        if let Some(pb) = &pb {
            pb.inc(1);
        }
        if let Some(Fault::InterruptAfter(k)) = fault
            && done >= k
        {
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let before = |r: u32| {
        if fault == Some(Fault::PanicReplica(r)) {
            #[allow(clippy::panic)]
            {
                panic!("injected fault: replica {r} panics (--inject-fault)");
            }
        }
    };
    let hooks = RunHooks {
        cancel: Some(&cancel),
        partial: true,
        progress: Some(&progress),
        before_replica: Some(&before),
    };
    let outcome = engine::run_with_hooks(&loaded, &opts, None, hooks);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let res = match outcome {
        Ok(r) => r,
        Err(_) if cancel.load(Ordering::Relaxed) => {
            eprintln!("error: interrupted before any replica finished; nothing written");
            return Ok(ExitCode::from(130));
        }
        Err(e) => return Err(CliError::of_scenario(e)),
    };
    let sim_s = t0.elapsed().as_secs_f64();
    let written = reports::write_outputs(&res, &args.out).map_err(CliError::of_scenario)?;
    let s = reports::summary_json(&res);
    let agg = &s["aggregate"];
    let get = |m: &str, k: &str| agg[m][k].as_f64().unwrap_or(f64::NAN);
    let n = res.replica_metrics.len();
    // Write errors (e.g. a closed pipe) are ignored: the outputs are on disk.
    let mut out = std::io::stdout().lock();
    let days = res.served_band.hours.len() as f64 * res.dt_h / 24.0;
    let _ = writeln!(
        out,
        "{}: {} replica(s) x {:.1} day(s), policy {}, seed {}",
        res.resolved.scenario.name, n, days, res.resolved.policy.kind, res.resolved.scenario.seed
    );
    let _ = writeln!(
        out,
        "                                  mean        p5       p50       p95"
    );
    for (m, label) in [
        ("served_energy_fraction", "served energy fraction"),
        ("critical_served_fraction", "critical served fraction"),
        ("energy_not_served_mwh", "energy not served (MWh)"),
        ("saidi_h", "SAIDI (h)"),
        ("saifi", "SAIFI"),
        ("t90_restore_h", "t90 restore (h)"),
        ("t99_restore_h", "t99 restore (h)"),
    ] {
        let _ = writeln!(
            out,
            "  {label:<28}{:>10.3}{:>10.3}{:>10.3}{:>10.3}",
            get(m, "mean"),
            get(m, "p5"),
            get(m, "p50"),
            get(m, "p95")
        );
    }
    let _ = writeln!(
        out,
        "  {:.1} replica-days/s ({:.2} s)",
        n as f64 * days / sim_s.max(1e-9),
        sim_s
    );
    let _ = writeln!(
        out,
        "wrote {} files to {}:",
        written.len(),
        args.out.display()
    );
    for w in &written {
        if let Some(f) = w.file_name() {
            let _ = writeln!(out, "  {}", f.to_string_lossy());
        }
    }
    if res.missing.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let interrupted =
        cancel.load(Ordering::Relaxed) || res.missing.iter().any(|m| m.reason == "interrupted");
    let listed: Vec<String> = res
        .missing
        .iter()
        .filter(|m| m.reason != "interrupted")
        .map(|m| format!("  replica {}: {}", m.replica, m.reason))
        .collect();
    let skipped = res.missing.len() - listed.len();
    eprintln!(
        "error: {} of {} replica(s) finished and were written to {}; {} missing (listed in summary.json under `missing_replicas`){}",
        n,
        n + res.missing.len(),
        args.out.display(),
        res.missing.len(),
        if skipped > 0 {
            format!(", {skipped} of them not run because the run was interrupted")
        } else {
            String::new()
        }
    );
    for l in listed {
        eprintln!("{l}");
    }
    Ok(ExitCode::from(if interrupted { 130 } else { 3 }))
}
