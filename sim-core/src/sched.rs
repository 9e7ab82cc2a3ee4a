//! The event queue, the [`Model`] trait and the batch [`Simulation`] runner.
//!
//! # Ordering
//!
//! Pending events are ordered by the key **(time, phase, insertion
//! sequence)** and by nothing else:
//!
//! 1. earlier simulation time first;
//! 2. at equal times, the smaller [`Phase`] first (e.g. hazard = 0,
//!    failures = 1, control = 2, physics = 3, recording = 4: the model
//!    chooses);
//! 3. at equal time and phase, the event scheduled first runs first. The
//!    insertion sequence is a counter of the scheduler, incremented by every
//!    `schedule_*`, every [`Scheduler::reschedule`] and every repetition of a
//!    periodic process.
//!
//! The key is unique, so the order of execution is a pure function of the
//! order of scheduling calls, which the model's handlers determine. No
//! address, hash or thread identity takes part.
//!
//! An event may be scheduled at any time `>= now` (including `now`, in any
//! phase: an event scheduled at `now` with a smaller phase than the running
//! event runs next, since it is then the smallest pending key).
//!
//! # Implementation
//!
//! Keys are packed as `time << 64 | phase << 48 | seq` (one `u128`). The
//! pending events live in a radix timing wheel in front of a small 4-ary
//! heap (`queue.rs`): the wheel sorts events by time only, in 6-bit digits
//! relative to the time of the last event taken out, so scheduling is O(1)
//! and does not depend on the other pending events; the events of the next
//! occupied millisecond move to the heap, which orders them by the full key.
//! The order is therefore exactly that of one heap over all keys (a
//! property test checks it against a `BTreeMap`). Events are stored by
//! value, with no allocation per event. A small slot table gives
//! each pending event an [`EventId`] (slot index plus generation) for
//! O(1) cancellation: cancelling frees the slot and leaves a stale key that
//! is skipped when it reaches the top (the queue is compacted when stale keys
//! outnumber live ones; while there are none, no validity check runs). An id
//! never refers to a later event that reuses its slot (until the 32-bit
//! generation of that one slot wraps, after 4 billion reuses).
//! Events scheduled with [`Scheduler::schedule_untracked_in_ms`] get no
//! slot (their slot word is a reserved value), so they skip that
//! bookkeeping.
//! [`Scheduler::reschedule`] is O(pending). Insertion sequences have 48 bits;
//! when they run out (after 2.8e14 insertions) pending events are renumbered
//! in key order, which preserves the order.
//!
//! Phases are `u16` (65,536 phases).

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};

use crate::error::SimError;
use crate::heap::{PERIODIC_BIT, SEQ_MASK, key_phase, key_seq, key_time, pack};
use crate::queue::Queue;
use crate::time::{SimDuration, SimTime};

/// The phase of an event: the second component of the ordering key
/// (smaller phases run first at equal times).
pub type Phase = u16;

/// Identifies a scheduled event (or a periodic process) for
/// [`Scheduler::cancel`] and [`Scheduler::reschedule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventId {
    slot: u32,
    generation: u32,
}

const FREE: u64 = u64::MAX;
/// The slot word of an event scheduled without an id (never a slot index:
/// the slot table would need 2^31 - 1 entries first).
const UNTRACKED: u32 = !PERIODIC_BIT;

/// Metadata of a pending event (for ids, cancellation and queries); the
/// payload lives in the heap entry.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Sequence number of the event's live heap entry; `FREE` when free.
    seq: u64,
    time: u64,
    generation: u32,
    phase: Phase,
}

/// Repetition of a periodic process.
struct Periodic<E> {
    period: u64,
    clone_fn: fn(&E) -> E,
}

/// The event queue and clock of one simulation.
///
/// Handlers receive `&mut Scheduler<E>` to read the clock and to schedule,
/// cancel and reschedule events.
pub struct Scheduler<E> {
    now: SimTime,
    heap: Queue<E>,
    slots: Vec<Slot>,
    periodic: Vec<Option<Periodic<E>>>,
    free: Vec<u32>,
    next_seq: u64,
    /// Entries in the heap whose event was cancelled or moved. While it is
    /// zero every entry is live and the validity check is skipped.
    stale: usize,
    live: usize,
    stop: bool,
    current: Option<EventId>,
    current_phase: Phase,
    processed: u64,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for Scheduler<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scheduler")
            .field("now", &self.now)
            .field("pending", &self.live)
            .field("processed", &self.processed)
            .finish_non_exhaustive()
    }
}

