//! # blackstart
//!
//! A deterministic, high-performance discrete-event simulator and digital twin
//! for energy sharing between microgrids during disasters.
//!
//! This facade re-exports the workspace's crates so that applications can
//! depend on one crate. They follow the data flow
//! file → scenario → replica engine → results (see `ARCHITECTURE.md`):
//!
//! - [`scenario`]: scenario files, the community network builder, profiles,
//!   hazard preparation, event sets;
//! - [`engine`]: the replica engine (one replica's discrete-event model,
//!   parallel replicas, metrics, the stepping API, the knowledge-graph
//!   impact question);
//! - [`reports`]: output files, plots, paired policy comparisons;
//! - [`twin`]: the live twin (the engine paced by the wall clock, devices on
//!   MQTT), recording and replay;
//! - [`gnn`]: the learned forecaster and planner; [`strategies`] is the
//!   strategy registry with the learned planner added;
//! - the building blocks: [`sim_core`] (discrete-event kernel),
//!   [`grid_model`] (network and power flow), [`disaster_scenarios`]
//!   (hazards, fragility, restoration), [`agents`] (the five roles and the
//!   strategies), [`ontology`] (knowledge graph), [`hw_bridge`] (MQTT).
//!
//! ```no_run
//! use blackstart::engine::{RunOptions, run};
//!
//! let l = blackstart::scenario::load("examples/scenarios/hokkaido-2018.toml")?;
//! let opts = RunOptions {
//!     replicas: Some(4),
//!     strategies: blackstart::strategies(),
//!     ..RunOptions::default()
//! };
//! let res = run(&l, &opts)?;
//! blackstart::reports::write_outputs(&res, std::path::Path::new("out/hokkaido"))?;
//! # Ok::<(), blackstart::scenario::ScenarioError>(())
//! ```
//!
//! The `blackstart` command-line interface is the `blackstart-cli` crate
//! (`cli/`).

pub use agents;
pub use disaster_scenarios;
pub use engine;
pub use gnn;
pub use gnn::strategies;
pub use grid_model;
pub use hw_bridge;
pub use ontology;
pub use reports;
pub use scenario;
pub use sim_core;
pub use twin;
