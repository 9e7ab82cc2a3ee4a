//! A small deterministic random number generator (SplitMix64), for weight
//! initialisation, node splits and minibatch shuffles under an explicit
//! seed, so training never touches Burn's global device RNG (which is shared
//! between threads and tests). It is sim-core's [`sim_core::rng::SplitMix64`]
//! (one generator family for the workspace).

pub use sim_core::rng::SplitMix64;

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
