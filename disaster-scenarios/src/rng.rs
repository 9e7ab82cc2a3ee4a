//! The source of randomness used by the samplers of this crate.
//!
//! All sampling (damage states, residuals, repair durations) draws from a
//! [`RandomSource`]. In a simulation the source is one of sim-core's named
//! streams, `stream(replica_seed, entity, purpose)`, so that adding an asset
//! does not shift any other asset's draws. The trait keeps this crate's
//! samplers independent of the concrete generator; [`SplitMix64`] is a small
//! self-contained implementation used by tests and benches.

/// A stream of random numbers.
pub trait RandomSource {
    /// A uniform draw in [0, 1).
    fn uniform(&mut self) -> f64;

    /// A standard normal draw. The default uses the Box–Muller transform on
    /// two uniform draws (one of the pair is discarded so that the draw count
    /// per call is fixed, which keeps streams aligned).
    fn standard_normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn uniform(&mut self) -> f64 {
        (**self).uniform()
    }
    fn standard_normal(&mut self) -> f64 {
        (**self).standard_normal()
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast, deterministic
/// generator for tests and benchmarks.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A generator for one (entity, purpose) pair, derived by hashing the
    /// names with FNV-1a, mirroring sim-core's named streams.
    pub fn named(seed: u64, entity: &str, purpose: &str) -> Self {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in entity
            .bytes()
            .chain(std::iter::once(0u8))
            .chain(purpose.bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        let mut s = SplitMix64::new(seed ^ h);
        s.next_u64();
        s
    }
}

impl RandomSource for SplitMix64 {
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// sim-core's named streams are the source used in simulations.
impl RandomSource for sim_core::rng::Stream {
    fn uniform(&mut self) -> f64 {
        sim_core::rng::Stream::uniform(self)
    }
    fn standard_normal(&mut self) -> f64 {
        sim_core::rng::Stream::standard_normal(self)
    }
}
