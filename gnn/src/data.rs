//! Net-load series on a graph, and the SimBench reader.
//!
//! A [`SeriesSet`] is everything the forecaster sees: a graph, an hourly
//! per-node net load in per unit of the node's rating, static node
//! features, and hourly calendar and solar-geometry features.
//!
//! # SimBench
//!
//! [`load_simbench`] reads the data pack in `shared/data/grids/simbench`
//! (SimBench 1.6.3 via pandapower; see that folder's README): for each grid,
//! `buses.csv` (nodes and coordinates), `branches.csv` (in-service lines,
//! transformers and bus couplers become undirected edges), `loads.csv` and
//! `sgens.csv` (base values and profile columns) and `profiles.parquet`
//! (35 136 quarter-hours of 2016). Per bus and hour:
//!
//! ```text
//! net_load_mw(t) = sum_loads p_mw * pload(t) - sum_sgens p_mw * profile(t)
//! ```
//!
//! with quarter-hours averaged to hours. "Generation" is every static
//! generator at the bus: PV, wind, the aggregated LV DER (`lv_RES`, mostly
//! PV) and, in the MV grid, one biomass and one hydro unit. Storage profiles
//! are left out (the pack's caveat 6.2 calls them unreliable). The node's
//! rating is `sum load p_mw + sum sgen p_mw`; buses with neither are in the
//! graph but inactive (no loss, no metric).

use std::collections::BTreeMap;
use std::f64::consts::PI;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::Error;
use crate::graph::Graph;

/// Static features per node: shares of the rating that are load, PV
/// (including aggregated LV DER), wind and other generation.
pub const STATIC_DIM: usize = 4;
/// Calendar and solar features per hour: sin/cos of the local hour, sin/cos
/// of the day of year, the day of week one-hot (Monday..Sunday; public
/// holidays count as Sunday), and the clear-sky solar factor.
pub const HOUR_DIM: usize = 12;
/// Edge features: line, transformer, bus coupler (one-hot) and line length
/// in km (0 for the others).
pub const EDGE_DIM: usize = 4;

/// Hourly net-load series of the nodes of one graph (possibly several grids
/// as a disjoint union).
#[derive(Debug, Clone)]
pub struct SeriesSet {
    /// The network.
    pub graph: Graph,
    /// Node labels (`grid/bus_id`).
    pub node_names: Vec<String>,
    /// Number of hours.
    pub t_len: usize,
    /// Net load in per unit of the node rating, `[t_len * n]` (hour-major).
    pub values: Vec<f32>,
    /// Node rating in MW (0 for inactive nodes).
    pub scale_mw: Vec<f64>,
    /// Whether the node has load or generation (counts in loss and metrics).
    pub active: Vec<bool>,
    /// `[n * STATIC_DIM]` static node features.
    pub node_static: Vec<f32>,
    /// `[t_len * HOUR_DIM]` calendar and solar features of each hour.
    pub hour_feat: Vec<f32>,
    /// Local (wall-clock) start of each hour.
    pub local_time: Vec<NaiveDateTime>,
}

impl SeriesSet {
    /// Number of nodes.
    pub fn n(&self) -> usize {
        self.graph.n
    }

    /// Net load of node `i` at hour `t` (per unit).
    pub fn value(&self, t: usize, i: usize) -> f32 {
        self.values[t * self.graph.n + i]
    }

    /// Joins sets that cover the same hours into one disjoint graph.
    ///
    /// # Errors
    /// If the sets do not share their hours.
    pub fn union(parts: Vec<SeriesSet>) -> Result<SeriesSet, Error> {
        let Some(first) = parts.first() else {
            return Err(Error::Data("no series to join".into()));
        };
        let t_len = first.t_len;
        for p in &parts {
            if p.t_len != t_len || p.local_time != first.local_time {
                return Err(Error::Data("series cover different hours".into()));
            }
        }
        let graphs: Vec<Graph> = parts.iter().map(|p| p.graph.clone()).collect();
        let graph = Graph::disjoint_union(&graphs);
        let n = graph.n;
        let mut values = vec![0f32; t_len * n];
        for t in 0..t_len {
            let mut off = 0;
            for p in &parts {
                let pn = p.graph.n;
                values[t * n + off..t * n + off + pn]
                    .copy_from_slice(&p.values[t * pn..(t + 1) * pn]);
                off += pn;
            }
        }
        let hour_feat = first.hour_feat.clone();
        let local_time = first.local_time.clone();
        let mut out = SeriesSet {
            graph,
            node_names: vec![],
            t_len,
            values,
            scale_mw: vec![],
            active: vec![],
            node_static: vec![],
            hour_feat,
            local_time,
        };
        for p in parts {
            out.node_names.extend(p.node_names);
            out.scale_mw.extend(p.scale_mw);
            out.active.extend(p.active);
            out.node_static.extend(p.node_static);
        }
        Ok(out)
    }
}

