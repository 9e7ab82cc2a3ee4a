//! Synthetic daily load shapes by class.
//!
//! Each class has 24 hourly values (fraction of the load's peak, at local
//! time, hour 0 = 00:00-01:00), interpolated linearly between hour centres.
//! These are documented assumptions shaped after typical Japanese demand
//! patterns (residential: morning and evening peaks; commercial: business
//! hours; hospital: high base load with a daytime plateau; a shelter after a
//! disaster: occupied day and night with an evening peak; water pumping:
//! morning and evening demand peaks), not measured data. A profile file
//! per load ([`read_profile`]) replaces them.

use std::path::Path;

use super::ScenarioError;
use super::community::LoadClass;

/// A time series read from a profile file: (unix seconds, value), times
/// increasing.
pub type Series = Vec<(i64, f64)>;

/// Reads a profile CSV with a header `time,<value_name>` (extra columns are
/// not allowed), RFC 3339 times with an offset and finite values. Errors
/// name the file, the line and what was expected.
pub fn read_profile(path: &Path, value_name: &str) -> Result<Series, ScenarioError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        path: name.clone(),
        source,
    })?;
    parse_profile(&text, &name, value_name)
}

/// Parses the text of a profile file (see [`read_profile`]).
pub fn parse_profile(text: &str, name: &str, value_name: &str) -> Result<Series, ScenarioError> {
    let bad = |line: usize, m: String| ScenarioError::Parse {
        file: name.to_string(),
        line,
        column: 1,
        message: m,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((h0, header)) = lines.next() else {
        return Err(bad(
            1,
            format!("empty profile: expected a header `time,{value_name}`"),
        ));
    };
    let cols: Vec<&str> = header.split(',').map(str::trim).collect();
    if cols != ["time", value_name] {
        return Err(bad(
            h0 + 1,
            format!("header is `{header}`: expected `time,{value_name}`"),
        ));
    }
    let mut out: Series = Vec::new();
    for (i, l) in lines {
        let mut it = l.split(',').map(str::trim);
        let (Some(t), Some(v), None) = (it.next(), it.next(), it.next()) else {
            return Err(bad(
                i + 1,
                format!("expected two columns `time,{value_name}`, found `{l}`"),
            ));
        };
        let t = chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| {
                bad(
                    i + 1,
                    format!("time `{t}` is not RFC 3339 with an offset: {e}"),
                )
            })?
            .timestamp();
        let v: f64 = v
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| bad(i + 1, format!("{value_name} `{v}` is not a number >= 0")))?;
        if out.last().is_some_and(|&(p, _)| t <= p) {
            return Err(bad(i + 1, "times must increase strictly".into()));
        }
        out.push((t, v));
    }
    if out.is_empty() {
        return Err(bad(h0 + 1, "the profile has no rows".into()));
    }
    Ok(out)
}

/// The value of a series at `t` (unix seconds): linear between rows, held
/// before the first and after the last.
pub fn value_at(s: &Series, t: f64) -> f64 {
    let k = s.partition_point(|&(ti, _)| (ti as f64) <= t);
    match k {
        0 => s[0].1,
        k if k >= s.len() => s[s.len() - 1].1,
        k => {
            let (t0, v0) = s[k - 1];
            let (t1, v1) = s[k];
            v0 + (v1 - v0) * (t - t0 as f64) / (t1 - t0) as f64
        }
    }
}

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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn profile_files_parse_interpolate_and_report_errors() {
        let s = parse_profile(
            "time,kw\n2024-01-01T00:00:00+09:00,10\n2024-01-01T01:00:00+09:00,20\n",
            "p.csv",
            "kw",
        )
        .unwrap();
        let t0 = s[0].0 as f64;
        assert_eq!(value_at(&s, t0 - 100.0), 10.0);
        assert!((value_at(&s, t0 + 1800.0) - 15.0).abs() < 1e-12);
        assert_eq!(value_at(&s, t0 + 1e6), 20.0);
        let e = parse_profile("time,kw\n2024-01-01T00:00:00,10\n", "p.csv", "kw")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("p.csv:2:1: time `2024-01-01T00:00:00` is not RFC 3339"),
            "{e}"
        );
        let e = parse_profile("t,kw\n", "p.csv", "kw")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "p.csv:1:1: header is `t,kw`: expected `time,kw`");
        let e = parse_profile("time,kw\n2024-01-01T00:00:00Z,-3\n", "p.csv", "kw")
            .unwrap_err()
            .to_string();
        assert!(e.contains("kw `-3` is not a number >= 0"), "{e}");
        assert!(parse_profile("", "p.csv", "kw").is_err());
    }

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
