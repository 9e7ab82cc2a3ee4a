//! Resilience metrics of one replica, and their aggregation over replicas.
//!
//! Definitions (documented choices):
//!
//! - `energy_not_served_mwh`: demand minus served energy over the horizon.
//! - `critical_served_fraction`: served over demanded energy of critical
//!   loads (hospitals, shelters, water pumps) over the horizon.
//! - A load is *interrupted* in a step when it is in a dark island or is
//!   served below its non-sheddable floor (`demand * (1 - sheddable)`);
//!   curtailing only the sheddable part is not an interruption.
//! - IEEE Std 1366-2012 indices for the event: `saifi` = customer
//!   interruptions / customers served; `saidi_h` = customer-hours of
//!   interruption / customers served; `caidi_h` = saidi / saifi (0 when
//!   there was no interruption). `customer_hours_lost` is the numerator of
//!   SAIDI.
//! - `t90_restore_h` / `t99_restore_h`: hours from the event until the
//!   served load fraction is back to at least 0.90 / 0.99 and stays there for
//!   the rest of the horizon (0 if it never dropped below; the horizon if it
//!   never recovers: censored).
//! - Resilience trapezoid (Panteli, Mancarella, Trakas, Kyriakides &
//!   Hatziargyriou 2017, "Metrics and quantification of operational and
//!   infrastructure resilience in power systems", IEEE Trans. Power Systems
//!   32(6):4732-4742), on the served load fraction R(t) with R0 = 1:
//!   `phi_per_h` (Φ, speed of degradation: (R0 - Rmin) / hours to reach the
//!   minimum), `lambda` (Λ, depth: R0 - Rmin), `e_h` (E, hours spent at the
//!   minimum, within 1e-3), `pi_per_h` (Π, speed of recovery: (R0 - Rmin) /
//!   hours from leaving the minimum to t99), and `resilience_loss_h` (the
//!   area ∫ (R0 - R) dt, hours).

use std::collections::BTreeMap;

use crate::sim::ReplicaResult;

/// Metric names, in output order.
pub const METRICS: [&str; 16] = [
    "energy_not_served_mwh",
    "critical_served_mwh",
    "shared_energy_mwh",
    "critical_served_fraction",
    "served_energy_fraction",
    "customer_hours_lost",
    "saifi",
    "saidi_h",
    "caidi_h",
    "t90_restore_h",
    "t99_restore_h",
    "panteli_phi_per_h",
    "panteli_lambda",
    "panteli_e_h",
    "panteli_pi_per_h",
    "resilience_loss_h",
];

fn restore_time(r: &[f64], dt_h: f64, level: f64) -> f64 {
    match r.iter().rposition(|&x| x < level - 1e-9) {
        None => 0.0,
        Some(k) => (k + 1) as f64 * dt_h,
    }
}

/// The metrics of one replica.
pub fn replica_metrics(res: &ReplicaResult, dt_h: f64) -> BTreeMap<&'static str, f64> {
    let r = &res.served_fraction;
    let horizon = r.len() as f64 * dt_h;
    let mut m = BTreeMap::new();
    m.insert(
        "energy_not_served_mwh",
        (res.demand_mwh - res.served_mwh).max(0.0),
    );
    m.insert("critical_served_mwh", res.critical_served_mwh);
    m.insert("shared_energy_mwh", res.shared_mwh);
    m.insert(
        "critical_served_fraction",
        if res.critical_demand_mwh > 0.0 {
            res.critical_served_mwh / res.critical_demand_mwh
        } else {
            1.0
        },
    );
    m.insert(
        "served_energy_fraction",
        if res.demand_mwh > 0.0 {
            res.served_mwh / res.demand_mwh
        } else {
            1.0
        },
    );
    m.insert("customer_hours_lost", res.customer_hours);
    let cust = res.customers.max(1.0);
    let saifi = res.customer_interruptions / cust;
    let saidi = res.customer_hours / cust;
    m.insert("saifi", saifi);
    m.insert("saidi_h", saidi);
    m.insert("caidi_h", if saifi > 0.0 { saidi / saifi } else { 0.0 });
    m.insert("t90_restore_h", restore_time(r, dt_h, 0.90).min(horizon));
    let t99 = restore_time(r, dt_h, 0.99).min(horizon);
    m.insert("t99_restore_h", t99);
    let rmin = r.iter().cloned().fold(1.0, f64::min);
    let lambda = (1.0 - rmin).max(0.0);
    let first_min = r.iter().position(|&x| x <= rmin + 1e-3).unwrap_or(0);
    let last_min = r.iter().rposition(|&x| x <= rmin + 1e-3).unwrap_or(0);
    let t_ee = (first_min as f64 + 1.0) * dt_h;
    let t_r = (last_min as f64 + 1.0) * dt_h;
    m.insert(
        "panteli_phi_per_h",
        if lambda > 0.0 { lambda / t_ee } else { 0.0 },
    );
    m.insert("panteli_lambda", lambda);
    m.insert("panteli_e_h", if lambda > 0.0 { t_r - t_ee } else { 0.0 });
    m.insert(
        "panteli_pi_per_h",
        if lambda > 0.0 && t99 > t_r {
            lambda / (t99 - t_r)
        } else {
            0.0
        },
    );
    m.insert(
        "resilience_loss_h",
        r.iter().map(|x| (1.0 - x).max(0.0) * dt_h).sum(),
    );
    m
}

/// Mean and the 5th, 50th and 95th percentiles (linear interpolation
/// between order statistics, as numpy's default) of `v`.
pub fn summarise(v: &[f64]) -> BTreeMap<&'static str, f64> {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(f64::total_cmp);
    let mut out = BTreeMap::new();
    if s.is_empty() {
        return out;
    }
    let q = |p: f64| {
        let x = p * (s.len() - 1) as f64;
        let i = x.floor() as usize;
        let j = (i + 1).min(s.len() - 1);
        s[i] + (s[j] - s[i]) * (x - i as f64)
    };
    out.insert("mean", s.iter().sum::<f64>() / s.len() as f64);
    out.insert("p5", q(0.05));
    out.insert("p50", q(0.50));
    out.insert("p95", q(0.95));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy_linear() {
        // numpy.percentile([1,2,3,4,5,6,7,8,9,10], [5,50,95]) = 1.45, 5.5, 9.55
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = summarise(&v);
        assert!((s["p5"] - 1.45).abs() < 1e-12);
        assert!((s["p50"] - 5.5).abs() < 1e-12);
        assert!((s["p95"] - 9.55).abs() < 1e-12);
        assert!((s["mean"] - 5.5).abs() < 1e-12);
    }

    #[test]
    fn restore_time_is_last_dip_below_the_level() {
        let r = [1.0, 0.2, 0.5, 0.95, 0.85, 0.95, 1.0];
        assert_eq!(restore_time(&r, 1.0, 0.9), 5.0);
        assert_eq!(restore_time(&r, 1.0, 0.99), 6.0);
        assert_eq!(restore_time(&[1.0, 1.0], 1.0, 0.9), 0.0);
    }
}
