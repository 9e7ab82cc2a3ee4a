//! Damage-state sampling reproduces the fragility curves.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use disaster_scenarios::fragility::{FragilityLibrary, sample_damage};
use disaster_scenarios::rng::SplitMix64;

/// Chi-square test (4 degrees of freedom) of sampled damage-state
/// frequencies against the curve probabilities, for several classes and
/// intensities, with each asset drawing from its own named stream.
#[test]
fn sampled_frequencies_match_curves() {
    let lib = FragilityLibrary::builtin().expect("builtin curves");
    let n = 200_000usize;
    for (class, x) in [
        ("ESS1", 0.30),
        ("EDC2", 0.50),
        ("EPP3", 0.20),
        ("ESS6", 0.30),
    ] {
        let c = lib.require(class).expect("class");
        let p = c.state_probabilities(x);
        let xs = vec![x; n];
        let ds = sample_damage(c, &xs, |i| {
            SplitMix64::named(42, &format!("asset-{i}"), "damage")
        });
        let mut counts = vec![0usize; p.len()];
        for d in &ds {
            counts[*d as usize] += 1;
        }
        let mut chi2 = 0.0;
        let mut dof = 0;
        for (k, pk) in p.iter().enumerate() {
            let e = pk * n as f64;
            if e >= 5.0 {
                chi2 += (counts[k] as f64 - e).powi(2) / e;
                dof += 1;
            } else {
                // Tiny classes: the count must stay within a Poisson band.
                assert!((counts[k] as f64) < e + 6.0 * e.sqrt() + 10.0);
            }
        }
        println!(
            "{class} @ {x}: counts {counts:?}, expected {p:?}, chi2 {chi2:.2} (dof {})",
            dof - 1
        );
        // 0.999 quantiles of chi-square with 1..4 dof.
        let crit = [10.83, 13.82, 16.27, 18.47][dof.max(2) - 2];
        assert!(chi2 < crit, "{class}: chi2 {chi2} >= {crit}");
    }
}

/// Sampling with sim-core's named streams is deterministic.
#[test]
fn sim_core_streams_are_deterministic() {
    let lib = FragilityLibrary::builtin().expect("builtin curves");
    let c = lib.require("ESS1").expect("class");
    let xs: Vec<f64> = (0..1000).map(|i| 0.05 + 0.001 * i as f64).collect();
    let run = || {
        sample_damage(c, &xs, |i| {
            sim_core::rng::stream(7, &format!("sub-{i}"), "damage")
        })
    };
    assert_eq!(run(), run());
}
