//! The sampled within-event residual fields have the Jayaram & Baker (2009)
//! correlation.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use disaster_scenarios::correlation::{
    CorrelatedField, Vs30Clustering, jb09_correlation, jb09_range_km,
};
use disaster_scenarios::rng::SplitMix64;

fn empirical_corr(samples: &[Vec<f64>], a: usize, b: usize) -> (f64, f64, f64) {
    let n = samples.len() as f64;
    let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for s in samples {
        sa += s[a];
        sb += s[b];
        saa += s[a] * s[a];
        sbb += s[b] * s[b];
        sab += s[a] * s[b];
    }
    let (ma, mb) = (sa / n, sb / n);
    let va = saa / n - ma * ma;
    let vb = sbb / n - mb * mb;
    ((sab / n - ma * mb) / (va * vb).sqrt(), va, vb)
}

#[test]
fn exact_when_conditioning_on_all_sites() {
    let b = jb09_range_km(0.0, Vs30Clustering::NotClustered);
    assert_eq!(b, 8.5);
    assert_eq!(jb09_range_km(0.0, Vs30Clustering::Clustered), 40.7);
    let xy = [(0.0, 0.0), (2.0, 0.0), (0.0, 5.0), (10.0, 10.0), (3.0, 4.0)];
    let field = CorrelatedField::new(&xy, b, 8).expect("field");
    let mut rng = SplitMix64::new(1);
    let samples: Vec<Vec<f64>> = (0..40_000).map(|_| field.sample(&mut rng)).collect();
    for a in 0..xy.len() {
        for c in a + 1..xy.len() {
            let h = ((xy[a].0 - xy[c].0).powi(2) + (xy[a].1 - xy[c].1).powi(2)).sqrt();
            let (r, va, vc) = empirical_corr(&samples, a, c);
            let want = jb09_correlation(h, b);
            assert!((r - want).abs() < 0.02, "sites {a},{c}: {r} vs {want}");
            assert!((va - 1.0).abs() < 0.03 && (vc - 1.0).abs() < 0.03);
        }
    }
}

#[test]
fn nearest_neighbour_approximation_on_a_grid() {
    // 30 x 30 grid at 1 km, range 8.5 km, 16 neighbours.
    let xy: Vec<(f64, f64)> = (0..900)
        .map(|i| ((i % 30) as f64, (i / 30) as f64))
        .collect();
    let field = CorrelatedField::new(&xy, 8.5, 16).expect("field");
    let mut rng = SplitMix64::new(9);
    let samples: Vec<Vec<f64>> = (0..4000).map(|_| field.sample(&mut rng)).collect();
    // Centre-area pairs at lags 1, 3 and 6 km.
    for (lag, tol) in [(1usize, 0.06), (3, 0.08), (6, 0.1)] {
        let mut acc = 0.0;
        let mut m = 0.0;
        for y in 10..20 {
            for x in 5..15 {
                let a = y * 30 + x;
                let (r, _, _) = empirical_corr(&samples, a, a + lag);
                acc += r;
                m += 1.0;
            }
        }
        let r = acc / m;
        let want = jb09_correlation(lag as f64, 8.5);
        println!("lag {lag} km: mean empirical {r:.3}, model {want:.3}");
        assert!((r - want).abs() < tol, "lag {lag}: {r} vs {want}");
    }
}

#[test]
fn deterministic_under_a_seed() {
    let xy: Vec<(f64, f64)> = (0..500)
        .map(|i| ((i % 25) as f64 * 0.7, (i / 25) as f64 * 1.3))
        .collect();
    let field = CorrelatedField::new(&xy, 8.5, 12).expect("field");
    let a = field.sample(&mut sim_core::rng::stream(3, "event-1", "intra-event"));
    let b = field.sample(&mut sim_core::rng::stream(3, "event-1", "intra-event"));
    assert_eq!(a, b);
}
