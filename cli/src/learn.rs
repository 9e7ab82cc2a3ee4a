//! `blackstart train` and `blackstart eval`: the learned forecaster and
//! planner (crate `gnn`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gnn::imitation as learn;
use gnn::planner::{PlannerMeta, PlannerTrainOptions};
use indicatif::{ProgressBar, ProgressStyle};
use scenario::{Loaded, ScenarioError};

use super::CliError;

/// Arguments of `blackstart train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    #[command(subcommand)]
    what: TrainWhat,
}

/// Arguments of `blackstart eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    what: EvalWhat,
}

#[derive(Debug, clap::Subcommand)]
enum TrainWhat {
    /// Train the net-load forecaster on SimBench's profiles (the scenario is
    /// not used: the data are the real-based year in `--data`).
    Forecast(ForecastTrain),
    /// Train the planner by imitation of the `optimal` strategy on replicas
    /// of the scenario(s).
    Planner(PlannerTrain),
}

#[derive(Debug, clap::Subcommand)]
enum EvalWhat {
    /// Evaluate a forecaster (the shipped one by default) on SimBench's
    /// test period and held-out buses; writes OUT/metrics.json.
    Forecast(ForecastEval),
    /// Evaluate a planner (the shipped one by default) against `optimal` on
    /// fresh replicas of the scenario; writes OUT/metrics.json.
    Planner(PlannerEval),
}

#[derive(Debug, clap::Args)]
struct ForecastTrain {
    /// Scenario file (accepted for symmetry; the forecaster trains on
    /// SimBench).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// SimBench folder of the data pack.
    #[arg(long, default_value = "../shared/data/grids/simbench")]
    data: PathBuf,
    /// Samples (accepted for symmetry; the split is fixed by the calendar).
    #[arg(long)]
    samples: Option<usize>,
    /// Epochs per ensemble member.
    #[arg(long, default_value_t = gnn::forecast::TrainOptions::default().epochs)]
    epochs: usize,
    /// Networks in the ensemble (each from its own seed; they train in
    /// parallel, one per core).
    #[arg(long, default_value_t = gnn::forecast::TrainOptions::default().members)]
    members: usize,
    /// Seed of weights, shuffles and held-out buses.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Output folder (forecaster.bpk, forecaster.json, metrics.json).
    #[arg(long, default_value = "out/train-forecast")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct PlannerTrain {
    /// Scenario file(s) whose replicas give the training data (repeat the
    /// flag for several).
    #[arg(long, required = true)]
    scenario: Vec<PathBuf>,
    /// Most training samples (intervals with an islanded microgrid) kept,
    /// evenly spaced; default all.
    #[arg(long)]
    samples: Option<usize>,
    /// Epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Extra one-interval samples on random synthetic communities (4 to 31
    /// microgrids), teacher `optimal`: sharing situations the presets
    /// rarely show.
    #[arg(long, default_value_t = 0)]
    synthetic: usize,
    /// Seed of the replicas, weights and shuffles.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Replicas per scenario for training data.
    #[arg(long, default_value_t = 4)]
    replicas: u32,
    /// Replicas per scenario for the test after training (seed + 1000,
    /// disasters not seen in training); 0 skips the test.
    #[arg(long, default_value_t = 2)]
    test_replicas: u32,
    /// Output folder (planner.bpk, planner.json, metrics.json).
    #[arg(long, default_value = "out/train-planner")]
    out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Debug, clap::Args)]
struct ForecastEval {
    /// Scenario file (accepted for symmetry; the forecaster is evaluated on
    /// SimBench).
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// SimBench folder of the data pack.
    #[arg(long, default_value = "../shared/data/grids/simbench")]
    data: PathBuf,
    /// Weights (`FILE.bpk` with `FILE.json` beside it); default: shipped.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Seed (the SimBench test period is fixed; recorded only).
    #[arg(long)]
    seed: u64,
    /// Output folder for metrics.json.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, clap::Args)]
struct PlannerEval {
    /// Scenario file.
    #[arg(long)]
    scenario: PathBuf,
    /// Weights (`FILE.bpk` with `FILE.json` beside it); default: shipped.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Master seed of the fresh replicas.
    #[arg(long)]
    seed: u64,
    /// Replicas.
    #[arg(long, default_value_t = 4)]
    replicas: u32,
    /// Output folder: metrics.json (the keys) and detail.json.
    #[arg(long)]
    out: PathBuf,
}

fn scen_err(e: ScenarioError) -> CliError {
    CliError::of_scenario(e)
}

fn gnn_err(e: gnn::Error) -> CliError {
    match e {
        gnn::Error::Io { .. } | gnn::Error::Data(_) | gnn::Error::Json(_) => {
            CliError::BadInput(e.to_string())
        }
        gnn::Error::Weights(_) => CliError::BadInput(e.to_string()),
        _ => CliError::Failed(e.to_string()),
    }
}

fn epoch_bar(epochs: usize, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(epochs as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{prefix} [{bar:30}] epoch {pos}/{len} {msg} ({elapsed})")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

fn write_json<T: serde::Serialize>(path: &Path, v: &T) -> Result<(), CliError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| CliError::Failed(e.to_string()))?;
    std::fs::write(path, s + "\n")
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display())))
}