impl<E> Scheduler<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty queue at time zero with room for `n` pending events.
    pub fn with_capacity(n: usize) -> Self {
        Scheduler {
            now: SimTime::ZERO,
            heap: Queue::with_capacity(n),
            slots: Vec::with_capacity(n),
            periodic: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            stale: 0,
            live: 0,
            stop: false,
            current: None,
            current_phase: 0,
            processed: 0,
        }
    }

    /// The current simulation time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events (periodic processes count once).
    #[inline]
    pub fn pending(&self) -> usize {
        self.live
    }

    /// Whether no event is pending.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Events handled so far by this scheduler (all runs together).
    #[inline]
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// The id of the event being handled (inside a handler).
    #[inline]
    pub fn current(&self) -> Option<EventId> {
        self.current
    }

    /// The phase of the event being handled (inside a handler).
    #[inline]
    pub fn current_phase(&self) -> Phase {
        self.current_phase
    }

    /// Asks the running loop to return after the current event.
    #[inline]
    pub fn stop(&mut self) {
        self.stop = true;
    }

    /// Schedules `event` at `time` in `phase`.
    ///
    /// # Errors
    /// [`SimError::InPast`] if `time < now`.
    #[inline]
    pub fn schedule_at(
        &mut self,
        time: SimTime,
        phase: Phase,
        event: E,
    ) -> Result<EventId, SimError> {
        if time < self.now {
            return Err(SimError::InPast {
                at: time,
                now: self.now,
            });
        }
        Ok(self.insert(time.as_millis(), phase, event, None))
    }

    /// Schedules `event` after `delay` in `phase`.
    ///
    /// # Errors
    /// [`SimError::NegativeDelay`] if `delay < 0`; [`SimError::TimeOverflow`]
    /// if `now + delay` is out of range.
    #[inline]
    pub fn schedule_in(
        &mut self,
        delay: SimDuration,
        phase: Phase,
        event: E,
    ) -> Result<EventId, SimError> {
        if delay.is_negative() {
            return Err(SimError::NegativeDelay(delay));
        }
        let t = self.now.checked_add(delay).ok_or(SimError::TimeOverflow)?;
        Ok(self.insert(t.as_millis(), phase, event, None))
    }

    /// Schedules `event` after `delay_ms` milliseconds (the unsigned fast
    /// path used by hot loops).
    ///
    /// # Errors
    /// [`SimError::TimeOverflow`] if `now + delay_ms` is out of range.
    #[inline]
    pub fn schedule_in_ms(
        &mut self,
        delay_ms: u64,
        phase: Phase,
        event: E,
    ) -> Result<EventId, SimError> {
        let t = self
            .now
            .as_millis()
            .checked_add(delay_ms)
            .ok_or(SimError::TimeOverflow)?;
        Ok(self.insert(t, phase, event, None))
    }

    /// Like [`schedule_in_ms`](Self::schedule_in_ms) for an event that will
    /// never be cancelled or rescheduled: it gets no [`EventId`], which saves
    /// the id bookkeeping (the fast path of message-passing models such as
    /// PHOLD). It takes an insertion sequence like every other schedule
    /// call, so the order of events is the same as with `schedule_in_ms`.
    /// While it is handled, [`current`](Self::current) is `None`.
    ///
    /// # Errors
    /// [`SimError::TimeOverflow`] if `now + delay_ms` is out of range.
    #[inline]
    pub fn schedule_untracked_in_ms(
        &mut self,
        delay_ms: u64,
        phase: Phase,
        event: E,
    ) -> Result<(), SimError> {
        let t = self
            .now
            .as_millis()
            .checked_add(delay_ms)
            .ok_or(SimError::TimeOverflow)?;
        let seq = self.alloc_seq();
        self.live += 1;
        self.heap.push(pack(t, phase, seq), UNTRACKED, event);
        Ok(())
    }

    /// Schedules `event` at the current time in `phase`.
    #[inline]
    pub fn schedule_now(&mut self, phase: Phase, event: E) -> EventId {
        let t = self.now.as_millis();
        self.insert(t, phase, event, None)
    }

    /// Starts a periodic process: `event` fires at `first`, `first + interval`,
    /// `first + 2 interval`, ... (a control interval, a sampling period).
    /// Each repetition is a clone of `event`; the returned id stays valid for
    /// the whole process, and [`cancel`](Self::cancel) stops it. The next
    /// repetition is scheduled just before the handler of the current one
    /// runs, so it takes the insertion sequence at that point.
    ///
    /// # Errors
    /// [`SimError::InPast`] if `first < now`; [`SimError::InvalidInterval`]
    /// if `interval <= 0`.
    pub fn schedule_periodic(
        &mut self,
        first: SimTime,
        interval: SimDuration,
        phase: Phase,
        event: E,
    ) -> Result<EventId, SimError>
    where
        E: Clone,
    {
        if first < self.now {
            return Err(SimError::InPast {
                at: first,
                now: self.now,
            });
        }
        if interval.as_millis() <= 0 {
            return Err(SimError::InvalidInterval(interval));
        }
        let p = Periodic {
            period: interval.as_millis().unsigned_abs(),
            clone_fn: <E as Clone>::clone,
        };
        Ok(self.insert(first.as_millis(), phase, event, Some(p)))
    }

    /// Cancels a pending event or a periodic process, in O(1). Returns
    /// `true` if it was pending and is now removed; `false` if it already ran
    /// (one-shot), was already cancelled, or the id is unknown. Nothing else
    /// changes: no other event is removed and no sequence number is
    /// consumed. (The payload is dropped when its key reaches the top of the
    /// queue or the queue is compacted.)
    pub fn cancel(&mut self, id: EventId) -> bool {
        let Some(slot) = self.slots.get_mut(id.slot as usize) else {
            return false;
        };
        if slot.generation != id.generation || slot.seq == FREE {
            return false;
        }
        slot.seq = FREE;
        slot.generation = slot.generation.wrapping_add(1);
        if let Some(p) = self.periodic.get_mut(id.slot as usize) {
            *p = None;
        }
        self.free.push(id.slot);
        self.live -= 1;
        self.stale += 1;
        self.maybe_compact();
        true
    }

    /// Moves a pending event (or the next repetition of a periodic process)
    /// to `time`, keeping its phase and id. It takes a new insertion
    /// sequence, as if scheduled now. Returns `Ok(false)` if the event is not
    /// pending. Cost: O(pending) to find the entry (cancel and schedule anew
    /// when rescheduling in a hot loop).
    ///
    /// # Errors
    /// [`SimError::InPast`] if `time < now`.
    pub fn reschedule(&mut self, id: EventId, time: SimTime) -> Result<bool, SimError> {
        if time < self.now {
            return Err(SimError::InPast {
                at: time,
                now: self.now,
            });
        }
        if !self.is_pending(id) {
            return Ok(false);
        }
        // Allocate first: running out of sequence numbers renumbers and
        // compacts, which moves entries.
        let seq = self.alloc_seq();
        let Some(old) = self.slots.get(id.slot as usize).copied() else {
            return Ok(false);
        };
        let Some(pos) = self
            .heap
            .position(|k, s| s & !PERIODIC_BIT == id.slot && key_seq(k) == old.seq)
        else {
            return Ok(false);
        };
        if let Some(slot) = self.slots.get_mut(id.slot as usize) {
            slot.seq = seq;
            slot.time = time.as_millis();
        }
        self.heap.rekey(pos, pack(time.as_millis(), old.phase, seq));
        Ok(true)
    }

    /// Whether `id` is pending.
    pub fn is_pending(&self, id: EventId) -> bool {
        self.slots
            .get(id.slot as usize)
            .is_some_and(|s| s.generation == id.generation && s.seq != FREE)
    }

    /// The time at which `id` will fire, if pending.
    pub fn scheduled_time(&self, id: EventId) -> Option<SimTime> {
        self.slots
            .get(id.slot as usize)
            .filter(|s| s.generation == id.generation && s.seq != FREE)
            .map(|s| SimTime::from_millis(s.time))
    }

    /// The time of the next pending event.
    pub fn next_time(&mut self) -> Option<SimTime> {
        self.peek_time()
    }

    // ----- internals -----------------------------------------------------

    #[inline(always)]
    fn insert(
        &mut self,
        time: u64,
        phase: Phase,
        event: E,
        periodic: Option<Periodic<E>>,
    ) -> EventId {
        let seq = self.alloc_seq();
        let (slot, generation) = match self.free.pop() {
            Some(i) => {
                let generation = match self.slots.get_mut(i as usize) {
                    Some(s) => {
                        s.seq = seq;
                        s.time = time;
                        s.phase = phase;
                        s.generation
                    }
                    None => 0,
                };
                (i, generation)
            }
            None => {
                let i = self.slots.len() as u32;
                assert!(i < UNTRACKED, "more than 2^31 - 2 event slots");
                self.slots.push(Slot {
                    seq,
                    time,
                    generation: 0,
                    phase,
                });
                (i, 0)
            }
        };
        let flag = match periodic {
            Some(p) => {
                let idx = slot as usize;
                if self.periodic.len() <= idx {
                    self.periodic.resize_with(idx + 1, || None);
                }
                if let Some(x) = self.periodic.get_mut(idx) {
                    *x = Some(p);
                }
                PERIODIC_BIT
            }
            None => 0,
        };
        self.live += 1;
        self.heap.push(pack(time, phase, seq), slot | flag, event);
        EventId { slot, generation }
    }

    /// The next insertion sequence number. Sequence numbers have 48 bits;
    /// when they run out (after 2.8e14 insertions) the pending events are
    /// renumbered 0, 1, 2, ... in key order, which keeps their order.
    #[inline(always)]
    fn alloc_seq(&mut self) -> u64 {
        if self.next_seq > SEQ_MASK {
            self.renumber();
        }
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }

    #[cold]
    fn renumber(&mut self) {
        self.compact();
        let mut sorted: Vec<u128> = self.heap.keys();
        sorted.sort_unstable();
        let slots = &mut self.slots;
        // Keys are unique, so the rank of a key is its new sequence number;
        // ranks keep the relative order, so the heap stays valid.
        self.heap.map_keys(|k, s| {
            let rank = sorted.binary_search(&k).unwrap_or(0) as u64;
            if let Some(slot) = slots.get_mut((s & !PERIODIC_BIT) as usize) {
                slot.seq = rank;
            }
            pack(key_time(k), key_phase(k), rank)
        });
        self.next_seq = sorted.len() as u64;
    }

    fn maybe_compact(&mut self) {
        if self.stale > 64 && self.stale > self.live {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let slots = &self.slots;
        self.heap.retain(|k, s| {
            s == UNTRACKED
                || slots
                    .get((s & !PERIODIC_BIT) as usize)
                    .is_some_and(|x| x.seq == key_seq(k))
        });
        self.stale = 0;
    }

    /// Drops stale entries from the top; the time of the next live event.
    #[inline(always)]
    pub(crate) fn peek_time(&mut self) -> Option<SimTime> {
        loop {
            let (k, s) = self.heap.peek()?;
            if self.stale == 0
                || s == UNTRACKED
                || self
                    .slots
                    .get((s & !PERIODIC_BIT) as usize)
                    .is_some_and(|x| x.seq == key_seq(k))
            {
                return Some(SimTime::from_millis(key_time(k)));
            }
            self.heap.pop();
            self.stale -= 1;
        }
    }

    /// Takes the next live event if its time is `<= limit`, advances the
    /// clock to it and reschedules it if periodic.
    #[inline(always)]
    pub(crate) fn pop_due(&mut self, limit: u64) -> Option<E> {
        let t = self.peek_time()?;
        if t.as_millis() > limit {
            return None;
        }
        let (key, word, event) = self.heap.pop()?;
        let idx = word & !PERIODIC_BIT;
        let phase = key_phase(key);
        self.now = t;
        self.current_phase = phase;
        self.processed += 1;
        if word == UNTRACKED {
            self.current = None;
            self.live -= 1;
            return Some(event);
        }
        if word & PERIODIC_BIT == 0 {
            if let Some(slot) = self.slots.get_mut(idx as usize) {
                self.current = Some(EventId {
                    slot: idx,
                    generation: slot.generation,
                });
                slot.seq = FREE;
                slot.generation = slot.generation.wrapping_add(1);
            }
            self.free.push(idx);
            self.live -= 1;
            return Some(event);
        }
        // A periodic process: schedule the next repetition first.
        let generation = self.slots.get(idx as usize).map_or(0, |s| s.generation);
        self.current = Some(EventId {
            slot: idx,
            generation,
        });
        let (period, clone_fn) = match self.periodic.get(idx as usize) {
            Some(Some(p)) => (p.period, p.clone_fn),
            _ => return Some(event),
        };
        match t.as_millis().checked_add(period) {
            Some(next) => {
                let seq = self.alloc_seq();
                if let Some(slot) = self.slots.get_mut(idx as usize) {
                    slot.seq = seq;
                    slot.time = next;
                }
                self.heap
                    .push(pack(next, phase, seq), idx | PERIODIC_BIT, clone_fn(&event));
            }
            None => {
                // The clock ends before the next repetition.
                if let Some(slot) = self.slots.get_mut(idx as usize) {
                    slot.seq = FREE;
                    slot.generation = slot.generation.wrapping_add(1);
                }
                if let Some(p) = self.periodic.get_mut(idx as usize) {
                    *p = None;
                }
                self.free.push(idx);
                self.live -= 1;
            }
        }
        Some(event)
    }

    #[inline]
    pub(crate) fn take_stop(&mut self) -> bool {
        std::mem::take(&mut self.stop)
    }

    #[inline]
    pub(crate) fn advance_to(&mut self, t: SimTime) {
        if t > self.now {
            self.now = t;
        }
    }

    #[inline]
    pub(crate) fn clear_current(&mut self) {
        self.current = None;
    }
}

