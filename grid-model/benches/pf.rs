//! Criterion benches of the power flow: the warm AC solve (prepared
//! topology, admittance matrix and symbolic factorisation; Newton-Raphson
//! from the case start at tol 1e-8), the DC solve, and the preparation.
//! Large cases are read from `../shared/data/pf/cases` when present.

#![allow(missing_docs, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use grid_model::matpower;
use grid_model::pf::{PfOptions, PowerFlow};

fn cases() -> Vec<(String, PathBuf)> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut v = Vec::new();
    for c in ["case118", "case300"] {
        v.push((c.to_string(), here.join(format!("tests/data/{c}.m"))));
    }
    let shared = here.join("../../shared/data/pf/cases");
    for c in [
        "case1354pegase",
        "case2869pegase",
        "case9241pegase",
        "case_ACTIVSg2000",
        "case_ACTIVSg10k",
    ] {
        let p = shared.join(format!("{c}.m"));
        if p.exists() {
            v.push((c.to_string(), p));
        } else {
            eprintln!("SKIP {c}: {} not found", p.display());
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let opts = PfOptions::default();
    for (name, path) in cases() {
        let net = matpower::read_file(&path).unwrap();
        let mut pf = PowerFlow::new(&net).unwrap();
        let mut g = c.benchmark_group(name.as_str());
        g.sample_size(if net.buses.len() > 5000 { 20 } else { 50 });
        g.bench_function("ac_solve_warm", |b| b.iter(|| pf.solve_ac_voltages(&opts)));
        g.bench_function("dc_solve", |b| b.iter(|| pf.solve_dc()));
        g.bench_function("prepare", |b| b.iter(|| PowerFlow::new(&net).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
