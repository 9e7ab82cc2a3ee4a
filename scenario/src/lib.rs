//! # scenario: from a scenario file to the inputs of a run
//!
//! The first stage of blackstart's data flow
//! (file → **scenario** → replica engine → results; see `ARCHITECTURE.md`):
//!
//! - [`load`] / [`parse`]: the TOML file ([`schema`]) with errors that name
//!   the file, line and column ([`ScenarioError`]);
//! - [`frame`]: the time frame (start, control interval, steps);
//! - [`community`]: the community network at real coordinates;
//! - [`profiles`]: load shapes and profile files (CSV, Parquet);
//! - [`tables`]: the replica-independent demand, PV and wind tables;
//! - [`hazard`]: the hazard at the community's sites, and its per-replica
//!   damage and repair samples;
//! - [`eventset`]: stochastic event sets (one event per replica).
//!
//! Nothing here runs a simulation: the `engine` crate does.

pub mod community;
pub mod error;
pub mod eventset;
pub mod frame;
pub mod hazard;
pub mod load;
pub mod profiles;
pub mod schema;
pub mod tables;

pub use error::ScenarioError;
pub use load::{Loaded, load, parse};
pub use schema::ScenarioFile;
