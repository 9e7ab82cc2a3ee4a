//! Parametric tropical-cyclone wind fields along a track: Holland (1980) and
//! Holland (2008), as CLIMADA computes them (`tc_wind/README.md`;
//! CLIMADA `trop_cyclone_windfields.py`, re-implemented from the
//! description).
//!
//! * Holland, G. J. (1980). An analytic model of the wind and pressure
//!   profiles in hurricanes. Mon. Wea. Rev. 108(8):1212–1218 (eqs. 4, 6).
//! * Holland, G. J. (2008). A revised hurricane pressure–wind model. Mon. Wea.
//!   Rev. 136(9):3432–3445 (eq. 11 for b_s).
//! * Translation-speed absorbing factor min(1, r_max/d): Mouton & Nordbeck
//!   (2005), Cyclone Database Manager, UNEP/GRID-Geneva, Fig. 7.
//!
//! Gradient-wind profile (ρ = 1.15 kg/m³, r = max(d, 1 m)):
//! V(r) = sqrt(b/ρ (r_max/r)^b Δp exp(−(r_max/r)^b) + (r f/2)²) − r f/2.
//!
//! * H08: b = b_s = 1 − 4.4e-5 Δp² + 0.01 Δp + 0.03 ∂p_c/∂t − 0.014|φ| +
//!   0.15 v_t^x, x = 0.6(1 − Δp/215) (Δp in hPa, ∂p_c/∂t in hPa/h), clipped to
//!   [0.81, 2.025]; V is a surface wind; |v_t|·c is subtracted before the
//!   translation vector·c is added.
//! * H1980: b = v_g² e ρ/Δp with v_g = max(0, v_max − |v_t|)/0.9, clipped to
//!   [1, 2.5]; the profile is multiplied by 0.9 (gradient to surface).
//!
//! The vector wind is the rotational wind (counter-clockwise in the northern
//! hemisphere) plus the translation vector times c = min(1, r_max/d). Only
//! sites with 1 m < d ≤ 300 km of the eye are affected at a node; the first
//! node contributes no wind. The result is a 1-minute sustained wind at 10 m
//! in m/s; multiply by a gust factor for a peak gust.

use rayon::prelude::*;

use super::track::{SiTrack, equirect, normalize_lon};
use crate::error::{HazardError, Result};

/// Air density (kg/m³), Holland (1980).
pub const RHO_AIR: f64 = 1.15;
/// Gradient-to-surface reduction factor (Franklin et al. 2003, 90 % rule).
pub const GRADIENT_TO_SURFACE: f64 = 0.9;
/// Largest eye–site distance at which wind is computed, m.
pub const MAX_DIST_EYE_M: f64 = 300_000.0;
/// CLIMADA's default threshold: maximum winds below it are reported as 0.
pub const CLIMADA_INTENSITY_THRESHOLD: f64 = 17.5;

/// The radial wind profile model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindModel {
    /// Holland 1980 profile with Holland 2008 b_s (CLIMADA's default "H08").
    H08,
    /// Holland 1980 with b from the maximum wind ("H1980").
    H1980,
}

impl WindModel {
    /// Parses `h08` / `h80` / `h1980`.
    pub fn from_name(s: &str) -> Result<WindModel> {
        match s.to_ascii_lowercase().as_str() {
            "h08" => Ok(WindModel::H08),
            "h80" | "h1980" => Ok(WindModel::H1980),
            other => Err(HazardError::InvalidInput(format!(
                "unknown wind model `{other}` (expected h08 or h80)"
            ))),
        }
    }
}

/// A wind field: the track and its per-node model parameters.
#[derive(Debug, Clone)]
pub struct WindField {
    track: SiTrack,
    model: WindModel,
    /// Holland b at each node.
    hol_b: Vec<f64>,
}

impl WindField {
    /// Prepares the wind field of `model` along `track`.
    pub fn new(track: SiTrack, model: WindModel) -> WindField {
        let n = track.len();
        let mut hol_b = vec![0.0; n];
        match model {
            WindModel::H08 => {
                let (lo, hi) = (
                    GRADIENT_TO_SURFACE.powi(2),
                    2.5 * GRADIENT_TO_SURFACE.powi(2),
                );
                for i in 0..n {
                    let mut prev = if i > 0 {
                        track.cen_pa[i - 1]
                    } else {
                        track.cen_pa[i]
                    };
                    if prev < 850.0 * 100.0 {
                        prev = track.cen_pa[i];
                    }
                    let dp = track.pdelta[i] / 100.0;
                    let x = 0.6 * (1.0 - dp / 215.0);
                    let dpdt = (track.cen_pa[i] - prev) / track.tstep_s[i] * (3600.0 / 100.0);
                    let b = -4.4e-5 * dp * dp + 0.01 * dp + 0.03 * dpdt
                        - 0.014 * track.lat[i].abs()
                        + 0.15 * track.vtrans_norm[i].powf(x)
                        + 1.0;
                    hol_b[i] = if b.is_nan() { b } else { b.clamp(lo, hi) };
                }
            }
            WindModel::H1980 => {
                for i in 0..n {
                    let vg =
                        (track.vmax_ms[i] - track.vtrans_norm[i]).max(0.0) / GRADIENT_TO_SURFACE;
                    let b = vg * vg * std::f64::consts::E * RHO_AIR / track.pdelta[i];
                    hol_b[i] = if b.is_nan() { b } else { b.clamp(1.0, 2.5) };
                }
            }
        }
        WindField {
            track,
            model,
            hol_b,
        }
    }

