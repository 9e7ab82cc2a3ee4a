//! Cloud factors: a seeded stochastic model of the clear-sky index.
//!
//! A *cloud factor* is the clear-sky index `k_c = GHI / GHI_clear`: it
//! multiplies the Haurwitz clear-sky GHI before the Erbs split (see
//! [`super::pv::PvSystem::clear_sky_output`]). It may come from data
//! (measured GHI over modelled clear-sky GHI, one value per step) or from
//! the model below.
//!
//! # The model: a two-state Markov chain
//!
//! The sky is *clear* (`k_c = 1`) or *cloudy*. The chain runs in continuous
//! time and is sampled at the simulation's steps: a clear spell lasts an
//! exponential time of mean [`MarkovCloudModel::mean_clear_h`], a cloudy spell
//! one of mean [`MarkovCloudModel::mean_cloudy_h`], so over a step of `dt`
//! hours the sky leaves its state with probability `1 − exp(−dt / mean)`.
//! Each cloudy spell draws its attenuation once, uniformly in
//! [`MarkovCloudModel::cloudy_factor_min`, `cloudy_factor_max`], and keeps it
//! until the spell ends. The first state is drawn from the chain's
//! stationary distribution, so a run can start at any time.
//!
//! This is the structure of Morf's two-state model (H. Morf, "The stochastic
//! two-state solar irradiance model (STSIM)", *Solar Energy* 62(2), 101–112,
//! 1998) reduced to its simplest form; the default durations and
//! attenuation range are illustrative round numbers for a mid-latitude
//! climate, not fitted to any site: fit them to data for a study.
//!
//! # Randomness
//!
//! The model draws from any [`UniformSource`], e.g. a closure over one of
//! sim-core's seeded streams. Each call consumes **exactly two** draws
//! (`start` and every `step`), whatever the state, so the number of draws
//! never depends on the path taken: the same seed gives the same factors,
//! and two runs that differ elsewhere stay aligned draw for draw.

use super::error::{AssetError, check};

/// A source of uniform numbers in [0, 1), e.g. a closure over a `u64`-seeded
/// generator. Values outside [0, 1) (or NaN) are clamped by the model to
/// [0, 1).
pub trait UniformSource {
    /// The next draw, in [0, 1).
    fn next_uniform(&mut self) -> f64;
}

impl<F: FnMut() -> f64> UniformSource for F {
    fn next_uniform(&mut self) -> f64 {
        self()
    }
}

/// The state of the sky.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkyState {
    /// No cloud: factor 1.
    Clear,
    /// Cloudy: factor in [`MarkovCloudModel::cloudy_factor_min`,
    /// `cloudy_factor_max`].
    Cloudy,
}

/// Parameters of the two-state clear/cloudy Markov model (see the module
/// docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MarkovCloudModel {
    /// Mean length of a clear spell, hours. Default 6.
    pub mean_clear_h: f64,
    /// Mean length of a cloudy spell, hours. Default 3.
    pub mean_cloudy_h: f64,
    /// Lowest clear-sky index of a cloudy spell. Default 0.2.
    pub cloudy_factor_min: f64,
    /// Highest clear-sky index of a cloudy spell. Default 0.7.
    pub cloudy_factor_max: f64,
}

impl Default for MarkovCloudModel {
    fn default() -> Self {
        Self {
            mean_clear_h: 6.0,
            mean_cloudy_h: 3.0,
            cloudy_factor_min: 0.2,
            cloudy_factor_max: 0.7,
        }
    }
}

impl MarkovCloudModel {
    /// Checks the parameters: mean durations in (0, 10⁶] h, factors in
    /// [0, 1] with min ≤ max.
    pub fn validate(&self) -> Result<(), AssetError> {
        check("mean_clear_h", self.mean_clear_h, 1e-9, 1e6)?;
        check("mean_cloudy_h", self.mean_cloudy_h, 1e-9, 1e6)?;
        check("cloudy_factor_min", self.cloudy_factor_min, 0.0, 1.0)?;
        check(
            "cloudy_factor_max",
            self.cloudy_factor_max,
            self.cloudy_factor_min,
            1.0,
        )
    }

    /// Long-run fraction of time the sky is cloudy:
    /// `mean_cloudy / (mean_clear + mean_cloudy)`.
    #[must_use]
    pub fn cloudy_fraction(&self) -> f64 {
        self.mean_cloudy_h / (self.mean_clear_h + self.mean_cloudy_h)
    }

    /// Starts a process in a state drawn from the stationary distribution
    /// (two draws).
    pub fn start<U: UniformSource + ?Sized>(&self, rng: &mut U) -> CloudProcess {
        let u_state = unit(rng.next_uniform());
        let u_factor = unit(rng.next_uniform());
        let mut p = CloudProcess {
            model: *self,
            state: SkyState::Clear,
            factor: 1.0,
        };
        if u_state < self.cloudy_fraction() {
            p.enter_cloudy(u_factor);
        }
        p
    }

