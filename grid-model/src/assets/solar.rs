//! Solar position: the NREL Solar Position Algorithm (SPA), as pvlib's
//! `solarposition.spa_python` evaluates it.
//!
//! Reference: I. Reda and A. Andreas, "Solar position algorithm for solar
//! radiation applications", *Solar Energy* 76(5), 577–589, 2004,
//! doi:10.1016/j.solener.2003.12.003, and its corrigendum, *Solar Energy*
//! 81(6), 838, 2007, doi:10.1016/j.solener.2007.01.003. Equation numbers
//! below are the paper's. The stated uncertainty of the algorithm is
//! ±0.0003° for the years −2000 to 6000.
//!
//! The computation is split in two, for speed when many sites share one
//! clock:
//!
//! - [`SunEphemeris::new`] does the expensive, site-independent part (Earth's
//!   heliocentric position from the periodic terms, nutation, obliquity,
//!   sidereal time, the Sun's geocentric right ascension and declination):
//!   about 330 sines and cosines, once per timestamp;
//! - [`SunEphemeris::position`] does the cheap site-dependent part (hour
//!   angle, parallax, topocentric coordinates, refraction): about 20
//!   trigonometric calls per site.
//!
//! Semantics follow pvlib 0.16 `spa_python` exactly:
//!
//! - time enters as seconds since the Unix epoch (UTC), Julian day
//!   `JD = t / 86400 + 2440587.5`; UT1 is taken equal to UTC;
//! - `delta_t` (TT − UT1, seconds) defaults to [`PVLIB_DELTA_T_S`] = 67 s;
//! - pressure is in hPa (mbar; pvlib divides its pascal argument by 100),
//!   default 1013.25 hPa; temperature default 12 °C;
//! - refraction (eq. 42) is applied only when the true elevation is at or
//!   above −(0.26667° + `atmos_refract`), `atmos_refract` default 0.5667°;
//! - the azimuth is measured eastward from north (0–360°);
//! - the equation of time is in minutes, wrapped as pvlib does.

use super::error::{AssetError, check};

/// pvlib's default ΔT = TT − UT1 for `spa_python`, in seconds.
pub const PVLIB_DELTA_T_S: f64 = 67.0;
/// pvlib's default approximate refraction at sunrise/sunset, in degrees.
pub const PVLIB_ATMOS_REFRACT_DEG: f64 = 0.5667;
/// pvlib's default air pressure for `spa_python`: 101325 Pa = 1013.25 hPa.
pub const PVLIB_PRESSURE_HPA: f64 = 1013.25;
/// pvlib's default air temperature for `spa_python`, in °C.
pub const PVLIB_TEMPERATURE_C: f64 = 12.0;

/// Sun radius seen from Earth used by SPA's refraction switch (degrees).
const SUN_RADIUS_DEG: f64 = 0.26667;

/// A place on Earth and its mean atmosphere, for [`SunEphemeris::position`].
///
/// Fields are public; [`Observer::new`] fills pvlib's defaults and
/// [`Observer::validate`] checks ranges (the computation itself never
/// panics: out-of-range values give meaningless or NaN angles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observer {
    /// Geodetic latitude, degrees, positive north (−90..=90).
    pub latitude_deg: f64,
    /// Longitude, degrees, positive east of Greenwich (−180..=180).
    pub longitude_deg: f64,
    /// Elevation above sea level, metres (pvlib's `altitude`, default 0).
    pub elevation_m: f64,
    /// Mean annual air pressure, hPa (mbar). Default 1013.25.
    pub pressure_hpa: f64,
    /// Mean annual air temperature, °C. Default 12.
    pub temperature_c: f64,
    /// Approximate refraction at sunrise/sunset, degrees. Default 0.5667.
    pub atmos_refract_deg: f64,
}

impl Observer {
    /// An observer at `latitude_deg`, `longitude_deg` with pvlib's
    /// `spa_python` defaults: elevation 0 m, 1013.25 hPa, 12 °C, refraction
    /// 0.5667°.
    #[must_use]
    pub fn new(latitude_deg: f64, longitude_deg: f64) -> Self {
        Self {
            latitude_deg,
            longitude_deg,
            elevation_m: 0.0,
            pressure_hpa: PVLIB_PRESSURE_HPA,
            temperature_c: PVLIB_TEMPERATURE_C,
            atmos_refract_deg: PVLIB_ATMOS_REFRACT_DEG,
        }
    }

    /// The same observer at `elevation_m` metres above sea level.
    #[must_use]
    pub fn with_elevation(mut self, elevation_m: f64) -> Self {
        self.elevation_m = elevation_m;
        self
    }

