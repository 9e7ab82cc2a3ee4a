//! Stochastic event sets: many plausible disasters for one region, so a
//! study can run a policy over a distribution of events rather than one.
//!
//! * Earthquakes: magnitudes from a doubly truncated Gutenberg-Richter law
//!   (Gutenberg & Richter 1944, `log10 N = a - b M`; truncated form as in
//!   Cosentino, Ficarra & Luzio 1977), epicentres uniform over a disc
//!   around the region's centre, strikes normal around a mean, and rupture
//!   length and width from the magnitude by Wells & Coppersmith (1994),
//!   table 2A, all slip types: `log10 RLD = -2.44 + 0.59 M` (subsurface
//!   rupture length, km) and `log10 RW = -1.01 + 0.32 M` (down-dip width,
//!   km).
//! * Tropical cyclones: the base track shifted as a whole across and along
//!   its direction of motion (normal offsets) and its central-pressure
//!   deficit scaled by a log-normal factor, a simple perturbation in the
//!   spirit of the random-walk track sets of e.g. CLIMADA's
//!   `calc_perturbed_trajectories` (here one rigid shift per event).

use crate::rng::RandomSource;
use crate::wind::Track;

/// A doubly truncated Gutenberg-Richter magnitude distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GutenbergRichter {
    /// b-value (about 1 in most regions).
    pub b: f64,
    /// Smallest magnitude.
    pub m_min: f64,
    /// Largest magnitude.
    pub m_max: f64,
}

impl GutenbergRichter {
    /// Checks the parameters.
    ///
    /// # Errors
    /// `b <= 0` or `m_max <= m_min` or a non-finite value.
    pub fn new(b: f64, m_min: f64, m_max: f64) -> Result<Self, String> {
        if !(b.is_finite() && b > 0.0 && m_min.is_finite() && m_max.is_finite() && m_max > m_min) {
            return Err(format!(
                "Gutenberg-Richter: expected b > 0 and m_min < m_max, got b = {b}, m_min = {m_min}, m_max = {m_max}"
            ));
        }
        Ok(GutenbergRichter { b, m_min, m_max })
    }

    /// Cumulative probability `P(M <= m)`.
    pub fn cdf(&self, m: f64) -> f64 {
        if m <= self.m_min {
            return 0.0;
        }
        if m >= self.m_max {
            return 1.0;
        }
        let beta = self.b * std::f64::consts::LN_10;
        (1.0 - (-beta * (m - self.m_min)).exp()) / (1.0 - (-beta * (self.m_max - self.m_min)).exp())
    }

    /// The magnitude with cumulative probability `u` (inverse transform).
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let beta = self.b * std::f64::consts::LN_10;
        let c = 1.0 - (-beta * (self.m_max - self.m_min)).exp();
        self.m_min - (1.0 - u * c).ln() / beta
    }
}

/// Rupture length and width (km) for moment magnitude `m`, Wells &
/// Coppersmith (1994) table 2A, all slip types (see the module docs).
pub fn wells_coppersmith(m: f64) -> (f64, f64) {
    (10f64.powf(-2.44 + 0.59 * m), 10f64.powf(-1.01 + 0.32 * m))
}

/// An earthquake of an event set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SampledQuake {
    /// Moment magnitude.
    pub magnitude: f64,
    /// Epicentre latitude.
    pub lat: f64,
    /// Epicentre longitude.
    pub lon: f64,
    /// Strike (degrees, 0-360).
    pub strike_deg: f64,
    /// Rupture length (km).
    pub length_km: f64,
    /// Rupture width (km).
    pub width_km: f64,
}

/// Earthquake event-set settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuakeSet {
    /// Magnitudes.
    pub gr: GutenbergRichter,
    /// Centre of the source region.
    pub lat: f64,
    /// Centre of the source region.
    pub lon: f64,
    /// Radius of the source region (km).
    pub radius_km: f64,
    /// Mean strike (degrees).
    pub strike_deg: f64,
    /// Standard deviation of the strike (degrees).
    pub strike_sigma_deg: f64,
}

impl QuakeSet {
    /// Samples one event.
    pub fn sample(&self, rng: &mut dyn RandomSource) -> SampledQuake {
        let m = self.gr.quantile(rng.uniform());
        // Uniform over the disc: radius ~ R sqrt(u).
        let r = self.radius_km * rng.uniform().sqrt();
        let th = std::f64::consts::TAU * rng.uniform();
        let (dn, de) = (r * th.cos(), r * th.sin());
        let lat = self.lat + dn / crate::rupture::KM_PER_DEG;
        let lon = self.lon + de / (crate::rupture::KM_PER_DEG * self.lat.to_radians().cos());
        let strike =
            (self.strike_deg + self.strike_sigma_deg * rng.standard_normal()).rem_euclid(360.0);
        let (l, w) = wells_coppersmith(m);
        SampledQuake {
            magnitude: m,
            lat,
            lon,
            strike_deg: strike,
            length_km: l,
            width_km: w,
        }
    }
}

/// Tropical-cyclone event-set settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackSet {
    /// Standard deviation of the shift across the direction of motion (km).
    pub cross_track_sigma_km: f64,
    /// Standard deviation of the shift along the direction of motion (km).
    pub along_track_sigma_km: f64,
    /// Standard deviation of the log of the pressure-deficit factor.
    pub intensity_sigma: f64,
}

/// A perturbation of a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackShift {
    /// Shift to the right of the motion (km).
    pub cross_km: f64,
    /// Shift along the motion (km).
    pub along_km: f64,
    /// Factor on the central-pressure deficit.
    pub intensity: f64,
}