/// Calendar and solar features of one hour (see [`HOUR_DIM`]).
///
/// `local` is the local wall-clock start of the hour; `utc_mid_s` the UTC
/// middle of the hour in seconds since 1970; `lat`/`lon` in degrees.
pub fn hour_features(local: NaiveDateTime, utc_mid_s: i64, lat: f64, lon: f64) -> [f32; HOUR_DIM] {
    let mut f = [0f32; HOUR_DIM];
    let h = f64::from(local.hour()) + 0.5;
    f[0] = (2.0 * PI * h / 24.0).sin() as f32;
    f[1] = (2.0 * PI * h / 24.0).cos() as f32;
    let doy = f64::from(local.ordinal0());
    f[2] = (2.0 * PI * doy / 365.25).sin() as f32;
    f[3] = (2.0 * PI * doy / 365.25).cos() as f32;
    let date = local.date();
    let dow = if is_german_holiday(date) {
        6
    } else {
        date.weekday().num_days_from_monday() as usize
    };
    f[4 + dow] = 1.0;
    f[11] = clear_sky_factor(utc_mid_s, lat, lon) as f32;
    f
}

/// `max(0, sin(solar elevation))` at a UTC instant: declination after
/// Cooper (1969), equation of time after Spencer (1971), no refraction.
/// A calendar quantity (what a clear sky would give), not observed weather.
pub fn clear_sky_factor(utc_s: i64, lat: f64, lon: f64) -> f64 {
    let days = utc_s.div_euclid(86_400);
    let sec = utc_s.rem_euclid(86_400) as f64;
    let date =
        NaiveDate::from_num_days_from_ce_opt(719_163 + days as i32).unwrap_or(NaiveDate::MIN);
    let n = f64::from(date.ordinal());
    let decl = (23.45f64).to_radians() * (2.0 * PI * (284.0 + n) / 365.0).sin();
    let b = 2.0 * PI * (n - 1.0) / 365.0;
    let eot_min = 229.18
        * (0.000075 + 0.001868 * b.cos()
            - 0.032077 * b.sin()
            - 0.014615 * (2.0 * b).cos()
            - 0.04089 * (2.0 * b).sin());
    let solar_h = sec / 3600.0 + lon / 15.0 + eot_min / 60.0;
    let omega = (15.0 * (solar_h - 12.0)).to_radians();
    let phi = lat.to_radians();
    let s = phi.sin() * decl.sin() + phi.cos() * decl.cos() * omega.cos();
    s.max(0.0)
}

/// Nationwide German public holidays (New Year, Good Friday, Easter Monday,
/// Labour Day, Ascension, Whit Monday, Unity Day, Christmas Day and Boxing
/// Day). SimBench's standard load profiles treat holidays like Sundays.
pub fn is_german_holiday(d: NaiveDate) -> bool {
    let y = d.year();
    let fixed = [(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)];
    if fixed.contains(&(d.month(), d.day())) {
        return true;
    }
    let Some(easter) = easter_sunday(y) else {
        return false;
    };
    let off = (d - easter).num_days();
    [-2, 1, 39, 50].contains(&off)
}

/// Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
pub fn easter_sunday(y: i32) -> Option<NaiveDate> {
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(y, month as u32, day as u32)
}

/// The grids of the data pack used by default, in order.
pub const SIMBENCH_GRIDS: [&str; 3] = ["mv_semiurb_0", "lv_rural1_0", "lv_rural1_2"];

/// Reads the SimBench grids [`SIMBENCH_GRIDS`] under `root` (the pack's
/// `simbench/` folder) and joins them into one disjoint graph.
///
/// # Errors
/// Missing or malformed files.
pub fn load_simbench(root: &Path) -> Result<SeriesSet, Error> {
    let parts = SIMBENCH_GRIDS
        .iter()
        .map(|g| load_simbench_grid(&root.join(g)))
        .collect::<Result<Vec<_>, _>>()?;
    SeriesSet::union(parts)
}

