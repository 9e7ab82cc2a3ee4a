//! Shared helpers for the power-flow reference tests.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory of the vendored small cases and their MATPOWER references.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// `../shared/data/pf` beside the checkout, if present (large cases).
pub fn shared_pf_dir() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/pf");
    p.join("cases").is_dir().then_some(p)
}

/// Finds a case file and its reference directory: vendored first, then
/// `../shared`. Returns None (and prints why) if neither has it.
pub fn locate(case: &str) -> Option<(PathBuf, PathBuf)> {
    let local = data_dir().join(format!("{case}.m"));
    if local.exists() {
        return Some((local, data_dir().join("ref")));
    }
    if let Some(sh) = shared_pf_dir() {
        let c = sh.join("cases").join(format!("{case}.m"));
        if c.exists() {
            return Some((c, sh.join("ref")));
        }
    }
    eprintln!("SKIP {case}: not vendored and ../shared/data/pf is not present");
    None
}

/// Reads a CSV with a header into rows of named f64 columns.
pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(|s| s.trim().to_string()).collect();
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(|v| v.trim().parse::<f64>().unwrap()))
                .collect()
        })
        .collect()
}

/// Angle difference modulo 360 degrees.
pub fn dang(a: f64, b: f64) -> f64 {
    let d = (a - b).abs() % 360.0;
    d.min(360.0 - d)
}
