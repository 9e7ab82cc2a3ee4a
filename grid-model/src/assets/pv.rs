//! PV output from physics, as pvlib 0.16 computes it.
//!
//! The chain, for one instant and one plant (each step names the pvlib
//! function it reproduces):
//!
//! 1. solar position: NREL SPA, `solarposition.spa_python` (see
//!    [`super::solar`]);
//! 2. clear-sky GHI: Haurwitz, `clearsky.haurwitz(apparent_zenith)`
//!    ([`haurwitz_ghi`]), times a cloud factor (clear-sky index, 1 for clear
//!    sky; from data or from [`super::cloud`]);
//! 3. DNI and DHI: Erbs, `irradiance.erbs(ghi, zenith, time)` with its
//!    defaults ([`erbs`]); Erbs gets the **true** zenith, its documented
//!    input, and the extraterrestrial irradiance of
//!    `irradiance.get_extra_radiation` (Spencer, 1366.1 W/m², UTC day of
//!    year: [`extra_radiation_spencer`]);
//! 4. plane of array: `irradiance.get_total_irradiance(model='isotropic')`
//!    ([`poa_isotropic`]) with the **apparent** zenith, as pvlib's
//!    `ModelChain` passes it;
//! 5. DC power: `pvsystem.pvwatts_dc(poa_global, temp_cell, pdc0,
//!    gamma_pdc)` ([`pvwatts_dc`]); the effective irradiance is the POA
//!    global irradiance (no incidence-angle, soiling or spectral loss);
//! 6. AC power: `inverter.pvwatts(pdc, pdc0, eta_inv_nom)`
//!    ([`pvwatts_inverter`]), where pvlib's inverter `pdc0` is the inverter's
//!    DC input limit, `pac0 / eta_inv_nom`. [`PvSystem::inverter_ac_kw`] is
//!    `pac0`, the AC rating; it defaults to the DC capacity ("inverter rated
//!    at the DC capacity", a DC/AC ratio of 1), so by default the inverter's
//!    DC limit is `dc_kw / 0.96`.
//!
//! Timestamps are instants: the Sun is placed at the labelled instant
//! itself, with no shift to the middle of an interval (as pvlib does with a
//! `DatetimeIndex`).
//!
//! ```
//! use grid_model::assets::{Observer, PvPlant, PvSystem, SunInstant, PVLIB_DELTA_T_S};
//! // 5 kW, tilted 30° facing south, in Tokyo, at noon JST on 2024-06-21.
//! let plant = PvPlant::new(Observer::new(35.6895, 139.6917), PvSystem::new(30.0, 180.0, 5.0)).unwrap();
//! let t = 1_718_938_800.0; // 2024-06-21T03:00:00Z
//! let now = SunInstant::new(t, PVLIB_DELTA_T_S);
//! let out = plant.clear_sky_at(&now);
//! assert!(out.poa.global_w_m2 > 900.0 && out.ac_kw > 4.0 && out.ac_kw <= 5.0);
//! // Many plants: compute `SunInstant` once per timestamp, then each plant.
//! ```

use chrono::Datelike;

use super::error::{AssetError, check};
use super::solar::{Observer, SolarPosition, SunEphemeris};

/// Solar constant used by pvlib's `get_extra_radiation`, W/m².
pub const SOLAR_CONSTANT_W_M2: f64 = 1366.1;
/// pvlib `erbs` default lower bound on cos(zenith) for the clearness index.
pub const ERBS_MIN_COS_ZENITH: f64 = 0.065;
/// pvlib `erbs` default largest zenith (degrees) with a non-zero DNI.
pub const ERBS_MAX_ZENITH_DEG: f64 = 87.0;
/// PVWatts reference inverter efficiency (pvlib `eta_inv_ref` default).
pub const PVWATTS_ETA_INV_REF: f64 = 0.9637;
/// Default nominal inverter efficiency (pvlib `eta_inv_nom` default).
pub const PVWATTS_ETA_INV_NOM: f64 = 0.96;
/// Default ground albedo of `blackstart profile pv` (the issue's 0.2; pvlib's
/// own `get_total_irradiance` default is 0.25).
pub const DEFAULT_ALBEDO: f64 = 0.2;
/// Default PVWatts temperature coefficient of power, 1/°C.
pub const DEFAULT_GAMMA_PDC: f64 = -0.004;
/// PVWatts reference cell temperature, °C (pvlib `temp_ref` default).
pub const PVWATTS_TEMP_REF_C: f64 = 25.0;

