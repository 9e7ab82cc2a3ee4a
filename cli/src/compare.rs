//! `blackstart compare`: several policies on the same replicas, with paired
//! differences and 95 % confidence intervals.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use engine::RunOptions;

use super::CliError;

/// Arguments of `blackstart compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    /// A policy to compare (repeat; the first is the baseline): none,
    /// priority, optimal, market, gnn (the learned planner).
    #[arg(long = "policy", required = true)]
    pub policies: Vec<String>,
    /// Number of replicas (overrides the file).
    #[arg(long)]
    pub replicas: Option<u32>,
    /// Master seed (overrides the file).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (results do not depend on it).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output directory (compare.json, compare.csv, compare.png/.svg).
    #[arg(long, default_value = "out/compare")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The policies as flags: each one known and given once.
fn check_policies(
    policies: &[String],
    known: &agents::pipeline::Strategies,
) -> Result<(), CliError> {
    for (i, p) in policies.iter().enumerate() {
        if !known.contains(p) {
            return Err(CliError::BadInput(format!(
                "--policy `{p}` is not known: expected one of {}",
                known.names().join(", ")
            )));
        }
        if policies[..i].contains(p) {
            return Err(CliError::BadInput(format!("--policy `{p}` is given twice")));
        }
    }
    Ok(())
}

/// Runs `blackstart compare`.
pub fn run(args: CompareArgs) -> Result<ExitCode, CliError> {
    let loaded = engine::load(&args.scenario).map_err(CliError::of_scenario)?;
    super::run::check_replicas(args.replicas)?;
    let opts = RunOptions {
        replicas: args.replicas,
        seed: args.seed,
        threads: args.threads,
        detail: false,
        strategies: gnn::strategies(),
    };
    check_policies(&args.policies, &opts.strategies)?;
    let pb = super::run::progress_bar(
        Some(args.replicas.unwrap_or(loaded.file.scenario.replicas) * args.policies.len() as u32),
        args.quiet,
    );
    let progress = |_: u32, _: u32| {
        if let Some(pb) = &pb {
            pb.inc(1);
        }
    };
    let cmp = reports::compare::compare_with_progress(&loaded, &args.policies, &opts, &progress);
    if let Some(pb) = &pb {
        pb.finish_and_clear();
    }
    let cmp = cmp.map_err(CliError::of_scenario)?;
    let written = cmp.write(&args.out).map_err(CliError::of_scenario)?;
    let mut out = std::io::stdout().lock();
    let n = cmp.runs[0].1.replica_metrics.len();
    let _ = writeln!(
        out,
        "{}: {} replica(s), common random numbers, baseline `{}`",
        cmp.runs[0].1.resolved.scenario.name, n, cmp.baseline
    );
    let _ = writeln!(
        out,
        "  {:<10}{:<28}{:>12}{:>12}{:>12}",
        "policy", "metric (minus baseline)", "mean", "ci95 low", "ci95 high"
    );
    for (name, per) in &cmp.differences {
        for m in [
            "critical_served_mwh",
            "critical_served_fraction",
            "served_energy_fraction",
            "energy_not_served_mwh",
            "customer_hours_lost",
            "shared_energy_mwh",
        ] {
            let d = per[m];
            let _ = writeln!(
                out,
                "  {name:<10}{m:<28}{:>12.4}{:>12.4}{:>12.4}",
                d.mean, d.ci95_low, d.ci95_high
            );
        }
    }
    let _ = writeln!(
        out,
        "wrote {} files to {}",
        written.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
