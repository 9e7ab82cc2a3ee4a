//! Tropical-cyclone tracks: reading best-track CSV, CLIMADA's missing-value
//! estimates, resampling to a fixed time step and conversion to SI units.
//!
//! This follows the description in `tc_wind/README.md` of CLIMADA
//! (`climada.hazard.tc_tracks` and `trop_cyclone_windfields.tctrack_to_si`,
//! GPL-3; re-implemented from the description, no code copied):
//!
//! * a missing central pressure is estimated as
//!   1026.3401 − 0.05504·lat − 0.03536·lon − 0.7357·v_max (kn) (hPa); as in
//!   CLIMADA's legacy-CSV reader, one missing value makes every node use the
//!   estimate;
//! * a missing radius of maximum wind (≤ 0) is the piecewise-linear function
//!   of central pressure through (872, 14.907318), (940, 15.726927),
//!   (980, 25.742142), (1021, 56.856522) hPa → nm, flat outside;
//! * resampling: data variables linearly in time; latitude and longitude with
//!   an interpolating cubic spline with not-a-knot ends (scipy `interp1d`
//!   kind `cubic`) for ≥ 4 nodes, the interpolating parabola for 3, linear
//!   for 2; the new time grid is anchored at midnight of the first day and
//!   restricted to the original time span;
//! * SI: p_c ≤ p_env, Δp = max(p_env − p_c, ε) Pa, Coriolis
//!   f = 2·7.29e-5·sin|lat|, translation vector from the equirectangular
//!   displacement to the previous node (first node 0), capped at 30 kn.

use std::path::Path;

use crate::error::{HazardError, Result};

/// Knots to m/s (1852 m per 3600 s).
pub const KN_TO_MS: f64 = 1852.0 / 3600.0;
/// Nautical miles to metres.
pub const NM_TO_M: f64 = 1852.0;
/// Length of one degree of latitude in metres, as in CLIMADA
/// (`ONE_LAT_KM` = 111.12).
pub const ONE_LAT_M: f64 = 111_120.0;
/// Earth's angular velocity used by CLIMADA (rad/s).
pub const EARTH_OMEGA: f64 = 7.29e-5;

