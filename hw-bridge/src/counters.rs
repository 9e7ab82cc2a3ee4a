//! Counters of a twin run (written to `twin.json`) and of an emulator run,
//! sequence-gap tracking and latency percentiles.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// Live counters of a twin, shared between threads.
#[derive(Debug, Default)]
pub struct TwinCounters {
    /// Telemetry messages accepted into the twin's state.
    pub telemetry_received: AtomicU64,
    /// Telemetry rejected: unknown topic, bad payload, wrong unit, bad quality.
    pub telemetry_rejected: AtomicU64,
    /// Messages missing from a device's `seq` (gaps).
    pub telemetry_lost: AtomicU64,
    /// Repeated `seq` (QoS 1 redeliveries), ignored.
    pub telemetry_duplicates: AtomicU64,
    /// Commands published to devices (retries included).
    pub commands_sent: AtomicU64,
    /// Commands published to the advisory topic (control off).
    pub commands_advisory: AtomicU64,
    /// Commands acknowledged `done` or `accepted`.
    pub commands_acked: AtomicU64,
    /// Commands the device rejected or failed.
    pub commands_failed: AtomicU64,
    /// Commands refused by the safety gate.
    pub commands_refused: AtomicU64,
    /// Commands retried.
    pub commands_retried: AtomicU64,
    /// Commands with no final ack after every retry.
    pub commands_timed_out: AtomicU64,
    /// Devices that went stale.
    pub stale_events: AtomicU64,
    /// Stale devices that reported again.
    pub recovered_events: AtomicU64,
    /// Reconnections to the broker after a lost connection.
    pub reconnects: AtomicU64,
    /// Alerts raised.
    pub alerts: AtomicU64,
}

/// A snapshot of [`TwinCounters`] (the keys of `twin.json`'s `counters`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwinCountersSnapshot {
    /// See [`TwinCounters::telemetry_received`].
    pub telemetry_received: u64,
    /// See [`TwinCounters::telemetry_rejected`].
    pub telemetry_rejected: u64,
    /// See [`TwinCounters::telemetry_lost`].
    pub telemetry_lost: u64,
    /// See [`TwinCounters::telemetry_duplicates`].
    pub telemetry_duplicates: u64,
    /// See [`TwinCounters::commands_sent`].
    pub commands_sent: u64,
    /// See [`TwinCounters::commands_advisory`].
    pub commands_advisory: u64,
    /// See [`TwinCounters::commands_acked`].
    pub commands_acked: u64,
    /// See [`TwinCounters::commands_failed`].
    pub commands_failed: u64,
    /// See [`TwinCounters::commands_refused`].
    pub commands_refused: u64,
    /// See [`TwinCounters::commands_retried`].
    pub commands_retried: u64,
    /// See [`TwinCounters::commands_timed_out`].
    pub commands_timed_out: u64,
    /// See [`TwinCounters::stale_events`].
    pub stale_events: u64,
    /// See [`TwinCounters::recovered_events`].
    pub recovered_events: u64,
    /// See [`TwinCounters::reconnects`].
    pub reconnects: u64,
    /// See [`TwinCounters::alerts`].
    pub alerts: u64,
}

/// Adds one.
pub fn inc(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl TwinCounters {
    /// Current values.
    pub fn snapshot(&self) -> TwinCountersSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TwinCountersSnapshot {
            telemetry_received: g(&self.telemetry_received),
            telemetry_rejected: g(&self.telemetry_rejected),
            telemetry_lost: g(&self.telemetry_lost),
            telemetry_duplicates: g(&self.telemetry_duplicates),
            commands_sent: g(&self.commands_sent),
            commands_advisory: g(&self.commands_advisory),
            commands_acked: g(&self.commands_acked),
            commands_failed: g(&self.commands_failed),
            commands_refused: g(&self.commands_refused),
            commands_retried: g(&self.commands_retried),
            commands_timed_out: g(&self.commands_timed_out),
            stale_events: g(&self.stale_events),
            recovered_events: g(&self.recovered_events),
            reconnects: g(&self.reconnects),
            alerts: g(&self.alerts),
        }
    }
}

/// What a sequence number says about a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqCheck {
    /// The first message of this stream.
    First,
    /// The next one, after `lost` missing messages.
    Next {
        /// Messages skipped.
        lost: u64,
    },
    /// Seen already (or older): a redelivery.
    Duplicate,
}

/// Per-stream (device and metric) last sequence numbers.
#[derive(Clone, Debug, Default)]
pub struct SeqTracker {
    last: BTreeMap<String, u64>,
}

impl SeqTracker {
    /// Checks and records `seq` for `stream`.
    pub fn check(&mut self, stream: &str, seq: u64) -> SeqCheck {
        match self.last.get_mut(stream) {
            None => {
                self.last.insert(stream.to_string(), seq);
                SeqCheck::First
            }
            Some(last) if seq <= *last => SeqCheck::Duplicate,
            Some(last) => {
                let lost = seq - *last - 1;
                *last = seq;
                SeqCheck::Next { lost }
            }
        }
    }
}

/// Percentile (nearest rank, `q` in 0..=1) of `v`; `None` if empty.
pub fn percentile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((q.clamp(0.0, 1.0) * v.len() as f64).ceil() as usize).clamp(1, v.len());
    Some(v[rank - 1])
}

/// What an emulator run did (`--report FILE.json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmulatorReport {
    /// Telemetry messages handed to the client (garbage included).
    pub published: u64,
    /// Commands received.
    pub commands_received: u64,
    /// Commands acknowledged `done`.
    pub commands_acked: u64,
    /// Commands rejected (expired, unknown action, bad payload).
    pub commands_rejected: u64,
    /// Garbage payloads sent (fault `garbage`).
    pub garbage: u64,
    /// Messages skipped (fault `drop`; their `seq` is used up).
    pub dropped: u64,
    /// Messages sent late (fault `delay`).
    pub delayed: u64,
    /// Reconnections after a lost connection.
    pub reconnects: u64,
    /// Devices emulated.
    pub devices: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_gaps_and_duplicates() {
        let mut s = SeqTracker::default();
        assert_eq!(s.check("a", 5), SeqCheck::First);
        assert_eq!(s.check("a", 6), SeqCheck::Next { lost: 0 });
        assert_eq!(s.check("a", 9), SeqCheck::Next { lost: 2 });
        assert_eq!(s.check("a", 9), SeqCheck::Duplicate);
        assert_eq!(s.check("a", 7), SeqCheck::Duplicate);
        assert_eq!(s.check("b", 1), SeqCheck::First);
    }

    #[test]
    fn nearest_rank() {
        let mut v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut v, 0.5), Some(50.0));
        assert_eq!(percentile(&mut v, 0.99), Some(99.0));
        assert_eq!(percentile(&mut v, 1.0), Some(100.0));
        assert_eq!(percentile(&mut [], 0.5), None);
    }
}
