//! Wall-clock mode: the same [`Model`] paced to real time, with outside
//! events entering the queue through an [`Injector`].
//!
//! ```no_run
//! use sim_core::prelude::*;
//! use sim_core::wallclock::{channel, WallClock};
//!
//! # fn main() -> Result<(), SimError> {
//! let mut sim = Simulation::from_fn(|s: &mut Scheduler<String>, e: String| {
//!     println!("{} {e}", s.now());
//!     Ok(())
//! });
//! let (injector, inbox) = channel();
//! std::thread::spawn(move || {
//!     let _ = injector.inject(0, "telemetry".to_string());
//!     let _ = injector.stop();
//! });
//! let report = WallClock::new(10.0)?.run(&mut sim, &inbox)?;
//! println!("{} events", report.events);
//! # Ok(()) }
//! ```
//!
//! # Pacing
//!
//! Let `S0` be the simulation time and `W0` the wall time when the run
//! starts and `k` the speed factor. An event at simulation time `t` is
//! handled as soon as possible after the wall time `W0 + (t - S0) / k`,
//! **never before** it. Lateness (the *lag*) comes from the OS scheduler and
//! from handlers that take long; it is measured and reported
//! ([`WallClockReport::max_lag_ms`]), not hidden. On an idle machine the lag
//! is typically below a millisecond or two; under load it grows, but the
//! order of events never changes.
//!
//! # Injected events
//!
//! An injected event gets its simulation time when the runner receives it.
//! The runner's clock then reads `c = max(now, S0 + (wall - W0) * k)`:
//!
//! * [`Injector::inject`]: the event is scheduled at `c`.
//! * [`Injector::inject_at`]`(t, ..)`: at `t` if `t >= c`; otherwise it
//!   *arrived late*: it is scheduled at `c` (its arrival time), recorded in
//!   [`WallClockReport::late`] and passed to [`Model::on_late_injection`].
//!
//! Injected events then follow the normal order (time, phase, insertion
//! sequence); injections from one thread keep their order (the channel is
//! FIFO per sender and the arrival stamps never decrease).
//!
//! # Stopping
//!
//! The run returns, with the simulation left consistent and all handled
//! events' effects kept, when: [`Injector::stop`] is called (promptly: it
//! wakes the runner); a handler calls [`Scheduler::stop`](crate::sched::Scheduler::stop); the time limit
//! set with [`WallClock::until`] is reached on the wall clock; or the queue
//! is empty and every injector has been dropped. After the run, injecting
//! into a dropped inbox returns [`InjectError::Stopped`].

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error::SimError;
pub use crate::sched::LateInjection;
use crate::sched::{Model, Phase, Simulation, StopReason};
use crate::time::SimTime;

/// A message to a wall-clock runner.
#[derive(Debug)]
enum Injection<E> {
    Event {
        at: Option<SimTime>,
        phase: Phase,
        event: E,
    },
    Stop,
}

/// The sending side: clone it freely and move it to other threads (device
/// telemetry readers, an MQTT client, a UI).
pub struct Injector<E> {
    tx: Sender<Injection<E>>,
}

impl<E> Clone for Injector<E> {
    fn clone(&self) -> Self {
        Injector {
            tx: self.tx.clone(),
        }
    }
}

impl<E> std::fmt::Debug for Injector<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Injector")
    }
}

/// The receiving side, passed to [`WallClock::run`].
pub struct Inbox<E> {
    rx: Receiver<Injection<E>>,
}

impl<E> std::fmt::Debug for Inbox<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Inbox")
    }
}

/// The injector's error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InjectError {
    /// The inbox was dropped: the runner is gone.
    #[error("the wall-clock runner has stopped")]
    Stopped,
}

/// A connected injector and inbox.
pub fn channel<E>() -> (Injector<E>, Inbox<E>) {
    let (tx, rx) = mpsc::channel();
    (Injector { tx }, Inbox { rx })
}

