//! The pending-event queue: a radix timing wheel in front of a small heap
//! (internal).
//!
//! # Order
//!
//! Entries are keyed by the packed `u128` of [`crate::heap`]
//! (`time << 64 | phase << 48 | seq`), and [`Queue::pop`] returns them in
//! ascending key order, exactly as a heap of all entries would. The wheel
//! only decides *when* an entry reaches the heap; the heap alone decides the
//! order among the entries it holds.
//!
//! # Structure
//!
//! `last` is a time such that every entry in the **front** heap has
//! `time <= last` and every entry in the **wheel** has `time > last`. The
//! wheel is a radix structure over the 64-bit time relative to `last`, in
//! 6-bit digits: an entry with time `t` lives in level
//! `L = msb(t ^ last) / 6` (the highest digit in which it differs from
//! `last`), in slot `digit_L(t)`. So all entries of level `L` agree with
//! `last` above digit `L` and exceed it at digit `L`; entries of a lower
//! level, or of a lower slot of the same level, have smaller times. Each
//! level keeps a 64-bit mask of its non-empty slots, and one mask says which
//! levels are non-empty, so the smallest slot is found with two
//! `trailing_zeros`.
//!
//! When the front heap is empty, the smallest slot is taken out: `last`
//! becomes the smallest time in it, entries with that time go to the heap
//! and the others are placed again relative to the new `last` (always at a
//! lower level, so an entry moves at most 11 times; with level-0 slots one
//! millisecond wide, the usual path is insert -> level 1 or 2 -> level 0 ->
//! heap). Every other entry keeps a valid place: the new `last` agrees with
//! the old one above the level taken. A new entry with `time <= last` goes
//! straight to the heap (this happens after a peek moved `last` past the
//! clock, or for events at the current time).
//!
//! When the heap is empty and the smallest slot is a level-0 slot with a
//! single entry (the usual case when events are spread out in time), `pop`
//! takes that entry directly instead of passing it through the heap.
//!
//! Inserting into the wheel is O(1) and needs no comparison with other
//! entries, so a handler's `schedule` does not decide which event runs
//! next (the next event is usually already known), unlike a heap whose
//! sift-down the next pop must wait for. Buckets are unordered `Vec`s: the
//! order inside a bucket never reaches the result, since the heap orders by
//! the unique key.

use crate::heap::{Heap, key_time};

/// Bits per wheel digit (64 slots per level).
const DIGIT: u32 = 6;
/// Slots per level.
const SLOTS: usize = 1 << DIGIT;
/// Levels needed for 64-bit times (the top level has 4 bits).
const LEVELS: usize = 64_usize.div_ceil(DIGIT as usize);

/// One wheel entry (24 bytes for a 4-byte payload).
#[derive(Clone, Debug)]
struct Entry<E> {
    time: u64,
    /// Low 64 bits of the key (phase and sequence).
    low: u64,
    word: u32,
    event: E,
}

impl<E> Entry<E> {
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.low)
    }
}

/// Where an entry is (for [`Queue::rekey`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Index in the front heap's storage.
    Front(usize),
    /// Bucket and index in it.
    Wheel(usize, usize),
}

#[derive(Clone, Debug)]
pub(crate) struct Queue<E> {
    front: Heap<E>,
    last: u64,
    /// `LEVELS * SLOTS` unordered buckets, level-major.
    buckets: Vec<Vec<Entry<E>>>,
    /// Non-empty slots of each level.
    slot_mask: [u64; LEVELS],
    /// Non-empty levels.
    level_mask: u32,
    /// Entries in the wheel.
    wheel_len: usize,
}

/// The level of time `t` relative to `last` (`t > last`).
#[inline(always)]
fn level_of(t: u64, last: u64) -> usize {
    let msb = 63 - (t ^ last).leading_zeros();
    (msb / DIGIT) as usize
}