/// A best track at its original time steps (CLIMADA units: hPa, kn, nm).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Track {
    /// Time of each node, seconds since 1970-01-01T00:00Z.
    pub time_s: Vec<i64>,
    /// Latitude, degrees.
    pub lat: Vec<f64>,
    /// Longitude, degrees.
    pub lon: Vec<f64>,
    /// Central pressure, hPa (NaN = missing).
    pub pcen_hpa: Vec<f64>,
    /// Environmental pressure, hPa.
    pub penv_hpa: Vec<f64>,
    /// Radius of maximum wind, nm (≤ 0 or NaN = missing).
    pub rmax_nm: Vec<f64>,
    /// Maximum sustained wind, kn.
    pub vmax_kn: Vec<f64>,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM`.
pub fn format_time(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // civil_from_days (Hinnant).
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

/// CLIMADA's statistical estimate of central pressure (hPa) from position and
/// maximum wind in knots (`_estimate_pressure`, fitted to IBTrACS 1980–2020).
pub fn estimate_pressure(lat: f64, lon: f64, vmax_kn: f64) -> f64 {
    1026.3401 - 0.05504 * lat - 0.03536 * lon - 0.7357 * vmax_kn
}

/// CLIMADA's piecewise-linear estimate of the radius of maximum wind (nm)
/// from central pressure (hPa) (`estimate_rmw`).
pub fn estimate_rmw_nm(pcen_hpa: f64) -> f64 {
    const P: [f64; 4] = [872.0, 940.0, 980.0, 1021.0];
    const R: [f64; 4] = [14.907318, 15.726927, 25.742142, 56.856522];
    let mut r = 0.0;
    for i in 0..4 {
        let s0 = if i > 0 { 1.0 / (P[i] - P[i - 1]) } else { 0.0 };
        let s1 = if i + 1 < 4 {
            1.0 / (P[i + 1] - P[i])
        } else {
            0.0
        };
        r += R[i]
            * (1.0 - s0 * (P[i] - pcen_hpa).max(0.0) - s1 * (pcen_hpa - P[i]).max(0.0)).max(0.0);
    }
    r
}

impl Track {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.time_s.len()
    }

    /// Whether the track has no node.
    pub fn is_empty(&self) -> bool {
        self.time_s.is_empty()
    }

    /// Reads a best track in the CSV layout of CLIMADA's test track
    /// (`climada_trac_brb_test.csv`, the legacy IBTrACS CSV): columns
    /// `cgps_lat, cgps_lon, isotime (YYYYMMDDHH), pcen (hPa, ≤ 0 = missing),
    /// penv (hPa), rmax (nm, 0 = missing), vmax (kn)`; other columns are
    /// ignored.
    pub fn read_csv(path: &Path) -> Result<Track> {
        let file = std::fs::File::open(path).map_err(|e| HazardError::io(path, e))?;
        Self::from_csv_reader(file, &path.display().to_string())
    }

    /// As [`Track::read_csv`] from any reader; `name` names it in errors.
    pub fn from_csv_reader<R: std::io::Read>(reader: R, name: &str) -> Result<Track> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let header = crate::gmpe::csvio::Header::read(&mut rdr, name)?;
        let col = |c: &str| header.require(c);
        let [ilat, ilon, itime, ipc, ipe, irm, ivm] = [
            col("cgps_lat")?,
            col("cgps_lon")?,
            col("isotime")?,
            col("pcen")?,
            col("penv")?,
            col("rmax")?,
            col("vmax")?,
        ];
        let mut t = Track::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(name, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let num = |i: usize, field: &str| -> Result<f64> {
                let raw = rec.get(i).unwrap_or("");
                raw.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        HazardError::parse(name, line, field, format!("`{raw}` is not a number"))
                    })
            };
            let lat = num(ilat, "cgps_lat")?;
            if !(-90.0..=90.0).contains(&lat) {
                return Err(HazardError::parse(
                    name,
                    line,
                    "cgps_lat",
                    format!("{lat} is outside −90..90"),
                ));
            }
            let iso = num(itime, "isotime")?;
            let time = parse_isotime(iso).ok_or_else(|| {
                HazardError::parse(name, line, "isotime", format!("`{iso}` is not YYYYMMDDHH"))
            })?;
            if let Some(prev) = t.time_s.last()
                && time <= *prev
            {
                return Err(HazardError::parse(
                    name,
                    line,
                    "isotime",
                    "times must increase strictly",
                ));
            }
            t.time_s.push(time);
            t.lat.push(lat);
            t.lon.push(num(ilon, "cgps_lon")?);
            let pc = num(ipc, "pcen")?;
            t.pcen_hpa.push(if pc > 0.0 { pc } else { f64::NAN });
            t.penv_hpa.push(num(ipe, "penv")?);
            t.rmax_nm.push(num(irm, "rmax")?);
            t.vmax_kn.push(num(ivm, "vmax")?);
        }
        if t.len() < 2 {
            return Err(HazardError::parse(
                name,
                0,
                "(file)",
                "a track needs at least two nodes",
            ));
        }
        // CLIMADA's legacy-CSV reader: if any pressure is missing, estimate all.
        if t.pcen_hpa.iter().any(|p| p.is_nan()) {
            for i in 0..t.len() {
                t.pcen_hpa[i] = estimate_pressure(t.lat[i], t.lon[i], t.vmax_kn[i]);
            }
        }
        Ok(t)
    }

    /// Resamples the track to a fixed step of `step_h` hours (see the module
    /// documentation).
    pub fn resample(&self, step_h: f64) -> Result<Track> {
        if !step_h.is_finite() || step_h <= 0.0 {
            return Err(HazardError::InvalidInput(format!(
                "time step must be positive (got {step_h} h)"
            )));
        }
        let n = self.len();
        if n < 2 {
            return Err(HazardError::InvalidInput(
                "a track needs at least two nodes".into(),
            ));
        }
        let step_s = step_h * 3600.0;
        let t0 = self.time_s[0];
        let t_end = self.time_s[n - 1];
        let day0 = t0.div_euclid(86_400) * 86_400;
        let k0 = ((t0 - day0) as f64 / step_s).ceil() as i64;
        let mut grid = Vec::new();
        let mut k = k0;
        loop {
            let t = day0 as f64 + k as f64 * step_s;
            if t > t_end as f64 + 1e-6 {
                break;
            }
            grid.push(t);
            k += 1;
        }
        // Time axis in hours from the first node (interpolation is invariant
        // to an affine change of the time axis).
        let x: Vec<f64> = self
            .time_s
            .iter()
            .map(|t| (t - t0) as f64 / 3600.0)
            .collect();
        let xg: Vec<f64> = grid.iter().map(|t| (t - t0 as f64) / 3600.0).collect();
        let lin = |y: &[f64]| {
            xg.iter()
                .map(|xi| linear_interp(&x, y, *xi))
                .collect::<Vec<_>>()
        };
        // Longitude: normalise to [-180, 180); across the antimeridian use 0..360.
        let mut lon: Vec<f64> = self.lon.iter().map(|l| normalize_lon(*l, 0.0)).collect();
        if lon.iter().any(|l| *l < -170.0) && lon.iter().any(|l| *l > 170.0) {
            for l in &mut lon {
                if *l < 0.0 {
                    *l += 360.0;
                }
            }
        }
        let spline_lat = Spline::new(&x, &self.lat)?;
        let spline_lon = Spline::new(&x, &lon)?;
        let lon_i: Vec<f64> = xg
            .iter()
            .map(|xi| {
                let l = spline_lon.eval(*xi);
                if l > 180.0 { l - 360.0 } else { l }
            })
            .collect();
        Ok(Track {
            time_s: grid.iter().map(|t| t.round() as i64).collect(),
            lat: xg.iter().map(|xi| spline_lat.eval(*xi)).collect(),
            lon: lon_i,
            pcen_hpa: lin(&self.pcen_hpa),
            penv_hpa: lin(&self.penv_hpa),
            rmax_nm: lin(&self.rmax_nm),
            vmax_kn: lin(&self.vmax_kn),
        })
    }

    /// Converts to SI units and adds the derived variables (see the module
    /// documentation).
    pub fn to_si(&self) -> Result<SiTrack> {
        let n = self.len();
        if n < 2 {
            return Err(HazardError::InvalidInput(
                "a track needs at least two nodes".into(),
            ));
        }
        let mut tstep = vec![0.0; n];
        for i in 1..n {
            tstep[i] = (self.time_s[i] - self.time_s[i - 1]) as f64;
        }
        tstep[0] = tstep[1];
        let env: Vec<f64> = self.penv_hpa.iter().map(|p| p * 100.0).collect();
        let mut cen = Vec::with_capacity(n);
        let mut rmw = Vec::with_capacity(n);
        for i in 0..n {
            let c = self.pcen_hpa[i] * 100.0;
            if !c.is_finite() {
                return Err(HazardError::InvalidInput(format!(
                    "track node {i}: central pressure is missing"
                )));
            }
            let c = c.min(env[i]);
            cen.push(c);
            let r = self.rmax_nm[i];
            let r_nm = if r.is_finite() && r > 0.0 {
                r
            } else {
                estimate_rmw_nm(c / 100.0)
            };
            rmw.push(r_nm * NM_TO_M);
        }
        let vmax = self.vmax_kn.iter().map(|v| v * KN_TO_MS).collect();
        SiTrack::new(
            self.time_s.clone(),
            self.lat.clone(),
            self.lon.clone(),
            tstep,
            env,
            cen,
            vmax,
            rmw,
            None,
        )
    }
}

