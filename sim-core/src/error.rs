//! Error types of the kernel.

use crate::time::{SimDuration, SimTime};
use thiserror::Error;

/// An error from scheduling, running or configuring a simulation.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SimError {
    /// An event was scheduled before the current simulation time.
    #[error("cannot schedule an event at {at}: the simulation is already at {now}")]
    InPast {
        /// The requested time.
        at: SimTime,
        /// The current time.
        now: SimTime,
    },
    /// A negative delay was given.
    #[error("negative delay {0}")]
    NegativeDelay(SimDuration),
    /// A time computation left the representable range.
    #[error("simulation time out of range")]
    TimeOverflow,
    /// A periodic process was given a non-positive interval.
    #[error("a periodic process needs a positive interval, got {0}")]
    InvalidInterval(SimDuration),
    /// A wall-clock speed factor was not finite and positive.
    #[error("invalid speed factor {0}: it must be finite and > 0")]
    InvalidSpeed(f64),
    /// A Rayon thread pool could not be built.
    #[error("could not build a thread pool with {threads} threads: {message}")]
    ThreadPool {
        /// Requested thread count.
        threads: usize,
        /// Rayon's message.
        message: String,
    },
    /// An error raised by a model's event handler.
    #[error("model error: {0}")]
    Model(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

impl SimError {
    /// Wraps any error raised by a model's handler.
    pub fn model<E>(err: E) -> Self
    where
        E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    {
        SimError::Model(err.into())
    }
}