/// UTC day of year (1–366) of an instant given in seconds since the Unix
/// epoch, as pvlib's `tools._pandas_to_doy` computes it. Instants outside
/// chrono's range (about ±262 000 years) or NaN give 1.
#[must_use]
pub fn day_of_year_utc(unix_seconds: f64) -> u32 {
    let s = unix_seconds.floor();
    if !(s.is_finite() && s.abs() < 8.0e15) {
        return 1;
    }
    // `s` is integral and well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let secs = s as i64;
    chrono::DateTime::from_timestamp(secs, 0).map_or(1, |d| d.ordinal())
}

/// Extraterrestrial normal irradiance (W/m²) on a UTC day of year: pvlib
/// `irradiance.get_extra_radiation(method='spencer')`, Spencer's (1971)
/// Fourier series for (R₀/R)², with pvlib's day angle
/// `B = 2π (doy − 1) / 365` and solar constant [`SOLAR_CONSTANT_W_M2`].
///
/// Source of the coefficients: J. W. Spencer, "Fourier series representation
/// of the position of the Sun", *Search* 2(5), 172, 1971.
#[must_use]
pub fn extra_radiation_spencer(day_of_year: u32) -> f64 {
    let b = 2.0 * std::f64::consts::PI / 365.0 * (f64::from(day_of_year) - 1.0);
    let r = 1.00011
        + 0.034221 * b.cos()
        + 0.00128 * b.sin()
        + 0.000719 * (2.0 * b).cos()
        + 7.7e-05 * (2.0 * b).sin();
    SOLAR_CONSTANT_W_M2 * r
}

/// Haurwitz clear-sky GHI (W/m²) from the **apparent** zenith (degrees):
/// `1098 cos z · exp(−0.059 / cos z)` where cos z > 0, else 0 (pvlib
/// `clearsky.haurwitz`).
///
/// Sources: B. Haurwitz, "Insolation in relation to cloudiness and cloud
/// density", *J. Meteorology* 2, 154–166, 1945; "Insolation in relation to
/// cloud type", *J. Meteorology* 3, 123–124, 1946; coefficients as in
/// M. Reno, C. Hansen, J. Stein, SAND2012-2389, 2012.
#[must_use]
pub fn haurwitz_ghi(apparent_zenith_deg: f64) -> f64 {
    let c = apparent_zenith_deg.to_radians().cos();
    if c > 0.0 {
        1098.0 * c * (-0.059 / c).exp()
    } else {
        0.0
    }
}

/// The Erbs decomposition of a GHI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErbsSplit {
    /// Direct normal irradiance, W/m².
    pub dni: f64,
    /// Diffuse horizontal irradiance, W/m².
    pub dhi: f64,
    /// Clearness index kt (0–1).
    pub kt: f64,
}

/// Erbs decomposition with pvlib's defaults ([`ERBS_MIN_COS_ZENITH`],
/// [`ERBS_MAX_ZENITH_DEG`]): `erbs_with_limits(ghi, zenith, dni_extra,
/// 0.065, 87)`.
#[must_use]
pub fn erbs(ghi: f64, zenith_deg: f64, dni_extra: f64) -> ErbsSplit {
    erbs_with_limits(
        ghi,
        zenith_deg,
        dni_extra,
        ERBS_MIN_COS_ZENITH,
        ERBS_MAX_ZENITH_DEG,
    )
}

/// Erbs decomposition of `ghi` (W/m²) at the **true** zenith `zenith_deg`,
/// pvlib `irradiance.erbs`:
///
/// - clearness index `kt = ghi / (dni_extra · max(cos z, min_cos_zenith))`,
///   limited to [0, 1] (pvlib `clearness_index(max_clearness_index=1)`);
/// - diffuse fraction `1 − 0.09 kt` for kt ≤ 0.22, the quartic
///   `0.9511 − 0.1604 kt + 4.388 kt² − 16.638 kt³ + 12.336 kt⁴` for
///   0.22 < kt ≤ 0.8, and 0.165 above;
/// - `dhi = df · ghi`, `dni = (ghi − dhi) / cos z`; where z > `max_zenith_deg`,
///   ghi < 0 or dni < 0, dni is 0 and dhi is ghi.
///
/// Source: D. G. Erbs, S. A. Klein, J. A. Duffie, "Estimation of the diffuse
/// radiation fraction for hourly, daily and monthly-average global
/// radiation", *Solar Energy* 28(4), 293–302, 1982.
#[must_use]
pub fn erbs_with_limits(
    ghi: f64,
    zenith_deg: f64,
    dni_extra: f64,
    min_cos_zenith: f64,
    max_zenith_deg: f64,
) -> ErbsSplit {
    let cos_z = zenith_deg.to_radians().cos();
    let kt = (ghi / (dni_extra * cos_z.max(min_cos_zenith))).clamp(0.0, 1.0);
    let df = if kt <= 0.22 {
        1.0 - 0.09 * kt
    } else if kt <= 0.8 {
        0.9511 - 0.1604 * kt + 4.388 * kt.powi(2) - 16.638 * kt.powi(3) + 12.336 * kt.powi(4)
    } else {
        0.165
    };
    let dhi = df * ghi;
    let dni = (ghi - dhi) / cos_z;
    if zenith_deg > max_zenith_deg || ghi < 0.0 || dni < 0.0 {
        ErbsSplit {
            dni: 0.0,
            dhi: ghi,
            kt,
        }
    } else {
        ErbsSplit { dni, dhi, kt }
    }
}