type Rows = Vec<BTreeMap<String, String>>;

fn read_csv(path: &Path) -> Result<Rows, Error> {
    let mut rd = csv::Reader::from_path(path)
        .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| Error::Data(format!("{}: {e}", path.display())))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = vec![];
    for rec in rd.records() {
        let rec = rec.map_err(|e| Error::Data(format!("{}: {e}", path.display())))?;
        rows.push(
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect(),
        );
    }
    Ok(rows)
}

fn field<'a>(row: &'a BTreeMap<String, String>, key: &str, file: &str) -> Result<&'a str, Error> {
    row.get(key)
        .map(String::as_str)
        .ok_or_else(|| Error::Data(format!("{file}: no column `{key}`")))
}

fn num(row: &BTreeMap<String, String>, key: &str, file: &str) -> Result<f64, Error> {
    let s = field(row, key, file)?;
    if s.is_empty() {
        return Ok(0.0);
    }
    s.parse::<f64>()
        .map_err(|_| Error::Data(format!("{file}: `{key}` = `{s}` is not a number")))
}

/// Reads one SimBench grid folder (see the module docs).
///
/// # Errors
/// Missing or malformed files.
pub fn load_simbench_grid(dir: &Path) -> Result<SeriesSet, Error> {
    let gname = dir
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let buses = read_csv(&dir.join("buses.csv"))?;
    let branches = read_csv(&dir.join("branches.csv"))?;
    let loads = read_csv(&dir.join("loads.csv"))?;
    let sgens = read_csv(&dir.join("sgens.csv"))?;

    let mut bus_index = BTreeMap::new();
    let (mut lat, mut lon) = (0.0, 0.0);
    let mut names = vec![];
    for (i, b) in buses.iter().enumerate() {
        let id = field(b, "bus_id", "buses.csv")?.to_string();
        lat += num(b, "lat", "buses.csv")?;
        lon += num(b, "lon", "buses.csv")?;
        names.push(format!("{gname}/{id}"));
        bus_index.insert(id, i);
    }
    let n = buses.len();
    if n == 0 {
        return Err(Error::Data(format!("{}: no buses", dir.display())));
    }
    lat /= n as f64;
    lon /= n as f64;
    let bus = |row: &BTreeMap<String, String>, key: &str, file: &str| -> Result<usize, Error> {
        let id = field(row, key, file)?;
        bus_index
            .get(id)
            .copied()
            .ok_or_else(|| Error::Data(format!("{file}: unknown bus `{id}`")))
    };

    let mut edges = vec![];
    for br in &branches {
        if field(br, "status", "branches.csv")? != "1" {
            continue;
        }
        let a = bus(br, "from_bus", "branches.csv")?;
        let b = bus(br, "to_bus", "branches.csv")?;
        let kind = field(br, "kind", "branches.csv")?;
        let mut f = vec![0f32; EDGE_DIM];
        match kind {
            "line" => {
                f[0] = 1.0;
                f[3] = num(br, "length_km", "branches.csv")? as f32;
            }
            "trafo" => f[1] = 1.0,
            _ => f[2] = 1.0,
        }
        edges.push((a, b, f));
    }
    let graph = Graph::undirected(n, &edges, EDGE_DIM);

    // Profiles: every column that a load or sgen needs.
    let mut need: Vec<String> = vec![];
    for l in &loads {
        need.push(field(l, "p_profile_column", "loads.csv")?.to_string());
    }
    for s in &sgens {
        need.push(field(s, "p_profile_column", "sgens.csv")?.to_string());
    }
    need.sort();
    need.dedup();
    let (local_time, utc_ms, prof) = read_profiles(&dir.join("profiles.parquet"), &need)?;
    let t_len = local_time.len();

    let mut values_mw = vec![0f64; t_len * n];
    let mut load_mw = vec![0f64; n];
    let mut gen_mw = vec![[0f64; 3]; n];
    for l in &loads {
        let i = bus(l, "bus", "loads.csv")?;
        let p = num(l, "p_mw", "loads.csv")?;
        let col = &prof[field(l, "p_profile_column", "loads.csv")?];
        load_mw[i] += p;
        for t in 0..t_len {
            values_mw[t * n + i] += p * col[t];
        }
    }
    for s in &sgens {
        let i = bus(s, "bus", "sgens.csv")?;
        let p = num(s, "p_mw", "sgens.csv")?;
        let col = &prof[field(s, "p_profile_column", "sgens.csv")?];
        let ty = field(s, "type", "sgens.csv")?;
        let k = if ty.starts_with("PV") || ty == "lv_RES" {
            0
        } else if ty.starts_with("Wind") {
            1
        } else {
            2
        };
        gen_mw[i][k] += p;
        for t in 0..t_len {
            values_mw[t * n + i] -= p * col[t];
        }
    }
    let mut scale_mw = vec![0f64; n];
    let mut active = vec![false; n];
    let mut node_static = vec![0f32; n * STATIC_DIM];
    for i in 0..n {
        let s = load_mw[i] + gen_mw[i].iter().sum::<f64>();
        if s > 0.0 {
            scale_mw[i] = s;
            active[i] = true;
            node_static[i * STATIC_DIM] = (load_mw[i] / s) as f32;
            for k in 0..3 {
                node_static[i * STATIC_DIM + 1 + k] = (gen_mw[i][k] / s) as f32;
            }
        }
    }
    let mut values = vec![0f32; t_len * n];
    for t in 0..t_len {
        for i in 0..n {
            if active[i] {
                values[t * n + i] = (values_mw[t * n + i] / scale_mw[i]) as f32;
            }
        }
    }
    let mut hour_feat = Vec::with_capacity(t_len * HOUR_DIM);
    for t in 0..t_len {
        let mid = utc_ms[t].div_euclid(1000) + 1800;
        hour_feat.extend_from_slice(&hour_features(local_time[t], mid, lat, lon));
    }
    Ok(SeriesSet {
        graph,
        node_names: names,
        t_len,
        values,
        scale_mw,
        active,
        node_static,
        hour_feat,
        local_time,
    })
}

