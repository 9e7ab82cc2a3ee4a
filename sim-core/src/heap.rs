//! A 4-ary min-heap of events keyed by packed 128-bit keys (internal).
//!
//! Keys are `(time << 64) | (phase << 48) | seq`, one `u128`, so the order
//! is exactly (time, phase, insertion sequence). Keys live in their own
//! array (16 bytes each, four siblings in one cache line or two) and move by
//! copying; payloads live in a parallel array and are swapped in lockstep.
//! Four children per node halve the depth of a binary heap.

/// Bits of the insertion sequence in the low key word.
pub(crate) const SEQ_BITS: u32 = 48;
/// Mask of the insertion sequence.
pub(crate) const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
/// Marks a periodic process in the slot word.
pub(crate) const PERIODIC_BIT: u32 = 1 << 31;

/// The packed key of (time, phase, seq).
#[inline(always)]
pub(crate) fn pack(time: u64, phase: u16, seq: u64) -> u128 {
    (u128::from(time) << 64) | u128::from((u64::from(phase) << SEQ_BITS) | (seq & SEQ_MASK))
}

#[inline(always)]
pub(crate) fn key_time(k: u128) -> u64 {
    (k >> 64) as u64
}

#[inline(always)]
pub(crate) fn key_phase(k: u128) -> u16 {
    ((k as u64) >> SEQ_BITS) as u16
}

#[inline(always)]
pub(crate) fn key_seq(k: u128) -> u64 {
    (k as u64) & SEQ_MASK
}

#[derive(Clone, Debug)]
pub(crate) struct Heap<E> {
    keys: Vec<u128>,
    /// (slot word, payload), in the same order as `keys`.
    vals: Vec<(u32, E)>,
    /// The root may be out of order: `pop` moved the last entry there and
    /// deferred its sift-down. A following `push` puts the last entry back
    /// at the end and sifts the new entry down from the root instead (one
    /// sift instead of two); any other operation sifts first (`settle`).
    dirty: bool,
}

impl<E> Heap<E> {
    pub(crate) fn with_capacity(n: usize) -> Self {
        Heap {
            keys: Vec::with_capacity(n),
            vals: Vec::with_capacity(n),
            dirty: false,
        }
    }