/// Cosine of the angle of incidence on a surface, limited to [−1, 1] (pvlib
/// `irradiance.aoi_projection`). Angles in degrees; azimuths eastward from
/// north; tilt from horizontal.
#[must_use]
pub fn aoi_projection(
    surface_tilt_deg: f64,
    surface_azimuth_deg: f64,
    solar_zenith_deg: f64,
    solar_azimuth_deg: f64,
) -> f64 {
    let (st, sz) = (surface_tilt_deg.to_radians(), solar_zenith_deg.to_radians());
    let p = st.cos() * sz.cos()
        + st.sin() * sz.sin() * (solar_azimuth_deg - surface_azimuth_deg).to_radians().cos();
    p.clamp(-1.0, 1.0)
}

/// Angle of incidence, degrees (pvlib `irradiance.aoi`).
#[must_use]
pub fn aoi_deg(
    surface_tilt_deg: f64,
    surface_azimuth_deg: f64,
    solar_zenith_deg: f64,
    solar_azimuth_deg: f64,
) -> f64 {
    aoi_projection(
        surface_tilt_deg,
        surface_azimuth_deg,
        solar_zenith_deg,
        solar_azimuth_deg,
    )
    .acos()
    .to_degrees()
}

/// Plane-of-array irradiance and its parts, W/m² (pvlib `poa_components`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PoaIrradiance {
    /// Total: direct + diffuse (pvlib `poa_global`).
    pub global_w_m2: f64,
    /// Beam on the plane, `max(dni · cos aoi, 0)` (pvlib `poa_direct`).
    pub direct_w_m2: f64,
    /// Sky + ground diffuse (pvlib `poa_diffuse`).
    pub diffuse_w_m2: f64,
    /// Sky diffuse (pvlib `poa_sky_diffuse`).
    pub sky_diffuse_w_m2: f64,
    /// Ground-reflected (pvlib `poa_ground_diffuse`).
    pub ground_diffuse_w_m2: f64,
}

/// Plane-of-array irradiance with the isotropic sky, pvlib
/// `irradiance.get_total_irradiance(model='isotropic', albedo=albedo)`:
///
/// - sky diffuse `dhi (1 + cos tilt) / 2` (Liu & Jordan isotropic sky;
///   B. Y. H. Liu, R. C. Jordan, *Solar Energy* 7(2), 53–74, 1963);
/// - ground diffuse `ghi · albedo · (1 − cos tilt) / 2`;
/// - direct `max(dni · cos aoi, 0)` with `aoi` from [`aoi_deg`].
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn poa_isotropic(
    surface_tilt_deg: f64,
    surface_azimuth_deg: f64,
    solar_zenith_deg: f64,
    solar_azimuth_deg: f64,
    dni: f64,
    ghi: f64,
    dhi: f64,
    albedo: f64,
) -> PoaIrradiance {
    let cos_tilt = surface_tilt_deg.to_radians().cos();
    let sky = dhi * (1.0 + cos_tilt) * 0.5;
    let ground = ghi * albedo * (1.0 - cos_tilt) * 0.5;
    let aoi = aoi_deg(
        surface_tilt_deg,
        surface_azimuth_deg,
        solar_zenith_deg,
        solar_azimuth_deg,
    );
    let direct = (dni * aoi.to_radians().cos()).max(0.0);
    let diffuse = sky + ground;
    PoaIrradiance {
        global_w_m2: direct + diffuse,
        direct_w_m2: direct,
        diffuse_w_m2: diffuse,
        sky_diffuse_w_m2: sky,
        ground_diffuse_w_m2: ground,
    }
}

