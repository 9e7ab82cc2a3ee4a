//! `blackstart eval planner`, `blackstart train planner` and the `gnn`
//! strategy in a scenario, end to end on a one-day Hokkaido 2018 preset;
//! `blackstart eval forecast` on SimBench (when the data pack is present).

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blackstart"))
}

/// The Hokkaido preset cut to one day, with `policy` as its policy.
fn scenario(dir: &Path, policy: &str) -> PathBuf {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("examples/scenarios/hokkaido-2018.toml");
    let text = std::fs::read_to_string(src).unwrap();
    assert!(text.contains("horizon = \"4d\"") && text.contains("kind = \"priority\""));
    let text = text
        .replace("horizon = \"4d\"", "horizon = \"1d\"")
        .replace("kind = \"priority\"", &format!("kind = \"{policy}\""));
    let p = dir.join(format!("hokkaido-1d-{policy}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn assert_success(res: &std::process::Output) {
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
}

/// `DIR/metrics.json`, parsed.
fn metrics(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blackstart-learn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn eval_planner_writes_metrics_with_the_issue_keys() {
    let d = tmp("eval");
    let s = scenario(&d, "priority");
    let out = d.join("out");
    let res = bin()
        .args(["eval", "planner", "--scenario"])
        .arg(&s)
        .args(["--seed", "5", "--replicas", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&res);
    let m = metrics(&out);
    let obj = m.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "infeasible_commands",
            "microgrids",
            "objective_ratio",
            "speedup"
        ]
    );
    assert_eq!(m["infeasible_commands"], 0);
    assert_eq!(m["microgrids"], 4);
    assert!(m["objective_ratio"].as_f64().unwrap() > 0.0);
    assert!(m["speedup"].as_f64().unwrap() > 0.0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn gnn_policy_runs_in_a_scenario() {
    let d = tmp("run");
    let s = scenario(&d, "gnn");
    let res = bin()
        .arg("run")
        .arg(&s)
        .args(["--replicas", "1", "--quiet", "--system-only", "--out"])
        .arg(d.join("out"))
        .output()
        .unwrap();
    assert_success(&res);
    let _ = std::fs::remove_dir_all(&d);
}

/// SimBench from the data pack beside the checkout, when present.
fn simbench() -> Option<PathBuf> {
    let p =
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/..")).join("../shared/data/grids/simbench");
    p.join("mv_semiurb_0/profiles.parquet")
        .exists()
        .then_some(p)
}

#[test]
fn eval_forecast_writes_metrics_with_the_issue_keys() {
    let Some(data) = simbench() else {
        println!("SKIP: ../shared/data/grids/simbench not found (SimBench data pack)");
        return;
    };
    let d = tmp("eval-forecast");
    let out = d.join("out");
    let preset = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .join("examples/scenarios/hokkaido-2018.toml");
    let res = bin()
        .args(["eval", "forecast", "--seed", "7", "--data"])
        .arg(&data)
        .arg("--scenario")
        .arg(&preset)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_success(&res);
    // The scenario is accepted (the issue's command line) and said unused.
    assert!(
        String::from_utf8_lossy(&res.stderr).contains("--scenario is not used"),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let m = metrics(&out);
    for h in 1..=24 {
        let k = h.to_string();
        let model = m["mae"][&k].as_f64().unwrap();
        let sn = m["baseline_mae"]["seasonal_naive"][&k].as_f64().unwrap();
        assert!(m["baseline_mae"]["persistence"][&k].is_number());
        assert!(m["mape"][&k].is_number());
        assert!(model > 0.0 && model < sn, "horizon {h}: {model} vs {sn}");
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_train_and_eval_flags_exit_with_status_2() {
    let d = tmp("bad");
    let s = scenario(&d, "priority");
    let cases: Vec<Vec<String>> = vec![
        // Missing --seed.
        vec![
            "eval".into(),
            "planner".into(),
            "--scenario".into(),
            s.display().to_string(),
            "--out".into(),
            d.join("o").display().to_string(),
        ],
        // No such weights.
        vec![
            "eval".into(),
            "planner".into(),
            "--scenario".into(),
            s.display().to_string(),
            "--seed".into(),
            "1".into(),
            "--weights".into(),
            d.join("nope.bpk").display().to_string(),
            "--out".into(),
            d.join("o").display().to_string(),
        ],
        // Zero epochs.
        vec![
            "train".into(),
            "planner".into(),
            "--scenario".into(),
            s.display().to_string(),
            "--epochs".into(),
            "0".into(),
        ],
        // No such scenario.
        vec![
            "train".into(),
            "planner".into(),
            "--scenario".into(),
            d.join("missing.toml").display().to_string(),
        ],
        // Unknown model.
        vec!["train".into(), "weather".into()],
        // An ensemble of no networks.
        vec![
            "train".into(),
            "forecast".into(),
            "--members".into(),
            "0".into(),
            "--out".into(),
            d.join("o").display().to_string(),
        ],
        // No such forecaster weights.
        vec![
            "eval".into(),
            "forecast".into(),
            "--seed".into(),
            "7".into(),
            "--weights".into(),
            d.join("nope.bpk").display().to_string(),
            "--out".into(),
            d.join("o").display().to_string(),
        ],
    ];
    for args in cases {
        let res = bin().args(&args).output().unwrap();
        assert_eq!(
            res.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&res.stderr)
        );
        assert!(!res.stderr.is_empty());
    }
    let _ = std::fs::remove_dir_all(&d);
}
