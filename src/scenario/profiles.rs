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

/// Reads column `column` of a Parquet profile with a datetime column (the
/// first one; UTC) as a series. Errors name the file and the column.
pub fn read_parquet_profile(path: &Path, column: &str) -> Result<Series, ScenarioError> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| ScenarioError::Io {
        path: name.clone(),
        source,
    })?;
    parse_parquet_profile(f, &name, column)
}

/// Like [`read_parquet_profile`] from any Parquet source (a file, or bytes
/// in a `std::io::Cursor`); `name` is used in messages.
pub fn parse_parquet_profile<R: polars::io::mmap::MmapBytesReader>(
    reader: R,
    name: &str,
    column: &str,
) -> Result<Series, ScenarioError> {
    use polars::prelude::{DataType, ParquetReader, SerReader, TimeUnit};
    let bad = |m: String| ScenarioError::Parse {
        file: name.to_string(),
        line: 0,
        column: 0,
        message: m,
    };
    // polars' Parquet reader panics on some malformed metadata (found by
    // fuzzing, tests/bad-inputs/profile-parquet/bad_metadata.parquet): a
    // panic there is a malformed file, not a bug of the caller.
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ParquetReader::new(reader).finish()
    }));
    let df = match read {
        Ok(r) => r.map_err(|e| bad(format!("not a readable Parquet file: {e}")))?,
        Err(_) => {
            return Err(bad(
                "not a readable Parquet file: the Parquet reader failed on its metadata".into(),
            ));
        }
    };
    let tcol = df
        .columns()
        .iter()
        .find(|c| matches!(c.dtype(), DataType::Datetime(_, _)))
        .ok_or_else(|| bad("no datetime column: expected a UTC time column".into()))?;
    let scale = match tcol.dtype() {
        DataType::Datetime(TimeUnit::Milliseconds, _) => 1_000,
        DataType::Datetime(TimeUnit::Microseconds, _) => 1_000_000,
        _ => 1_000_000_000,
    };
    let times = tcol
        .cast(&DataType::Int64)
        .map_err(|e| bad(format!("time column: {e}")))?;
    let times = times
        .i64()
        .map_err(|e| bad(format!("time column: {e}")))?
        .clone();
    let vcol = df.column(column).map_err(|_| {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        bad(format!(
            "no column `{column}`; the file has {}",
            names.join(", ")
        ))
    })?;
    let vals = vcol
        .cast(&DataType::Float64)
        .map_err(|e| bad(format!("column `{column}`: {e}")))?;
    let vals = vals
        .f64()
        .map_err(|e| bad(format!("column `{column}`: {e}")))?
        .clone();
    let mut out: Series = Vec::with_capacity(df.height());
    for row in 0..times.len() {
        let (t, v) = (times.get(row), vals.get(row));
        let (Some(t), Some(v)) = (t, v) else {
            return Err(bad(format!("row {}: missing time or value", row + 1)));
        };
        if !v.is_finite() {
            return Err(bad(format!("row {}: `{column}` is not finite", row + 1)));
        }
        let t = t.div_euclid(scale);
        if out.last().is_some_and(|&(p, _)| t <= p) {
            return Err(bad(format!(
                "row {}: times must increase strictly",
                row + 1
            )));
        }
        out.push((t, v));
    }
    if out.is_empty() {
        return Err(bad("the profile has no rows".into()));
    }
    Ok(out)
}

/// Moves unix time `t` into the calendar year that starts the series,
/// keeping its offset from 1 January 00:00 UTC (for typical-year profiles).
pub fn into_profile_year(s: &Series, t: f64) -> f64 {
    use chrono::{Datelike, TimeZone, Utc};
    let year_start = |ts: i64| {
        Utc.timestamp_opt(ts, 0)
            .single()
            .and_then(|d| Utc.with_ymd_and_hms(d.year(), 1, 1, 0, 0, 0).single())
            .map_or(0, |d| d.timestamp())
    };
    let y0 = year_start(s[0].0);
    let ty = year_start(t.floor() as i64);
    y0 as f64 + (t - ty as f64)
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