fn parse_isotime(v: f64) -> Option<i64> {
    if v.is_nan() || v < 0.0 || v.fract() != 0.0 {
        return None;
    }
    let v = v as i64;
    let (y, m, d, h) = (v / 1_000_000, (v / 10_000) % 100, (v / 100) % 100, v % 100);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || y < 1000 {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + h * 3600)
}

/// Longitude normalised to [center − 180, center + 180).
pub fn normalize_lon(lon: f64, center: f64) -> f64 {
    (lon - center + 180.0).rem_euclid(360.0) - 180.0 + center
}

fn linear_interp(x: &[f64], y: &[f64], xi: f64) -> f64 {
    let n = x.len();
    let i = match x.partition_point(|v| *v <= xi) {
        0 => 0,
        k if k >= n => n - 2,
        k => k - 1,
    };
    let t = (xi - x[i]) / (x[i + 1] - x[i]);
    y[i] + t * (y[i + 1] - y[i])
}

/// An interpolating spline: cubic with not-a-knot ends (≥ 4 points),
/// parabola (3 points) or linear (2 points), matching scipy's
/// `interp1d(kind="cubic")` as xarray uses it.
#[derive(Debug, Clone)]
pub struct Spline {
    x: Vec<f64>,
    y: Vec<f64>,
    /// Second derivatives at the knots (cubic case).
    m: Vec<f64>,
}