    /// The same observer with a mean pressure (hPa) and temperature (°C).
    #[must_use]
    pub fn with_atmosphere(mut self, pressure_hpa: f64, temperature_c: f64) -> Self {
        self.pressure_hpa = pressure_hpa;
        self.temperature_c = temperature_c;
        self
    }

    /// Checks that every field is finite and in range: latitude in
    /// [−90, 90], longitude in [−180, 180], elevation in [−1000, 10000] m,
    /// pressure in [1, 2000] hPa, temperature above −273 °C, refraction in
    /// [0, 5]°.
    pub fn validate(&self) -> Result<(), AssetError> {
        check("latitude_deg", self.latitude_deg, -90.0, 90.0)?;
        check("longitude_deg", self.longitude_deg, -180.0, 180.0)?;
        check("elevation_m", self.elevation_m, -1000.0, 10000.0)?;
        check("pressure_hpa", self.pressure_hpa, 1.0, 2000.0)?;
        check("temperature_c", self.temperature_c, -272.99, 1000.0)?;
        check("atmos_refract_deg", self.atmos_refract_deg, 0.0, 5.0)
    }
}

/// The Sun's position seen by an [`Observer`], as pvlib's `spa_python`
/// returns it (all angles in degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolarPosition {
    /// Topocentric zenith angle without refraction (pvlib `zenith`).
    pub zenith_deg: f64,
    /// Topocentric zenith angle with refraction (pvlib `apparent_zenith`).
    pub apparent_zenith_deg: f64,
    /// 90° − `zenith_deg` (pvlib `elevation`).
    pub elevation_deg: f64,
    /// 90° − `apparent_zenith_deg` (pvlib `apparent_elevation`).
    pub apparent_elevation_deg: f64,
    /// Topocentric azimuth, eastward from north, 0–360 (pvlib `azimuth`).
    pub azimuth_deg: f64,
    /// Equation of time, minutes (pvlib `equation_of_time`).
    pub equation_of_time_min: f64,
}

/// The site-independent part of SPA at one instant (steps 3.1–3.8 of the
/// paper): compute it once per timestamp, then call
/// [`SunEphemeris::position`] for each site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunEphemeris {
    /// Julian day (UT), eq. 4 via the Unix epoch.
    pub julian_day: f64,
    /// Earth's heliocentric longitude L, degrees (eq. 9–12).
    pub heliocentric_longitude_deg: f64,
    /// Earth's heliocentric latitude B, degrees (eq. 9–12 with B terms).
    pub heliocentric_latitude_deg: f64,
    /// Earth–Sun distance R, astronomical units.
    pub radius_au: f64,
    /// Nutation in longitude Δψ, degrees (eq. 20–22).
    pub nutation_longitude_deg: f64,
    /// Nutation in obliquity Δε, degrees (eq. 23).
    pub nutation_obliquity_deg: f64,
    /// True obliquity of the ecliptic ε, degrees (eq. 24–25).
    pub obliquity_deg: f64,
    /// Apparent sidereal time at Greenwich ν, degrees (eq. 28–29).
    pub sidereal_time_deg: f64,
    /// Geocentric right ascension α, degrees, 0–360 (eq. 30).
    pub right_ascension_deg: f64,
    /// Geocentric declination δ, degrees (eq. 31).
    pub declination_deg: f64,
    /// Equatorial horizontal parallax ξ, degrees (eq. 33).
    pub parallax_deg: f64,
    /// Equation of time, minutes (paper's Appendix A.1, wrapped as pvlib).
    pub equation_of_time_min: f64,
}

impl SunEphemeris {
    /// The ephemeris at `unix_seconds` (seconds since 1970-01-01T00:00:00Z,
    /// fractions allowed) with ΔT = `delta_t_s` seconds (pvlib's default is
    /// [`PVLIB_DELTA_T_S`]).
    #[must_use]
    pub fn new(unix_seconds: f64, delta_t_s: f64) -> Self {
        Self::from_julian_day(unix_seconds / 86400.0 + 2_440_587.5, delta_t_s)
    }