impl TrackSet {
    /// Samples one perturbation.
    pub fn sample(&self, rng: &mut dyn RandomSource) -> TrackShift {
        TrackShift {
            cross_km: self.cross_track_sigma_km * rng.standard_normal(),
            along_km: self.along_track_sigma_km * rng.standard_normal(),
            intensity: (self.intensity_sigma * rng.standard_normal()).exp(),
        }
    }
}

/// Applies a shift to a track: every node moves by the same offset, taken
/// relative to the mean direction of motion (first to last node); the
/// central pressure deficit `penv - pcen` is scaled by `intensity`, and the
/// maximum wind by its square root (wind scales with the square root of the
/// pressure deficit in gradient balance, Holland 1980).
pub fn shift_track(t: &Track, s: &TrackShift) -> Track {
    let mut out = t.clone();
    let n = t.lat.len();
    if n == 0 {
        return out;
    }
    let lat0 = t.lat.iter().sum::<f64>() / n as f64;
    let k = crate::rupture::KM_PER_DEG;
    let coslat = lat0.to_radians().cos().max(1e-6);
    let dn = (t.lat[n - 1] - t.lat[0]) * k;
    let de = (t.lon[n - 1] - t.lon[0]) * k * coslat;
    let len = (dn * dn + de * de).sqrt();
    let (un, ue) = if len > 0.0 {
        (dn / len, de / len)
    } else {
        (1.0, 0.0)
    };
    // Right of the motion: (un, ue) rotated clockwise by 90 degrees.
    let (rn, re) = (-ue, un);
    let off_n = s.along_km * un + s.cross_km * rn;
    let off_e = s.along_km * ue + s.cross_km * re;
    for i in 0..n {
        out.lat[i] = t.lat[i] + off_n / k;
        out.lon[i] = t.lon[i] + off_e / (k * coslat);
        if t.pcen_hpa[i].is_finite() && t.penv_hpa[i].is_finite() {
            let def = (t.penv_hpa[i] - t.pcen_hpa[i]).max(0.0);
            out.pcen_hpa[i] = t.penv_hpa[i] - def * s.intensity;
        }
        if t.vmax_kn[i].is_finite() {
            out.vmax_kn[i] = t.vmax_kn[i] * s.intensity.sqrt();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    #[test]
    fn gutenberg_richter_quantile_inverts_the_cdf_and_the_b_value_is_recovered() {
        let gr = GutenbergRichter::new(1.0, 5.0, 8.0).unwrap();
        for u in [0.0, 0.1, 0.5, 0.9, 0.999] {
            assert!((gr.cdf(gr.quantile(u)) - u).abs() < 1e-12);
        }
        // Maximum-likelihood b (Aki 1965) on a large sample of the
        // untruncated-in-practice range: b = log10(e) / (mean(M) - Mmin).
        let mut rng = SplitMix64::new(7);
        let gr = GutenbergRichter::new(1.0, 5.0, 12.0).unwrap();
        let n = 200_000;
        let mean: f64 = (0..n).map(|_| gr.quantile(rng.uniform())).sum::<f64>() / n as f64;
        let b = std::f64::consts::LOG10_E / (mean - 5.0);
        assert!((b - 1.0).abs() < 0.01, "{b}");
        assert!(GutenbergRichter::new(0.0, 5.0, 6.0).is_err());
    }

    #[test]
    fn wells_coppersmith_values() {
        // M 7: RLD = 10^(-2.44 + 4.13) = 48.98 km, RW = 10^(-1.01 + 2.24) = 16.98 km.
        let (l, w) = wells_coppersmith(7.0);
        assert!((l - 10f64.powf(1.69)).abs() < 1e-9);
        assert!((w - 10f64.powf(1.23)).abs() < 1e-9);
        assert!((l - 48.978).abs() < 1e-3);
    }

    #[test]
    fn epicentres_stay_in_the_disc_and_tracks_shift_rigidly() {
        let set = QuakeSet {
            gr: GutenbergRichter::new(1.0, 6.0, 7.5).unwrap(),
            lat: 35.0,
            lon: 139.0,
            radius_km: 30.0,
            strike_deg: 45.0,
            strike_sigma_deg: 10.0,
        };
        let mut rng = SplitMix64::new(1);
        for _ in 0..1000 {
            let q = set.sample(&mut rng);
            let dn = (q.lat - 35.0) * crate::rupture::KM_PER_DEG;
            let de = (q.lon - 139.0) * crate::rupture::KM_PER_DEG * 35f64.to_radians().cos();
            assert!((dn * dn + de * de).sqrt() <= 30.0 + 1e-9);
            assert!((6.0..=7.5).contains(&q.magnitude));
        }
        let t = Track {
            time_s: vec![0, 3600],
            lat: vec![30.0, 31.0],
            lon: vec![140.0, 140.0],
            pcen_hpa: vec![950.0, 960.0],
            penv_hpa: vec![1010.0, 1010.0],
            rmax_nm: vec![20.0, 20.0],
            vmax_kn: vec![100.0, 90.0],
        };
        // Northward motion: a cross-track shift of +100 km moves east.
        let s = shift_track(
            &t,
            &TrackShift {
                cross_km: 100.0,
                along_km: 0.0,
                intensity: 0.81,
            },
        );
        assert!((s.lat[0] - 30.0).abs() < 1e-12);
        assert!(s.lon[0] > 140.9 && s.lon[0] < 141.2, "{}", s.lon[0]);
        assert!((s.pcen_hpa[0] - (1010.0 - 60.0 * 0.81)).abs() < 1e-9);
        assert!((s.vmax_kn[0] - 90.0).abs() < 1e-9);
    }
}
