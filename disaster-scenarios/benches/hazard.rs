//! Throughput for 100 000 sites: ground-motion intensities (finite-fault
//! distances + BSSA14 PGA), spatially correlated residuals (set-up and one
//! realisation), damage sampling, and Holland wind. Criterion reports
//! elements per second = sites per second.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use disaster_scenarios::correlation::CorrelatedField;
use disaster_scenarios::fragility::FragilityLibrary;
use disaster_scenarios::gmpe::{Boore2014, Bssa14Region, GroundMotionModel, Imt};
use disaster_scenarios::presets::kumamoto_2016;
use disaster_scenarios::rng::{RandomSource, SplitMix64};
use disaster_scenarios::wind::{SiTrack, WindField, WindModel};

const N: usize = 100_000;

fn sites(lat0: f64, lon0: f64, half_deg: f64) -> Vec<(f64, f64)> {
    let mut r = SplitMix64::new(2026);
    (0..N)
        .map(|_| {
            (
                lat0 + half_deg * (2.0 * r.uniform() - 1.0),
                lon0 + half_deg * (2.0 * r.uniform() - 1.0),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let rupture = kumamoto_2016().expect("preset");
    let eq_sites = sites(32.75, 130.76, 1.0);
    let model = Boore2014::new(Bssa14Region::JapanItaly);
    let mut g = c.benchmark_group("hazard_100k_sites");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);

    g.bench_function("intensity_bssa14_pga_finite_fault", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for (lat, lon) in &eq_sites {
                let input = rupture.gmpe_input(*lat, *lon, 400.0);
                acc += model.compute(&input, Imt::Pga).map_or(0.0, |g| g.median);
            }
            black_box(acc)
        })
    });

    let xy: Vec<(f64, f64)> = eq_sites
        .iter()
        .map(|(la, lo)| rupture.local_xy(*la, *lo))
        .collect();
    g.bench_function("residuals_setup_k16", |b| {
        b.iter(|| black_box(CorrelatedField::new(&xy, 8.5, 16).expect("field")))
    });
    let field = CorrelatedField::new(&xy, 8.5, 16).expect("field");
    let mut rng = SplitMix64::new(1);
    let mut z = vec![0.0; N];
    g.bench_function("residuals_sample_k16", |b| {
        b.iter(|| {
            field.sample_into(&mut rng, &mut z);
            black_box(z[0])
        })
    });

    let lib = FragilityLibrary::builtin().expect("curves");
    let ess1 = lib.require("ESS1").expect("ESS1");
    let pga: Vec<f64> = (0..N).map(|i| 0.05 + 0.8 * (i as f64 / N as f64)).collect();
    g.bench_function("damage_sampling_named_streams", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, x) in pga.iter().enumerate() {
                let mut s = sim_core::rng::stream(7, &i.to_string(), "damage");
                n += ess1.sample(*x, &mut s);
            }
            black_box(n)
        })
    });

    let track_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tc_wind/climada_trac_brb_test_interpolated_1h_si.csv"
    );
    let track = SiTrack::read_csv(std::path::Path::new(track_path)).expect("track");
    let wind_sites = sites(13.2, -59.6, 1.5);
    let field = WindField::new(track, WindModel::H08);
    g.bench_function("wind_h08_max_223_nodes", |b| {
        b.iter(|| black_box(field.max_wind(&wind_sites, 0.0)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
