//! Trains the shipped forecaster: `cargo run --release -p gnn --example
//! train_forecaster -- [SIMBENCH_DIR] [OUT_DIR] [EPOCHS] [HIDDEN] [SEED] [MEMBERS]` (defaults:
//! `../shared/data/grids/simbench`, `gnn/weights`, [`TrainOptions::default`]).

use std::path::PathBuf;

use gnn::forecast::TrainOptions;
use gnn::train::{TrainForecastArgs, train_forecast};

fn main() -> Result<(), gnn::Error> {
    let mut a = std::env::args().skip(1);
    let data_dir = PathBuf::from(a.next().unwrap_or("../shared/data/grids/simbench".into()));
    let out = PathBuf::from(a.next().unwrap_or("gnn/weights".into()));
    let mut options = TrainOptions::default();
    let num = |s: String| {
        s.parse::<usize>()
            .map_err(|_| gnn::Error::Data(format!("`{s}` is not a number")))
    };
    if let Some(e) = a.next() {
        options.epochs = num(e)?;
    }
    if let Some(h) = a.next() {
        options.hidden = num(h)?;
    }
    if let Some(s) = a.next() {
        options.seed = num(s)? as u64;
    }
    if let Some(m) = a.next() {
        options.members = num(m)?;
    }
    let rep = train_forecast(
        &TrainForecastArgs {
            data_dir,
            options,
            out,
        },
        &mut |e| {
            println!(
                "member {} epoch {:>3}: train MAE {:.5}  val MAE {:.5}  ({:.1} s)",
                e.member, e.epoch, e.train_mae, e.val_mae, e.seconds
            )
        },
    )?;
    let m = &rep.metrics;
    println!(
        "best epochs {:?}",
        rep.meta
            .members
            .iter()
            .map(|m| m.best_epoch)
            .collect::<Vec<_>>()
    );
    println!(
        "test, held-out nodes: mean MAE model {:.5}  persistence {:.5}  seasonal naive {:.5}  improvement {:.1} %",
        m.mean_mae["model"],
        m.mean_mae["persistence"],
        m.mean_mae["seasonal_naive"],
        100.0 * m.improvement_vs_seasonal_naive
    );
    println!("weights: {}", rep.weights.display());
    Ok(())
}
