//! # sim-core
//!
//! The deterministic discrete-event kernel of blackstart. It knows nothing
//! about power systems: it moves events to handlers, hands out named random
//! streams, runs replicas in parallel and records results.
//!
//! * [`time`]: integer simulation time in milliseconds ([`SimTime`],
//!   [`SimDuration`]) with `2d 03:15:00` formatting and `15min` parsing.
//! * [`sched`]: the event queue ordered by (time, phase, insertion
//!   sequence), the [`Model`] trait, the batch [`Simulation`] runner,
//!   cancellation, rescheduling and periodic processes.
//! * [`resource`]: counted resources with a priority/FIFO queue.
//! * [`rng`]: named random streams `stream(seed, entity, purpose)`.
//! * [`replica`]: replicas in parallel with Rayon, merged in replica order.
//! * [`recorder`]: columnar buffers exported as polars DataFrames, Parquet
//!   and CSV.
//! * [`wallclock`]: the same model paced to real time, with a thread-safe
//!   [`wallclock::Injector`] for outside events.
//! * [`phold`]: the PHOLD benchmark model.
//!
//! The determinism contract is written down in `DETERMINISM.md` next to this
//! crate's `Cargo.toml`.
//!
//! ```
//! use sim_core::prelude::*;
//!
//! #[derive(Clone, Debug)]
//! enum Ev { Fail(u32), Repair(u32), Control }
//!
//! struct Grid { up: Vec<bool>, log: Recorder, rng: Stream }
//!
//! impl Model for Grid {
//!     type Event = Ev;
//!     fn handle(&mut self, s: &mut Scheduler<Ev>, ev: Ev) -> Result<(), SimError> {
//!         match ev {
//!             Ev::Fail(i) => {
//!                 self.up[i as usize] = false;
//!                 let hours = self.rng.exponential(1.0 / 4.0);
//!                 s.schedule_in(SimDuration::from_mins((hours * 60.0) as i64), 1, Ev::Repair(i))?;
//!             }
//!             Ev::Repair(i) => self.up[i as usize] = true,
//!             Ev::Control => {
//!                 let n = self.up.iter().filter(|u| **u).count();
//!                 self.log.record(s.now(), "grid", "assets_up", n as f64);
//!             }
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # fn main() -> Result<(), SimError> {
//! let seed = 42;
//! let grid = Grid { up: vec![true; 3], log: Recorder::new(0), rng: stream(seed, "crew", "repair") };
//! let mut sim = Simulation::new(grid);
//! sim.schedule_at("1h".parse().map_err(SimError::model)?, 0, Ev::Fail(1))?;
//! sim.schedule_periodic(SimTime::ZERO, SimDuration::from_mins(15), 2, Ev::Control)?;
//! sim.run_until("1d".parse().map_err(SimError::model)?)?;
//! assert_eq!(sim.model().log.len(), 24 * 4 + 1);
//! # Ok(()) }
//! ```

pub mod error;
mod heap;
pub mod phold;
mod queue;
pub mod recorder;
pub mod replica;
pub mod resource;
pub mod rng;
pub mod sched;
pub mod time;
pub mod wallclock;

pub use error::SimError;
pub use recorder::{Recorder, RecorderError};
pub use replica::{run_replicas, run_replicas_with_threads, try_run_replicas};
pub use resource::{Grant, Request, Resource, ResourceError, Ticket};
pub use rng::{Stream, Streams, replica_seed, stream};
pub use sched::{EventId, FnModel, Model, Phase, RunSummary, Scheduler, Simulation, StopReason};
pub use time::{ParseTimeError, SimDuration, SimTime};
pub use wallclock::{
    Inbox, InjectError, Injector, LateInjection, WallClock, WallClockReport, channel,
};

/// The names most models need: `use sim_core::prelude::*;`.
pub mod prelude {
    pub use crate::error::SimError;
    pub use crate::recorder::Recorder;
    pub use crate::replica::{run_replicas, run_replicas_with_threads};
    pub use crate::resource::{Grant, Request, Resource};
    pub use crate::rng::{Stream, Streams, stream};
    pub use crate::sched::{EventId, Model, Phase, Scheduler, Simulation, StopReason};
    pub use crate::time::{SimDuration, SimTime};
}