type Profiles = (Vec<NaiveDateTime>, Vec<i64>, BTreeMap<String, Vec<f64>>);

/// Reads `time_utc`, `time_local` and the `need`ed columns of a SimBench
/// profile file and averages quarter-hours to hours (4 rows per hour; the
/// file starts on a whole hour).
fn read_profiles(path: &Path, need: &[String]) -> Result<Profiles, Error> {
    use polars::prelude::{DataType, ParquetReader, SerReader};
    let name = path.display().to_string();
    let bad = |m: String| Error::Data(format!("{name}: {m}"));
    let f = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let rows = df.height();
    if rows % 4 != 0 || rows == 0 {
        return Err(bad(format!("{rows} rows is not a whole number of hours")));
    }
    let hours = rows / 4;
    let local_col = df
        .column("time_local")
        .map_err(|e| bad(e.to_string()))?
        .str()
        .map_err(|e| bad(e.to_string()))?
        .clone();
    let utc_col = df
        .column("time_utc")
        .map_err(|e| bad(e.to_string()))?
        .cast(&DataType::Int64)
        .map_err(|e| bad(e.to_string()))?;
    let utc_col = utc_col.i64().map_err(|e| bad(e.to_string()))?.clone();
    let mut local = Vec::with_capacity(hours);
    let mut utc = Vec::with_capacity(hours);
    for h in 0..hours {
        let s = local_col
            .get(4 * h)
            .ok_or_else(|| bad(format!("row {}: no time_local", 4 * h)))?;
        let dt = chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| bad(format!("row {}: time_local `{s}`: {e}", 4 * h)))?;
        local.push(dt.naive_local());
        utc.push(
            utc_col
                .get(4 * h)
                .ok_or_else(|| bad(format!("row {}: no time_utc", 4 * h)))?,
        );
    }
    let mut out = BTreeMap::new();
    for c in need {
        let col = df
            .column(c)
            .map_err(|_| bad(format!("no column `{c}`")))?
            .cast(&DataType::Float64)
            .map_err(|e| bad(e.to_string()))?;
        let col = col.f64().map_err(|e| bad(e.to_string()))?.clone();
        let mut v = vec![0f64; hours];
        for r in 0..rows {
            let x = col
                .get(r)
                .ok_or_else(|| bad(format!("row {r}: `{c}` missing")))?;
            v[r / 4] += x / 4.0;
        }
        out.insert(c.clone(), v);
    }
    Ok((local, utc, out))
}

