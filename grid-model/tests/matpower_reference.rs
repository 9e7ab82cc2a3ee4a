//! The AC and DC power flows reproduce MATPOWER's own solutions
//! (`shared/data/pf/ref`, MATPOWER 8.1.1-dev, NR tol 1e-10, computed by
//! MATPOWER itself; see `tests/data/README.md`) on every case:
//! |dVm| <= 1e-6 p.u., |dVa| <= 1e-4 deg, generator P and per-bus total Q
//! within 1e-4 MW / MVAr, branch flows within 1e-4 MW / MVAr.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::*;
use grid_model::matpower;
use grid_model::pf::{Init, PfOptions, PowerFlow};

fn check_ac(case: &str, init: Init) {
    let Some((path, refdir)) = locate(case) else {
        return;
    };
    let net = matpower::read_file(&path).unwrap();
    let mut pf = PowerFlow::new(&net).unwrap();
    let sol = pf.solve_ac(&PfOptions {
        init,
        tol: 1e-10,
        max_iter: 30,
    });
    assert!(
        sol.converged,
        "{case}: not converged: {:?}",
        sol.islands.iter().map(|i| &i.failure).collect::<Vec<_>>()
    );
    let refb = read_csv(&refdir.join(format!("{case}_bus.csv")));
    let (mut dvm, mut dva) = (0.0f64, 0.0f64);
    for r in &refb {
        let i = net.bus_index(r["bus_id"] as u64).unwrap();
        dvm = dvm.max((sol.bus_vm[i] - r["vm_pu"]).abs());
        dva = dva.max(dang(sol.bus_va_deg[i], r["va_deg"]));
    }
    assert!(dvm <= 1e-6, "{case} {init:?}: max |dVm| = {dvm:e}");
    assert!(dva <= 1e-4, "{case} {init:?}: max |dVa| = {dva:e}");
    let refg = read_csv(&refdir.join(format!("{case}_gen.csv")));
    let mut q_ref: BTreeMap<u64, f64> = BTreeMap::new();
    let mut q_ours: BTreeMap<u64, f64> = BTreeMap::new();
    for r in &refg {
        let k = r["gen"] as usize - 1;
        let dp = (sol.gen_p_mw[k] - r["pg_mw"]).abs();
        assert!(dp <= 1e-4, "{case}: gen {} Pg differs by {dp:e} MW", k + 1);
        *q_ref.entry(r["bus"] as u64).or_default() += r["qg_mvar"];
        *q_ours.entry(r["bus"] as u64).or_default() += sol.gen_q_mvar[k];
    }
    for (b, q) in &q_ref {
        let dq = (q - q_ours[b]).abs();
        assert!(
            dq <= 1e-4,
            "{case}: bus {b} total Qg differs by {dq:e} MVAr"
        );
    }
    let refbr = read_csv(&refdir.join(format!("{case}_branch.csv")));
    for r in &refbr {
        let k = r["branch"] as usize - 1;
        for (ours, col) in [
            (sol.branch_pf_mw[k], "pf_mw"),
            (sol.branch_qf_mvar[k], "qf_mvar"),
            (sol.branch_pt_mw[k], "pt_mw"),
            (sol.branch_qt_mvar[k], "qt_mvar"),
        ] {
            let d = (ours - r[col]).abs();
            assert!(d <= 1e-4, "{case}: branch {} {col} differs by {d:e}", k + 1);
        }
    }
}

fn check_dc(case: &str) {
    let Some((path, refdir)) = locate(case) else {
        return;
    };
    let net = matpower::read_file(&path).unwrap();
    let mut pf = PowerFlow::new(&net).unwrap();
    let sol = pf.solve_dc();
    assert!(sol.converged);
    let refb = read_csv(&refdir.join(format!("{case}_dc_bus.csv")));
    let mut dva = 0.0f64;
    for r in &refb {
        let i = net.bus_index(r["bus_id"] as u64).unwrap();
        dva = dva.max(dang(sol.bus_va_deg[i], r["va_deg"]));
    }
    assert!(dva <= 1e-4, "{case} DC: max |dVa| = {dva:e}");
    for r in &read_csv(&refdir.join(format!("{case}_dc_gen.csv"))) {
        let k = r["gen"] as usize - 1;
        let dp = (sol.gen_p_mw[k] - r["pg_mw"]).abs();
        assert!(
            dp <= 1e-4,
            "{case} DC: gen {} Pg differs by {dp:e} MW",
            k + 1
        );
    }
}