impl<E> Injector<E> {
    /// Injects `event` in `phase`, stamped with its arrival time.
    ///
    /// # Errors
    /// [`InjectError::Stopped`] if the inbox was dropped.
    pub fn inject(&self, phase: Phase, event: E) -> Result<(), InjectError> {
        self.tx
            .send(Injection::Event {
                at: None,
                phase,
                event,
            })
            .map_err(|_| InjectError::Stopped)
    }

    /// Injects `event` for simulation time `at` (e.g. a device timestamp);
    /// if `at` has already passed on arrival, it is stamped with its arrival
    /// time and logged as late.
    ///
    /// # Errors
    /// [`InjectError::Stopped`] if the inbox was dropped.
    pub fn inject_at(&self, at: SimTime, phase: Phase, event: E) -> Result<(), InjectError> {
        self.tx
            .send(Injection::Event {
                at: Some(at),
                phase,
                event,
            })
            .map_err(|_| InjectError::Stopped)
    }

    /// Asks the runner to stop after the event it is handling.
    ///
    /// # Errors
    /// [`InjectError::Stopped`] if the inbox was dropped.
    pub fn stop(&self) -> Result<(), InjectError> {
        self.tx
            .send(Injection::Stop)
            .map_err(|_| InjectError::Stopped)
    }
}

/// What a wall-clock run did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WallClockReport {
    /// Events handled.
    pub events: u64,
    /// Events received from injectors.
    pub injected: u64,
    /// Injected events that arrived late, in arrival order.
    pub late: Vec<LateInjection>,
    /// Largest lag (wall time handled minus wall time due), in ms.
    pub max_lag_ms: f64,
    /// Mean lag, in ms.
    pub mean_lag_ms: f64,
    /// Smallest lag, in ms (never negative: events never run early).
    pub min_lag_ms: f64,
    /// Wall time the run took, in seconds.
    pub wall_seconds: f64,
    /// Simulation time at the end.
    pub end: SimTime,
    /// Why the run returned.
    pub reason: StopReason,
}

/// What [`Clock::wait`] saw.
#[derive(Debug)]
pub enum Wait<T> {
    /// A message arrived.
    Message(T),
    /// The deadline passed.
    Timeout,
    /// Every sender is gone.
    Disconnected,
}

/// The wall clock used for pacing. [`RealClock`] is the real one;
/// [`VirtualClock`] jumps to each deadline, for exact, timing-free tests of
/// the pacing logic.
pub trait Clock {
    /// Wall time since the clock started.
    fn elapsed(&self) -> Duration;
    /// Waits for a message on `rx` until `deadline` (elapsed time; `None`:
    /// no deadline).
    fn wait<T>(&mut self, rx: &Receiver<T>, deadline: Option<Duration>) -> Wait<T>;
    /// Waits until `deadline` without watching a channel.
    fn sleep_until(&mut self, deadline: Duration);
}

/// The real monotonic clock (`std::time::Instant`).
#[derive(Clone, Copy, Debug)]
pub struct RealClock {
    start: Instant,
}

impl RealClock {
    /// A clock starting now.
    pub fn new() -> Self {
        RealClock {
            start: Instant::now(),
        }
    }
}

impl Default for RealClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for RealClock {
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn wait<T>(&mut self, rx: &Receiver<T>, deadline: Option<Duration>) -> Wait<T> {
        match deadline {
            None => match rx.recv() {
                Ok(m) => Wait::Message(m),
                Err(_) => Wait::Disconnected,
            },
            Some(d) => {
                let now = self.elapsed();
                let timeout = d.saturating_sub(now);
                match rx.recv_timeout(timeout) {
                    Ok(m) => Wait::Message(m),
                    Err(RecvTimeoutError::Timeout) => Wait::Timeout,
                    Err(RecvTimeoutError::Disconnected) => Wait::Disconnected,
                }
            }
        }
    }