/// A synthetic [`SeriesSet`] for tests and benchmarks: `n` nodes on a ring
/// with `extra_edges` random chords, `days` days from Monday 2016-01-04
/// (local = UTC+1, lat 53.4 N, lon 11.8 E). Node `i` mixes a daily load
/// shape (lower on weekends) with a solar dip, with node-specific weights
/// and phase, plus a little deterministic noise. Everything follows `seed`.
pub fn synthetic(n: usize, days: usize, extra_edges: usize, seed: u64) -> SeriesSet {
    use crate::rng::SplitMix64;
    let mut rng = SplitMix64::fork(seed, "synthetic");
    let mut edges = vec![];
    if n > 1 {
        for i in 0..n {
            edges.push((i, (i + 1) % n, vec![1.0, 0.0, 0.0, 0.5]));
        }
    }
    for _ in 0..extra_edges {
        let (a, b) = (rng.below(n), rng.below(n));
        edges.push((a, b, vec![0.0, 1.0, 0.0, 0.0]));
    }
    let graph = Graph::undirected(n, &edges, EDGE_DIM);
    let t_len = days * 24;
    let start = NaiveDate::from_ymd_opt(2016, 1, 4)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .unwrap_or_default();
    let start_utc_s = 1_451_862_000i64; // 2016-01-03T23:00Z = 2016-01-04T00:00+01:00
    let mut local_time = Vec::with_capacity(t_len);
    let mut hour_feat = Vec::with_capacity(t_len * HOUR_DIM);
    for t in 0..t_len {
        let lt = start + chrono::Duration::hours(t as i64);
        local_time.push(lt);
        let mid = start_utc_s + t as i64 * 3600 + 1800;
        // Shift the sun by a few months so even January has a visible dip.
        hour_feat.extend_from_slice(&hour_features(lt, mid + 120 * 86_400, 53.4, 11.8));
    }
    let w: Vec<(f32, f32, f32)> = (0..n)
        .map(|_| {
            (
                rng.next_f64() as f32,
                rng.next_f64() as f32,
                (rng.next_f64() * 3.0) as f32,
            )
        })
        .collect();
    let mut values = vec![0f32; t_len * n];
    for t in 0..t_len {
        let lt = local_time[t];
        let h = lt.hour() as f32;
        let weekend = lt.weekday().num_days_from_monday() >= 5;
        let sun = hour_feat[t * HOUR_DIM + 11];
        for (i, &(a, b, ph)) in w.iter().enumerate() {
            let daily = 0.5 + 0.3 * (2.0 * std::f32::consts::PI * (h - 18.0 + ph) / 24.0).cos();
            let load = a * daily * if weekend { 0.7 } else { 1.0 };
            let noise = 0.02 * (rng.next_f64() as f32 - 0.5);
            values[t * n + i] = load - b * sun + noise;
        }
    }
    let mut node_static = vec![0f32; n * STATIC_DIM];
    for (i, &(a, b, _)) in w.iter().enumerate() {
        node_static[i * STATIC_DIM] = a / (a + b);
        node_static[i * STATIC_DIM + 1] = b / (a + b);
    }
    SeriesSet {
        graph,
        node_names: (0..n).map(|i| format!("synthetic/{i}")).collect(),
        t_len,
        values,
        scale_mw: vec![1.0; n],
        active: vec![true; n],
        node_static,
        hour_feat,
        local_time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_and_holidays() {
        assert_eq!(easter_sunday(2016), NaiveDate::from_ymd_opt(2016, 3, 27));
        assert_eq!(easter_sunday(2024), NaiveDate::from_ymd_opt(2024, 3, 31));
        let d = |m, d| NaiveDate::from_ymd_opt(2016, m, d).expect("date");
        for h in [d(3, 25), d(3, 28), d(5, 5), d(5, 16), d(10, 3), d(12, 26)] {
            assert!(is_german_holiday(h), "{h}");
        }
        assert!(!is_german_holiday(d(3, 29)));
    }

    #[test]
    fn clear_sky_is_zero_at_night_and_peaks_near_noon() {
        // 2016-06-21, lat 53.4 N, lon 11.8 E: solar noon near 10:50 UTC.
        let day = 16_973 * 86_400; // 2016-06-21T00:00Z
        let noon = clear_sky_factor(day + 10 * 3600 + 50 * 60, 53.4, 11.8);
        let midnight = clear_sky_factor(day + 23 * 3600, 53.4, 11.8);
        assert_eq!(midnight, 0.0);
        // max elevation = 90 - 53.4 + 23.44 = 60.0 deg; sin = 0.866
        assert!((noon - 0.866).abs() < 0.01, "{noon}");
    }
}
