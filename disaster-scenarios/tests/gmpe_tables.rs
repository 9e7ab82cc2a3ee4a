//! Reproduces every PGA and PGV row of OpenQuake's verification tables for
//! Si & Midorikawa (1999) and Boore et al. (2014) (see tests/data/README.md).

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use disaster_scenarios::gmpe::csvio::read_table;
use disaster_scenarios::gmpe::{
    Boore2014, Bssa14Region, GroundMotionModel, Imt, SiMidorikawa1999, Sm99Kind,
};

/// Relative tolerance of the issue: 0.1 %.
const TOL: f64 = 1e-3;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/gmpe")
        .join(name)
}

/// Checks one table; returns (rows checked, max relative error).
fn check(model: &dyn GroundMotionModel, file: &str, vs30: Option<f64>) -> (usize, f64) {
    let path = data(file);
    let f = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let table = read_table(f, file, vs30).unwrap_or_else(|e| panic!("{e}"));
    let rt = table.column("result_type").expect("result_type column");
    let mut n = 0;
    let mut worst: f64 = 0.0;
    for (imt, col) in [(Imt::Pga, "pga"), (Imt::Pgv, "pgv")] {
        let Some(ci) = table.column(col) else {
            continue;
        };
        for row in &table.rows {
            let expected: f64 = row.fields[ci].parse().expect("number");
            let gm = model
                .compute(&row.input, imt)
                .unwrap_or_else(|e| panic!("{file}:{}: {e}", row.line));
            let got = match row.fields[rt].as_str() {
                "MEAN" => gm.median,
                "TOTAL_STDDEV" => gm.sigma_total,
                "INTER_EVENT_STDDEV" => gm.sigma_inter.expect("tau"),
                "INTRA_EVENT_STDDEV" => gm.sigma_intra.expect("phi"),
                other => panic!("unknown result type {other}"),
            };
            let rel = (got / expected - 1.0).abs();
            assert!(
                rel < TOL,
                "{file}:{} {col} {}: got {got}, expected {expected} (rel {rel:.2e})",
                row.line,
                row.fields[rt]
            );
            worst = worst.max(rel);
            n += 1;
        }
    }
    println!("{file}: {n} values, max relative error {worst:.2e}");
    (n, worst)
}

#[test]
fn sm99_openquake_tables() {
    // The 2017 SM99 tables have no vs30 column: OpenQuake's values are for
    // Vs30 = 400 m/s (GMPE_models.md §3).
    let crustal = SiMidorikawa1999::new(Sm99Kind::Crustal);
    let inter = SiMidorikawa1999::new(Sm99Kind::Interface);
    let slab = SiMidorikawa1999::new(Sm99Kind::Slab);
    let mut total = 0;
    for (m, f) in [
        (&crustal, "SM99_SM99ASC_MEAN.csv"),
        (&crustal, "SM99_SM99ASC_STD_TOTAL.csv"),
        (&inter, "SM99_SM99SInter_MEAN.csv"),
        (&inter, "SM99_SM99SInter_STD_TOTAL.csv"),
        (&slab, "SM99_SM99SSlab_MEAN.csv"),
        (&slab, "SM99_SM99SSlab_STD_TOTAL.csv"),
    ] {
        total += check(m, f, Some(400.0)).0;
    }
    // Current OpenQuake table: PGA, Vs30 600 (column present).
    total += check(&inter, "SM99_current_SM99SINTER_MEAN_PGA.csv", None).0;
    assert_eq!(total, 84 * 3 + 84 + 105 + 105 + 189);
}

#[test]
fn bssa14_openquake_tables() {
    let global = Boore2014::new(Bssa14Region::Global);
    let lowq = Boore2014::new(Bssa14Region::JapanItaly);
    let mut total = 0;
    for (m, f) in [
        (&global, "BSSA2014_BSSA_2014_MEAN.csv"),
        (&global, "BSSA2014_BSSA_2014_TOTAL_STD.csv"),
        (&global, "BSSA2014_BSSA_2014_INTER_STD.csv"),
        (&global, "BSSA2014_BSSA_2014_INTRA_STD.csv"),
        // No rake column: unspecified mechanism (e0).
        (&global, "BSSA2014_BSSA_2014_NOSOF_MEAN.csv"),
        (&global, "BSSA2014_BSSA_2014_NOSOF_TOTAL_STD.csv"),
        (&lowq, "BSSA2014_BSSA_2014_LOWQ_MEAN.csv"),
        (&lowq, "BSSA2014_BSSA_2014_LOWQ_TOTAL_STD.csv"),
        // Japan basin term: zero for PGA and PGV (applies from 0.65 s).
        (&global, "BSSA2014_BSSA_2014_JAPAN_MEAN.csv"),
        (&global, "BSSA2014_BSSA_2014_JAPAN_TOTAL_STD.csv"),
    ] {
        total += check(m, f, None).0;
    }
    assert_eq!(total, 2 * (450 * 6 + 150 * 2 + 720 * 2));
}
