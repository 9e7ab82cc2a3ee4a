//! A small deterministic random number generator (SplitMix64).
//!
//! Weight initialisation, node splits and minibatch shuffles draw from this
//! generator under an explicit seed, so training never touches Burn's global
//! device RNG (which is shared between threads and tests).

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014), the generator of `disaster_scenarios::rng`,
/// with what training needs on top: floats, bounded integers, shuffles and
/// per-purpose forks.
#[derive(Debug, Clone)]
pub struct SplitMix64(disaster_scenarios::rng::SplitMix64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(disaster_scenarios::rng::SplitMix64::new(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform float in `[0, 1)` (53 random bits).
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in `0..n` (`n > 0`; Lemire's multiply-shift, bias
    /// below 2^-32 for the sizes used here).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Fisher-Yates shuffle in place.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }

    /// A child generator for a named purpose, so adding draws for one
    /// purpose never shifts another's stream.
    pub fn fork(seed: u64, purpose: &str) -> Self {
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for b in purpose.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01B3);
        }
        let mut g = Self::new(seed ^ h);
        g.next_u64();
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_uniform_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..1000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
        }
        let mut v: Vec<usize> = (0..50).collect();
        SplitMix64::new(1).shuffle(&mut v);
        let mut s = v.clone();
        s.sort_unstable();
        assert_eq!(s, (0..50).collect::<Vec<_>>());
        assert_ne!(v, s, "a shuffle of 50 items left them in order");
        assert_ne!(
            SplitMix64::fork(1, "init").next_u64(),
            SplitMix64::fork(1, "shuffle").next_u64()
        );
    }
}
