//! Shared helpers for the power-flow reference tests.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

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
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
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

/// Independent physics check of an AC solution: recomputes every branch
/// flow from the network data and the solved voltages (pi model, tap at the
/// from side) and checks the power balance at every energised bus:
/// generation - load - shunt = sum of flows leaving, within `tol_mva`.
/// Returns the largest imbalance (MVA).
pub fn ac_balance(net: &grid_model::Network, sol: &grid_model::pf::PfSolution) -> f64 {
    type Cx = (f64, f64);
    let mul = |a: Cx, b: Cx| (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0);
    let conj = |a: Cx| (a.0, -a.1);
    let div = |a: Cx, b: Cx| {
        let d = b.0 * b.0 + b.1 * b.1;
        ((a.0 * b.0 + a.1 * b.1) / d, (a.1 * b.0 - a.0 * b.1) / d)
    };
    let nb = net.buses.len();
    let v: Vec<Cx> = (0..nb)
        .map(|i| {
            let (m, a) = (sol.bus_vm[i], sol.bus_va_deg[i].to_radians());
            (m * a.cos(), m * a.sin())
        })
        .collect();
    let mut bal = vec![(0.0, 0.0); nb];
    for (k, g) in net.gens.iter().enumerate() {
        if g.in_service && sol.bus_energised[g.bus] {
            bal[g.bus].0 += sol.gen_p_mw[k];
            bal[g.bus].1 += sol.gen_q_mvar[k];
        }
    }
    for l in net.loads.iter().filter(|l| l.in_service) {
        bal[l.bus].0 -= l.p_mw;
        bal[l.bus].1 -= l.q_mvar;
    }
    for s in net.shunts.iter().filter(|s| s.in_service) {
        let vm2 = sol.bus_vm[s.bus].powi(2);
        bal[s.bus].0 -= s.g_mw * vm2;
        bal[s.bus].1 += s.b_mvar * vm2;
    }
    for br in net.branches.iter().filter(|b| b.in_service) {
        let (f, t) = (br.from, br.to);
        if !sol.bus_energised[f] {
            continue;
        }
        let ys = div((1.0, 0.0), (br.r, br.x));
        let m = if br.ratio == 0.0 { 1.0 } else { br.ratio };
        let a = br.shift_deg.to_radians();
        let tap = (m * a.cos(), m * a.sin());
        // Ideal transformer: primary Vf, secondary Vf / t; series current
        // from secondary to Vt; charging b/2 at both ends of the series part.
        let vs = div(v[f], tap);
        let i_st = mul(ys, (vs.0 - v[t].0, vs.1 - v[t].1));
        let i_sh_f = mul((0.0, br.b / 2.0), vs);
        let i_sec = (i_st.0 + i_sh_f.0, i_st.1 + i_sh_f.1);
        let i_f = div(i_sec, conj(tap));
        let sf = mul(v[f], conj(i_f));
        let i_sh_t = mul((0.0, br.b / 2.0), v[t]);
        let i_t = (-i_st.0 + i_sh_t.0, -i_st.1 + i_sh_t.1);
        let st = mul(v[t], conj(i_t));
        let base = net.base_mva;
        bal[f].0 -= sf.0 * base;
        bal[f].1 -= sf.1 * base;
        bal[t].0 -= st.0 * base;
        bal[t].1 -= st.1 * base;
    }
    (0..nb)
        .filter(|&i| sol.bus_energised[i])
        .map(|i| bal[i].0.hypot(bal[i].1))
        .fold(0.0, f64::max)
}
