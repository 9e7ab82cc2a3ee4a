//! The logic behind `blackstart train forecast` and `blackstart eval
//! forecast`; the `blackstart` CLI parses arguments and draws the progress
//! bar, these functions do the work and write the files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::data::{SeriesSet, load_simbench};
use crate::forecast::{
    EpochReport, Errors, Evaluation, Split, TrainOptions, evaluate, simbench_split,
    train_forecaster,
};
use crate::weights::{ForecasterMeta, load_model_file, save_forecaster};

/// Arguments of `blackstart train forecast`.
#[derive(Debug, Clone)]
pub struct TrainForecastArgs {
    /// The SimBench folder of the data pack (`shared/data/grids/simbench`).
    pub data_dir: PathBuf,
    /// Training options (seed, epochs, ...).
    pub options: TrainOptions,
    /// Output folder: `forecaster.bpk`, `forecaster.json`, `metrics.json`.
    pub out: PathBuf,
}

/// Arguments of `blackstart eval forecast`.
#[derive(Debug, Clone)]
pub struct EvalForecastArgs {
    /// The SimBench folder of the data pack.
    pub data_dir: PathBuf,
    /// Weights (`.bpk`, with its `.json` beside it); `None`: the shipped
    /// forecaster.
    pub weights: Option<PathBuf>,
    /// Output folder for `metrics.json`.
    pub out: PathBuf,
}

/// Errors per horizon as JSON maps `{horizon_h: value}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HorizonErrors {
    /// MAE (per unit of node rating) by horizon.
    pub mae: BTreeMap<usize, f64>,
    /// MAE in MW by horizon.
    pub mae_mw: BTreeMap<usize, f64>,
    /// MAPE (%) by horizon, over points with `|actual| >= 0.05` p.u.
    pub mape: BTreeMap<usize, f64>,
}

impl From<&Errors> for HorizonErrors {
    fn from(e: &Errors) -> Self {
        let m = |v: &[f64]| v.iter().enumerate().map(|(h, x)| (h + 1, *x)).collect();
        HorizonErrors {
            mae: m(&e.mae),
            mae_mw: m(&e.mae_mw),
            mape: m(&e.mape),
        }
    }
}

/// `metrics.json` of `blackstart eval forecast` (and of training). The
/// top-level `mae`, `mape` and `baseline_mae` are the schema and
/// refer to the headline set: the test period on the held-out nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastMetrics {
    /// Units of `mae` and `baseline_mae`.
    pub unit: String,
    /// Data and split in words.
    pub data: String,
    /// Model MAE by horizon (per unit).
    pub mae: BTreeMap<usize, f64>,
    /// Model MAPE (%) by horizon.
    pub mape: BTreeMap<usize, f64>,
    /// `{"persistence": {h: mae}, "seasonal_naive": {h: mae}}`.
    pub baseline_mae: BTreeMap<String, BTreeMap<usize, f64>>,
    /// Same for MAPE.
    pub baseline_mape: BTreeMap<String, BTreeMap<usize, f64>>,
    /// MAE over all horizons: model, persistence, seasonal_naive.
    pub mean_mae: BTreeMap<String, f64>,
    /// `1 - mean MAE(model) / mean MAE(seasonal naive)`.
    pub improvement_vs_seasonal_naive: f64,
    /// Number of forecast origins and nodes in the headline set.
    pub origins: usize,
    /// Held-out nodes evaluated.
    pub nodes: usize,
    /// Full errors (MAE, MAE in MW, MAPE) of every forecaster on each set:
    /// `test_held_out_nodes`, `test_training_nodes`.
    pub detail: BTreeMap<String, BTreeMap<String, HorizonErrors>>,
}

fn detail_of(ev: &Evaluation) -> BTreeMap<String, HorizonErrors> {
    [
        ("model", &ev.model),
        ("persistence", &ev.persistence),
        ("seasonal_naive", &ev.seasonal_naive),
    ]
    .into_iter()
    .map(|(k, e)| (k.to_string(), HorizonErrors::from(e)))
    .collect()
}