    fn sleep_until(&mut self, deadline: Duration) {
        let now = self.elapsed();
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
    }
}

/// A simulated wall clock: waiting jumps straight to the deadline unless a
/// message is already waiting. With no deadline it blocks on the channel
/// without advancing.
#[derive(Clone, Copy, Debug, Default)]
pub struct VirtualClock {
    now: Duration,
}

impl VirtualClock {
    /// A virtual clock at zero.
    pub fn new() -> Self {
        VirtualClock {
            now: Duration::ZERO,
        }
    }

    /// Moves the clock forward by `d` (to simulate slow handlers or
    /// transmission delays in tests).
    pub fn advance(&mut self, d: Duration) {
        self.now += d;
    }
}

impl Clock for VirtualClock {
    fn elapsed(&self) -> Duration {
        self.now
    }

    fn wait<T>(&mut self, rx: &Receiver<T>, deadline: Option<Duration>) -> Wait<T> {
        match rx.try_recv() {
            Ok(m) => Wait::Message(m),
            Err(TryRecvError::Disconnected) => {
                if let Some(d) = deadline {
                    self.now = self.now.max(d);
                }
                Wait::Disconnected
            }
            Err(TryRecvError::Empty) => match deadline {
                Some(d) => {
                    self.now = self.now.max(d);
                    Wait::Timeout
                }
                None => match rx.recv() {
                    Ok(m) => Wait::Message(m),
                    Err(_) => Wait::Disconnected,
                },
            },
        }
    }

    fn sleep_until(&mut self, deadline: Duration) {
        self.now = self.now.max(deadline);
    }
}

/// Settings of a wall-clock run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WallClock {
    speed: f64,
    until: Option<SimTime>,
}

impl WallClock {
    /// Pacing at `speed` simulated seconds per wall second (1.0 = real time,
    /// 10.0 = ten times faster).
    ///
    /// # Errors
    /// [`SimError::InvalidSpeed`] unless `speed` is finite and `> 0`.
    pub fn new(speed: f64) -> Result<Self, SimError> {
        if !(speed.is_finite() && speed > 0.0) {
            return Err(SimError::InvalidSpeed(speed));
        }
        Ok(WallClock { speed, until: None })
    }