    /// Restores the heap property at the root after a deferred pop.
    #[inline(always)]
    fn settle(&mut self) {
        if self.dirty {
            self.dirty = false;
            self.sift_down(0);
        }
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the heap is empty.
    #[inline(always)]
    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Removes the entry at storage index `i` and restores the heap.
    pub(crate) fn remove(&mut self, i: usize) -> Option<(u128, u32, E)> {
        self.settle();
        let n = self.keys.len();
        if i >= n {
            return None;
        }
        self.keys.swap(i, n - 1);
        self.vals.swap(i, n - 1);
        let k = self.keys.pop()?;
        let (s, e) = self.vals.pop()?;
        if i < n - 1 {
            let j = self.sift_up(i);
            self.sift_down(j);
        }
        Some((k, s, e))
    }

    /// Key and slot word of the smallest entry.
    #[inline(always)]
    pub(crate) fn peek(&mut self) -> Option<(u128, u32)> {
        self.settle();
        match (self.keys.first(), self.vals.first()) {
            (Some(k), Some(v)) => Some((*k, v.0)),
            _ => None,
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, key: u128, slot: u32, event: E) {
        if self.dirty {
            self.dirty = false;
            if let (Some(k0), Some(v0)) = (self.keys.first_mut(), self.vals.first_mut()) {
                // The root holds the entry `pop` took from the end: put it
                // back there (its old place, valid below its old parent) and
                // let the new entry take the root.
                let old_key = std::mem::replace(k0, key);
                let old_val = std::mem::replace(v0, (slot, event));
                self.keys.push(old_key);
                self.vals.push(old_val);
                self.sift_down(0);
                return;
            }
            self.keys.push(key);
            self.vals.push((slot, event));
            return;
        }
        self.keys.push(key);
        self.vals.push((slot, event));
        let i = self.keys.len() - 1;
        self.sift_up(i);
    }

    /// Removes the smallest entry: (key, slot word, payload).
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<(u128, u32, E)> {
        self.settle();
        let last_key = self.keys.pop()?;
        let last_val = self.vals.pop()?;
        match (self.keys.first_mut(), self.vals.first_mut()) {
            (Some(k0), Some(v0)) => {
                let top_key = std::mem::replace(k0, last_key);
                let (slot, ev) = std::mem::replace(v0, last_val);
                self.dirty = true;
                Some((top_key, slot, ev))
            }
            _ => Some((last_key, last_val.0, last_val.1)),
        }
    }

    /// Keeps the entries for which `keep(key, slot word)` is true and
    /// restores the heap.
    pub(crate) fn retain<F: FnMut(u128, u32) -> bool>(&mut self, mut keep: F) {
        self.settle();
        let n = self.keys.len();
        let mut w = 0;
        for i in 0..n {
            let k = self.keys[i];
            if keep(k, self.vals[i].0) {
                self.keys[w] = k;
                self.vals.swap(w, i);
                w += 1;
            }
        }
        self.keys.truncate(w);
        self.vals.truncate(w);
        self.heapify();
    }

    fn heapify(&mut self) {
        let n = self.keys.len();
        if n > 1 {
            for i in (0..=(n - 2) / 4).rev() {
                self.sift_down(i);
            }
        }
    }

    /// Index of the first entry (in storage order) matching `f(key, slot)`.
    pub(crate) fn position<F: FnMut(u128, u32) -> bool>(&mut self, mut f: F) -> Option<usize> {
        self.settle();
        self.keys
            .iter()
            .zip(self.vals.iter())
            .position(|(k, v)| f(*k, v.0))
    }

    /// Rewrites every key with `f(key, slot)`; `f` must keep the relative
    /// order of keys (the heap is not restored).
    pub(crate) fn map_keys<F: FnMut(u128, u32) -> u128>(&mut self, mut f: F) {
        self.settle();
        for (k, v) in self.keys.iter_mut().zip(self.vals.iter()) {
            *k = f(*k, v.0);
        }
    }

    /// All keys, in storage order.
    pub(crate) fn keys(&mut self) -> &[u128] {
        self.settle();
        &self.keys
    }

    #[inline(always)]
    fn sift_up(&mut self, mut i: usize) -> usize {
        let keys = &mut self.keys[..];
        let vals = &mut self.vals[..];
        let Some(&xk) = keys.get(i) else { return i };
        while i > 0 {
            let p = (i - 1) / 4;
            let pk = keys[p];
            if pk <= xk {
                break;
            }
            keys[i] = pk;
            vals.swap(i, p);
            i = p;
        }
        keys[i] = xk;
        i
    }

    #[inline(always)]
    fn sift_down(&mut self, mut hole: usize) {
        let keys = &mut self.keys[..];
        let vals = &mut self.vals[..];
        let n = keys.len();
        let Some(&xk) = keys.get(hole) else { return };
        loop {
            let c = 4 * hole + 1;
            if c + 3 < n {
                let k0 = keys[c];
                let k1 = keys[c + 1];
                let k2 = keys[c + 2];
                let k3 = keys[c + 3];
                let (m01, k01) = if k1 < k0 { (c + 1, k1) } else { (c, k0) };
                let (m23, k23) = if k3 < k2 { (c + 3, k3) } else { (c + 2, k2) };
                let (m, km) = if k23 < k01 { (m23, k23) } else { (m01, k01) };
                if km >= xk {
                    break;
                }
                keys[hole] = km;
                vals.swap(hole, m);
                hole = m;
            } else {
                if c < n {
                    let mut m = c;
                    let mut km = keys[c];
                    for (j, &k) in keys.iter().enumerate().skip(c + 1) {
                        if k < km {
                            m = j;
                            km = k;
                        }
                    }
                    if km < xk {
                        keys[hole] = km;
                        vals.swap(hole, m);
                        hole = m;
                    }
                }
                break;
            }
        }
        keys[hole] = xk;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_sorts_and_removes() {
        let mut h = Heap::with_capacity(0);
        let mut x = 12345u64;
        let mut all = Vec::new();
        for i in 0..3000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let k = pack(x % 100, (x % 3) as u16, i);
            all.push((k, i));
            h.push(k, i as u32, i);
            if i % 5 == 0 {
                let (_, _, ev) = h.pop().expect("non-empty");
                all.retain(|a| a.1 != ev);
            }
        }
        // move one entry far forward and one far back
        for (slot, t) in [(7u32, 0u64), (11, 10_000)] {
            if let Some(i) = h.position(|_, s| s == slot) {
                let k = pack(t, 0, 1_000_000 + u64::from(slot));
                let (_, s, e) = h.remove(i).expect("present");
                h.push(k, s, e);
                for a in all.iter_mut() {
                    if a.1 == u64::from(slot) {
                        a.0 = k;
                    }
                }
            }
        }
        h.retain(|_, s| s % 7 != 3);
        all.retain(|a| a.1 % 7 != 3);
        all.sort();
        let mut out = Vec::new();
        while let Some((k, _, ev)) = h.pop() {
            out.push((k, ev));
        }
        assert_eq!(out, all);
        let k = pack(5, 7, 9);
        assert_eq!((key_time(k), key_phase(k), key_seq(k)), (5, 7, 9));
    }
}