/// PVWatts DC power, pvlib `pvsystem.pvwatts_dc` without Marion's low-light
/// correction: `E/1000 · pdc0 · (1 + γ (T_cell − T_ref))`, in `pdc0`'s unit.
///
/// Source: A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641,
/// 2014.
#[must_use]
pub fn pvwatts_dc(
    effective_irradiance_w_m2: f64,
    temp_cell_c: f64,
    pdc0: f64,
    gamma_pdc: f64,
    temp_ref_c: f64,
) -> f64 {
    effective_irradiance_w_m2 * 0.001 * pdc0 * (1.0 + gamma_pdc * (temp_cell_c - temp_ref_c))
}

/// PVWatts inverter, pvlib `inverter.pvwatts`: with `ζ = pdc / pdc0`,
/// efficiency `η = η_nom / η_ref · (−0.0162 ζ − 0.0059 / ζ + 0.9858)`
/// (the `0.0059/ζ` term taken as 0 when `pdc` is 0), output
/// `min(η · pdc, η_nom · pdc0)`, floored at 0. `pdc0` is the inverter's DC
/// input limit (its AC rating / `η_nom`), in `pdc`'s unit.
///
/// Source: A. P. Dobos, "PVWatts Version 5 Manual", NREL/TP-6A20-62641,
/// 2014, eq. 10–11.
#[must_use]
pub fn pvwatts_inverter(pdc: f64, pdc0: f64, eta_inv_nom: f64, eta_inv_ref: f64) -> f64 {
    let pac0 = eta_inv_nom * pdc0;
    let zeta = pdc / pdc0;
    let inv = if pdc != 0.0 { 0.0059 / zeta } else { 0.0 };
    let eta = eta_inv_nom / eta_inv_ref * (-0.0162 * zeta - inv + 0.9858);
    (eta * pdc).min(pac0).max(0.0)
}

/// A fixed-tilt PV system modelled with PVWatts. Build it with
/// [`PvSystem::new`] (pvlib / issue defaults) and change fields as needed;
/// [`PvSystem::validate`] checks them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PvSystem {
    /// Surface tilt from horizontal, degrees (0–180).
    pub tilt_deg: f64,
    /// Surface azimuth, degrees eastward from north (180 = facing south).
    pub azimuth_deg: f64,
    /// DC capacity at 1000 W/m² and the reference temperature, kW (pvlib
    /// `pvwatts_dc`'s `pdc0`).
    pub dc_kw: f64,
    /// Inverter AC rating `pac0`, kW; default: `dc_kw`.
    pub inverter_ac_kw: f64,
    /// Ground albedo; default [`DEFAULT_ALBEDO`] (0.2).
    pub albedo: f64,
    /// Cell temperature, °C; default 25 (the issue's clear-sky case).
    pub temp_cell_c: f64,
    /// Reference cell temperature, °C; default 25.
    pub temp_ref_c: f64,
    /// Temperature coefficient of power, 1/°C; default −0.004.
    pub gamma_pdc: f64,
    /// Nominal inverter efficiency; default 0.96.
    pub eta_inv_nom: f64,
    /// Reference inverter efficiency; default 0.9637.
    pub eta_inv_ref: f64,
}

impl PvSystem {
    /// A system tilted `tilt_deg`, facing `azimuth_deg`, of `dc_kw` kW DC,
    /// with the defaults listed on each field (inverter AC rating = DC
    /// capacity, albedo 0.2, cell at 25 °C, γ = −0.004/°C, η_nom = 0.96).
    #[must_use]
    pub fn new(tilt_deg: f64, azimuth_deg: f64, dc_kw: f64) -> Self {
        Self {
            tilt_deg,
            azimuth_deg,
            dc_kw,
            inverter_ac_kw: dc_kw,
            albedo: DEFAULT_ALBEDO,
            temp_cell_c: PVWATTS_TEMP_REF_C,
            temp_ref_c: PVWATTS_TEMP_REF_C,
            gamma_pdc: DEFAULT_GAMMA_PDC,
            eta_inv_nom: PVWATTS_ETA_INV_NOM,
            eta_inv_ref: PVWATTS_ETA_INV_REF,
        }
    }