/// A simulation model: state plus one handler for its event type.
///
/// Use an `enum` for `Event` when a model has several kinds of events; the
/// kernel stores events by value (no allocation per event).
pub trait Model {
    /// The event payload.
    type Event;

    /// Handles one event at `sched.now()`. Errors stop the run and are
    /// returned by it.
    ///
    /// # Errors
    /// Whatever the model reports; wrap foreign errors with
    /// [`SimError::model`].
    fn handle(
        &mut self,
        sched: &mut Scheduler<Self::Event>,
        event: Self::Event,
    ) -> Result<(), SimError>;

    /// Called by the wall-clock runner when an injected event arrived after
    /// its requested time and was stamped with its arrival time instead.
    /// The default does nothing (the runner's report lists late events too).
    fn on_late_injection(&mut self, _late: &LateInjection) {}
}

/// An injected event that arrived after its requested time (reported to
/// [`Model::on_late_injection`] by the wall-clock runner,
/// [`crate::wallclock`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateInjection {
    /// The time the sender asked for.
    pub requested: SimTime,
    /// The arrival time it was scheduled at instead.
    pub stamped: SimTime,
    /// The scheduled event.
    pub id: EventId,
}

/// A [`Model`] made from a closure (handy for small models and tests).
pub struct FnModel<E, F> {
    f: F,
    _event: PhantomData<fn(E)>,
}