impl Spline {
    /// Builds the spline through (x, y); x must increase strictly.
    pub fn new(x: &[f64], y: &[f64]) -> Result<Spline> {
        let n = x.len();
        if n != y.len() || n < 2 {
            return Err(HazardError::InvalidInput(
                "spline needs at least two points".into(),
            ));
        }
        if x.iter().any(|v| !v.is_finite()) || x.windows(2).any(|w| w[1] <= w[0]) {
            return Err(HazardError::InvalidInput(
                "spline abscissae must increase strictly".into(),
            ));
        }
        let mut m = vec![0.0; n];
        if n >= 4 {
            let h: Vec<f64> = x.windows(2).map(|w| w[1] - w[0]).collect();
            let k = n - 2; // unknowns M_1..M_{n-2}
            let mut a = vec![0.0; k]; // sub-diagonal
            let mut b = vec![0.0; k]; // diagonal
            let mut c = vec![0.0; k]; // super-diagonal
            let mut r = vec![0.0; k];
            for j in 0..k {
                let i = j + 1;
                a[j] = h[i - 1];
                b[j] = 2.0 * (h[i - 1] + h[i]);
                c[j] = h[i];
                r[j] = 6.0 * ((y[i + 1] - y[i]) / h[i] - (y[i] - y[i - 1]) / h[i - 1]);
            }
            // Not-a-knot at x_1: M_0 = ((h0 + h1) M_1 − h0 M_2) / h1.
            b[0] += h[0] * (h[0] + h[1]) / h[1];
            c[0] -= h[0] * h[0] / h[1];
            // Not-a-knot at x_{n-2}:
            // M_{n-1} = ((h_{n-3} + h_{n-2}) M_{n-2} − h_{n-2} M_{n-3}) / h_{n-3}.
            let (hl, hr) = (h[n - 3], h[n - 2]);
            b[k - 1] += hr * (hl + hr) / hl;
            a[k - 1] -= hr * hr / hl;
            // Thomas algorithm.
            for j in 1..k {
                let w = a[j] / b[j - 1];
                b[j] -= w * c[j - 1];
                r[j] -= w * r[j - 1];
            }
            let mut sol = vec![0.0; k];
            sol[k - 1] = r[k - 1] / b[k - 1];
            for j in (0..k - 1).rev() {
                sol[j] = (r[j] - c[j] * sol[j + 1]) / b[j];
            }
            m[1..n - 1].copy_from_slice(&sol);
            m[0] = ((h[0] + h[1]) * m[1] - h[0] * m[2]) / h[1];
            m[n - 1] = ((hl + hr) * m[n - 2] - hr * m[n - 3]) / hl;
        }
        Ok(Spline {
            x: x.to_vec(),
            y: y.to_vec(),
            m,
        })
    }

    /// The spline's value at `xi` (extrapolates the end pieces).
    pub fn eval(&self, xi: f64) -> f64 {
        let (x, y) = (&self.x, &self.y);
        let n = x.len();
        if n == 2 {
            return linear_interp(x, y, xi);
        }
        if n == 3 {
            // Lagrange parabola.
            let l0 = (xi - x[1]) * (xi - x[2]) / ((x[0] - x[1]) * (x[0] - x[2]));
            let l1 = (xi - x[0]) * (xi - x[2]) / ((x[1] - x[0]) * (x[1] - x[2]));
            let l2 = (xi - x[0]) * (xi - x[1]) / ((x[2] - x[0]) * (x[2] - x[1]));
            return y[0] * l0 + y[1] * l1 + y[2] * l2;
        }
        let i = match x.partition_point(|v| *v <= xi) {
            0 => 0,
            k if k >= n => n - 2,
            k => k - 1,
        };
        let h = x[i + 1] - x[i];
        let a = x[i + 1] - xi;
        let b = xi - x[i];
        self.m[i] * a * a * a / (6.0 * h)
            + self.m[i + 1] * b * b * b / (6.0 * h)
            + (y[i] / h - self.m[i] * h / 6.0) * a
            + (y[i + 1] / h - self.m[i + 1] * h / 6.0) * b
    }
}