    /// The track.
    pub fn track(&self) -> &SiTrack {
        &self.track
    }

    /// The model.
    pub fn model(&self) -> WindModel {
        self.model
    }

    /// Holland b at each node.
    pub fn holland_b(&self) -> &[f64] {
        &self.hol_b
    }

    /// The wind vector (north, east) in m/s at a site (degrees) for track
    /// node `node`.
    pub fn wind_at_node(&self, node: usize, lat: f64, lon: f64) -> [f64; 2] {
        let t = &self.track;
        if node == 0 || node >= t.len() {
            return [0.0, 0.0];
        }
        let lon = normalize_lon(lon, t.mid_lon);
        let (dn, de) = equirect(t.lat[node], t.lon[node], lat, lon);
        let d = (dn * dn + de * de).sqrt();
        if !(d > 1.0 && d <= MAX_DIST_EYE_M) {
            return [0.0, 0.0];
        }
        let rmax = t.rmw_m[node];
        let b = self.hol_b[node];
        let f = t.coriolis[node];
        let r_cor = 0.5 * d * f;
        let rn = (rmax / d.max(1.0)).powf(b);
        let sq = b / RHO_AIR * rn * t.pdelta[node] * (-rn).exp() + r_cor * r_cor;
        let mut v_ang = sq.max(0.0).sqrt() - r_cor;
        let corr = (rmax / d).min(1.0);
        match self.model {
            WindModel::H08 => v_ang -= t.vtrans_norm[node] * corr,
            WindModel::H1980 => v_ang *= GRADIENT_TO_SURFACE,
        }
        let (nn, ne) = (dn / d, de / d);
        let s = t.latsign;
        let v = [
            s * ne * v_ang + t.vtrans[node][0] * corr,
            -s * nn * v_ang + t.vtrans[node][1] * corr,
        ];
        if v[0].is_nan() || v[1].is_nan() {
            [0.0, 0.0]
        } else {
            v
        }
    }

    /// Maximum wind speed (m/s) over the whole track at one site.
    pub fn max_wind_at(&self, lat: f64, lon: f64) -> f64 {
        let t = &self.track;
        // Cheap latitude pre-filter (a degree of latitude is ONE_LAT_M).
        let max_dlat = MAX_DIST_EYE_M / super::track::ONE_LAT_M + 1e-9;
        let mut best = 0.0f64;
        for node in 1..t.len() {
            if (t.lat[node] - lat).abs() > max_dlat {
                continue;
            }
            let [a, b] = self.wind_at_node(node, lat, lon);
            best = best.max((a * a + b * b).sqrt());
        }
        best
    }

    /// Maximum wind speed (m/s) at every site `(lat, lon)`; values below
    /// `threshold` are reported as 0 (CLIMADA uses
    /// [`CLIMADA_INTENSITY_THRESHOLD`]). Sites are processed in parallel; the
    /// result does not depend on the number of threads.
    pub fn max_wind(&self, sites: &[(f64, f64)], threshold: f64) -> Vec<f64> {
        sites
            .par_iter()
            .map(|(lat, lon)| {
                let v = self.max_wind_at(*lat, *lon);
                if v < threshold { 0.0 } else { v }
            })
            .collect()
    }

    /// The wind vector (north, east) in m/s at a site at time `t_s` (seconds
    /// since the epoch): linear interpolation in time between the fields of
    /// the two track nodes around `t_s`; zero outside the track's time span.
    pub fn wind_at_time(&self, t_s: f64, lat: f64, lon: f64) -> [f64; 2] {
        let times = &self.track.time_s;
        let n = times.len();
        if n == 0 || t_s < times[0] as f64 || t_s > times[n - 1] as f64 {
            return [0.0, 0.0];
        }
        let k = times.partition_point(|t| (*t as f64) <= t_s);
        if k >= n {
            return self.wind_at_node(n - 1, lat, lon);
        }
        let i = k - 1;
        let w = (t_s - times[i] as f64) / (times[k] - times[i]) as f64;
        let a = self.wind_at_node(i, lat, lon);
        let b = self.wind_at_node(k, lat, lon);
        [a[0] + w * (b[0] - a[0]), a[1] + w * (b[1] - a[1])]
    }
}