impl<E, F> FnModel<E, F>
where
    F: FnMut(&mut Scheduler<E>, E) -> Result<(), SimError>,
{
    /// Wraps `f` as a model.
    pub fn new(f: F) -> Self {
        FnModel {
            f,
            _event: PhantomData,
        }
    }
}

impl<E, F> Model for FnModel<E, F>
where
    F: FnMut(&mut Scheduler<E>, E) -> Result<(), SimError>,
{
    type Event = E;

    #[inline]
    fn handle(&mut self, sched: &mut Scheduler<E>, event: E) -> Result<(), SimError> {
        (self.f)(sched, event)
    }
}

/// Why a run returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StopReason {
    /// No event was left.
    QueueEmpty,
    /// The next event lies after the time limit.
    TimeLimit,
    /// The event limit was reached.
    EventLimit,
    /// The run's condition became true.
    Condition,
    /// A handler called [`Scheduler::stop`].
    Stopped,
    /// An [`Injector`](crate::wallclock::Injector) asked the wall-clock runner to stop.
    External,
}

/// What a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Events handled by this run.
    pub events: u64,
    /// Simulation time when the run returned.
    pub now: SimTime,
    /// Why it returned.
    pub reason: StopReason,
}

/// A model and its scheduler: the batch (as fast as possible) runner.
pub struct Simulation<M: Model> {
    model: M,
    sched: Scheduler<M::Event>,
}