    /// `n` successive factors at steps of `dt_s` seconds: the start factor,
    /// then `n − 1` steps (2·n draws in all).
    pub fn factors<U: UniformSource + ?Sized>(&self, n: usize, dt_s: f64, rng: &mut U) -> Vec<f64> {
        let mut out = Vec::with_capacity(n);
        if n == 0 {
            return out;
        }
        let mut p = self.start(rng);
        out.push(p.factor());
        for _ in 1..n {
            out.push(p.step(dt_s, rng));
        }
        out
    }
}

/// A running cloud process: the current state and factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloudProcess {
    model: MarkovCloudModel,
    state: SkyState,
    factor: f64,
}

impl CloudProcess {
    /// The current sky state.
    #[must_use]
    pub fn state(&self) -> SkyState {
        self.state
    }

    /// The current cloud factor (clear-sky index).
    #[must_use]
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// Advances by `dt_s` seconds (two draws) and returns the new factor.
    /// A non-positive or NaN `dt_s` keeps the state (the draws are still
    /// consumed).
    pub fn step<U: UniformSource + ?Sized>(&mut self, dt_s: f64, rng: &mut U) -> f64 {
        let u_switch = unit(rng.next_uniform());
        let u_factor = unit(rng.next_uniform());
        let dt_h = if dt_s > 0.0 { dt_s / 3600.0 } else { 0.0 };
        let mean = match self.state {
            SkyState::Clear => self.model.mean_clear_h,
            SkyState::Cloudy => self.model.mean_cloudy_h,
        };
        let p_leave = 1.0 - (-dt_h / mean).exp();
        if u_switch < p_leave {
            match self.state {
                SkyState::Clear => self.enter_cloudy(u_factor),
                SkyState::Cloudy => {
                    self.state = SkyState::Clear;
                    self.factor = 1.0;
                }
            }
        }
        self.factor
    }

    fn enter_cloudy(&mut self, u: f64) {
        let m = &self.model;
        self.state = SkyState::Cloudy;
        self.factor = m.cloudy_factor_min + (m.cloudy_factor_max - m.cloudy_factor_min) * u;
    }
}

/// Clamps a draw into [0, 1); NaN becomes 0.
fn unit(u: f64) -> f64 {
    if u >= 0.0 {
        u.min(1.0 - f64::EPSILON / 2.0)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64 (S. Vigna, public domain) as a `u64`-seeded U[0, 1)
    /// source, standing in for a sim-core stream.
    fn splitmix(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed;
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    #[test]
    fn same_seed_same_factors() {
        let m = MarkovCloudModel::default();
        let a = m.factors(10_000, 900.0, &mut splitmix(42));
        let b = m.factors(10_000, 900.0, &mut splitmix(42));
        let c = m.factors(10_000, 900.0, &mut splitmix(43));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|&f| f == 1.0 || (0.2..=0.7).contains(&f)));
    }

    #[test]
    fn draws_per_step_do_not_depend_on_the_path() {
        let m = MarkovCloudModel::default();
        let mut count = 0_u64;
        let mut inner = splitmix(7);
        let mut counting = || {
            count += 1;
            inner()
        };
        let _ = m.factors(1000, 900.0, &mut counting);
        assert_eq!(count, 2000);
    }

    #[test]
    fn long_run_cloudy_fraction_and_spell_length() {
        let m = MarkovCloudModel::default();
        let n = 400_000;
        let f = m.factors(n, 900.0, &mut splitmix(2026));
        let cloudy = f.iter().filter(|&&x| x < 1.0).count() as f64 / n as f64;
        assert!((cloudy - m.cloudy_fraction()).abs() < 0.02, "{cloudy}");
        // Mean cloudy spell ≈ 3 h = 12 steps of 15 min (discretisation
        // makes it 1 / (1 − e^{−0.25/3}) ≈ 12.5 steps).
        let spells = f.windows(2).filter(|w| w[0] == 1.0 && w[1] < 1.0).count() as f64;
        let mean_len = f.iter().filter(|&&x| x < 1.0).count() as f64 / spells;
        assert!((mean_len - 12.5).abs() < 0.7, "{mean_len}");
    }

    #[test]
    fn validation_and_bad_draws() {
        assert!(MarkovCloudModel::default().validate().is_ok());
        let bad = MarkovCloudModel {
            cloudy_factor_min: 0.8,
            cloudy_factor_max: 0.5,
            ..MarkovCloudModel::default()
        };
        assert!(bad.validate().is_err());
        // NaN and out-of-range draws do not panic and stay in range.
        let mut weird = [f64::NAN, 2.0, -1.0, 1.0].into_iter().cycle();
        let f =
            MarkovCloudModel::default().factors(100, 3600.0, &mut || weird.next().unwrap_or(0.0));
        assert!(f.iter().all(|&x| (0.2..=1.0).contains(&x)));
    }
}
