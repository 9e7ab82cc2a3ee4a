//! # disaster-scenarios
//!
//! Hazards for blackstart: earthquake ground motion (Si & Midorikawa 1999,
//! Boore et al. 2014) with finite-fault distances and spatially correlated
//! residuals, tropical-cyclone wind (Holland 1980 / 2008 along a track, as
//! CLIMADA computes it), flood depth, fragility curves, damage sampling,
//! restoration with repair crews, severity levels and readers for real-event
//! formats.
//!
//! Randomness comes only from a [`rng::RandomSource`] handed in by the caller
//! (in a simulation: one of sim-core's named streams), so results are
//! reproducible.

pub mod correlation;
pub mod error;
pub mod eventset;
pub mod flood;
pub mod formats;
pub mod fragility;
pub mod gmpe;
pub mod math;
pub mod presets;
pub mod restoration;
pub mod rng;
pub mod rupture;
pub mod severity;
pub mod sites;
pub mod wind;

pub use error::{HazardError, Result};