impl<M: Model> std::fmt::Debug for Simulation<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation")
            .field("sched", &self.sched)
            .finish_non_exhaustive()
    }
}

impl<E, F> Simulation<FnModel<E, F>>
where
    F: FnMut(&mut Scheduler<E>, E) -> Result<(), SimError>,
{
    /// A simulation whose handler is the closure `f`.
    pub fn from_fn(f: F) -> Self {
        Simulation::new(FnModel::new(f))
    }
}

impl<M: Model> Simulation<M> {
    /// A simulation of `model` at time zero with an empty queue.
    pub fn new(model: M) -> Self {
        Simulation {
            model,
            sched: Scheduler::new(),
        }
    }

    /// Like [`new`](Self::new) with room for `n` pending events.
    pub fn with_capacity(model: M, n: usize) -> Self {
        Simulation {
            model,
            sched: Scheduler::with_capacity(n),
        }
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The model, mutably.
    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// The scheduler.
    pub fn scheduler(&self) -> &Scheduler<M::Event> {
        &self.sched
    }

    /// The scheduler, mutably (to schedule initial events).
    pub fn scheduler_mut(&mut self) -> &mut Scheduler<M::Event> {
        &mut self.sched
    }

    /// The model and the scheduler at once.
    pub fn parts_mut(&mut self) -> (&mut M, &mut Scheduler<M::Event>) {
        (&mut self.model, &mut self.sched)
    }

    /// Consumes the simulation and returns its model.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The current simulation time.
    pub fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// See [`Scheduler::schedule_at`].
    ///
    /// # Errors
    /// As [`Scheduler::schedule_at`].
    pub fn schedule_at(
        &mut self,
        time: SimTime,
        phase: Phase,
        event: M::Event,
    ) -> Result<EventId, SimError> {
        self.sched.schedule_at(time, phase, event)
    }

    /// See [`Scheduler::schedule_in`].
    ///
    /// # Errors
    /// As [`Scheduler::schedule_in`].
    pub fn schedule_in(
        &mut self,
        delay: SimDuration,
        phase: Phase,
        event: M::Event,
    ) -> Result<EventId, SimError> {
        self.sched.schedule_in(delay, phase, event)
    }

    /// See [`Scheduler::schedule_periodic`].
    ///
    /// # Errors
    /// As [`Scheduler::schedule_periodic`].
    pub fn schedule_periodic(
        &mut self,
        first: SimTime,
        interval: SimDuration,
        phase: Phase,
        event: M::Event,
    ) -> Result<EventId, SimError>
    where
        M::Event: Clone,
    {
        self.sched.schedule_periodic(first, interval, phase, event)
    }

    /// See [`Scheduler::cancel`].
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.sched.cancel(id)
    }