    /// Ends the run when the wall clock reaches simulation time `t` (events
    /// at `t` are handled).
    pub fn until(mut self, t: SimTime) -> Self {
        self.until = Some(t);
        self
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Runs `sim` paced to the real clock, taking injected events from
    /// `inbox`.
    ///
    /// # Errors
    /// The first error returned by a handler (the simulation keeps the
    /// effects of the events handled before it).
    pub fn run<M: Model>(
        &self,
        sim: &mut Simulation<M>,
        inbox: &Inbox<M::Event>,
    ) -> Result<WallClockReport, SimError> {
        self.run_with_clock(sim, inbox, &mut RealClock::new())
    }

    /// Like [`run`](Self::run) with any [`Clock`].
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run_with_clock<M: Model, C: Clock>(
        &self,
        sim: &mut Simulation<M>,
        inbox: &Inbox<M::Event>,
        clock: &mut C,
    ) -> Result<WallClockReport, SimError> {
        let w0 = clock.elapsed();
        let s0 = sim.now();
        let speed = self.speed;
        // Integer nanoseconds through f64: exact whenever the result is a
        // whole number of nanoseconds below 2^53 (about 104 days).
        let to_wall = |t: SimTime| -> Duration {
            let ms = t.as_millis().saturating_sub(s0.as_millis()) as f64;
            w0.saturating_add(Duration::from_nanos((ms * 1e6 / speed) as u64))
        };
        let to_sim = |w: Duration| -> SimTime {
            let ns = w.saturating_sub(w0).as_nanos() as f64;
            SimTime::from_millis(s0.as_millis().saturating_add((ns * speed / 1e6) as u64))
        };

        let mut report = WallClockReport {
            events: 0,
            injected: 0,
            late: Vec::new(),
            max_lag_ms: 0.0,
            mean_lag_ms: 0.0,
            min_lag_ms: 0.0,
            wall_seconds: 0.0,
            end: s0,
            reason: StopReason::QueueEmpty,
        };
        let mut lag_sum = 0.0f64;
        let mut lag_min = f64::INFINITY;
        let mut disconnected = false;

        // Returns Some(reason) if the message asks to stop.
        let receive = |msg: Injection<M::Event>,
                       sim: &mut Simulation<M>,
                       clock: &C,
                       report: &mut WallClockReport|
         -> Result<Option<StopReason>, SimError> {
            match msg {
                Injection::Stop => Ok(Some(StopReason::External)),
                Injection::Event { at, phase, event } => {
                    report.injected += 1;
                    let c = to_sim(clock.elapsed()).max(sim.now());
                    match at {
                        Some(t) if t >= c => {
                            sim.scheduler_mut().schedule_at(t, phase, event)?;
                        }
                        Some(t) => {
                            let id = sim.scheduler_mut().schedule_at(c, phase, event)?;
                            let late = LateInjection {
                                requested: t,
                                stamped: c,
                                id,
                            };
                            report.late.push(late);
                            sim.model_mut().on_late_injection(&late);
                        }
                        None => {
                            sim.scheduler_mut().schedule_at(c, phase, event)?;
                        }
                    }
                    Ok(None)
                }
            }
        };

        let reason = 'run: loop {
            // Take what has already arrived.
            while !disconnected {
                match inbox.rx.try_recv() {
                    Ok(m) => {
                        if let Some(r) = receive(m, sim, &*clock, &mut report)? {
                            break 'run r;
                        }
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => disconnected = true,
                }
            }
            let next = sim.sched_mut().peek_time();
            let target = match (next, self.until) {
                (Some(e), Some(u)) if e > u => Some((u, true)),
                (Some(e), _) => Some((e, false)),
                (None, Some(u)) => Some((u, true)),
                (None, None) => None,
            };
            match target {
                None => {
                    if disconnected {
                        break StopReason::QueueEmpty;
                    }
                    match clock.wait(&inbox.rx, None) {
                        Wait::Message(m) => {
                            if let Some(r) = receive(m, sim, &*clock, &mut report)? {
                                break r;
                            }
                        }
                        Wait::Timeout => {}
                        Wait::Disconnected => disconnected = true,
                    }
                }
                Some((t, is_end)) => {
                    let due = to_wall(t);
                    let now = clock.elapsed();
                    if now >= due {
                        if is_end {
                            sim.sched_mut().advance_to(t);
                            break StopReason::TimeLimit;
                        }
                        let lag = (now - due).as_secs_f64() * 1000.0;
                        if sim.step_due(t.as_millis())? {
                            lag_sum += lag;
                            lag_min = lag_min.min(lag);
                            report.max_lag_ms = report.max_lag_ms.max(lag);
                            report.events += 1;
                        }
                        if sim.sched_mut().take_stop() {
                            break StopReason::Stopped;
                        }
                    } else if disconnected {
                        clock.sleep_until(due);
                    } else {
                        match clock.wait(&inbox.rx, Some(due)) {
                            Wait::Message(m) => {
                                if let Some(r) = receive(m, sim, &*clock, &mut report)? {
                                    break r;
                                }
                            }
                            Wait::Timeout => {}
                            Wait::Disconnected => disconnected = true,
                        }
                    }
                }
            }
        };
        report.reason = reason;
        report.end = sim.now();
        report.wall_seconds = clock.elapsed().saturating_sub(w0).as_secs_f64();
        if report.events > 0 {
            report.mean_lag_ms = lag_sum / report.events as f64;
            report.min_lag_ms = lag_min;
        }
        Ok(report)
    }
}