    /// The ephemeris at Julian day `jd` (UT) with ΔT = `delta_t_s` seconds.
    #[must_use]
    pub fn from_julian_day(jd: f64, delta_t_s: f64) -> Self {
        // Eq. 5–8.
        let jde = jd + delta_t_s / 86400.0;
        let jc = (jd - 2_451_545.0) / 36525.0;
        let jce = (jde - 2_451_545.0) / 36525.0;
        let jme = jce / 10.0;

        // Eq. 9–12: Earth's heliocentric longitude, latitude, radius.
        let l_rad = poly(
            &[
                series(&L0, jme),
                series(&L1, jme),
                series(&L2, jme),
                series(&L3, jme),
                series(&L4, jme),
                series(&L5, jme),
            ],
            jme,
        ) / 1e8;
        let l_deg = l_rad.to_degrees().rem_euclid(360.0);
        let b_deg = (poly(&[series(&B0, jme), series(&B1, jme)], jme) / 1e8).to_degrees();
        let r = poly(
            &[
                series(&R0, jme),
                series(&R1, jme),
                series(&R2, jme),
                series(&R3, jme),
                series(&R4, jme),
            ],
            jme,
        ) / 1e8;

        // Eq. 13–14: geocentric longitude and latitude.
        let theta = (l_deg + 180.0).rem_euclid(360.0);
        let beta = -b_deg;

        // Eq. 15–19: arguments of the nutation series (degrees).
        let x = [
            297.85036 + 445_267.111_480 * jce - 0.001_914_2 * jce * jce + jce.powi(3) / 189_474.0,
            357.52772 + 35_999.050_340 * jce - 0.000_160_3 * jce * jce - jce.powi(3) / 300_000.0,
            134.96298 + 477_198.867_398 * jce + 0.008_697_2 * jce * jce + jce.powi(3) / 56_250.0,
            93.27191 + 483_202.017_538 * jce - 0.003_682_5 * jce * jce + jce.powi(3) / 327_270.0,
            125.04452 - 1_934.136_261 * jce + 0.002_070_8 * jce * jce + jce.powi(3) / 450_000.0,
        ];
        // Eq. 20–23: nutation in longitude and obliquity (Table A4.3 in
        // units of 0.0001 arcsec).
        let mut dpsi = 0.0;
        let mut deps = 0.0;
        for (y, abcd) in NUTATION.iter() {
            let arg = (f64::from(y[0]) * x[0]
                + f64::from(y[1]) * x[1]
                + f64::from(y[2]) * x[2]
                + f64::from(y[3]) * x[3]
                + f64::from(y[4]) * x[4])
                .to_radians();
            dpsi += (abcd[0] + abcd[1] * jce) * arg.sin();
            deps += (abcd[2] + abcd[3] * jce) * arg.cos();
        }
        let dpsi = dpsi / 36_000_000.0;
        let deps = deps / 36_000_000.0;

        // Eq. 24–25: true obliquity of the ecliptic.
        let u = jme / 10.0;
        let eps0 = 84381.448
            + u * (-4680.93
                + u * (-1.55
                    + u * (1999.25
                        + u * (-51.38
                            + u * (-249.67
                                + u * (-39.05
                                    + u * (7.12 + u * (27.87 + u * (5.79 + u * 2.45)))))))));
        let eps = eps0 / 3600.0 + deps;
        let eps_rad = eps.to_radians();

        // Eq. 26–27: aberration and apparent Sun longitude.
        let dtau = -20.4898 / (3600.0 * r);
        let lambda = theta + dpsi + dtau;
        let lambda_rad = lambda.to_radians();

        // Eq. 28–29: apparent sidereal time at Greenwich.
        let nu0 =
            (280.460_618_37 + 360.985_647_366_29 * (jd - 2_451_545.0) + 0.000_387_933 * jc * jc
                - jc.powi(3) / 38_710_000.0)
                .rem_euclid(360.0);
        let nu = nu0 + dpsi * eps_rad.cos();

        // Eq. 30–31: geocentric right ascension and declination.
        let beta_rad = beta.to_radians();
        let alpha = (lambda_rad.sin() * eps_rad.cos() - beta_rad.tan() * eps_rad.sin())
            .atan2(lambda_rad.cos())
            .to_degrees()
            .rem_euclid(360.0);
        let delta = (beta_rad.sin() * eps_rad.cos()
            + beta_rad.cos() * eps_rad.sin() * lambda_rad.sin())
        .asin()
        .to_degrees();

        // Eq. 33: equatorial horizontal parallax.
        let xi = 8.794 / (3600.0 * r);

        // Appendix A.1: equation of time (Sun's mean longitude, eq. A2).
        let m = 280.466_456_7
            + 360_007.698_277_9 * jme
            + 0.030_320_28 * jme * jme
            + jme.powi(3) / 49_931.0
            - jme.powi(4) / 15_300.0
            - jme.powi(5) / 2_000_000.0;
        let e = (m - 0.005_718_3 - alpha + dpsi * eps_rad.cos()).rem_euclid(360.0) * 4.0;
        let eot = if e > 20.0 {
            e - 1440.0
        } else if e < -20.0 {
            e + 1440.0
        } else {
            e
        };

        Self {
            julian_day: jd,
            heliocentric_longitude_deg: l_deg,
            heliocentric_latitude_deg: b_deg,
            radius_au: r,
            nutation_longitude_deg: dpsi,
            nutation_obliquity_deg: deps,
            obliquity_deg: eps,
            sidereal_time_deg: nu,
            right_ascension_deg: alpha,
            declination_deg: delta,
            parallax_deg: xi,
            equation_of_time_min: eot,
        }
    }