    /// Runs until no event is left (or a handler stops the run).
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run(&mut self) -> Result<RunSummary, SimError> {
        self.run_loop(None, u64::MAX, |_, _| false)
    }

    /// Runs every event with time `<= until`, then sets the clock to `until`
    /// (unless a handler stopped the run earlier).
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run_until(&mut self, until: SimTime) -> Result<RunSummary, SimError> {
        self.run_loop(Some(until), u64::MAX, |_, _| false)
    }

    /// Runs until `done(model, now)` is true after an event (checked after
    /// each event), or the queue is empty.
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run_until_condition<F>(&mut self, done: F) -> Result<RunSummary, SimError>
    where
        F: FnMut(&M, SimTime) -> bool,
    {
        self.run_loop(None, u64::MAX, done)
    }

    /// Runs at most `max_events` events.
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run_events(&mut self, max_events: u64) -> Result<RunSummary, SimError> {
        self.run_loop(None, max_events, |_, _| false)
    }

    /// The general loop: stops at the first of: empty queue, next event
    /// after `until`, `max_events` handled, `done` true, a handler's stop.
    ///
    /// # Errors
    /// The first error returned by a handler.
    pub fn run_with<F>(
        &mut self,
        until: Option<SimTime>,
        max_events: u64,
        done: F,
    ) -> Result<RunSummary, SimError>
    where
        F: FnMut(&M, SimTime) -> bool,
    {
        self.run_loop(until, max_events, done)
    }

    /// Handles the next event, if any. Returns its time.
    ///
    /// # Errors
    /// The error returned by the handler.
    pub fn step(&mut self) -> Result<Option<SimTime>, SimError> {
        match self.sched.pop_due(u64::MAX) {
            None => Ok(None),
            Some(ev) => {
                let r = self.model.handle(&mut self.sched, ev);
                self.sched.clear_current();
                r?;
                Ok(Some(self.sched.now()))
            }
        }
    }

    /// Handles the next event if its time is `<= limit`; `Ok(false)` if
    /// there is none.
    #[inline(always)]
    pub(crate) fn step_due(&mut self, limit: u64) -> Result<bool, SimError> {
        match self.sched.pop_due(limit) {
            None => Ok(false),
            Some(ev) => {
                let r = self.model.handle(&mut self.sched, ev);
                self.sched.clear_current();
                r?;
                Ok(true)
            }
        }
    }

