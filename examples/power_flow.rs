//! Load a MATPOWER case, solve the AC power flow, take a line out and solve
//! again, reusing nothing but the network.
//!
//! `cargo run --release --example power_flow -- [CASE.m]`

use blackstart::grid_model::matpower;
use blackstart::grid_model::pf::{Init, PfOptions, PowerFlow};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "grid-model/tests/data/case118.m".into());
    let mut net = matpower::read_file(&path)?;
    let opts = PfOptions {
        init: Init::Case,
        tol: 1e-8,
        max_iter: 20,
    };

    let base = PowerFlow::new(&net)?.solve_ac(&opts);
    println!(
        "{path}: converged {} in {} iterations, losses {:.3} MW",
        base.converged, base.iterations, base.losses_mw
    );

    // The most loaded branch goes out of service; islands and slack are
    // recomputed by a new PowerFlow.
    let k = (0..net.branches.len())
        .filter(|&k| base.branch_active[k])
        .max_by(|&a, &b| {
            base.branch_pf_mw[a]
                .abs()
                .total_cmp(&base.branch_pf_mw[b].abs())
        })
        .ok_or("no branch")?;
    net.branches[k].in_service = false;
    let mut pf = PowerFlow::new(&net)?;
    let sol = pf.solve_ac(&opts);
    println!(
        "branch {} out: {} energised island(s), converged {}, losses {:.3} MW",
        net.branches[k].id,
        pf.n_islands(),
        sol.converged,
        sol.losses_mw
    );
    let (worst, vm) = sol
        .bus_vm
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .min_by(|a, b| a.1.total_cmp(b.1))
        .ok_or("no bus")?;
    println!(
        "lowest voltage: bus {} at {vm:.4} p.u.",
        net.buses[worst].id
    );
    Ok(())
}
