//! `blackstart run`: run a scenario file end to end.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use blackstart::scenario::{self, RunHooks, RunOptions, ScenarioError};

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
}

fn map_err(e: ScenarioError) -> CliError {
    match e {
        ScenarioError::Sim(_) | ScenarioError::Output(_) => CliError::Failed(e.to_string()),
        _ => CliError::BadInput(e.to_string()),
    }
}

/// Runs `blackstart run`.
pub fn run(args: RunArgs) -> Result<ExitCode, CliError> {
    let t0 = Instant::now();
    let loaded = scenario::load(&args.scenario).map_err(map_err)?;
    let opts = RunOptions {
        replicas: args.replicas,
        seed: args.seed,
        threads: args.threads,
        detail: !args.system_only,
        progress: !args.quiet,
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
    let hooks = RunHooks {
        cancel: Some(&cancel),
        partial: true,
        ..RunHooks::default()
    };
    let res = match scenario::run_with_hooks(&loaded, &opts, None, hooks) {
        Ok(r) => r,
        Err(_) if cancel.load(Ordering::Relaxed) => {
            eprintln!("error: interrupted before any replica finished; nothing written");
            return Ok(ExitCode::from(130));
        }
        Err(e) => return Err(map_err(e)),
    };
    let sim_s = t0.elapsed().as_secs_f64();
    let written = scenario::write_outputs(&res, &args.out).map_err(map_err)?;
    let s = scenario::summary_json(&res);
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