/// A track in SI units with the derived variables the wind models need.
#[derive(Debug, Clone, PartialEq)]
pub struct SiTrack {
    /// Node times, seconds since the epoch.
    pub time_s: Vec<i64>,
    /// Latitude, degrees.
    pub lat: Vec<f64>,
    /// Longitude, degrees, unwrapped (consecutive nodes differ by < 180°).
    pub lon: Vec<f64>,
    /// Time step to the previous node, s (node 0: that of node 1).
    pub tstep_s: Vec<f64>,
    /// Environmental pressure, Pa.
    pub env_pa: Vec<f64>,
    /// Central pressure, Pa (≤ env).
    pub cen_pa: Vec<f64>,
    /// Maximum sustained wind, m/s.
    pub vmax_ms: Vec<f64>,
    /// Radius of maximum wind, m.
    pub rmw_m: Vec<f64>,
    /// Translation speed, m/s (node 0: 0).
    pub vtrans_norm: Vec<f64>,
    /// Translation vector (north, east), m/s.
    pub vtrans: Vec<[f64; 2]>,
    /// Coriolis parameter, 1/s.
    pub coriolis: Vec<f64>,
    /// Pressure drop p_env − p_c, Pa (> 0).
    pub pdelta: Vec<f64>,
    /// +1 for a northern-hemisphere track, −1 for a southern one.
    pub latsign: f64,
    /// Central longitude: sites are normalised to within ±180° of it.
    pub mid_lon: f64,
}