    /// Observer local hour angle H, degrees 0–360, measured westward from
    /// south (eq. 32).
    #[must_use]
    pub fn hour_angle_deg(&self, longitude_deg: f64) -> f64 {
        (self.sidereal_time_deg + longitude_deg - self.right_ascension_deg).rem_euclid(360.0)
    }

    /// The Sun's topocentric position seen by `obs` (steps 3.9–3.14 of the
    /// paper, eq. 32–45).
    #[must_use]
    pub fn position(&self, obs: &Observer) -> SolarPosition {
        let lat_rad = obs.latitude_deg.to_radians();
        let h = self.hour_angle_deg(obs.longitude_deg);
        let h_rad = h.to_radians();
        let xi_rad = self.parallax_deg.to_radians();
        let delta_rad = self.declination_deg.to_radians();

        // Eq. 34–37: observer's geocentric position terms.
        let u = (0.996_647_19 * lat_rad.tan()).atan();
        let x = u.cos() + obs.elevation_m / 6_378_140.0 * lat_rad.cos();
        let y = 0.996_647_19 * u.sin() + obs.elevation_m / 6_378_140.0 * lat_rad.sin();

        // Eq. 38: parallax in right ascension.
        let dalpha_rad = (-x * xi_rad.sin() * h_rad.sin())
            .atan2(delta_rad.cos() - x * xi_rad.sin() * h_rad.cos());
        let dalpha = dalpha_rad.to_degrees();
        // Eq. 40: topocentric declination.
        let delta_p_rad = ((delta_rad.sin() - y * xi_rad.sin()) * dalpha_rad.cos())
            .atan2(delta_rad.cos() - x * xi_rad.sin() * h_rad.cos());
        // Eq. 41: topocentric local hour angle.
        let h_p_rad = (h - dalpha).to_radians();

        // Eq. 41–42: elevation without refraction, refraction correction.
        let e0 = (lat_rad.sin() * delta_p_rad.sin()
            + lat_rad.cos() * delta_p_rad.cos() * h_p_rad.cos())
        .asin()
        .to_degrees();
        let de = if e0 >= -(SUN_RADIUS_DEG + obs.atmos_refract_deg) {
            (obs.pressure_hpa / 1010.0) * (283.0 / (273.0 + obs.temperature_c)) * 1.02
                / (60.0 * (e0 + 10.3 / (e0 + 5.11)).to_radians().tan())
        } else {
            0.0
        };
        let e = e0 + de;

        // Eq. 44–46: topocentric azimuth, eastward from north.
        let gamma = h_p_rad
            .sin()
            .atan2(h_p_rad.cos() * lat_rad.sin() - delta_p_rad.tan() * lat_rad.cos())
            .to_degrees()
            .rem_euclid(360.0);
        let phi = (gamma + 180.0).rem_euclid(360.0);

        SolarPosition {
            zenith_deg: 90.0 - e0,
            apparent_zenith_deg: 90.0 - e,
            elevation_deg: e0,
            apparent_elevation_deg: e,
            azimuth_deg: phi,
            equation_of_time_min: self.equation_of_time_min,
        }
    }
}

/// pvlib `spa_python` for one instant and one observer:
/// `SunEphemeris::new(unix_seconds, delta_t_s).position(obs)`.
#[must_use]
pub fn solar_position(unix_seconds: f64, obs: &Observer, delta_t_s: f64) -> SolarPosition {
    SunEphemeris::new(unix_seconds, delta_t_s).position(obs)
}

/// Σ A·cos(B + C·x) over the rows of a periodic-term table (eq. 9).
fn series(terms: &[[f64; 3]], x: f64) -> f64 {
    terms.iter().map(|t| t[0] * (t[1] + t[2] * x).cos()).sum()
}

/// c0 + c1·x + c2·x² + … (eq. 11), by Horner's rule.
fn poly(c: &[f64], x: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &ci| acc * x + ci)
}

