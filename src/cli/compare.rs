//! `blackstart compare`: several policies on the same replicas, with paired
//! differences and 95 % confidence intervals.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use blackstart::scenario::{self, RunOptions, ScenarioError, compare};

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

fn map_err(e: ScenarioError) -> CliError {
    match e {
        ScenarioError::Sim(_) | ScenarioError::Output(_) => CliError::Failed(e.to_string()),
        _ => CliError::BadInput(e.to_string()),
    }
}

/// Runs `blackstart compare`.
pub fn run(args: CompareArgs) -> Result<ExitCode, CliError> {
    let loaded = scenario::load(&args.scenario).map_err(map_err)?;
    let opts = RunOptions {
        replicas: args.replicas,
        seed: args.seed,
        threads: args.threads,
        detail: false,
        progress: !args.quiet,
    };
    let cmp = compare::compare(&loaded, &args.policies, &opts).map_err(map_err)?;
    let written = cmp.write(&args.out).map_err(map_err)?;
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