impl SiTrack {
    /// Builds an SI track. When `vtrans` is `None` the translation vectors
    /// are computed from the positions (equirectangular metric, capped at
    /// 30 kn); otherwise the given (north, east) vectors are used.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        time_s: Vec<i64>,
        lat: Vec<f64>,
        lon: Vec<f64>,
        tstep_s: Vec<f64>,
        env_pa: Vec<f64>,
        cen_pa: Vec<f64>,
        vmax_ms: Vec<f64>,
        rmw_m: Vec<f64>,
        vtrans: Option<Vec<[f64; 2]>>,
    ) -> Result<SiTrack> {
        let n = lat.len();
        for (name, len) in [
            ("time", time_s.len()),
            ("lon", lon.len()),
            ("tstep", tstep_s.len()),
            ("env", env_pa.len()),
            ("cen", cen_pa.len()),
            ("vmax", vmax_ms.len()),
            ("rmw", rmw_m.len()),
        ] {
            if len != n {
                return Err(HazardError::InvalidInput(format!(
                    "track variable {name} has {len} values, lat has {n}"
                )));
            }
        }
        if n < 2 {
            return Err(HazardError::InvalidInput(
                "a track needs at least two nodes".into(),
            ));
        }
        // Unwrap longitudes so that consecutive nodes differ by < 180°.
        let mut lon = lon;
        for i in 1..n {
            lon[i] = normalize_lon(lon[i], lon[i - 1]);
        }
        let (lo, hi) = lon
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), l| {
                (a.min(*l), b.max(*l))
            });
        let mid_lon = 0.5 * (lo + hi);
        let cen_pa: Vec<f64> = cen_pa.iter().zip(&env_pa).map(|(c, e)| c.min(*e)).collect();
        let pdelta = env_pa
            .iter()
            .zip(&cen_pa)
            .map(|(e, c)| (e - c).max(f64::EPSILON))
            .collect();
        let coriolis = lat
            .iter()
            .map(|l| 2.0 * EARTH_OMEGA * l.abs().to_radians().sin())
            .collect();
        let north = lat.iter().filter(|l| **l > 0.0).count();
        let south = lat.iter().filter(|l| **l < 0.0).count();
        let latsign = if south > north { -1.0 } else { 1.0 };
        let (vtrans, vtrans_norm) = match vtrans {
            Some(v) => {
                if v.len() != n {
                    return Err(HazardError::InvalidInput(
                        "vtrans length differs from lat".into(),
                    ));
                }
                let norm = v.iter().map(|[a, b]| (a * a + b * b).sqrt()).collect();
                (v, norm)
            }
            None => {
                let mut v = vec![[0.0; 2]; n];
                let mut norm = vec![0.0; n];
                let cap = 30.0 * KN_TO_MS;
                for i in 1..n {
                    let (dn, de) = equirect(lat[i - 1], lon[i - 1], lat[i], lon[i]);
                    let d = (dn * dn + de * de).sqrt();
                    let mut vv = [dn / tstep_s[i], de / tstep_s[i]];
                    let mut s = d / tstep_s[i];
                    if s > cap {
                        let f = cap / s;
                        vv = [vv[0] * f, vv[1] * f];
                        s *= f;
                    }
                    v[i] = vv;
                    norm[i] = s;
                }
                (v, norm)
            }
        };
        Ok(SiTrack {
            time_s,
            lat,
            lon,
            tstep_s,
            env_pa,
            cen_pa,
            vmax_ms,
            rmw_m,
            vtrans_norm,
            vtrans,
            coriolis,
            pdelta,
            latsign,
            mid_lon,
        })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.lat.len()
    }

    /// Whether the track has no node.
    pub fn is_empty(&self) -> bool {
        self.lat.is_empty()
    }

    /// Reads an SI track in the layout of CLIMADA's
    /// `climada_trac_brb_test_interpolated_1h_si.csv`: `time` (ISO, optional),
    /// `lat, lon, tstep_s, env_pa, cen_pa, vmax_ms, rmw_m, vtrans_v_ms
    /// (north), vtrans_u_ms (east)`.
    pub fn read_csv(path: &Path) -> Result<SiTrack> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| HazardError::io(path, e))?;
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| crate::gmpe::csvio::csv_error(&name, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        let cols = [
            "lat",
            "lon",
            "tstep_s",
            "env_pa",
            "cen_pa",
            "vmax_ms",
            "rmw_m",
            "vtrans_v_ms",
            "vtrans_u_ms",
        ];
        let mut idx = [0usize; 9];
        for (k, c) in cols.iter().enumerate() {
            idx[k] = header
                .iter()
                .position(|h| h == c)
                .ok_or_else(|| HazardError::Missing {
                    file: name.clone(),
                    name: (*c).to_string(),
                })?;
        }
        let mut v: [Vec<f64>; 9] = Default::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(&name, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            for k in 0..9 {
                let raw = rec.get(idx[k]).unwrap_or("");
                let x: f64 = raw
                    .parse()
                    .ok()
                    .filter(|x: &f64| x.is_finite())
                    .ok_or_else(|| {
                        HazardError::parse(&name, line, cols[k], format!("`{raw}` is not a number"))
                    })?;
                v[k].push(x);
            }
        }
        let [lat, lon, tstep, env, cen, vmax, rmw, vv, vu] = v;
        let mut time_s = Vec::with_capacity(lat.len());
        let mut t = 0i64;
        for (i, dt) in tstep.iter().enumerate() {
            if i > 0 {
                t += dt.round() as i64;
            }
            time_s.push(t);
        }
        let vtrans = vv.iter().zip(&vu).map(|(a, b)| [*a, *b]).collect();
        SiTrack::new(time_s, lat, lon, tstep, env, cen, vmax, rmw, Some(vtrans))
    }
}

/// Equirectangular displacement (north, east) in metres from point 1 to
/// point 2, with the cosine at point 1's latitude (CLIMADA `dist_approx`,
/// method "equirect").
#[inline]
pub fn equirect(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> (f64, f64) {
    let dlat = lat2 - lat1;
    let mut dlon = lon2 - lon1;
    if dlon > 180.0 {
        dlon -= 360.0;
    } else if dlon < -180.0 {
        dlon += 360.0;
    }
    dlon *= lat1.to_radians().cos();
    (dlat * ONE_LAT_M, dlon * ONE_LAT_M)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spline_reproduces_cubics_and_dates() -> Result<()> {
        let x = [0.0, 1.0, 2.5, 3.0, 4.0, 6.0];
        let f = |t: f64| 1.0 - 2.0 * t + 0.5 * t * t - 0.1 * t * t * t;
        let y: Vec<f64> = x.iter().map(|t| f(*t)).collect();
        let s = Spline::new(&x, &y)?;
        for t in [0.3, 1.7, 2.9, 5.5] {
            assert!((s.eval(t) - f(t)).abs() < 1e-12);
        }
        assert_eq!(
            format_time(days_from_civil(1951, 8, 27) * 86_400 + 6 * 3600),
            "1951-08-27T06:00"
        );
        assert!((estimate_rmw_nm(1008.17582) - 47.1243).abs() < 1e-3);
        Ok(())
    }
}
