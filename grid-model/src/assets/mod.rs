//! Assets over time: PV output from solar physics (as pvlib 0.16 computes
//! it), cloud factors, and wind power from a power curve.
//!
//! - [`solar`]: NREL SPA solar position (pvlib `spa_python`), split into a
//!   per-timestamp [`SunEphemeris`] and a cheap per-site
//!   [`SunEphemeris::position`];
//! - [`pv`]: Haurwitz clear sky, Erbs decomposition, isotropic
//!   plane-of-array transposition, PVWatts DC and inverter models;
//!   [`PvSystem`], [`PvPlant`], [`SunInstant`];
//! - [`cloud`]: a seeded two-state Markov cloud-factor model driven by any
//!   [`UniformSource`];
//! - [`wind`]: [`WindTurbine`] power curves.
//!
//! Units: powers in kW, irradiances in W/m², angles in degrees, time as
//! seconds since the Unix epoch (UTC).

pub mod cloud;
pub mod error;
pub mod pv;
pub mod solar;
pub mod wind;

pub use cloud::{CloudProcess, MarkovCloudModel, SkyState, UniformSource};
pub use error::AssetError;
pub use pv::{
    ErbsSplit, PoaIrradiance, PvOutput, PvPlant, PvSystem, SunInstant, aoi_deg, aoi_projection,
    day_of_year_utc, erbs, erbs_with_limits, extra_radiation_spencer, haurwitz_ghi, poa_isotropic,
    pvwatts_dc, pvwatts_inverter,
};
pub use solar::{Observer, PVLIB_DELTA_T_S, SolarPosition, SunEphemeris, solar_position};
pub use wind::{WindTurbine, wind_speed_at_height};
