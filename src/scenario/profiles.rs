//! Synthetic daily load shapes by class.
//!
//! Each class has 24 hourly values (fraction of the load's peak, at local
//! time, hour 0 = 00:00-01:00), interpolated linearly between hour centres.
//! These are documented assumptions shaped after typical Japanese demand
//! patterns (residential: morning and evening peaks; commercial: business
//! hours; hospital: high base load with a daytime plateau; a shelter after a
//! disaster: occupied day and night with an evening peak; water pumping:
//! morning and evening demand peaks), not measured data. Profile files can
//! replace them (not done yet: see the README).

use super::community::LoadClass;

/// Hourly shape (fraction of peak) of a class.
pub fn shape(class: LoadClass) -> [f64; 24] {
    match class {
        LoadClass::Residential => [
            0.45, 0.40, 0.37, 0.35, 0.35, 0.40, 0.55, 0.70, 0.65, 0.55, 0.50, 0.50, 0.52, 0.50,
            0.48, 0.50, 0.58, 0.72, 0.90, 1.00, 0.98, 0.88, 0.72, 0.55,
        ],
        LoadClass::Commercial => [
            0.30, 0.28, 0.28, 0.28, 0.28, 0.30, 0.40, 0.60, 0.85, 0.95, 1.00, 1.00, 0.95, 1.00,
            1.00, 0.98, 0.95, 0.88, 0.75, 0.60, 0.50, 0.42, 0.36, 0.32,
        ],
        LoadClass::Hospital => [
            0.72, 0.70, 0.70, 0.70, 0.70, 0.72, 0.78, 0.88, 0.96, 1.00, 1.00, 1.00, 0.98, 1.00,
            1.00, 0.98, 0.95, 0.90, 0.86, 0.84, 0.82, 0.80, 0.76, 0.74,
        ],
        LoadClass::Shelter => [
            0.55, 0.50, 0.50, 0.50, 0.52, 0.60, 0.75, 0.85, 0.80, 0.72, 0.70, 0.72, 0.75, 0.70,
            0.68, 0.70, 0.78, 0.90, 1.00, 1.00, 0.95, 0.85, 0.70, 0.60,
        ],
        LoadClass::WaterPump => [
            0.55, 0.50, 0.48, 0.48, 0.52, 0.70, 0.90, 1.00, 0.95, 0.85, 0.80, 0.78, 0.80, 0.78,
            0.75, 0.75, 0.80, 0.90, 0.98, 1.00, 0.92, 0.80, 0.68, 0.60,
        ],
    }
}

/// Fraction of peak at local time `hour` (0..24, fractional).
pub fn at(class: LoadClass, hour: f64) -> f64 {
    let s = shape(class);
    let h = (hour - 0.5).rem_euclid(24.0);
    let i = h.floor() as usize % 24;
    let f = h - h.floor();
    s[i] * (1.0 - f) + s[(i + 1) % 24] * f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_peak_at_one_and_interpolate_continuously() {
        for c in [
            LoadClass::Residential,
            LoadClass::Commercial,
            LoadClass::Hospital,
            LoadClass::Shelter,
            LoadClass::WaterPump,
        ] {
            let s = shape(c);
            let max = s.iter().cloned().fold(0.0, f64::max);
            assert!((max - 1.0).abs() < 1e-12, "{c:?}");
            assert!((at(c, 5.5) - s[5]).abs() < 1e-12);
            assert!(
                (at(c, 23.99) - at(c, 0.0)).abs() < 0.01,
                "wraps at midnight"
            );
        }
    }
}