/// Earth periodic terms of Reda & Andreas (2004), Table A4.2 (a truncated
/// VSOP87 series): each row is A, B (rad), C (rad per Julian ephemeris
/// millennium). The values are the paper's; they were transcribed by
/// machine from pvlib's copy of the same tables (`spa.py`, BSD-3-Clause:
/// data only) and are verified by the paper's worked example (unit test
/// `paper_example`) and against pvlib (tests/pv_pvlib.rs).
/// Heliocentric longitude, L0 terms.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L0: [[f64; 3]; 64] = [
    [175347046.0, 0.0, 0.0],
    [3341656.0, 4.6692568, 6283.07585],
    [34894.0, 4.6261, 12566.1517],
    [3497.0, 2.7441, 5753.3849],
    [3418.0, 2.8289, 3.5231],
    [3136.0, 3.6277, 77713.7715],
    [2676.0, 4.4181, 7860.4194],
    [2343.0, 6.1352, 3930.2097],
    [1324.0, 0.7425, 11506.7698],
    [1273.0, 2.0371, 529.691],
    [1199.0, 1.1096, 1577.3435],
    [990.0, 5.233, 5884.927],
    [902.0, 2.045, 26.298],
    [857.0, 3.508, 398.149],
    [780.0, 1.179, 5223.694],
    [753.0, 2.533, 5507.553],
    [505.0, 4.583, 18849.228],
    [492.0, 4.205, 775.523],
    [357.0, 2.92, 0.067],
    [317.0, 5.849, 11790.629],
    [284.0, 1.899, 796.298],
    [271.0, 0.315, 10977.079],
    [243.0, 0.345, 5486.778],
    [206.0, 4.806, 2544.314],
    [205.0, 1.869, 5573.143],
    [202.0, 2.458, 6069.777],
    [156.0, 0.833, 213.299],
    [132.0, 3.411, 2942.463],
    [126.0, 1.083, 20.775],
    [115.0, 0.645, 0.98],
    [103.0, 0.636, 4694.003],
    [102.0, 0.976, 15720.839],
    [102.0, 4.267, 7.114],
    [99.0, 6.21, 2146.17],
    [98.0, 0.68, 155.42],
    [86.0, 5.98, 161000.69],
    [85.0, 1.3, 6275.96],
    [85.0, 3.67, 71430.7],
    [80.0, 1.81, 17260.15],
    [79.0, 3.04, 12036.46],
    [75.0, 1.76, 5088.63],
    [74.0, 3.5, 3154.69],
    [74.0, 4.68, 801.82],
    [70.0, 0.83, 9437.76],
    [62.0, 3.98, 8827.39],
    [61.0, 1.82, 7084.9],
    [57.0, 2.78, 6286.6],
    [56.0, 4.39, 14143.5],
    [56.0, 3.47, 6279.55],
    [52.0, 0.19, 12139.55],
    [52.0, 1.33, 1748.02],
    [51.0, 0.28, 5856.48],
    [49.0, 0.49, 1194.45],
    [41.0, 5.37, 8429.24],
    [41.0, 2.4, 19651.05],
    [39.0, 6.17, 10447.39],
    [37.0, 6.04, 10213.29],
    [37.0, 2.57, 1059.38],
    [36.0, 1.71, 2352.87],
    [36.0, 1.78, 6812.77],
    [33.0, 0.59, 17789.85],
    [30.0, 0.44, 83996.85],
    [30.0, 2.74, 1349.87],
    [25.0, 3.16, 4690.48],
];

/// Heliocentric longitude, L1 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L1: [[f64; 3]; 34] = [
    [628331966747.0, 0.0, 0.0],
    [206059.0, 2.678235, 6283.07585],
    [4303.0, 2.6351, 12566.1517],
    [425.0, 1.59, 3.523],
    [119.0, 5.796, 26.298],
    [109.0, 2.966, 1577.344],
    [93.0, 2.59, 18849.23],
    [72.0, 1.14, 529.69],
    [68.0, 1.87, 398.15],
    [67.0, 4.41, 5507.55],
    [59.0, 2.89, 5223.69],
    [56.0, 2.17, 155.42],
    [45.0, 0.4, 796.3],
    [36.0, 0.47, 775.52],
    [29.0, 2.65, 7.11],
    [21.0, 5.34, 0.98],
    [19.0, 1.85, 5486.78],
    [19.0, 4.97, 213.3],
    [17.0, 2.99, 6275.96],
    [16.0, 0.03, 2544.31],
    [16.0, 1.43, 2146.17],
    [15.0, 1.21, 10977.08],
    [12.0, 2.83, 1748.02],
    [12.0, 3.26, 5088.63],
    [12.0, 5.27, 1194.45],
    [12.0, 2.08, 4694.0],
    [11.0, 0.77, 553.57],
    [10.0, 1.3, 6286.6],
    [10.0, 4.24, 1349.87],
    [9.0, 2.7, 242.73],
    [9.0, 5.64, 951.72],
    [8.0, 5.3, 2352.87],
    [6.0, 2.65, 9437.76],
    [6.0, 4.67, 4690.48],
];