fn mkdir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Failed(format!("cannot create {}: {e}", dir.display())))
}

fn positive(name: &str, v: usize) -> Result<(), CliError> {
    if v == 0 {
        return Err(CliError::BadInput(format!(
            "--{name} must be at least 1, got 0"
        )));
    }
    Ok(())
}

/// Runs `blackstart train`.
pub fn run_train(args: TrainArgs) -> Result<ExitCode, CliError> {
    match args.what {
        TrainWhat::Forecast(a) => train_forecast(a),
        TrainWhat::Planner(a) => train_planner(a),
    }
}

/// Runs `blackstart eval`.
pub fn run_eval(args: EvalArgs) -> Result<ExitCode, CliError> {
    match args.what {
        EvalWhat::Forecast(a) => eval_forecast(a),
        EvalWhat::Planner(a) => eval_planner(a),
    }
}

fn train_forecast(a: ForecastTrain) -> Result<ExitCode, CliError> {
    positive("epochs", a.epochs)?;
    if a.scenario.is_some() || a.samples.is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "note: the forecaster trains on SimBench's profiles (--data); --scenario and --samples are not used"
        );
    }
    positive("members", a.members)?;
    let bar = epoch_bar(a.epochs * a.members, a.quiet);
    bar.set_prefix("forecast");
    let args = gnn::train::TrainForecastArgs {
        data_dir: a.data,
        options: gnn::forecast::TrainOptions {
            epochs: a.epochs,
            members: a.members,
            seed: a.seed,
            ..gnn::forecast::TrainOptions::default()
        },
        out: a.out.clone(),
    };
    let rep = gnn::train::train_forecast(&args, &mut |e| {
        bar.set_message(format!(
            "member {} epoch {}: train MAE {:.4}, val MAE {:.4}",
            e.member, e.epoch, e.train_mae, e.val_mae
        ));
        bar.inc(1);
    })
    .map_err(gnn_err)?;
    bar.finish();
    let _ = writeln!(
        std::io::stdout(),
        "best epochs {:?}; test MAE {:.5} vs seasonal naive {:.5} ({:.1} % better); wrote {}",
        rep.meta
            .members
            .iter()
            .map(|m| m.best_epoch)
            .collect::<Vec<_>>(),
        rep.metrics
            .mean_mae
            .get("model")
            .copied()
            .unwrap_or(f64::NAN),
        rep.metrics
            .mean_mae
            .get("seasonal_naive")
            .copied()
            .unwrap_or(f64::NAN),
        100.0 * rep.metrics.improvement_vs_seasonal_naive,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn eval_forecast(a: ForecastEval) -> Result<ExitCode, CliError> {
    if a.scenario.is_some() {
        let _ = writeln!(
            std::io::stderr(),
            "note: the forecaster is evaluated on SimBench's test period (--data); --scenario is not used"
        );
    }
    let m = gnn::train::eval_forecast(&gnn::train::EvalForecastArgs {
        data_dir: a.data,
        weights: a.weights,
        out: a.out.clone(),
    })
    .map_err(gnn_err)?;
    let _ = writeln!(
        std::io::stdout(),
        "test MAE {:.5} vs seasonal naive {:.5} ({:.1} % better); wrote {}",
        m.mean_mae.get("model").copied().unwrap_or(f64::NAN),
        m.mean_mae
            .get("seasonal_naive")
            .copied()
            .unwrap_or(f64::NAN),
        100.0 * m.improvement_vs_seasonal_naive,
        a.out.join("metrics.json").display()
    );
    Ok(ExitCode::SUCCESS)
}

fn load_all(paths: &[PathBuf]) -> Result<Vec<Loaded>, CliError> {
    paths
        .iter()
        .map(|p| scenario::load(p).map_err(scen_err))
        .collect()
}

fn train_planner(a: PlannerTrain) -> Result<ExitCode, CliError> {
    positive("epochs", a.epochs)?;
    positive("replicas", a.replicas as usize)?;
    if a.samples == Some(0) {
        return Err(CliError::BadInput(
            "--samples must be at least 1, got 0".into(),
        ));
    }
    let scenarios = load_all(&a.scenario)?;
    if !a.quiet {
        eprintln!(
            "generating data: {} scenario(s) x {} replica(s) with the optimal planner",
            scenarios.len(),
            a.replicas
        );
    }
    let mut samples = learn::collect_samples(&scenarios, a.seed, a.replicas).map_err(scen_err)?;
    if a.synthetic > 0 && !a.quiet {
        eprintln!("adding {} synthetic intervals", a.synthetic);
    }
    samples.extend(gnn::planner::synthetic_samples(a.synthetic, a.seed));
    let found = samples.len();
    if let Some(cap) = a.samples
        && samples.len() > cap
    {
        let stride = samples.len() as f64 / cap as f64;
        samples = (0..cap)
            .filter_map(|k| samples.get((k as f64 * stride) as usize).cloned())
            .collect();
    }
    // Validation: every 7th sample (after the cap), for epoch selection.
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (k, s) in samples.into_iter().enumerate() {
        if k % 7 == 6 {
            val.push(s);
        } else {
            train.push(s);
        }
    }
    if !a.quiet {
        eprintln!(
            "{found} intervals with islanded microgrids (synthetic included); training on {}, validating on {}",
            train.len(),
            val.len()
        );
    }
    let opts = PlannerTrainOptions {
        seed: a.seed,
        epochs: a.epochs,
        ..PlannerTrainOptions::default()
    };
    let bar = epoch_bar(a.epochs, a.quiet);
    bar.set_prefix("planner");
    let device = gnn::cpu();
    let trained = gnn::planner::train(&train, &val, &opts, &device, &mut |e| {
        bar.set_message(format!(
            "train loss {:.5}, val loss {:.5}",
            e.train_loss, e.val_loss
        ));
        bar.inc(1);
    })
    .map_err(gnn_err)?;
    bar.finish();
    let names: Vec<String> = scenarios.iter().map(|l| l.name.clone()).collect();
    let meta = PlannerMeta {
        config: trained.config,
        options: opts,
        data: format!(
            "teacher: optimal; scenarios {}; {} replica(s) each, seed {}; {} synthetic intervals; {} training and {} validation intervals",
            names.join(", "),
            a.replicas,
            a.seed,
            a.synthetic,
            train.len(),
            val.len()
        ),
        best_epoch: trained.best_epoch,
        history: trained.history.clone(),
    };
    mkdir(&a.out)?;
    let weights = a.out.join("planner.bpk");
    gnn::planner::save(&trained.model, &meta, &weights).map_err(gnn_err)?;
    let mut test = serde_json::Map::new();
    if a.test_replicas > 0 {
        let bytes = std::fs::read(&weights)
            .map_err(|e| CliError::Failed(format!("{}: {e}", weights.display())))?;
        let config = trained.config;
        for l in &scenarios {
            let bytes = bytes.clone();
            let make: learn::MakeStrategy = std::sync::Arc::new(move || {
                let device = gnn::cpu();
                match gnn::weights::load_model_bytes(&bytes, &config, &device) {
                    Ok(m) => Box::new(gnn::planner::GnnPlanner::new(m, device)),
                    Err(e) => Box::new(gnn::planner::Unavailable(e.to_string())),
                }
            });
            let ev =
                learn::eval_planner(l, a.seed + 1000, a.test_replicas, make).map_err(scen_err)?;
            if !a.quiet {
                eprintln!(
                    "test {}: objective ratio {:.4}, infeasible {}, speedup {:.1}",
                    l.name,
                    ev.metrics.objective_ratio,
                    ev.metrics.infeasible_commands,
                    ev.metrics.speedup
                );
            }
            test.insert(
                l.name.clone(),
                serde_json::to_value(&ev.metrics).map_err(|e| CliError::Failed(e.to_string()))?,
            );
        }
    }
    let best = trained.history.get(trained.best_epoch.saturating_sub(1));
    let metrics = serde_json::json!({
        "train_loss": best.map(|e| e.train_loss),
        "val_loss": best.map(|e| e.val_loss),
        "best_epoch": trained.best_epoch,
        "test_seed": a.seed + 1000,
        "test": test,
    });
    write_json(&a.out.join("metrics.json"), &metrics)?;
    let _ = writeln!(
        std::io::stdout(),
        "best epoch {}; wrote {}, {} and metrics.json to {}",
        trained.best_epoch,
        weights.display(),
        weights.with_extension("json").display(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn eval_planner(a: PlannerEval) -> Result<ExitCode, CliError> {
    positive("replicas", a.replicas as usize)?;
    let l = scenario::load(&a.scenario).map_err(scen_err)?;
    let make = learn::gnn_maker(a.weights.as_deref()).map_err(gnn_err)?;
    let ev = learn::eval_planner(&l, a.seed, a.replicas, make).map_err(scen_err)?;
    mkdir(&a.out)?;
    write_json(&a.out.join("metrics.json"), &ev.metrics)?;
    write_json(&a.out.join("detail.json"), &ev)?;
    let _ = writeln!(
        std::io::stdout(),
        "{}: objective ratio {:.4} (priority {:.4}), infeasible commands {}, speedup {:.1}x per interval, {} microgrids; wrote {}",
        l.name,
        ev.metrics.objective_ratio,
        if ev.optimal.weighted_served > 0.0 {
            ev.priority.weighted_served / ev.optimal.weighted_served
        } else {
            1.0
        },
        ev.metrics.infeasible_commands,
        ev.metrics.speedup,
        ev.metrics.microgrids,
        a.out.join("metrics.json").display()
    );
    Ok(ExitCode::SUCCESS)
}
