//! The shipped forecaster against the baselines on SimBench's held-out
//! period and nodes. Needs `../shared/data/grids/simbench` (the data pack,
//! not in this repository): skipped with a message when it is absent.
//!
//! The goal is a 20 % lower MAE than seasonal naive, averaged over
//! the 24 horizons; the shipped ensemble reaches 23.4 % (see the crate docs
//! for the numbers). This test holds it to the goal, [`MIN_IMPROVEMENT`],
//! and to beating seasonal naive at every horizon.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use gnn::train::{EvalForecastArgs, eval_forecast};

/// Least accepted `1 - MAE(model) / MAE(seasonal naive)` (MAE averaged
/// over the 24 horizons).
const MIN_IMPROVEMENT: f64 = 0.20;

fn simbench() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/grids/simbench");
    p.join("mv_semiurb_0/profiles.parquet")
        .exists()
        .then_some(p)
}

#[test]
fn shipped_forecaster_beats_seasonal_naive_on_held_out_period_and_nodes() {
    let Some(data_dir) = simbench() else {
        println!("SKIP: ../shared/data/grids/simbench not found (SimBench data pack)");
        return;
    };
    let out = std::env::temp_dir().join(format!("gnn-eval-{}", std::process::id()));
    let m = eval_forecast(&EvalForecastArgs {
        data_dir,
        weights: None,
        out: out.clone(),
    })
    .expect("eval");
    let written: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("metrics.json")).expect("metrics.json"),
    )
    .expect("json");
    assert_eq!(written["mae"].as_object().map(|o| o.len()), Some(24));
    assert!(written["baseline_mae"]["seasonal_naive"]["24"].is_number());
    println!(
        "held-out nodes {}, origins {}: mean MAE model {:.5}, persistence {:.5}, seasonal naive {:.5}",
        m.nodes,
        m.origins,
        m.mean_mae["model"],
        m.mean_mae["persistence"],
        m.mean_mae["seasonal_naive"]
    );
    assert!(m.nodes > 0 && m.origins > 1000);
    assert!(
        m.improvement_vs_seasonal_naive >= MIN_IMPROVEMENT,
        "improvement over seasonal naive {:.3} < {MIN_IMPROVEMENT}",
        m.improvement_vs_seasonal_naive
    );
    for h in 1..=24 {
        assert!(
            m.mae[&h] < m.baseline_mae["seasonal_naive"][&h],
            "horizon {h}: model {} vs seasonal naive {}",
            m.mae[&h],
            m.baseline_mae["seasonal_naive"][&h]
        );
    }
    std::fs::remove_dir_all(&out).ok();
}
