//! Times repeated AC solves of a MATPOWER case (warm: topology, admittance
//! matrix and symbolic factorisation prepared once).
//!
//! `cargo run --release -p grid-model --example pf_time -- CASE.m [REPEAT]`

use grid_model::matpower;
use grid_model::pf::{PfOptions, PowerFlow};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: pf_time CASE.m [REPEAT]")?;
    let reps: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(50);
    let net = matpower::read_file(&path)?;
    let mut pf = PowerFlow::new(&net)?;
    let opts = PfOptions::default();
    let mut t = Vec::new();
    let mut it = 0;
    for _ in 0..reps.max(1) {
        let s = Instant::now();
        let (c, i, _) = pf.solve_ac_voltages(&opts);
        t.push(s.elapsed().as_secs_f64() * 1e3);
        assert!(c);
        it = i;
    }
    t.sort_by(f64::total_cmp);
    println!(
        "{path}: {} buses, {} factor blocks, {it} iterations, median {:.4} ms, min {:.4} ms",
        net.buses.len(),
        pf.factor_blocks(),
        t[t.len() / 2],
        t[0]
    );
    Ok(())
}
