//! `blackstart pf`: power flow on a MATPOWER case.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use grid_model::Network;
use grid_model::pf::{Init, PfOptions, PfSolution, PowerFlow};

use super::CliError;

/// Arguments of `blackstart pf`.
#[derive(Debug, clap::Args)]
pub struct PfArgs {
    /// MATPOWER case file (`.m`).
    pub case: PathBuf,
    /// Solve the DC power flow instead of the AC one.
    #[arg(long)]
    pub dc: bool,
    /// Newton-Raphson start: `case` (the case's voltages, MATPOWER's
    /// default), `flat`, or `dc` (angles from the DC power flow).
    #[arg(long, default_value = "case")]
    pub init: Init,
    /// Tolerance on the largest power mismatch (p.u.).
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Maximum Newton-Raphson iterations.
    #[arg(long, default_value_t = 20)]
    pub max_iter: usize,
    /// Write bus.csv, gen.csv and branch.csv into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Solve N times from the same start (after two untimed warm-up solves)
    /// and report the solve time: the prepared in-memory network to the
    /// solution, no parsing, no setup (topology, admittance matrix and
    /// symbolic factorisation are reused, as lightsim2grid's warm solve does).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs `blackstart pf`.
pub fn run(args: PfArgs) -> Result<ExitCode, CliError> {
    if !(args.tol.is_finite() && args.tol > 0.0) {
        return Err(CliError::BadInput(format!(
            "--tol must be a positive number, got {}",
            args.tol
        )));
    }
    if args.repeat == 0 {
        return Err(CliError::BadInput("--repeat must be at least 1".into()));
    }
    let t0 = Instant::now();
    let net = grid_model::matpower::read_file(&args.case)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let parse_ms = t0.elapsed().as_secs_f64() * 1e3;
    let t1 = Instant::now();
    let mut pf = PowerFlow::new(&net).map_err(|e| CliError::BadInput(e.to_string()))?;
    let setup_ms = t1.elapsed().as_secs_f64() * 1e3;
    let opts = PfOptions {
        init: args.init,
        tol: args.tol,
        max_iter: args.max_iter,
    };
    // Two untimed warm-up solves, as the peers' timing script does.
    for _ in 0..2 {
        if args.dc {
            std::hint::black_box(pf.solve_dc());
        } else {
            std::hint::black_box(pf.solve_ac_voltages(&opts));
        }
    }
    let mut times = Vec::with_capacity(args.repeat);
    for _ in 0..args.repeat {
        let t = Instant::now();
        if args.dc {
            std::hint::black_box(pf.solve_dc());
        } else {
            std::hint::black_box(pf.solve_ac_voltages(&opts));
        }
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let sol = if args.dc {
        pf.solve_dc()
    } else {
        pf.solve_ac(&opts)
    };
    times.sort_by(f64::total_cmp);
    let min = times[0];
    let median = if times.len() % 2 == 1 {
        times[times.len() / 2]
    } else {
        0.5 * (times[times.len() / 2 - 1] + times[times.len() / 2])
    };
    let max = times[times.len() - 1];
    if let Some(dir) = &args.out {
        write_csvs(dir, &net, &sol)
            .map_err(|e| CliError::BadInput(format!("cannot write to {}: {e}", dir.display())))?;
    }
    let energised = sol.bus_energised.iter().filter(|&&e| e).count();
    let dark = net.buses.len() - energised;
    if args.json {
        let j = serde_json::json!({
            "case": args.case.display().to_string(),
            "mode": if args.dc { "dc" } else { "ac" },
            "converged": sol.converged,
            "iterations": sol.iterations,
            "max_mismatch_pu": sol.max_mismatch_pu,
            "losses_mw": sol.losses_mw,
            "buses": net.buses.len(),
            "dark_buses": dark,
            "islands": sol.islands.len(),
            "factor_blocks": pf.factor_blocks(),
            "repeat": args.repeat,
            "solve_ms_min": min,
            "solve_ms_median": median,
            "solve_ms_max": max,
            "parse_ms": parse_ms,
            "setup_ms": setup_ms,
        });
        let _ = writeln!(std::io::stdout().lock(), "{j}");
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} power flow on {} ({} buses, {} branches, {} generators)",
            if args.dc { "DC" } else { "AC Newton-Raphson" },
            args.case.display(),
            net.buses.len(),
            net.branches.len(),
            net.gens.len()
        );
        let _ = writeln!(
            s,
            "  {} after {} iteration(s), largest mismatch {:.3e} p.u.",
            if sol.converged {
                "converged"
            } else {
                "DID NOT CONVERGE"
            },
            sol.iterations,
            sol.max_mismatch_pu
        );
        for isl in sol.islands.iter().filter(|i| !i.converged) {
            if let Some(f) = &isl.failure {
                let _ = writeln!(s, "  island with {} buses: {f}", isl.buses.len());
            }
        }
        let _ = writeln!(
            s,
            "  {} energised island(s), {} dark bus(es)",
            sol.islands.len(),
            dark
        );
        let pg: f64 = sol.gen_p_mw.iter().sum();
        let _ = writeln!(s, "  generation {pg:.3} MW, losses {:.3} MW", sol.losses_mw);
        let _ = writeln!(
            s,
            "  solve time {median:.3} ms median ({min:.3} min, {max:.3} max, {} run(s)); parse {parse_ms:.1} ms, setup {setup_ms:.1} ms",
            args.repeat
        );
        if let Some(dir) = &args.out {
            let _ = writeln!(
                s,
                "  wrote bus.csv, gen.csv, branch.csv to {}",
                dir.display()
            );
        }
        let _ = std::io::stdout().lock().write_all(s.as_bytes());
    }
    if sol.converged {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(CliError::Failed(format!(
            "the power flow did not converge on {}",
            args.case.display()
        )))
    }
}