/// Heliocentric longitude, L2 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L2: [[f64; 3]; 20] = [
    [52919.0, 0.0, 0.0],
    [8720.0, 1.0721, 6283.0758],
    [309.0, 0.867, 12566.152],
    [27.0, 0.05, 3.52],
    [16.0, 5.19, 26.3],
    [16.0, 3.68, 155.42],
    [10.0, 0.76, 18849.23],
    [9.0, 2.06, 77713.77],
    [7.0, 0.83, 775.52],
    [5.0, 4.66, 1577.34],
    [4.0, 1.03, 7.11],
    [4.0, 3.44, 5573.14],
    [3.0, 5.14, 796.3],
    [3.0, 6.05, 5507.55],
    [3.0, 1.19, 242.73],
    [3.0, 6.12, 529.69],
    [3.0, 0.31, 398.15],
    [3.0, 2.28, 553.57],
    [2.0, 4.38, 5223.69],
    [2.0, 3.75, 0.98],
];

/// Heliocentric longitude, L3 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L3: [[f64; 3]; 7] = [
    [289.0, 5.844, 6283.076],
    [35.0, 0.0, 0.0],
    [17.0, 5.49, 12566.15],
    [3.0, 5.2, 155.42],
    [1.0, 4.72, 3.52],
    [1.0, 5.3, 18849.23],
    [1.0, 5.97, 242.73],
];

/// Heliocentric longitude, L4 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L4: [[f64; 3]; 3] = [
    [114.0, 3.142, 0.0],
    [8.0, 4.13, 6283.08],
    [1.0, 3.84, 12566.15],
];

/// Heliocentric longitude, L5 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const L5: [[f64; 3]; 1] = [
    [1.0, 3.14, 0.0],
];

/// Heliocentric latitude, B0 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const B0: [[f64; 3]; 5] = [
    [280.0, 3.199, 84334.662],
    [102.0, 5.422, 5507.553],
    [80.0, 3.88, 5223.69],
    [44.0, 3.7, 2352.87],
    [32.0, 4.0, 1577.34],
];

/// Heliocentric latitude, B1 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const B1: [[f64; 3]; 2] = [
    [9.0, 3.9, 5507.55],
    [6.0, 1.73, 5223.69],
];

/// Radius vector, R0 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const R0: [[f64; 3]; 40] = [
    [100013989.0, 0.0, 0.0],
    [1670700.0, 3.0984635, 6283.07585],
    [13956.0, 3.05525, 12566.1517],
    [3084.0, 5.1985, 77713.7715],
    [1628.0, 1.1739, 5753.3849],
    [1576.0, 2.8469, 7860.4194],
    [925.0, 5.453, 11506.77],
    [542.0, 4.564, 3930.21],
    [472.0, 3.661, 5884.927],
    [346.0, 0.964, 5507.553],
    [329.0, 5.9, 5223.694],
    [307.0, 0.299, 5573.143],
    [243.0, 4.273, 11790.629],
    [212.0, 5.847, 1577.344],
    [186.0, 5.022, 10977.079],
    [175.0, 3.012, 18849.228],
    [110.0, 5.055, 5486.778],
    [98.0, 0.89, 6069.78],
    [86.0, 5.69, 15720.84],
    [86.0, 1.27, 161000.69],
    [65.0, 0.27, 17260.15],
    [63.0, 0.92, 529.69],
    [57.0, 2.01, 83996.85],
    [56.0, 5.24, 71430.7],
    [49.0, 3.25, 2544.31],
    [47.0, 2.58, 775.52],
    [45.0, 5.54, 9437.76],
    [43.0, 6.01, 6275.96],
    [39.0, 5.36, 4694.0],
    [38.0, 2.39, 8827.39],
    [37.0, 0.83, 19651.05],
    [37.0, 4.9, 12139.55],
    [36.0, 1.67, 12036.46],
    [35.0, 1.84, 2942.46],
    [33.0, 0.24, 7084.9],
    [32.0, 0.18, 5088.63],
    [32.0, 1.78, 398.15],
    [28.0, 1.21, 6286.6],
    [28.0, 1.9, 6279.55],
    [26.0, 4.59, 10447.39],
];

/// Radius vector, R1 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const R1: [[f64; 3]; 10] = [
    [103019.0, 1.10749, 6283.07585],
    [1721.0, 1.0644, 12566.1517],
    [702.0, 3.142, 0.0],
    [32.0, 1.02, 18849.23],
    [31.0, 2.84, 5507.55],
    [25.0, 1.32, 5223.69],
    [18.0, 1.42, 1577.34],
    [10.0, 5.91, 10977.08],
    [9.0, 1.42, 6275.96],
    [9.0, 0.27, 5486.78],
];

