//! Property tests: the scheduler agrees with a naive reference queue.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use sim_core::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// Schedule an event at now + delay in phase.
    Schedule { delay: u64, phase: u16 },
    /// Cancel the k-th id handed out so far (modulo).
    Cancel(usize),
    /// Reschedule the k-th id to now + delay.
    Reschedule(usize, u64),
    /// Run one event.
    Step,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..20, 0u16..4).prop_map(|(delay, phase)| Op::Schedule { delay, phase }),
        1 => any::<usize>().prop_map(Op::Cancel),
        1 => (any::<usize>(), 0u64..20).prop_map(|(k, d)| Op::Reschedule(k, d)),
        2 => Just(Op::Step),
    ]
}

/// The reference: a vector of live (time, phase, seq, payload), minimum found
/// by a linear scan over exactly the key (time, phase, seq).
#[derive(Default)]
struct Reference {
    now: u64,
    seq: u64,
    live: Vec<(u64, u16, u64, u32)>,
}

impl Reference {
    fn schedule(&mut self, t: u64, phase: u16, payload: u32) {
        self.live.push((t, phase, self.seq, payload));
        self.seq += 1;
    }
    fn find(&self, payload: u32) -> Option<usize> {
        self.live.iter().position(|x| x.3 == payload)
    }
    fn cancel(&mut self, payload: u32) -> bool {
        match self.find(payload) {
            Some(i) => {
                self.live.remove(i);
                true
            }
            None => false,
        }
    }
    fn reschedule(&mut self, payload: u32, t: u64) -> bool {
        match self.find(payload) {
            Some(i) => {
                self.live[i].0 = t;
                self.live[i].2 = self.seq;
                self.seq += 1;
                true
            }
            None => false,
        }
    }
    fn pop(&mut self) -> Option<(u64, u16, u32)> {
        let i = (0..self.live.len()).min_by_key(|&i| {
            let x = self.live[i];
            (x.0, x.1, x.2)
        })?;
        let x = self.live.remove(i);
        self.now = x.0;
        Some((x.0, x.1, x.3))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// Any interleaving of schedule / cancel / reschedule / step gives the
    /// same execution sequence as the reference queue, and cancel returns
    /// true exactly for pending events.
    #[test]
    fn matches_reference_queue(ops in proptest::collection::vec(op(), 0..300)) {
        let mut log: Vec<(u64, u16, u32)> = Vec::new();
        let mut sim = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
            log.push((s.now().as_millis(), s.current_phase(), e));
            Ok(())
        });
        let mut reference = Reference::default();
        let mut ids: Vec<(EventId, u32)> = Vec::new();
        let mut expected = Vec::new();
        let mut next_payload = 0u32;
        for op in ops {
            match op {
                Op::Schedule { delay, phase } => {
                    let t = sim.now().as_millis() + delay;
                    let id = sim.schedule_at(SimTime::from_millis(t), phase, next_payload).expect("ok");
                    reference.schedule(t, phase, next_payload);
                    ids.push((id, next_payload));
                    next_payload += 1;
                }
                Op::Cancel(k) if !ids.is_empty() => {
                    let (id, p) = ids[k % ids.len()];
                    prop_assert_eq!(sim.cancel(id), reference.cancel(p));
                }
                Op::Reschedule(k, d) if !ids.is_empty() => {
                    let (id, p) = ids[k % ids.len()];
                    let t = sim.now().as_millis() + d;
                    let ok = sim.scheduler_mut().reschedule(id, SimTime::from_millis(t)).expect("ok");
                    prop_assert_eq!(ok, reference.reschedule(p, t));
                }
                Op::Step => {
                    let got = sim.step().expect("ok");
                    let want = reference.pop();
                    prop_assert_eq!(got.map(|t| t.as_millis()), want.map(|w| w.0));
                    if let Some(w) = want { expected.push(w); }
                }
                _ => {}
            }
            prop_assert_eq!(sim.scheduler().pending(), reference.live.len());
        }
        sim.run().expect("ok");
        while let Some(w) = reference.pop() { expected.push(w); }
        drop(sim);
        prop_assert_eq!(log, expected);
    }

    /// Events scheduled by handlers (a branching process, including events
    /// at `now` in earlier phases) run exactly in reference order.
    #[test]
    fn handler_scheduled_events_match_reference(seeds in proptest::collection::vec((0u64..5, 0u16..3), 1..40)) {
        // children of an event: pure function of (now, payload, counter)
        fn children(e: u32, counter: &mut u32) -> Vec<(u64, u16, u32)> {
            let mut out = Vec::new();
            if *counter < 1_500 {
                for k in 0..2u32 {
                    *counter += 1;
                    let delay = u64::from((e * 7 + k * 3 + *counter) % 5);
                    let phase = ((e + k + *counter) % 3) as u16;
                    out.push((delay, phase, *counter));
                }
            }
            out
        }
        let mut log: Vec<(u64, u16, u32)> = Vec::new();
        let mut counter = 0u32;
        let mut sim = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
            log.push((s.now().as_millis(), s.current_phase(), e));
            for (d, p, payload) in children(e, &mut counter) {
                s.schedule_in_ms(d, p, payload)?;
            }
            Ok(())
        });
        let mut reference = Reference::default();
        for (i, (d, p)) in seeds.iter().enumerate() {
            let payload = 1_000_000 + i as u32;
            sim.schedule_at(SimTime::from_millis(*d), *p, payload).expect("schedule");
            reference.schedule(*d, *p, payload);
        }
        sim.run().expect("run");
        drop(sim);
        let mut expected = Vec::new();
        let mut rcounter = 0u32;
        while let Some(w) = reference.pop() {
            expected.push(w);
            for (d, p, payload) in children(w.2, &mut rcounter) {
                reference.schedule(reference.now + d, p, payload);
            }
        }
        prop_assert_eq!(log, expected);
    }
}

