//! The ground-motion models behave physically on inputs that are not in the
//! verification tables: medians fall with distance, rise with magnitude,
//! and every median and sigma is finite and positive, for random ruptures
//! and sites across the models' ranges.

#![allow(clippy::unwrap_used)]

use disaster_scenarios::gmpe::{GmpeInput, Imt, model_by_name};
use proptest::prelude::*;

fn input(mag: f64, rake: f64, depth: f64, r: f64, vs30: f64) -> GmpeInput {
    GmpeInput {
        mag,
        rake,
        hypo_depth: depth,
        rrup: r,
        rjb: (r * r - depth * depth).max(0.0).sqrt(),
        vs30,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn medians_fall_with_distance_and_rise_with_magnitude(
        mag in 5.0f64..7.9,
        rake in -180.0f64..180.0,
        depth in 2.0f64..25.0,
        r in 30.0f64..200.0,
        vs30_ix in 0usize..3,
        model_ix in 0usize..4,
    ) {
        let names = ["sm99-crustal", "sm99-interface", "sm99-slab", "bssa14"];
        let vs30 = [400.0, 600.0, 800.0][vs30_ix];
        let m = model_by_name(names[model_ix], "global").unwrap();
        for imt in [Imt::Pga, Imt::Pgv] {
            let near = m.compute(&input(mag, rake, depth, r, vs30), imt).unwrap();
            let far = m.compute(&input(mag, rake, depth, r * 1.5, vs30), imt).unwrap();
            let big = m.compute(&input(mag + 0.3, rake, depth, r, vs30), imt).unwrap();
            prop_assert!(near.median.is_finite() && near.median > 0.0);
            prop_assert!(near.sigma_total.is_finite() && near.sigma_total > 0.0);
            prop_assert!(far.median < near.median, "{} {imt:?}: {} !< {}", names[model_ix], far.median, near.median);
            prop_assert!(big.median > near.median, "{} {imt:?}: {} !> {}", names[model_ix], big.median, near.median);
            if let (Some(t), Some(p)) = (near.sigma_inter, near.sigma_intra) {
                // Total = sqrt(tau^2 + phi^2).
                prop_assert!((near.sigma_total - (t * t + p * p).sqrt()).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn softer_sites_shake_more_at_moderate_levels() {
    // BSSA14's linear site term: lower Vs30 amplifies (at 100 km, M 6, where
    // the nonlinear term is small).
    let m = model_by_name("bssa14", "global").unwrap();
    let soft = m
        .compute(&input(6.0, 0.0, 10.0, 100.0, 250.0), Imt::Pga)
        .unwrap();
    let rock = m
        .compute(&input(6.0, 0.0, 10.0, 100.0, 760.0), Imt::Pga)
        .unwrap();
    assert!(soft.median > rock.median);
}