fn metrics_of(head: &Evaluation, train_nodes: &Evaluation, data: String) -> ForecastMetrics {
    let hz = |e: &Errors| HorizonErrors::from(e);
    let mut baseline_mae = BTreeMap::new();
    let mut baseline_mape = BTreeMap::new();
    for (k, e) in [
        ("persistence", &head.persistence),
        ("seasonal_naive", &head.seasonal_naive),
    ] {
        baseline_mae.insert(k.to_string(), hz(e).mae);
        baseline_mape.insert(k.to_string(), hz(e).mape);
    }
    let mean_mae = [
        ("model", head.model.mean_mae()),
        ("persistence", head.persistence.mean_mae()),
        ("seasonal_naive", head.seasonal_naive.mean_mae()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut detail = BTreeMap::new();
    detail.insert("test_held_out_nodes".to_string(), detail_of(head));
    detail.insert("test_training_nodes".to_string(), detail_of(train_nodes));
    ForecastMetrics {
        unit: "per unit of node rating (sum of load and generation base values at the bus)".into(),
        data,
        mae: hz(&head.model).mae,
        mape: hz(&head.model).mape,
        baseline_mae,
        baseline_mape,
        mean_mae,
        improvement_vs_seasonal_naive: head.improvement_vs_seasonal_naive(),
        origins: head.origins,
        nodes: head.nodes,
        detail,
    }
}

fn data_words(split: &Split, data: &SeriesSet) -> String {
    let lt = |t: Option<&usize>| {
        t.map(|&t| data.local_time[t].to_string())
            .unwrap_or_default()
    };
    format!(
        "SimBench 2016 (mv_semiurb_0, lv_rural1_0, lv_rural1_2), hourly; origins: train {}..{} ({}), \
         validation {}..{} ({}), test {}..{} ({}); {} training nodes, {} held-out nodes",
        lt(split.train_origins.first()),
        lt(split.train_origins.last()),
        split.train_origins.len(),
        lt(split.val_origins.first()),
        lt(split.val_origins.last()),
        split.val_origins.len(),
        lt(split.test_origins.first()),
        lt(split.test_origins.last()),
        split.test_origins.len(),
        split.train_nodes.iter().filter(|&&b| b).count(),
        split.test_nodes.iter().filter(|&&b| b).count(),
    )
}

fn write_json<T: Serialize>(path: &Path, v: &T) -> Result<(), Error> {
    let s = serde_json::to_string_pretty(v)?;
    std::fs::write(path, s + "\n").map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

fn mkdir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })
}

/// Result of [`train_forecast`].
#[derive(Debug, Clone)]
pub struct TrainForecastReport {
    /// Test metrics (also written to `out/metrics.json`).
    pub metrics: ForecastMetrics,
    /// What was saved beside the weights.
    pub meta: ForecasterMeta,
    /// The weights file written.
    pub weights: PathBuf,
}

/// `blackstart train forecast`: reads SimBench, splits it (see
/// [`simbench_split`]), trains with `args.options`, evaluates on the test
/// period and writes `forecaster.bpk` (Burn record), `forecaster.json`
/// ([`ForecasterMeta`]) and `metrics.json` ([`ForecastMetrics`]) to
/// `args.out`. `on_epoch` is called after every epoch (progress bar).
///
/// # Errors
/// Missing data, or an unwritable output folder.
pub fn train_forecast(
    args: &TrainForecastArgs,
    on_epoch: &mut (dyn FnMut(&EpochReport) + Send),
) -> Result<TrainForecastReport, Error> {
    let data = load_simbench(&args.data_dir)?;
    let split = simbench_split(&data, args.options.seed);
    let device = crate::cpu();
    let trained = train_forecaster(&data, &split, &args.options, &device, on_epoch)?;
    let head = evaluate(
        &trained.model,
        &data,
        &split.test_origins,
        &split.test_nodes,
        &device,
    );
    let tn = evaluate(
        &trained.model,
        &data,
        &split.test_origins,
        &split.train_nodes,
        &device,
    );
    let metrics = metrics_of(&head, &tn, data_words(&split, &data));
    let meta = ForecasterMeta {
        config: trained.config,
        options: args.options,
        data: data_words(&split, &data),
        held_out_nodes: (0..data.n())
            .filter(|&i| split.test_nodes[i])
            .map(|i| data.node_names[i].clone())
            .collect(),
        members: trained.members.clone(),
    };
    mkdir(&args.out)?;
    let weights = args.out.join("forecaster.bpk");
    save_forecaster(&trained.model, &weights)?;
    write_json(&args.out.join("forecaster.json"), &meta)?;
    write_json(&args.out.join("metrics.json"), &metrics)?;
    Ok(TrainForecastReport {
        metrics,
        meta,
        weights,
    })
}

/// `blackstart eval forecast`: evaluates a saved forecaster (the shipped
/// one when `args.weights` is `None`) on the SimBench test period, on the
/// nodes it held out in training, and writes `args.out/metrics.json`.
///
/// # Errors
/// Missing data or weights, or an unwritable output folder.
pub fn eval_forecast(args: &EvalForecastArgs) -> Result<ForecastMetrics, Error> {
    let device = crate::cpu();
    let (model, meta) = match &args.weights {
        None => crate::shipped::forecaster(&device)?,
        Some(p) => load_model_file(p, &device)?,
    };
    let data = load_simbench(&args.data_dir)?;
    let mut split = simbench_split(&data, meta.options.seed);
    let held: std::collections::BTreeSet<&str> =
        meta.held_out_nodes.iter().map(String::as_str).collect();
    for i in 0..data.n() {
        split.test_nodes[i] = data.active[i] && held.contains(data.node_names[i].as_str());
        split.train_nodes[i] = data.active[i] && !split.test_nodes[i];
    }
    if !split.test_nodes.iter().any(|&b| b) {
        return Err(Error::Data(
            "none of the model's held-out nodes is in the data".into(),
        ));
    }
    let head = evaluate(
        &model,
        &data,
        &split.test_origins,
        &split.test_nodes,
        &device,
    );
    let tn = evaluate(
        &model,
        &data,
        &split.test_origins,
        &split.train_nodes,
        &device,
    );
    let metrics = metrics_of(&head, &tn, data_words(&split, &data));
    mkdir(&args.out)?;
    write_json(&args.out.join("metrics.json"), &metrics)?;
    Ok(metrics)
}
