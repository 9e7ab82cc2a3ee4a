//! # engine: the replica engine
//!
//! The second stage of blackstart's data flow
//! (file → scenario → **replica engine** → results; see `ARCHITECTURE.md`):
//! every replica samples its damage, repairs, upstream restoration and
//! clouds from named random streams and runs the discrete-event model of
//! [`sim`] (observe → decide → settle → power flow → record, every control
//! interval); [`runner`] runs the replicas in parallel and gathers them in
//! replica order into [`RunResults`].
//!
//! - [`runner`]: a whole run as named phases, with hooks for progress,
//!   cancellation and tests ([`RunHooks`]);
//! - [`sim`]: one replica's model, batch, stepped or paced by the wall
//!   clock (the live twin);
//! - [`metrics`]: resilience metrics of a replica and their summaries;
//! - [`env`]: stepping a replica from outside (the Gymnasium seam);
//! - [`kg`] and [`scenario_graph`] (feature `knowledge-graph`, on by
//!   default): the community's knowledge graph, the disaster analyzer's
//!   impact question, and a scenario's graph at a time.
//!
//! Strategies are looked up in the [`RunOptions::strategies`] registry: the
//! built-in ones by default; front ends add the learned planner.

pub mod env;
#[cfg(feature = "knowledge-graph")]
pub mod kg;
pub mod metrics;
pub mod results;
pub mod runner;
#[cfg(feature = "knowledge-graph")]
pub mod scenario_graph;
pub mod sim;

pub use results::{Band, MapPoint, MissingReplica, RunResults};
pub use runner::{
    ReplicaRunner, RunHooks, RunOptions, RunReplicaFn, run, run_with_hooks, run_with_runner,
};
pub use scenario::{Loaded, ScenarioError, load, parse};
