//! Nothing already computed is lost: an interrupted `blackstart run` (Ctrl-C,
//! or a replica that panics) writes the replicas that finished, readable and
//! identical to the same replicas of a complete run, and lists the others.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use polars::prelude::{ParquetReader, SerReader};

const KUMAMOTO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/scenarios/kumamoto-2016.toml"
);

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blackstart-int-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn run(args: &[&str], fault: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_blackstart"));
    c.arg("run").args(args);
    if let Some(f) = fault {
        c.args(["--inject-fault", f]);
    }
    c.output().unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// The replica numbers present in a Parquet output.
fn replicas_in(path: &Path) -> Vec<u32> {
    let df = ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap();
    let mut r: Vec<u32> = df
        .column("replica")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    r.dedup();
    r
}

/// Per-replica objects of `summary.json`, keyed by replica number.
fn per_replica(s: &serde_json::Value) -> Vec<(u64, serde_json::Value)> {
    s["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["replica"].as_u64().unwrap(), r.clone()))
        .collect()
}

#[test]
fn interrupted_run_of_100_replicas_keeps_the_finished_ones() {
    let out = scratch("interrupt");
    let o = out.display().to_string();
    // `interrupt-after:7` acts as a Ctrl-C once 7 replicas have finished
    // (one thread: exactly replicas 0..7 finish).
    let res = run(
        &[
            KUMAMOTO,
            "--replicas",
            "100",
            "--threads",
            "1",
            "--quiet",
            "--out",
            &o,
        ],
        Some("interrupt-after:7"),
    );
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(130), "{err}");
    assert!(
        err.contains("7 of 100 replica(s) finished") && err.contains("93 missing"),
        "{err}"
    );
    let s = summary(&out);
    assert_eq!(s["complete"], false);
    assert_eq!(s["replicas_run"], 7);
    let missing = s["missing_replicas"].as_array().unwrap();
    assert_eq!(missing.len(), 93);
    for (k, m) in missing.iter().enumerate() {
        assert_eq!(m["replica"], 7 + k as u64);
        assert_eq!(m["reason"], "interrupted");
    }
    // The outputs are readable and hold exactly the finished replicas.
    assert_eq!(
        replicas_in(&out.join("timeseries.parquet")),
        (0..7).collect::<Vec<u32>>()
    );
    assert!(out.join("resilience_curve.png").exists());
    // ... with the same numbers as a complete run of those replicas.
    let full = scratch("interrupt-full");
    let f = full.display().to_string();
    let res = run(
        &[
            KUMAMOTO,
            "--replicas",
            "7",
            "--threads",
            "2",
            "--quiet",
            "--out",
            &f,
        ],
        None,
    );
    assert_eq!(res.status.code(), Some(0));
    let sf = summary(&full);
    assert_eq!(sf["complete"], true);
    assert_eq!(per_replica(&s), per_replica(&sf));
    assert_eq!(s["aggregate"], sf["aggregate"]);
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_dir_all(full);
}

#[test]
fn a_panicking_replica_loses_only_itself() {
    let out = scratch("panic");
    let o = out.display().to_string();
    let res = run(
        &[
            KUMAMOTO,
            "--replicas",
            "10",
            "--threads",
            "2",
            "--quiet",
            "--out",
            &o,
        ],
        Some("panic-replica:3"),
    );
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(3), "{err}");
    assert!(err.contains("replica 3: panicked: injected fault"), "{err}");
    let s = summary(&out);
    assert_eq!(s["complete"], false);
    assert_eq!(s["replicas_run"], 9);
    let missing = s["missing_replicas"].as_array().unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["replica"], 3);
    assert!(
        missing[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("panicked: injected fault: replica 3 panics")
    );
    let mut want: Vec<u32> = (0..10).collect();
    want.retain(|&r| r != 3);
    assert_eq!(replicas_in(&out.join("timeseries.parquet")), want);
    // The nine others are those of a complete run.
    let full = scratch("panic-full");
    let f = full.display().to_string();
    let res = run(
        &[
            KUMAMOTO,
            "--replicas",
            "10",
            "--threads",
            "1",
            "--quiet",
            "--out",
            &f,
        ],
        None,
    );
    assert_eq!(res.status.code(), Some(0));
    let mut complete = per_replica(&summary(&full));
    complete.retain(|(r, _)| *r != 3);
    assert_eq!(per_replica(&s), complete);
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_dir_all(full);
}

#[test]
fn ctrl_c_writes_what_finished_and_exits_130() {
    let out = scratch("sigint");
    let o = out.display().to_string();
    // Far more replicas than can finish before the signal.
    let child = Command::new(env!("CARGO_BIN_EXE_blackstart"))
        .args([
            "run",
            KUMAMOTO,
            "--replicas",
            "100000",
            "--threads",
            "1",
            "--system-only",
            "--quiet",
            "--out",
            &o,
        ])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let res = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&res.stderr);
    assert_eq!(res.status.code(), Some(130), "{err}");
    let s = summary(&out);
    let done = s["replicas_run"].as_u64().unwrap();
    let missing = s["missing_replicas"].as_array().unwrap().len() as u64;
    assert!(done >= 1, "no replica finished in 4 s: {err}");
    assert_eq!(done + missing, 100_000);
    assert_eq!(s["complete"], false);
    assert_eq!(
        replicas_in(&out.join("timeseries.parquet")),
        (0..done as u32).collect::<Vec<u32>>()
    );
    let _ = std::fs::remove_dir_all(out);
}
