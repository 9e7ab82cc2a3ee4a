//! Run a scenario from Rust and read its metrics, as `blackstart run` does.
//!
//! `cargo run --release --example scenario -- [SCENARIO.toml] [REPLICAS]`

use blackstart::engine::{self, RunOptions};
use blackstart::reports;
use blackstart::scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "examples/scenarios/hokkaido-2018.toml".into());
    let replicas: u32 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(20);
    let loaded = scenario::load(&path)?;
    let res = engine::run(
        &loaded,
        &RunOptions {
            replicas: Some(replicas),
            ..Default::default()
        },
    )?;
    let summary = reports::summary_json(&res);
    for m in [
        "critical_served_fraction",
        "energy_not_served_mwh",
        "t90_restore_h",
    ] {
        let a = &summary["aggregate"][m];
        let v = |k: &str| a[k].as_f64().unwrap_or(f64::NAN);
        println!(
            "{m:>26}: mean {:.3}, p5 {:.3}, p95 {:.3}",
            v("mean"),
            v("p5"),
            v("p95")
        );
    }
    // Per-step served fraction of the first replica, every 6 hours.
    let r = &res.replicas[0];
    let every = (6.0 / res.dt_h).round().max(1.0) as usize;
    let curve: Vec<String> = r
        .served_fraction
        .iter()
        .step_by(every)
        .map(|f| format!("{f:.2}"))
        .collect();
    println!("replica 0, served fraction every 6 h: {}", curve.join(" "));
    Ok(())
}
