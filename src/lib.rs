//! # blackstart
//!
//! A deterministic, high-performance discrete-event simulator and digital twin
//! for energy sharing between microgrids during disasters.
//!
//! This facade crate re-exports the workspace crates so that applications can
//! depend on one crate:
//!
//! - [`sim_core`]: the discrete-event kernel (integer time, event queue, named
//!   random streams, parallel replicas, columnar recorder).
//! - [`grid_model`]: the network model, MATPOWER import, topology and AC/DC
//!   power flow.
//! - [`disaster_scenarios`]: hazards (ground motion, wind, flood), fragility
//!   and restoration.
//! - [`learn`]: data generation and evaluation for the learned planner
//!   (crate `gnn`), and the registration of the `gnn` strategy.
//!
//! The `blackstart` binary (see `src/main.rs`) is the command-line interface.

// No panics on user input in library code (issue 11): errors are typed.
// `unwrap` is linted workspace-wide (Cargo.toml); tests may use all of these.
#![cfg_attr(
    not(test),
    warn(
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod learn;
pub mod scenario;
pub mod twin;

pub use disaster_scenarios;
pub use gnn;
pub use grid_model;
pub use sim_core;