/// Radius vector, R2 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const R2: [[f64; 3]; 6] = [
    [4359.0, 5.7846, 6283.0758],
    [124.0, 5.579, 12566.152],
    [12.0, 3.14, 0.0],
    [9.0, 3.63, 77713.77],
    [6.0, 1.87, 5573.14],
    [3.0, 5.47, 18849.23],
];

/// Radius vector, R3 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const R3: [[f64; 3]; 2] = [
    [145.0, 4.273, 6283.076],
    [7.0, 3.92, 12566.15],
];

/// Radius vector, R4 terms. See [`L0`] for the source.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const R4: [[f64; 3]; 1] = [
    [4.0, 2.56, 6283.08],
];

/// Periodic terms for the nutation in longitude and obliquity, Reda &
/// Andreas (2004), Table A4.3: the multipliers Y0..Y4 of X0..X4 and the
/// coefficients a, b (Δψ) and c, d (Δε) in 0.0001 arcsec (per Julian
/// century for b and d). Same provenance as the Earth terms.
#[rustfmt::skip]
#[allow(clippy::approx_constant)] // 3.14159 etc. are the paper's values
const NUTATION: [([i8; 5], [f64; 4]); 63] = [
    ([0, 0, 0, 0, 1], [-171996.0, -174.2, 92025.0, 8.9]),
    ([-2, 0, 0, 2, 2], [-13187.0, -1.6, 5736.0, -3.1]),
    ([0, 0, 0, 2, 2], [-2274.0, -0.2, 977.0, -0.5]),
    ([0, 0, 0, 0, 2], [2062.0, 0.2, -895.0, 0.5]),
    ([0, 1, 0, 0, 0], [1426.0, -3.4, 54.0, -0.1]),
    ([0, 0, 1, 0, 0], [712.0, 0.1, -7.0, 0.0]),
    ([-2, 1, 0, 2, 2], [-517.0, 1.2, 224.0, -0.6]),
    ([0, 0, 0, 2, 1], [-386.0, -0.4, 200.0, 0.0]),
    ([0, 0, 1, 2, 2], [-301.0, 0.0, 129.0, -0.1]),
    ([-2, -1, 0, 2, 2], [217.0, -0.5, -95.0, 0.3]),
    ([-2, 0, 1, 0, 0], [-158.0, 0.0, 0.0, 0.0]),
    ([-2, 0, 0, 2, 1], [129.0, 0.1, -70.0, 0.0]),
    ([0, 0, -1, 2, 2], [123.0, 0.0, -53.0, 0.0]),
    ([2, 0, 0, 0, 0], [63.0, 0.0, 0.0, 0.0]),
    ([0, 0, 1, 0, 1], [63.0, 0.1, -33.0, 0.0]),
    ([2, 0, -1, 2, 2], [-59.0, 0.0, 26.0, 0.0]),
    ([0, 0, -1, 0, 1], [-58.0, -0.1, 32.0, 0.0]),
    ([0, 0, 1, 2, 1], [-51.0, 0.0, 27.0, 0.0]),
    ([-2, 0, 2, 0, 0], [48.0, 0.0, 0.0, 0.0]),
    ([0, 0, -2, 2, 1], [46.0, 0.0, -24.0, 0.0]),
    ([2, 0, 0, 2, 2], [-38.0, 0.0, 16.0, 0.0]),
    ([0, 0, 2, 2, 2], [-31.0, 0.0, 13.0, 0.0]),
    ([0, 0, 2, 0, 0], [29.0, 0.0, 0.0, 0.0]),
    ([-2, 0, 1, 2, 2], [29.0, 0.0, -12.0, 0.0]),
    ([0, 0, 0, 2, 0], [26.0, 0.0, 0.0, 0.0]),
    ([-2, 0, 0, 2, 0], [-22.0, 0.0, 0.0, 0.0]),
    ([0, 0, -1, 2, 1], [21.0, 0.0, -10.0, 0.0]),
    ([0, 2, 0, 0, 0], [17.0, -0.1, 0.0, 0.0]),
    ([2, 0, -1, 0, 1], [16.0, 0.0, -8.0, 0.0]),
    ([-2, 2, 0, 2, 2], [-16.0, 0.1, 7.0, 0.0]),
    ([0, 1, 0, 0, 1], [-15.0, 0.0, 9.0, 0.0]),
    ([-2, 0, 1, 0, 1], [-13.0, 0.0, 7.0, 0.0]),
    ([0, -1, 0, 0, 1], [-12.0, 0.0, 6.0, 0.0]),
    ([0, 0, 2, -2, 0], [11.0, 0.0, 0.0, 0.0]),
    ([2, 0, -1, 2, 1], [-10.0, 0.0, 5.0, 0.0]),
    ([2, 0, 1, 2, 2], [-8.0, 0.0, 3.0, 0.0]),
    ([0, 1, 0, 2, 2], [7.0, 0.0, -3.0, 0.0]),
    ([-2, 1, 1, 0, 0], [-7.0, 0.0, 0.0, 0.0]),
    ([0, -1, 0, 2, 2], [-7.0, 0.0, 3.0, 0.0]),
    ([2, 0, 0, 2, 1], [-7.0, 0.0, 3.0, 0.0]),
    ([2, 0, 1, 0, 0], [6.0, 0.0, 0.0, 0.0]),
    ([-2, 0, 2, 2, 2], [6.0, 0.0, -3.0, 0.0]),
    ([-2, 0, 1, 2, 1], [6.0, 0.0, -3.0, 0.0]),
    ([2, 0, -2, 0, 1], [-6.0, 0.0, 3.0, 0.0]),
    ([2, 0, 0, 0, 1], [-6.0, 0.0, 3.0, 0.0]),
    ([0, -1, 1, 0, 0], [5.0, 0.0, 0.0, 0.0]),
    ([-2, -1, 0, 2, 1], [-5.0, 0.0, 3.0, 0.0]),
    ([-2, 0, 0, 0, 1], [-5.0, 0.0, 3.0, 0.0]),
    ([0, 0, 2, 2, 1], [-5.0, 0.0, 3.0, 0.0]),
    ([-2, 0, 2, 0, 1], [4.0, 0.0, 0.0, 0.0]),
    ([-2, 1, 0, 2, 1], [4.0, 0.0, 0.0, 0.0]),
    ([0, 0, 1, -2, 0], [4.0, 0.0, 0.0, 0.0]),
    ([-1, 0, 1, 0, 0], [-4.0, 0.0, 0.0, 0.0]),
    ([-2, 1, 0, 0, 0], [-4.0, 0.0, 0.0, 0.0]),
    ([1, 0, 0, 0, 0], [-4.0, 0.0, 0.0, 0.0]),
    ([0, 0, 1, 2, 0], [3.0, 0.0, 0.0, 0.0]),
    ([0, 0, -2, 2, 2], [-3.0, 0.0, 0.0, 0.0]),
    ([-1, -1, 1, 0, 0], [-3.0, 0.0, 0.0, 0.0]),
    ([0, 1, 1, 0, 0], [-3.0, 0.0, 0.0, 0.0]),
    ([0, -1, 1, 2, 2], [-3.0, 0.0, 0.0, 0.0]),
    ([2, -1, -1, 2, 2], [-3.0, 0.0, 0.0, 0.0]),
    ([0, 0, 3, 2, 2], [-3.0, 0.0, 0.0, 0.0]),
    ([2, -1, 0, 2, 2], [-3.0, 0.0, 0.0, 0.0]),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of Reda & Andreas (2004), Table A5.1:
    /// 2003-10-17 12:30:30 at UTC−7, ΔT = 67 s, 39.742476° N, 105.1786° W,
    /// 1830.14 m, 820 hPa, 11 °C.
    #[test]
    fn paper_example() {
        let t = 1_066_419_030.0; // 2003-10-17T19:30:30Z
        let eph = SunEphemeris::new(t, 67.0);
        assert!((eph.julian_day - 2_452_930.312_847).abs() < 1e-6);
        assert!((eph.heliocentric_longitude_deg - 24.018_261_691_7).abs() < 1e-9);
        assert!((eph.heliocentric_latitude_deg - -0.000_101_121_9).abs() < 1e-10);
        assert!((eph.radius_au - 0.996_542_297_4).abs() < 1e-10);
        assert!((eph.nutation_longitude_deg - -0.003_998_40).abs() < 1e-8);
        assert!((eph.nutation_obliquity_deg - 0.001_666_57).abs() < 1e-8);
        assert!((eph.obliquity_deg - 23.440_465).abs() < 1e-6);
        assert!((eph.hour_angle_deg(-105.1786) - 11.105_902).abs() < 1e-6);
        let obs = Observer::new(39.742476, -105.1786)
            .with_elevation(1830.14)
            .with_atmosphere(820.0, 11.0);
        let p = eph.position(&obs);
        assert!((p.apparent_zenith_deg - 50.111_62).abs() < 1e-5, "{p:?}");
        assert!((p.azimuth_deg - 194.340_24).abs() < 1e-5, "{p:?}");
    }

    #[test]
    fn observer_validation() {
        assert!(Observer::new(35.0, 139.0).validate().is_ok());
        assert!(Observer::new(91.0, 0.0).validate().is_err());
        assert!(Observer::new(0.0, f64::NAN).validate().is_err());
        assert!(
            Observer::new(0.0, 0.0)
                .with_atmosphere(0.0, 12.0)
                .validate()
                .is_err()
        );
    }
}