    #[inline(always)]
    fn run_loop<F>(
        &mut self,
        until: Option<SimTime>,
        max_events: u64,
        mut done: F,
    ) -> Result<RunSummary, SimError>
    where
        F: FnMut(&M, SimTime) -> bool,
    {
        let limit = until.map_or(u64::MAX, SimTime::as_millis);
        let mut n: u64 = 0;
        let reason = loop {
            if n >= max_events {
                break StopReason::EventLimit;
            }
            let Some(ev) = self.sched.pop_due(limit) else {
                break if self.sched.is_empty() {
                    StopReason::QueueEmpty
                } else {
                    StopReason::TimeLimit
                };
            };
            if let Err(e) = self.model.handle(&mut self.sched, ev) {
                self.sched.clear_current();
                return Err(e);
            }
            n += 1;
            if self.sched.take_stop() {
                break StopReason::Stopped;
            }
            if done(&self.model, self.sched.now()) {
                break StopReason::Condition;
            }
        };
        self.sched.clear_current();
        if let Some(u) = until
            && matches!(reason, StopReason::TimeLimit | StopReason::QueueEmpty)
        {
            self.sched.advance_to(u);
        }
        Ok(RunSummary {
            events: n,
            now: self.sched.now(),
            reason,
        })
    }

    pub(crate) fn sched_mut(&mut self) -> &mut Scheduler<M::Event> {
        &mut self.sched
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Log = Vec<(u64, u16, u32)>;

    struct Nop;
    impl Model for Nop {
        type Event = u32;
        fn handle(&mut self, _s: &mut Scheduler<u32>, _e: u32) -> Result<(), SimError> {
            Ok(())
        }
    }

    fn sim() -> Simulation<Nop> {
        Simulation::new(Nop)
    }

    #[test]
    fn entry_is_compact() {
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    #[test]
    fn sequence_renumbering_keeps_order() {
        let mut log = Vec::new();
        let mut s = Simulation::from_fn(|_s: &mut Scheduler<u32>, e: u32| {
            log.push(e);
            Ok(())
        });
        let t = SimTime::from_millis(5);
        s.schedule_at(t, 1, 0).expect("s");
        s.schedule_at(t, 0, 1).expect("s");
        let c = s.schedule_at(t, 1, 2).expect("s");
        s.scheduler_mut().next_seq = SEQ_MASK - 1;
        s.schedule_at(t, 1, 3).expect("s"); // last sequence before the wrap
        s.schedule_at(t, 1, 4).expect("s"); // triggers renumbering
        s.schedule_at(t, 0, 5).expect("s");
        assert!(s.cancel(c));
        assert!(s.scheduler().next_seq < 10);
        s.run().expect("run");
        drop(s);
        assert_eq!(log, vec![1, 5, 0, 3, 4]);
    }

    #[test]
    fn order_time_phase_seq() {
        let mut log: Log = Vec::new();
        let mut s = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
            log.push((s.now().as_millis(), s.current_phase(), e));
            Ok(())
        });
        let t = SimTime::from_millis;
        s.schedule_at(t(5), 1, 0).expect("s");
        s.schedule_at(t(5), 0, 1).expect("s");
        s.schedule_at(t(1), 9, 2).expect("s");
        s.schedule_at(t(5), 1, 3).expect("s");
        s.schedule_at(t(5), 0, 4).expect("s");
        s.run().expect("run");
        drop(s);
        assert_eq!(
            log,
            vec![(1, 9, 2), (5, 0, 1), (5, 0, 4), (5, 1, 0), (5, 1, 3)]
        );
    }

    #[test]
    fn in_past_and_negative_rejected() {
        let mut s = sim();
        s.schedule_at(SimTime::from_millis(10), 0, 1).expect("s");
        s.run().expect("run");
        assert!(matches!(
            s.schedule_at(SimTime::from_millis(9), 0, 1),
            Err(SimError::InPast { .. })
        ));
        assert!(matches!(
            s.schedule_in(SimDuration::from_millis(-1), 0, 1),
            Err(SimError::NegativeDelay(_))
        ));
        assert!(matches!(
            s.scheduler_mut().schedule_in_ms(u64::MAX, 0, 1),
            Err(SimError::TimeOverflow)
        ));
        assert!(matches!(
            s.schedule_periodic(SimTime::from_millis(10), SimDuration::ZERO, 0, 1),
            Err(SimError::InvalidInterval(_))
        ));
    }