/// Writes bus.csv, gen.csv and branch.csv in the format of
/// `shared/data/pf/ref/` (full f64 precision, in-service elements only).
pub fn write_csvs(dir: &Path, net: &Network, sol: &PfSolution) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut bus = String::new();
    if sol.dc {
        bus.push_str("bus_id,va_deg\n");
    } else {
        bus.push_str("bus_id,vm_pu,va_deg\n");
    }
    for (i, b) in net.buses.iter().enumerate() {
        if !sol.bus_energised[i] {
            continue;
        }
        if sol.dc {
            let _ = writeln!(bus, "{},{:?}", b.id, sol.bus_va_deg[i]);
        } else {
            let _ = writeln!(bus, "{},{:?},{:?}", b.id, sol.bus_vm[i], sol.bus_va_deg[i]);
        }
    }
    std::fs::write(dir.join("bus.csv"), bus)?;
    let mut gens = String::from(if sol.dc {
        "gen,bus,pg_mw\n"
    } else {
        "gen,bus,pg_mw,qg_mvar\n"
    });
    for (k, g) in net.gens.iter().enumerate() {
        if !g.in_service || !sol.bus_energised[g.bus] {
            continue;
        }
        if sol.dc {
            let _ = writeln!(
                gens,
                "{},{},{:?}",
                k + 1,
                net.buses[g.bus].id,
                sol.gen_p_mw[k]
            );
        } else {
            let _ = writeln!(
                gens,
                "{},{},{:?},{:?}",
                k + 1,
                net.buses[g.bus].id,
                sol.gen_p_mw[k],
                sol.gen_q_mvar[k]
            );
        }
    }
    std::fs::write(dir.join("gen.csv"), gens)?;
    let mut br = String::from("branch,f_bus,t_bus,pf_mw,qf_mvar,pt_mw,qt_mvar\n");
    for (k, b) in net.branches.iter().enumerate() {
        if !sol.branch_active[k] {
            continue;
        }
        let _ = writeln!(
            br,
            "{},{},{},{:?},{:?},{:?},{:?}",
            k + 1,
            net.buses[b.from].id,
            net.buses[b.to].id,
            sol.branch_pf_mw[k],
            sol.branch_qf_mvar[k],
            sol.branch_pt_mw[k],
            sol.branch_qt_mvar[k]
        );
    }
    std::fs::write(dir.join("branch.csv"), br)
}
