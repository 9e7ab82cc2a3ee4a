//! blackstart agents: the five-role response pipeline, the redistribution
//! strategies and the decision log.
//!
//! Every control interval the simulator (or the live twin) fills an
//! [`Observation`]; the [`Pipeline`] runs five roles in order:
//!
//! 1. [`DisasterAnalyzer`]: risk level, damage, impact footprint, expected
//!    restoration per microgrid;
//! 2. [`EnergyAnalyzer`]: supply, demand, storage, fuel and the horizon
//!    balance per microgrid;
//! 3. [`GridAnalyzer`]: which islanded microgrids can still exchange energy,
//!    over which path elements (feeders through the substation bus, tie
//!    lines), with what capacity and losses;
//! 4. the decision maker, a [`Strategy`]: [`NoSharing`] (`none`),
//!    [`PriorityHeuristic`] (`priority`), [`OptimalPlanner`] (`optimal`, a
//!    receding-horizon LP) or [`Market`] (`market`, a P2P double auction
//!    with an emergency mode); a learned strategy plugs in through
//!    [`Pipeline::with_strategy`];
//! 5. [`Executor`]: the plan becomes `grid_model::ops::Command`s, the same
//!    type that drives the simulator and real devices.
//!
//! Decisions are logged ([`DecisionRecord`]) with inputs, rationale,
//! confidence, commands and the outcome one interval later.
//!
//! ```
//! use agents::{DisasterAnalyzer, Executor, Pipeline};
//! let p = Pipeline::new("optimal", Executor::default(), DisasterAnalyzer::default());
//! assert!(p.is_some());
//! assert!(Pipeline::new("nonsense", Executor::default(), DisasterAnalyzer::default()).is_none());
//! ```

pub mod executor;
pub mod market;
pub mod observe;
pub mod optimal;
pub mod pipeline;
pub mod plan;
pub mod priority;
pub mod roles;

pub use executor::{Execution, Executor};
pub use market::Market;
pub use observe::{EdgeKind, HazardState, MicrogridState, Node, Observation, PathEdge};
pub use optimal::OptimalPlanner;
pub use pipeline::{DecisionRecord, Pipeline, STRATEGIES, StepOutput, Strategies, strategy};
pub use plan::{
    Analyses, Dispatch, NoSharing, Plan, PlanError, PlanInput, Strategy, Trade, Transfer,
};
pub use priority::PriorityHeuristic;
pub use roles::{
    Agent, DisasterAnalyzer, DisasterReport, EnergyAnalyzer, EnergyReport, GridAnalyzer,
    GridReport, ImpactGraph, RiskLevel,
};