    #[test]
    fn run_until_sets_clock() {
        let mut s = sim();
        s.schedule_at(SimTime::from_millis(10), 0, 1).expect("s");
        s.schedule_at(SimTime::from_millis(30), 0, 1).expect("s");
        let r = s.run_until(SimTime::from_millis(20)).expect("run");
        assert_eq!(r.events, 1);
        assert_eq!(r.reason, StopReason::TimeLimit);
        assert_eq!(s.now(), SimTime::from_millis(20));
        let r = s.run_until(SimTime::from_millis(30)).expect("run");
        assert_eq!(r.events, 1, "events at exactly `until` run");
        let r = s.run_until(SimTime::from_millis(100)).expect("run");
        assert_eq!(
            (r.events, r.reason, r.now),
            (0, StopReason::QueueEmpty, SimTime::from_millis(100))
        );
    }

    #[test]
    fn handler_errors_propagate() {
        let mut s = Simulation::from_fn(|_s: &mut Scheduler<u32>, e: u32| {
            if e == 2 {
                Err(SimError::model(format!("bad event {e}")))
            } else {
                Ok(())
            }
        });
        for e in 0..4 {
            s.schedule_at(SimTime::from_millis(u64::from(e)), 0, e)
                .expect("s");
        }
        let err = s.run().expect_err("must fail");
        assert!(err.to_string().contains("bad event 2"));
        assert_eq!(s.now(), SimTime::from_millis(2));
        assert_eq!(s.scheduler().pending(), 1);
    }

    #[test]
    fn untracked_events_keep_order_through_cancel_and_compaction() {
        // The same schedule twice: once all tracked, once with every fifth
        // event untracked (and in both runs only the others cancelled). Cancelling tracked events (enough to compact and
        // to leave stale entries at the top) must not touch untracked ones,
        // and the order of the rest is the same.
        fn run(untracked: bool) -> Vec<(u64, u32, bool)> {
            let mut log = Vec::new();
            let mut s = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
                log.push((s.now().as_millis(), e, s.current().is_some()));
                if e < 3000 && e.is_multiple_of(4) {
                    s.schedule_untracked_in_ms(u64::from(e % 13), 0, e + 3000)?;
                }
                Ok(())
            });
            let mut ids = Vec::new();
            for i in 0..2000u32 {
                let delay = u64::from((i * 7919) % 500);
                if untracked && i % 5 == 1 {
                    s.scheduler_mut()
                        .schedule_untracked_in_ms(delay, (i % 3) as u16, i)
                        .expect("s");
                } else {
                    let id = s
                        .scheduler_mut()
                        .schedule_in_ms(delay, (i % 3) as u16, i)
                        .expect("s");
                    ids.push((i, id));
                }
            }
            for (i, id) in &ids {
                if i % 6 != 2 && i % 5 != 1 {
                    assert!(s.cancel(*id));
                }
            }
            assert!(s.scheduler_mut().heap.keys().len() < 1500, "compacted");
            s.run_events(300).expect("run");
            for (i, id) in &ids {
                if i % 6 == 2 && i % 5 != 1 {
                    let _ = s.cancel(*id);
                }
            }
            s.run().expect("run");
            assert!(s.scheduler().is_empty());
            drop(s);
            log
        }
        let tracked = run(false);
        let mixed = run(true);
        assert_eq!(tracked.len(), mixed.len());
        for (a, b) in tracked.iter().zip(&mixed) {
            assert_eq!((a.0, a.1), (b.0, b.1));
            let untracked = b.1 >= 3000 || b.1 % 5 == 1;
            assert_eq!(b.2, !untracked, "current() of event {}", b.1);
        }
    }

    #[test]
    fn compaction_keeps_order() {
        let mut log = Vec::new();
        let mut s = Simulation::from_fn(|_s: &mut Scheduler<u32>, e: u32| {
            log.push(e);
            Ok(())
        });
        let ids: Vec<_> = (0..1000u32)
            .map(|i| {
                s.schedule_at(SimTime::from_millis(u64::from(1000 - i)), 0, i)
                    .expect("s")
            })
            .collect();
        for (i, id) in ids.iter().enumerate() {
            if i % 3 != 0 {
                assert!(s.cancel(*id));
            }
        }
        s.run().expect("run");
        drop(s);
        let expect: Vec<u32> = (0..1000u32).rev().filter(|i| i % 3 == 0).collect();
        assert_eq!(log, expect);
    }
}
