//! Severity: intensity scales and a 1–5 disaster level per site, event and
//! region.
//!
//! Scales (`severity_scales.md` in the project's hazard data; items marked
//! \[M\] there were recalled from memory and are flagged here too):
//!
//! * JMA seismic intensity from PGV (cm/s), Fujimoto & Midorikawa (2005),
//!   J. Social Safety Sci. 7:241–246, as used by J-SHIS:
//!   I = 2.002 + 2.603 log10 PGV − 0.213 (log10 PGV)² when that is > 4,
//!   otherwise I = 2.165 + 2.262 log10 PGV. JMA classes 0–7 with 5−/5+/6−/6+.
//! * MMI from PGA (cm/s²) or PGV (cm/s), Worden et al. (2012), BSSA
//!   102:204–221 \[M\].
//! * Saffir–Simpson category from the 1-min sustained wind, thresholds in
//!   knots 34, 64, 83, 96, 113, 137 (CLIMADA `SAFFIR_SIM_CAT`).
//! * Flood depth ranks of the Japanese MLIT hazard maps: < 0.5, 0.5–3,
//!   3–5, 5–10, ≥ 10 m \[M\].
//!
//! The 1–5 level (a design proposal, not a standard):
//!
//! | level | earthquake (JMA class) | wind (Saffir–Simpson, 1-min) | flood depth |
//! |---|---|---|---|
//! | 1 | ≤ 4 | tropical storm or weaker | < 0.5 m |
//! | 2 | 5− / 5+ | Cat 1 | 0.5–3 m |
//! | 3 | 6− | Cat 2 | 3–5 m |
//! | 4 | 6+ | Cat 3 | 5–10 m |
//! | 5 | 7 | Cat 4–5 | ≥ 10 m |
//!
//! An event's level is the highest level over its sites; a region's level is
//! the highest level over the sites in the region.

use std::collections::BTreeMap;

/// JMA instrumental intensity from PGV in cm/s (Fujimoto & Midorikawa 2005).
pub fn jma_intensity_from_pgv(pgv_cms: f64) -> f64 {
    if pgv_cms.is_nan() || pgv_cms <= 0.0 {
        return 0.0;
    }
    let l = pgv_cms.log10();
    let high = 2.002 + 2.603 * l - 0.213 * l * l;
    if high > 4.0 { high } else { 2.165 + 2.262 * l }
}

/// JMA intensity class as a string (`0`..`4`, `5-`, `5+`, `6-`, `6+`, `7`).
pub fn jma_class(i: f64) -> &'static str {
    // JMA rounds at the third decimal and truncates to one decimal.
    let i = ((i * 100.0).round() / 100.0 * 10.0).floor() / 10.0;
    match i {
        x if x < 0.5 => "0",
        x if x < 1.5 => "1",
        x if x < 2.5 => "2",
        x if x < 3.5 => "3",
        x if x < 4.5 => "4",
        x if x < 5.0 => "5-",
        x if x < 5.5 => "5+",
        x if x < 6.0 => "6-",
        x if x < 6.5 => "6+",
        _ => "7",
    }
}

/// MMI from PGA in g (Worden et al. 2012) \[M\].
pub fn mmi_from_pga(pga_g: f64) -> f64 {
    let y = (pga_g * 980.665).max(1e-12).log10();
    if y <= 1.57 {
        1.78 + 1.55 * y
    } else {
        -1.60 + 3.70 * y
    }
}

/// MMI from PGV in cm/s (Worden et al. 2012) \[M\].
pub fn mmi_from_pgv(pgv_cms: f64) -> f64 {
    let y = pgv_cms.max(1e-12).log10();
    if y <= 0.53 {
        3.78 + 1.47 * y
    } else {
        2.89 + 3.16 * y
    }
}

/// Saffir–Simpson category from a 1-min sustained wind in m/s: −1 below
/// tropical storm, 0 tropical storm, 1–5 hurricane categories.
pub fn saffir_simpson(wind_ms: f64) -> i8 {
    const KN: [f64; 6] = [34.0, 64.0, 83.0, 96.0, 113.0, 137.0];
    let kn = wind_ms / (1852.0 / 3600.0);
    let mut cat = -1;
    for (i, t) in KN.iter().enumerate() {
        if kn >= *t {
            cat = i as i8;
        }
    }
    cat
}

/// A hazard intensity at one site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intensity {
    /// Peak ground velocity, cm/s.
    Pgv(f64),
    /// JMA instrumental intensity.
    Jma(f64),
    /// 1-min sustained wind, m/s.
    Wind(f64),
    /// Flood depth, m.
    FloodDepth(f64),
}

/// The 1–5 level of one site's intensity (see the module table).
pub fn level(x: Intensity) -> u8 {
    match x {
        Intensity::Pgv(v) => level(Intensity::Jma(jma_intensity_from_pgv(v))),
        Intensity::Jma(i) => match jma_class(i) {
            "5-" | "5+" => 2,
            "6-" => 3,
            "6+" => 4,
            "7" => 5,
            _ => 1,
        },
        Intensity::Wind(w) => match saffir_simpson(w) {
            c if c <= 0 => 1,
            1 => 2,
            2 => 3,
            3 => 4,
            _ => 5,
        },
        Intensity::FloodDepth(d) => {
            if d < 0.5 {
                1
            } else if d < 3.0 {
                2
            } else if d < 5.0 {
                3
            } else if d < 10.0 {
                4
            } else {
                5
            }
        }
    }
}

/// The event level: the highest site level (1 when there is no site).
pub fn event_level(sites: &[Intensity]) -> u8 {
    sites.iter().map(|x| level(*x)).max().unwrap_or(1)
}

/// Levels per region: the highest level of the sites in each region.
pub fn region_levels<'a>(sites: &[(&'a str, Intensity)]) -> BTreeMap<&'a str, u8> {
    let mut out = BTreeMap::new();
    for (r, x) in sites {
        let l = level(*x);
        let e = out.entry(*r).or_insert(1u8);
        *e = (*e).max(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_values() {
        // severity_scales.md: PGV 5 → 3.746; 20 → 5.028; 50 → 5.810; 100 → 6.356.
        for (v, i) in [(5.0, 3.746), (20.0, 5.028), (50.0, 5.810), (100.0, 6.356)] {
            assert!((jma_intensity_from_pgv(v) - i).abs() < 1e-3, "{v}");
        }
        assert_eq!(jma_class(6.356), "6+");
        assert_eq!(level(Intensity::Pgv(100.0)), 4);
        assert_eq!(saffir_simpson(17.4), -1);
        assert_eq!(saffir_simpson(17.5), 0);
        assert_eq!(saffir_simpson(50.0), 3);
        assert_eq!(level(Intensity::Wind(75.0)), 5);
        assert_eq!(level(Intensity::FloodDepth(1.0)), 2);
        let r = region_levels(&[
            ("a", Intensity::Jma(5.2)),
            ("a", Intensity::Jma(6.6)),
            ("b", Intensity::Wind(20.0)),
        ]);
        assert_eq!(r.get("a"), Some(&5));
        assert_eq!(r.get("b"), Some(&1));
    }
}