    /// Checks ranges: tilt in [0, 180]°, azimuth in [−360, 360]°, capacities
    /// in (0, 10⁹] kW, albedo in [0, 1], temperatures in [−100, 150] °C,
    /// γ in [−0.1, 0.1]/°C, efficiencies in (0, 1].
    pub fn validate(&self) -> Result<(), AssetError> {
        check("tilt_deg", self.tilt_deg, 0.0, 180.0)?;
        check("azimuth_deg", self.azimuth_deg, -360.0, 360.0)?;
        check("dc_kw", self.dc_kw, 1e-9, 1e9)?;
        check("inverter_ac_kw", self.inverter_ac_kw, 1e-9, 1e9)?;
        check("albedo", self.albedo, 0.0, 1.0)?;
        check("temp_cell_c", self.temp_cell_c, -100.0, 150.0)?;
        check("temp_ref_c", self.temp_ref_c, -100.0, 150.0)?;
        check("gamma_pdc", self.gamma_pdc, -0.1, 0.1)?;
        check("eta_inv_nom", self.eta_inv_nom, 1e-6, 1.0)?;
        check("eta_inv_ref", self.eta_inv_ref, 1e-6, 1.0)
    }

    /// The inverter's DC input limit, kW: pvlib `inverter.pvwatts`'s `pdc0`
    /// = `inverter_ac_kw / eta_inv_nom`.
    #[must_use]
    pub fn inverter_pdc0_kw(&self) -> f64 {
        self.inverter_ac_kw / self.eta_inv_nom
    }

    /// Output for a given GHI (W/m², e.g. clear-sky × cloud factor, or
    /// measured) with the Sun at `sun` and extraterrestrial irradiance
    /// `dni_extra` (W/m²): steps 3–6 of the module's chain.
    #[must_use]
    pub fn output(&self, sun: &SolarPosition, ghi_w_m2: f64, dni_extra_w_m2: f64) -> PvOutput {
        let split = erbs(ghi_w_m2, sun.zenith_deg, dni_extra_w_m2);
        let aoi = aoi_deg(
            self.tilt_deg,
            self.azimuth_deg,
            sun.apparent_zenith_deg,
            sun.azimuth_deg,
        );
        let poa = poa_isotropic(
            self.tilt_deg,
            self.azimuth_deg,
            sun.apparent_zenith_deg,
            sun.azimuth_deg,
            split.dni,
            ghi_w_m2,
            split.dhi,
            self.albedo,
        );
        let dc_kw = pvwatts_dc(
            poa.global_w_m2,
            self.temp_cell_c,
            self.dc_kw,
            self.gamma_pdc,
            self.temp_ref_c,
        );
        let ac_kw = pvwatts_inverter(
            dc_kw,
            self.inverter_pdc0_kw(),
            self.eta_inv_nom,
            self.eta_inv_ref,
        );
        PvOutput {
            sun: *sun,
            ghi_w_m2,
            dni_w_m2: split.dni,
            dhi_w_m2: split.dhi,
            kt: split.kt,
            aoi_deg: aoi,
            poa,
            dc_kw,
            ac_kw,
        }
    }

    /// Output under Haurwitz clear sky scaled by `cloud_factor` (the
    /// clear-sky index: 1 = clear; it multiplies the GHI before the Erbs
    /// split, so clouds also shift light from beam to diffuse).
    #[must_use]
    pub fn clear_sky_output(
        &self,
        sun: &SolarPosition,
        dni_extra_w_m2: f64,
        cloud_factor: f64,
    ) -> PvOutput {
        self.output(
            sun,
            haurwitz_ghi(sun.apparent_zenith_deg) * cloud_factor,
            dni_extra_w_m2,
        )
    }
}

/// Everything the chain computes at one instant for one plant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PvOutput {
    /// The Sun's position.
    pub sun: SolarPosition,
    /// Global horizontal irradiance used, W/m².
    pub ghi_w_m2: f64,
    /// Direct normal irradiance (Erbs), W/m².
    pub dni_w_m2: f64,
    /// Diffuse horizontal irradiance (Erbs), W/m².
    pub dhi_w_m2: f64,
    /// Clearness index (Erbs).
    pub kt: f64,
    /// Angle of incidence on the array, degrees.
    pub aoi_deg: f64,
    /// Plane-of-array irradiance.
    pub poa: PoaIrradiance,
    /// DC power, kW.
    pub dc_kw: f64,
    /// AC power, kW.
    pub ac_kw: f64,
}