impl<E> Queue<E> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Queue {
            front: Heap::with_capacity(n.min(1024)),
            last: 0,
            buckets: (0..LEVELS * SLOTS).map(|_| Vec::new()).collect(),
            slot_mask: [0; LEVELS],
            level_mask: 0,
            wheel_len: 0,
        }
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.front.len() + self.wheel_len
    }

    /// Puts an entry with `time > last` into the wheel.
    #[inline(always)]
    fn wheel_insert(&mut self, e: Entry<E>) {
        let level = level_of(e.time, self.last);
        let slot = ((e.time >> (DIGIT as usize * level)) as usize) & (SLOTS - 1);
        if let Some(b) = self.buckets.get_mut(level * SLOTS + slot) {
            b.push(e);
            self.slot_mask[level] |= 1 << slot;
            self.level_mask |= 1 << level;
            self.wheel_len += 1;
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, key: u128, word: u32, event: E) {
        let time = key_time(key);
        if time <= self.last {
            self.front.push(key, word, event);
        } else {
            self.wheel_insert(Entry {
                time,
                low: key as u64,
                word,
                event,
            });
        }
    }

    /// Moves the smallest wheel slot towards the front heap until the heap
    /// is not empty (a no-op if it is not empty or the wheel is empty).
    #[inline(always)]
    fn fill_front(&mut self) {
        while self.front.is_empty() && self.level_mask != 0 {
            self.advance();
        }
    }

    /// Takes the smallest non-empty slot out of the wheel (the wheel must not
    /// be empty).
    #[inline]
    fn advance(&mut self) {
        let level = self.level_mask.trailing_zeros() as usize;
        let Some(mask) = self.slot_mask.get_mut(level) else {
            return;
        };
        let slot = mask.trailing_zeros() as usize;
        *mask &= *mask - 1;
        if *mask == 0 {
            self.level_mask &= !(1 << level);
        }
        let b = level * SLOTS + slot;
        if level == 0 {
            // Every entry of a level-0 slot has the same time.
            let Some(bucket) = self.buckets.get_mut(b) else {
                return;
            };
            self.last = (self.last & !(SLOTS as u64 - 1)) | slot as u64;
            self.wheel_len -= bucket.len();
            for e in bucket.drain(..) {
                let k = e.key();
                self.front.push(k, e.word, e.event);
            }
            return;
        }
        let Some(bucket) = self.buckets.get_mut(b) else {
            return;
        };
        let mut items = std::mem::take(bucket);
        self.wheel_len -= items.len();
        let Some(min) = items.iter().map(|e| e.time).min() else {
            return;
        };
        self.last = min;
        for e in items.drain(..) {
            if e.time == min {
                let k = e.key();
                self.front.push(k, e.word, e.event);
            } else {
                self.wheel_insert(e);
            }
        }
        // Keep the allocation for the next time this slot fills.
        if let Some(bucket) = self.buckets.get_mut(b) {
            *bucket = items;
        }
    }

    /// Key and slot word of the smallest entry.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<(u128, u32)> {
        if let Some(e) = self
            .lone_level0()
            .and_then(|b| self.buckets.get(b)?.first())
        {
            return Some((e.key(), e.word));
        }
        self.fill_front();
        self.front.peek()
    }

    /// The usual case of a sparse front: the heap is empty and the smallest
    /// slot is a level-0 slot holding one entry, which is then the smallest
    /// entry. Returns its bucket index (level-0 buckets come first).
    #[inline(always)]
    fn lone_level0(&self) -> Option<usize> {
        if !self.front.is_empty() || self.level_mask & 1 == 0 {
            return None;
        }
        let slot = self.slot_mask[0].trailing_zeros() as usize;
        match self.buckets.get(slot) {
            Some(bucket) if bucket.len() == 1 => Some(slot),
            _ => None,
        }
    }

    /// Removes the smallest entry: (key, slot word, payload).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<(u128, u32, E)> {
        if let Some(slot) = self.lone_level0() {
            // Take the lone entry straight from its slot (what `advance`
            // would do, without the trip through the heap).
            if let Some(e) = self.buckets.get_mut(slot).and_then(Vec::pop) {
                self.slot_mask[0] &= self.slot_mask[0] - 1;
                if self.slot_mask[0] == 0 {
                    self.level_mask &= !1;
                }
                self.wheel_len -= 1;
                self.last = e.time;
                return Some((e.key(), e.word, e.event));
            }
        }
        self.fill_front();
        self.front.pop()
    }

    /// Keeps the entries for which `keep(key, slot word)` is true.
    pub(crate) fn retain<F: FnMut(u128, u32) -> bool>(&mut self, mut keep: F) {
        self.front.retain(&mut keep);
        self.wheel_len = 0;
        self.level_mask = 0;
        for level in 0..LEVELS {
            let mut mask = 0u64;
            for slot in 0..SLOTS {
                if let Some(b) = self.buckets.get_mut(level * SLOTS + slot) {
                    b.retain(|e| keep(e.key(), e.word));
                    if !b.is_empty() {
                        mask |= 1 << slot;
                        self.wheel_len += b.len();
                    }
                }
            }
            self.slot_mask[level] = mask;
            if mask != 0 {
                self.level_mask |= 1 << level;
            }
        }
    }

    /// The location of the first entry (in storage order) matching
    /// `f(key, slot word)`.
    pub(crate) fn position<F: FnMut(u128, u32) -> bool>(&mut self, mut f: F) -> Option<Loc> {
        if let Some(i) = self.front.position(&mut f) {
            return Some(Loc::Front(i));
        }
        for (b, bucket) in self.buckets.iter().enumerate() {
            if let Some(i) = bucket.iter().position(|e| f(e.key(), e.word)) {
                return Some(Loc::Wheel(b, i));
            }
        }
        None
    }

    /// Gives the entry at `loc` the key `key` (whose time must be at least
    /// the time of the last popped entry) and puts it back in order.
    pub(crate) fn rekey(&mut self, loc: Loc, key: u128) {
        let (word, event) = match loc {
            Loc::Front(i) => match self.front.remove(i) {
                Some((_, w, e)) => (w, e),
                None => return,
            },
            Loc::Wheel(b, i) => {
                let Some(bucket) = self.buckets.get_mut(b) else {
                    return;
                };
                if i >= bucket.len() {
                    return;
                }
                let e = bucket.swap_remove(i);
                self.wheel_len -= 1;
                if bucket.is_empty() {
                    let (level, slot) = (b / SLOTS, b % SLOTS);
                    self.slot_mask[level] &= !(1 << slot);
                    if self.slot_mask[level] == 0 {
                        self.level_mask &= !(1 << level);
                    }
                }
                (e.word, e.event)
            }
        };
        self.push(key, word, event);
    }

    /// Rewrites every key with `f(key, slot)`; `f` must keep each key's time
    /// and the relative order of keys.
    pub(crate) fn map_keys<F: FnMut(u128, u32) -> u128>(&mut self, mut f: F) {
        self.front.map_keys(&mut f);
        for bucket in &mut self.buckets {
            for e in bucket.iter_mut() {
                let k = f(e.key(), e.word);
                debug_assert_eq!(key_time(k), e.time);
                e.low = k as u64;
            }
        }
    }

    /// All keys, in no particular order.
    pub(crate) fn keys(&mut self) -> Vec<u128> {
        let mut out: Vec<u128> = self.front.keys().to_vec();
        for bucket in &self.buckets {
            out.extend(bucket.iter().map(Entry::key));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::heap::pack;
    use std::collections::BTreeMap;

    #[test]
    fn level_table() {
        assert_eq!(LEVELS, 11);
        assert_eq!(level_of(1, 0), 0);
        assert_eq!(level_of(63, 0), 0);
        assert_eq!(level_of(64, 63), 1);
        assert_eq!(level_of(u64::MAX, 0), 10);
        assert_eq!(std::mem::size_of::<Entry<u32>>(), 24);
    }

    /// Random pushes (times from `now` to far ahead, including huge ones)
    /// interleaved with pops, peeks, rekeys and retains, checked against a
    /// `BTreeMap` of keys.
    #[test]
    fn matches_btreemap() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..20u64 {
            let mut q: Queue<u64> = Queue::with_capacity(0);
            let mut reference: BTreeMap<u128, u64> = BTreeMap::new();
            let mut now = 0u64;
            let mut seq = 0u64;
            for step in 0..20_000u64 {
                let r = next();
                match r % 10 {
                    0..=4 => {
                        let span = match (r >> 8) % 5 {
                            0 => 0,
                            1 => 1 << 4,
                            2 => 1 << 12,
                            3 => 1 << 30,
                            _ => u64::MAX - now,
                        };
                        let d = if span == 0 { 0 } else { next() % span };
                        let k = pack(now.saturating_add(d), (next() % 3) as u16, seq);
                        seq += 1;
                        q.push(k, 0, step);
                        reference.insert(k, step);
                    }
                    5..=7 => {
                        let got = q.pop();
                        let want = reference.pop_first();
                        assert_eq!(got.map(|g| (g.0, g.2)), want, "round {round} step {step}");
                        if let Some((k, _)) = want {
                            now = key_time(k);
                        }
                    }
                    8 => {
                        let got = q.peek().map(|p| p.0);
                        assert_eq!(got, reference.first_key_value().map(|kv| *kv.0));
                    }
                    _ => {
                        if (r >> 8) % 50 == 0 {
                            let m = next() % 7;
                            q.retain(|k, _| (k as u64) % 7 != m);
                            reference.retain(|k, _| (*k as u64) % 7 != m);
                        } else if let Some((&k, &v)) = reference.iter().nth((next() % 8) as usize) {
                            // rekey an entry to a new time >= now
                            let nk = pack(now + next() % 5000, 1, seq);
                            seq += 1;
                            let loc = q.position(|kk, _| kk == k).expect("present");
                            q.rekey(loc, nk);
                            reference.remove(&k);
                            reference.insert(nk, v);
                        }
                    }
                }
                assert_eq!(q.len(), reference.len());
            }
            let mut keys = q.keys();
            keys.sort_unstable();
            assert_eq!(keys, reference.keys().copied().collect::<Vec<_>>());
            while let Some((k, _, v)) = q.pop() {
                assert_eq!(Some((k, v)), reference.pop_first());
            }
            assert!(reference.is_empty());
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256, ..proptest::prelude::ProptestConfig::default()
        })]

        /// Any sequence of pushes (delays of 0 to 63 bits), pops, peeks and
        /// rekeys pops keys in `BTreeMap` order.
        #[test]
        fn prop_matches_btreemap(ops in proptest::collection::vec(
            (0u8..4, 0u32..64, proptest::prelude::any::<u64>(), 0u16..3), 0..500)) {
            let mut q: Queue<u32> = Queue::with_capacity(0);
            let mut reference: BTreeMap<u128, u32> = BTreeMap::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for (i, (op, bits, x, phase)) in ops.into_iter().enumerate() {
                let delay = if bits == 0 { 0 } else { x >> (64 - bits) };
                let t = now.saturating_add(delay);
                match op {
                    0 | 1 => {
                        let k = pack(t, phase, seq);
                        seq += 1;
                        q.push(k, 0, i as u32);
                        reference.insert(k, i as u32);
                    }
                    2 => {
                        let got = q.pop().map(|g| (g.0, g.2));
                        let want = reference.pop_first();
                        proptest::prop_assert_eq!(got, want);
                        if let Some((k, _)) = want {
                            now = key_time(k);
                        }
                    }
                    _ => {
                        proptest::prop_assert_eq!(
                            q.peek().map(|p| p.0),
                            reference.first_key_value().map(|kv| *kv.0)
                        );
                        if let Some((&k, &v)) = reference.iter().nth((x % 5) as usize) {
                            let nk = pack(t, phase, seq);
                            seq += 1;
                            let loc = q.position(|kk, _| kk == k);
                            proptest::prop_assert!(loc.is_some());
                            if let Some(loc) = loc {
                                q.rekey(loc, nk);
                            }
                            reference.remove(&k);
                            reference.insert(nk, v);
                        }
                    }
                }
                proptest::prop_assert_eq!(q.len(), reference.len());
            }
            while let Some((k, _, v)) = q.pop() {
                proptest::prop_assert_eq!(Some((k, v)), reference.pop_first());
            }
            proptest::prop_assert!(reference.is_empty());
        }
    }
}
