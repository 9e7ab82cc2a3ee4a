//! Counted resources with a waiting queue (repair crews, trucks, spare
//! transformers).
//!
//! A [`Resource`] has `capacity` identical units. [`Resource::request`]
//! grants a unit at once when one is free, otherwise queues the request.
//! [`Resource::release`] returns a unit and grants it to the next waiting
//! request, if any.
//!
//! # Service order (part of the determinism contract)
//!
//! Waiting requests are served by **ascending `priority` value** (0 before
//! 1; negative values are allowed and come first), and among equal
//! priorities **first come, first served** by request order (a per-resource
//! counter). Nothing else is consulted. A unit is never idle while a request
//! waits: a request is queued only when all units are in use, and every
//! release or capacity increase serves the queue immediately.
//!
//! The resource does not touch the event queue: the model reacts to the
//! returned [`Grant`]s (typically by scheduling the start of the work), so
//! it can be used from any handler.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::time::SimTime;

/// A request's handle: identifies it while queued and, once granted, the
/// unit it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ticket {
    priority: i32,
    seq: u64,
}

impl Ticket {
    /// The request's priority.
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// The request's number in request order.
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// A granted unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant<T> {
    /// The request (release the unit with it).
    pub ticket: Ticket,
    /// The caller's tag (e.g. the asset to repair).
    pub tag: T,
    /// When the request was made.
    pub requested_at: SimTime,
    /// When the unit was granted.
    pub granted_at: SimTime,
}

/// The result of [`Resource::request`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request<T> {
    /// A unit was free and is now held.
    Granted(Grant<T>),
    /// All units are in use; the request waits.
    Queued(Ticket),
}

/// A resource error.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ResourceError {
    /// The ticket does not hold a unit of this resource.
    #[error("ticket {0:?} does not hold a unit of resource {1:?}")]
    NotHeld(Ticket, String),
}

#[derive(Clone, Debug)]
struct Waiting<T> {
    tag: T,
    requested_at: SimTime,
}

/// A counted resource with a priority/FIFO waiting queue.
#[derive(Clone, Debug)]
pub struct Resource<T> {
    name: String,
    capacity: u32,
    holders: BTreeSet<Ticket>,
    queue: BTreeMap<Ticket, Waiting<T>>,
    next_seq: u64,
    granted_total: u64,
}

impl<T> Resource<T> {
    /// A resource with `capacity` units.
    pub fn new(name: impl Into<String>, capacity: u32) -> Self {
        Resource {
            name: name.into(),
            capacity,
            holders: BTreeSet::new(),
            queue: BTreeMap::new(),
            next_seq: 0,
            granted_total: 0,
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of units.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Units in use.
    pub fn in_use(&self) -> u32 {
        self.holders.len() as u32
    }

    /// Free units.
    pub fn available(&self) -> u32 {
        self.capacity.saturating_sub(self.in_use())
    }

    /// Requests waiting.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Units granted so far.
    pub fn granted_total(&self) -> u64 {
        self.granted_total
    }

    /// The waiting requests in the order they will be served.
    pub fn waiting(&self) -> impl Iterator<Item = (Ticket, &T)> + '_ {
        self.queue.iter().map(|(k, w)| (*k, &w.tag))
    }

    /// Requests a unit at time `now` with `priority` (smaller is served
    /// first) for `tag`.
    pub fn request(&mut self, now: SimTime, priority: i32, tag: T) -> Request<T> {
        let ticket = Ticket {
            priority,
            seq: self.next_seq,
        };
        self.next_seq += 1;
        if self.in_use() < self.capacity {
            self.holders.insert(ticket);
            self.granted_total += 1;
            Request::Granted(Grant {
                ticket,
                tag,
                requested_at: now,
                granted_at: now,
            })
        } else {
            self.queue.insert(
                ticket,
                Waiting {
                    tag,
                    requested_at: now,
                },
            );
            Request::Queued(ticket)
        }
    }

    /// Returns the unit held by `ticket` at time `now`; grants it to the
    /// next waiting request, if any, and returns that grant.
    ///
    /// # Errors
    /// [`ResourceError::NotHeld`] if `ticket` holds no unit (never granted,
    /// still queued, or already released).
    pub fn release(
        &mut self,
        now: SimTime,
        ticket: Ticket,
    ) -> Result<Option<Grant<T>>, ResourceError> {
        if !self.holders.remove(&ticket) {
            return Err(ResourceError::NotHeld(ticket, self.name.clone()));
        }
        Ok(self.serve_one(now))
    }

    /// Withdraws a waiting request; returns its tag, or `None` if it is not
    /// waiting.
    pub fn withdraw(&mut self, ticket: Ticket) -> Option<T> {
        self.queue.remove(&ticket).map(|w| w.tag)
    }

    /// Changes the number of units (crews arriving or leaving). Growing
    /// serves waiting requests at once and returns their grants; shrinking
    /// below the units in use takes effect as units are released.
    pub fn set_capacity(&mut self, now: SimTime, capacity: u32) -> Vec<Grant<T>> {
        self.capacity = capacity;
        let mut out = Vec::new();
        while self.in_use() < self.capacity {
            match self.serve_one(now) {
                Some(g) => out.push(g),
                None => break,
            }
        }
        out
    }

    fn serve_one(&mut self, now: SimTime) -> Option<Grant<T>> {
        if self.in_use() >= self.capacity {
            return None;
        }
        let (ticket, w) = self.queue.pop_first()?;
        self.holders.insert(ticket);
        self.granted_total += 1;
        Some(Grant {
            ticket,
            tag: w.tag,
            requested_at: w.requested_at,
            granted_at: now,
        })
    }
}