/// The time-only part of the chain at one instant: the SPA ephemeris and
/// the extraterrestrial irradiance. Compute it once per timestamp and share
/// it between plants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunInstant {
    /// Seconds since the Unix epoch (UTC).
    pub unix_seconds: f64,
    /// Site-independent SPA quantities.
    pub ephemeris: SunEphemeris,
    /// Extraterrestrial normal irradiance on the instant's UTC day, W/m².
    pub dni_extra_w_m2: f64,
}

impl SunInstant {
    /// The instant `unix_seconds` with ΔT = `delta_t_s` (pvlib default
    /// [`super::solar::PVLIB_DELTA_T_S`]).
    #[must_use]
    pub fn new(unix_seconds: f64, delta_t_s: f64) -> Self {
        Self {
            unix_seconds,
            ephemeris: SunEphemeris::new(unix_seconds, delta_t_s),
            dni_extra_w_m2: extra_radiation_spencer(day_of_year_utc(unix_seconds)),
        }
    }
}

/// A PV system at a site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PvPlant {
    /// Where it is (and the atmosphere used for refraction).
    pub observer: Observer,
    /// What it is.
    pub system: PvSystem,
}

impl PvPlant {
    /// A plant, after validating both parts.
    pub fn new(observer: Observer, system: PvSystem) -> Result<Self, AssetError> {
        observer.validate()?;
        system.validate()?;
        Ok(Self { observer, system })
    }

    /// Output at `instant` under clear sky times `cloud_factor`.
    #[must_use]
    pub fn output_at(&self, instant: &SunInstant, cloud_factor: f64) -> PvOutput {
        let sun = instant.ephemeris.position(&self.observer);
        self.system
            .clear_sky_output(&sun, instant.dni_extra_w_m2, cloud_factor)
    }

    /// Output at `instant` under clear sky (pvlib's chain exactly).
    #[must_use]
    pub fn clear_sky_at(&self, instant: &SunInstant) -> PvOutput {
        self.output_at(instant, 1.0)
    }

    /// Output at `instant` for a given (e.g. measured) GHI, W/m².
    #[must_use]
    pub fn output_for_ghi(&self, instant: &SunInstant, ghi_w_m2: f64) -> PvOutput {
        let sun = instant.ephemeris.position(&self.observer);
        self.system.output(&sun, ghi_w_m2, instant.dni_extra_w_m2)
    }

    /// Clear-sky outputs at each instant of `unix_seconds`, ΔT =
    /// `delta_t_s`.
    #[must_use]
    pub fn clear_sky_profile(&self, unix_seconds: &[f64], delta_t_s: f64) -> Vec<PvOutput> {
        unix_seconds
            .iter()
            .map(|&t| self.clear_sky_at(&SunInstant::new(t, delta_t_s)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_of_year() {
        assert_eq!(day_of_year_utc(0.0), 1); // 1970-01-01
        assert_eq!(day_of_year_utc(-1.0), 365); // 1969-12-31
        assert_eq!(day_of_year_utc(951_782_400.0), 60); // 2000-02-29
        assert_eq!(day_of_year_utc(951_868_800.0), 61); // 2000-03-01
        assert_eq!(day_of_year_utc(978_307_199.5), 366); // 2000-12-31T23:59:59.5
        assert_eq!(day_of_year_utc(f64::NAN), 1);
    }

    #[test]
    fn inverter_edges() {
        // Zero and tiny DC give zero AC; large DC clips at eta_nom * pdc0.
        assert_eq!(pvwatts_inverter(0.0, 5.0, 0.96, 0.9637), 0.0);
        assert_eq!(pvwatts_inverter(1e-6, 5.0, 0.96, 0.9637), 0.0);
        assert!((pvwatts_inverter(10.0, 5.0, 0.96, 0.9637) - 4.8).abs() < 1e-12);
    }

    #[test]
    fn erbs_night_and_horizon() {
        let e = erbs(0.0, 120.0, 1366.1);
        assert_eq!((e.dni, e.dhi, e.kt), (0.0, 0.0, 0.0));
        let e = erbs(10.0, 88.0, 1366.1);
        assert_eq!((e.dni, e.dhi), (0.0, 10.0));
    }

    #[test]
    fn system_validation() {
        assert!(PvSystem::new(30.0, 180.0, 5.0).validate().is_ok());
        assert!(PvSystem::new(-1.0, 180.0, 5.0).validate().is_err());
        assert!(PvSystem::new(30.0, 180.0, 0.0).validate().is_err());
        assert!(PvSystem::new(30.0, f64::INFINITY, 1.0).validate().is_err());
    }
}
