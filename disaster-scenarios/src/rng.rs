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

pub use sim_core::rng::SplitMix64;

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