/// Delays across every magnitude of the 64-bit clock: `2^bits - 1` masked
/// random values, so events land in every level of the timing wheel.
fn wide_delay() -> impl Strategy<Value = u64> {
    (0u32..=40, any::<u64>()).prop_map(|(bits, x)| if bits == 0 { 0 } else { x >> (64 - bits) })
}

#[derive(Clone, Debug)]
enum WideOp {
    Schedule {
        delay: u64,
        phase: u16,
    },
    Cancel(usize),
    Reschedule(usize, u64),
    Step,
    /// `run_until(now + d)`: peeks past the clock, then later schedules may
    /// land before the next pending event.
    RunUntil(u64),
}

fn wide_op() -> impl Strategy<Value = WideOp> {
    prop_oneof![
        6 => (wide_delay(), 0u16..3).prop_map(|(delay, phase)| WideOp::Schedule { delay, phase }),
        1 => any::<usize>().prop_map(WideOp::Cancel),
        1 => (any::<usize>(), wide_delay()).prop_map(|(k, d)| WideOp::Reschedule(k, d)),
        3 => Just(WideOp::Step),
        1 => wide_delay().prop_map(WideOp::RunUntil),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    /// With times spread over 40 bits (and `run_until` peeks in between), the
    /// execution order equals a `BTreeMap` keyed by (time, phase, seq).
    #[test]
    fn wide_times_match_btreemap(ops in proptest::collection::vec(wide_op(), 0..400)) {
        use std::collections::BTreeMap;
        let mut log: Vec<(u64, u16, u32)> = Vec::new();
        let mut sim = Simulation::from_fn(|s: &mut Scheduler<u32>, e: u32| {
            log.push((s.now().as_millis(), s.current_phase(), e));
            Ok(())
        });
        // (time, phase, seq) -> payload; payload -> key
        let mut reference: BTreeMap<(u64, u16, u64), u32> = BTreeMap::new();
        let mut key_of: BTreeMap<u32, (u64, u16, u64)> = BTreeMap::new();
        let mut seq = 0u64;
        let mut ids: Vec<(EventId, u32)> = Vec::new();
        let mut expected: Vec<(u64, u16, u32)> = Vec::new();
        let mut next_payload = 0u32;
        let pop_until = |limit: u64,
                             reference: &mut BTreeMap<(u64, u16, u64), u32>,
                             key_of: &mut BTreeMap<u32, (u64, u16, u64)>,
                             expected: &mut Vec<(u64, u16, u32)>,
                             max: usize| {
            let mut n = 0;
            while n < max {
                match reference.first_key_value() {
                    Some((k, _)) if k.0 <= limit => {}
                    _ => break,
                }
                if let Some((k, p)) = reference.pop_first() {
                    key_of.remove(&p);
                    expected.push((k.0, k.1, p));
                }
                n += 1;
            }
        };
        for op in ops {
            let now = sim.now().as_millis();
            match op {
                WideOp::Schedule { delay, phase } => {
                    let t = now + delay;
                    let id = sim.schedule_at(SimTime::from_millis(t), phase, next_payload).expect("ok");
                    reference.insert((t, phase, seq), next_payload);
                    key_of.insert(next_payload, (t, phase, seq));
                    seq += 1;
                    ids.push((id, next_payload));
                    next_payload += 1;
                }
                WideOp::Cancel(k) if !ids.is_empty() => {
                    let (id, p) = ids[k % ids.len()];
                    let want = match key_of.remove(&p) {
                        Some(key) => reference.remove(&key).is_some(),
                        None => false,
                    };
                    prop_assert_eq!(sim.cancel(id), want);
                }
                WideOp::Reschedule(k, d) if !ids.is_empty() => {
                    let (id, p) = ids[k % ids.len()];
                    let t = now + d;
                    let ok = sim.scheduler_mut().reschedule(id, SimTime::from_millis(t)).expect("ok");
                    let want = match key_of.remove(&p) {
                        Some(old) => {
                            reference.remove(&old);
                            reference.insert((t, old.1, seq), p);
                            key_of.insert(p, (t, old.1, seq));
                            seq += 1;
                            true
                        }
                        None => false,
                    };
                    prop_assert_eq!(ok, want);
                }
                WideOp::Step => {
                    sim.step().expect("ok");
                    pop_until(u64::MAX, &mut reference, &mut key_of, &mut expected, 1);
                }
                WideOp::RunUntil(d) => {
                    let until = now + d;
                    sim.run_until(SimTime::from_millis(until)).expect("ok");
                    pop_until(until, &mut reference, &mut key_of, &mut expected, usize::MAX);
                    prop_assert_eq!(sim.now().as_millis(), until.max(now));
                }
                _ => {}
            }
            prop_assert_eq!(sim.scheduler().pending(), reference.len());
        }
        sim.run().expect("ok");
        pop_until(u64::MAX, &mut reference, &mut key_of, &mut expected, usize::MAX);
        drop(sim);
        prop_assert_eq!(log, expected);
    }
}