macro_rules! cases {
    ($($name:ident => $case:literal),* $(,)?) => {
        mod ac_case_start { $( #[test] fn $name() { super::check_ac($case, super::Init::Case); } )* }
        mod ac_dc_start { $( #[test] fn $name() { super::check_ac($case, super::Init::Dc); } )* }
        mod dc { $( #[test] fn $name() { super::check_dc($case); } )* }
    };
}

cases! {
    case9 => "case9",
    case14 => "case14",
    case30 => "case30",
    case57 => "case57",
    case118 => "case118",
    case300 => "case300",
    case1354pegase => "case1354pegase",
    case2869pegase => "case2869pegase",
    case9241pegase => "case9241pegase",
    case_activsg2000 => "case_ACTIVSg2000",
    case_activsg10k => "case_ACTIVSg10k",
}

#[test]
fn flat_start_reaches_the_same_solution_on_case300() {
    check_ac("case300", Init::Flat);
}

#[test]
fn activsg10k_does_not_converge_from_flat_start_in_30_iterations_and_says_so() {
    // MATPOWER does not converge either (shared/data/pf/README.md).
    let Some((path, _)) = locate("case_ACTIVSg10k") else {
        return;
    };
    let net = matpower::read_file(&path).unwrap();
    let mut pf = PowerFlow::new(&net).unwrap();
    let sol = pf.solve_ac(&PfOptions {
        init: Init::Flat,
        tol: 1e-8,
        max_iter: 30,
    });
    assert!(!sol.converged);
    assert!(sol.islands[0].failure.is_some());
}

/// Cases the solver was not tuned on (loads scaled, branches and
/// generators out, the reference generator off, a tap and a phase shift
/// changed), against PYPOWER's solution; regenerate with
/// `tests/data/modified/make_refs.py`.
fn check_modified(name: &str) {
    let dir = data_dir().join("modified");
    let net = matpower::read_file(dir.join(format!("{name}.m"))).unwrap();
    let sol = PowerFlow::new(&net).unwrap().solve_ac(&PfOptions {
        tol: 1e-10,
        max_iter: 30,
        ..Default::default()
    });
    assert!(sol.converged, "{name}");
    for r in &read_csv(&dir.join(format!("{name}_bus.csv"))) {
        let i = net.bus_index(r["bus_id"] as u64).unwrap();
        assert!(
            (sol.bus_vm[i] - r["vm_pu"]).abs() <= 1e-6,
            "{name} bus {}: Vm",
            r["bus_id"]
        );
        assert!(
            dang(sol.bus_va_deg[i], r["va_deg"]) <= 1e-4,
            "{name} bus {}: Va",
            r["bus_id"]
        );
    }
    let mut q_ref: BTreeMap<u64, f64> = BTreeMap::new();
    let mut q_ours: BTreeMap<u64, f64> = BTreeMap::new();
    for r in &read_csv(&dir.join(format!("{name}_gen.csv"))) {
        let k = r["gen"] as usize - 1;
        assert!(
            (sol.gen_p_mw[k] - r["pg_mw"]).abs() <= 1e-4,
            "{name} gen {}: Pg",
            k + 1
        );
        *q_ref.entry(r["bus"] as u64).or_default() += r["qg_mvar"];
        *q_ours.entry(r["bus"] as u64).or_default() += sol.gen_q_mvar[k];
    }
    for (b, q) in &q_ref {
        assert!((q - q_ours[b]).abs() <= 1e-4, "{name} bus {b}: total Qg");
    }
}

#[test]
fn modified_case30_loads_up_branches_and_a_generator_out() {
    check_modified("case30_mod");
}

#[test]
fn modified_case118_reference_generator_off() {
    check_modified("case118_refoff");
}

#[test]
fn modified_case57_tap_and_phase_shift_changed() {
    check_modified("case57_tapshift");
}

#[test]
fn modified_case300_outages() {
    check_modified("case300_outages");
}
