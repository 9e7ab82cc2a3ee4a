//! Graph neural networks for blackstart, in [Burn](https://burn.dev).
//!
//! - [`model`]: a message-passing network over an edge list (gather along
//!   the source index, scatter-add to the destination index), written once
//!   for every Burn backend. The CPU backend (`Device::flex()`, pure Rust)
//!   is the default; the `wgpu` feature adds a GPU device.
//! - [`forecast`]: per-node net load 1..24 h ahead from the last week,
//!   calendar and clear-sky solar features, against persistence and
//!   seasonal-naive baselines, trained deterministically on CPU.
//! - [`data`]: the SimBench reader and the series format.
//! - [`shipped`]: the trained forecaster that ships with the crate.
//! - [`cli`]: the logic of `blackstart train forecast` and
//!   `blackstart eval forecast`.

pub mod cli;
pub mod data;
pub mod forecast;
pub mod graph;
pub mod model;
pub mod rng;
pub mod shipped;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input data missing or malformed.
    #[error("data: {0}")]
    Data(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Saving or loading weights.
    #[error("weights: {0}")]
    Weights(String),
    /// Encoding or decoding JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// The default compute device: Burn's pure-Rust CPU backend.
pub fn cpu() -> burn::prelude::Device {
    burn::prelude::Device::flex()
}
