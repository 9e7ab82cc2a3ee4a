//! Operation over time: storage and fuel-limited sources, the `Command`
//! type shared by the simulator, the agents and real devices, and the
//! policy seam through which a response strategy dispatches each island.
//!
//! The physics of one control interval for one energised island is:
//!
//! 1. the policy sees an [`IslandView`] (demand by priority, renewable
//!    availability, batteries, diesels, whether the main grid is reachable)
//!    and returns [`Command`]s;
//! 2. [`settle`] applies them within every limit (power, energy, SoC bounds,
//!    fuel), lets the grid-forming unit (the main grid if connected, else a
//!    battery or diesel) take the remaining imbalance within its limits,
//!    curtails renewables on surplus and, if a deficit still remains, sheds
//!    load by priority (normal, then essential, then critical; within a
//!    class, the sheddable part first, then whole loads);
//! 3. storage and fuel are integrated over the interval.
//!
//! The result satisfies, per island and step,
//! `renewables used + battery discharge + diesel + grid import =
//!  load served + battery charge + losses` to within 1e-9 MW.

mod devices;
mod policy;

pub use devices::{Battery, Diesel};
pub use policy::{Command, IslandView, LoadDemand, Policy, PriorityShedding, Settlement, settle};
