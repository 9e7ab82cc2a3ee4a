//! Tropical-cyclone wind: tracks and Holland wind fields.

pub mod holland;
pub mod track;

pub use holland::{CLIMADA_INTENSITY_THRESHOLD, WindField, WindModel};
pub use track::{SiTrack, Track};
