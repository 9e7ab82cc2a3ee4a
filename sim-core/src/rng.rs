//! Named random streams.
//!
//! Every random draw in a simulation comes from a [`Stream`] obtained with
//! [`stream(seed, entity, purpose)`](stream). The stream's ChaCha12 key is a
//! fixed hash of the three arguments, so a stream depends on nothing else:
//! adding an entity, a purpose, a replica or a thread never shifts another
//! stream's draws. There is no global generator.
//!
//! # Key derivation (version 1, fixed)
//!
//! Let `M` be the byte string
//!
//! ```text
//! M = le64(seed) || le64(len(entity)) || utf8(entity) || le64(len(purpose)) || utf8(purpose)
//! ```
//!
//! where `le64` is the 8-byte little-endian encoding and `len` counts UTF-8
//! bytes. The 32-byte ChaCha key is `le64(w0) || le64(w1) || le64(w2) || le64(w3)`
//! with `wi = SipHash-2-4(k0 = STREAM_KEYS[i].0, k1 = STREAM_KEYS[i].1, M)`
//! (SipHash as specified by Aumasson and Bernstein, 2012, with the constants
//! in [`STREAM_KEYS`]). The generator is `rand_chacha::ChaCha12Rng` with that
//! key, stream id 0 and word position 0. The hash is implemented here over
//! explicit bytes: it does not depend on `std`'s `DefaultHasher`, the Rust
//! version, the platform's endianness or pointer width.
//!
//! Replica seeds come from [`replica_seed`] the same way.
//!
//! # Portable draws
//!
//! [`Stream::uniform`], [`Stream::below`], [`Stream::exponential`],
//! [`Stream::standard_exponential`] (a ziggurat whose tables are computed at
//! compile time with the same operations) and
//! [`Stream::standard_normal`] are defined in this module with only IEEE-754
//! `+ - * /` and `sqrt` (correctly rounded everywhere) and a logarithm ported
//! from fdlibm that uses only those operations. Their results are therefore
//! bit-identical on every platform with IEEE-754 binary64 arithmetic,
//! independent of the C library. Draws through `rand`'s own distributions
//! (`RngExt::random_range`, `rand::distr::*`) are deterministic too, but
//! their algorithms belong to the `rand` version in `Cargo.lock`.

use rand::{SeedableRng, TryRng};
use rand_chacha::ChaCha12Rng;
use std::convert::Infallible;

/// The four fixed SipHash key pairs used to derive a stream's 256-bit key.
/// (`k0`, `k1`) for the words `w0..w3`; part of the determinism contract.
pub const STREAM_KEYS: [(u64, u64); 4] = [
    (0x626c_6163_6b73_7461, 0x7274_2d73_7472_6d30), // "blacksta" "rt-strm0"
    (0x626c_6163_6b73_7461, 0x7274_2d73_7472_6d31), // "blacksta" "rt-strm1"
    (0x626c_6163_6b73_7461, 0x7274_2d73_7472_6d32), // "blacksta" "rt-strm2"
    (0x626c_6163_6b73_7461, 0x7274_2d73_7472_6d33), // "blacksta" "rt-strm3"
];

/// The fixed SipHash key pair used by [`replica_seed`].
pub const REPLICA_KEY: (u64, u64) = (0x626c_6163_6b73_7461, 0x7274_2d72_6570_6c69); // "blacksta" "rt-repli"

/// SipHash-2-4 of `msg` under the 128-bit key (`k0`, `k1`).
///
/// A fixed, documented, platform-independent function (the reference
/// algorithm; it agrees with the test vectors of the SipHash paper).
pub fn siphash24(k0: u64, k1: u64, msg: &[u8]) -> u64 {
    let mut v0 = k0 ^ 0x736f_6d65_7073_6575;
    let mut v1 = k1 ^ 0x646f_7261_6e64_6f6d;
    let mut v2 = k0 ^ 0x6c79_6765_6e65_7261;
    let mut v3 = k1 ^ 0x7465_6462_7974_6573;

    #[inline(always)]
    fn round(v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64) {
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13);
        *v1 ^= *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16);
        *v3 ^= *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21);
        *v3 ^= *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17);
        *v1 ^= *v2;
        *v2 = v2.rotate_left(32);
    }

    let mut chunks = msg.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let m = u64::from_le_bytes(w);
        v3 ^= m;
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        v0 ^= m;
    }
    let rest = chunks.remainder();
    let mut last = [0u8; 8];
    last[..rest.len()].copy_from_slice(rest);
    last[7] = msg.len() as u8; // length mod 256, as the specification says
    let b = u64::from_le_bytes(last);
    v3 ^= b;
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    v0 ^= b;
    v2 ^= 0xff;
    for _ in 0..4 {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    v0 ^ v1 ^ v2 ^ v3
}

fn push_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u64).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

/// The 32-byte ChaCha12 key of `stream(seed, entity, purpose)` (see the
/// [module docs](self) for the exact definition).
pub fn stream_key(seed: u64, entity: &str, purpose: &str) -> [u8; 32] {
    let mut msg = Vec::with_capacity(24 + entity.len() + purpose.len());
    msg.extend_from_slice(&seed.to_le_bytes());
    push_str(&mut msg, entity);
    push_str(&mut msg, purpose);
    let mut key = [0u8; 32];
    for (i, (k0, k1)) in STREAM_KEYS.iter().enumerate() {
        key[i * 8..i * 8 + 8].copy_from_slice(&siphash24(*k0, *k1, &msg).to_le_bytes());
    }
    key
}

/// The named random stream for (`seed`, `entity`, `purpose`).
///
/// `seed` is normally a replica seed (see [`replica_seed`]); `entity` names
/// the thing that draws (an asset id, `"lp/17"`, ...); `purpose` names what
/// the draws are for (`"damage"`, `"repair-time"`, ...). Two calls with the
/// same arguments give streams with identical output; different arguments
/// give independent streams.
///
/// ```
/// use sim_core::rng::stream;
/// let mut a = stream(42, "line-7", "damage");
/// let mut b = stream(42, "line-7", "damage");
/// assert_eq!(a.uniform(), b.uniform());
/// ```
pub fn stream(seed: u64, entity: &str, purpose: &str) -> Stream {
    Stream {
        inner: ChaCha12Rng::from_seed(stream_key(seed, entity, purpose)),
    }
}

/// The seed of replica `replica` of a run with master seed `seed`:
/// `SipHash-2-4(REPLICA_KEY, le64(seed) || le64(replica))`.
pub fn replica_seed(seed: u64, replica: u64) -> u64 {
    let mut msg = [0u8; 16];
    msg[..8].copy_from_slice(&seed.to_le_bytes());
    msg[8..].copy_from_slice(&replica.to_le_bytes());
    siphash24(REPLICA_KEY.0, REPLICA_KEY.1, &msg)
}

/// A factory for the streams of one seed (sugar for [`stream`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Streams {
    seed: u64,
}

impl Streams {
    /// Streams derived from `seed`.
    pub const fn new(seed: u64) -> Self {
        Streams { seed }
    }

    /// The seed.
    pub const fn seed(&self) -> u64 {
        self.seed
    }

    /// `stream(self.seed(), entity, purpose)`.
    pub fn get(&self, entity: &str, purpose: &str) -> Stream {
        stream(self.seed, entity, purpose)
    }
}

/// A seeded ChaCha12 random number generator with portable draw methods.
///
/// It implements `rand` 0.10's [`TryRng`] with `Error = Infallible`, hence
/// [`rand::Rng`] and [`rand::RngExt`], so it works with every `rand`
/// distribution.
#[derive(Clone, Debug)]
pub struct Stream {
    inner: ChaCha12Rng,
}

impl Stream {
    /// The next 64 random bits.
    #[inline]
    pub fn next_bits(&mut self) -> u64 {
        match self.inner.try_next_u64() {
            Ok(v) => v,
        }
    }

    /// A uniform `f64` in `[0, 1)`: the top 53 bits of the next `u64` times
    /// 2^-53.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_bits() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform `f64` in `[low, high)` (`low + (high - low) * uniform()`).
    #[inline]
    pub fn uniform_range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// A uniform integer in `0..n`, without bias (Lemire's multiply-shift
    /// with rejection on the 128-bit product). Returns 0 when `n == 0`.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let mut m = u128::from(self.next_bits()) * u128::from(n);
        let mut low = m as u64;
        if low < n {
            let threshold = n.wrapping_neg() % n;
            while low < threshold {
                m = u128::from(self.next_bits()) * u128::from(n);
                low = m as u64;
            }
        }
        (m >> 64) as u64
    }

    /// `true` with probability `p` (`uniform() < p`).
    #[inline]
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// An exponential variate with the given rate (mean `1 / rate`):
    /// `-ln(1 - uniform()) / rate`.
    ///
    /// `rate` must be positive and finite. A rate of zero gives `+inf`; a
    /// negative or NaN rate gives a non-positive or NaN value (never a
    /// panic).
    #[inline]
    pub fn exponential(&mut self, rate: f64) -> f64 {
        -ln(1.0 - self.uniform()) / rate
    }

    /// A standard exponential variate (mean 1) by the ziggurat method of
    /// Marsaglia and Tsang (G. Marsaglia, W. W. Tsang, "The Ziggurat Method
    /// for Generating Random Variables", *Journal of Statistical Software*
    /// 5(8), 2000), with 256 layers, `R = 7.697117470131487` and layer area
    /// `V = 3.949659822581572e-3` as in the paper.
    ///
    /// Each attempt takes one 64-bit draw: the low 8 bits pick layer `i`,
    /// the top 53 bits give `u` in `[0, 1)` and `x = u * X[i]`; `x` is
    /// returned if `x < X[i + 1]` (about 98.9% of draws). Otherwise layer 0
    /// continues in the tail (`R` plus a fresh standard exponential, by the
    /// memoryless property) and the other layers test the wedge with a
    /// second draw `y`: accept if `x < -ln(F[i] + y (F[i+1] - F[i]))`
    /// (equivalent to `y' < exp(-x)`), else retry.
    ///
    /// The tables `X` and `F` are computed at compile time from `R` and `V`
    /// with the portable [`ln`] and `+ - * /` only (`F[1] = V / (R + 1)`,
    /// `F[i+1] = F[i] + V / X[i]`, `X[i+1] = -ln(F[i+1])`), and sampling
    /// uses the same operations, so the result is bit-identical on every
    /// IEEE-754 platform. Unlike [`exponential`](Self::exponential) it is
    /// not an inverse-CDF transform (not monotone in the draw, and it may
    /// consume more than one draw), but it is several times faster.
    #[inline]
    pub fn standard_exponential(&mut self) -> f64 {
        let mut offset = 0.0;
        loop {
            let bits = self.next_bits();
            let i = (bits & 0xff) as usize;
            let x = (bits >> 11) as f64 * ZIG_EXP.w[i];
            if x < ZIG_EXP.x[i + 1] {
                return offset + x;
            }
            if i == 0 {
                offset += ZIG_EXP_R;
                continue;
            }
            let y = ZIG_EXP.f[i] + self.uniform() * (ZIG_EXP.f[i + 1] - ZIG_EXP.f[i]);
            if x < -ln(y) {
                return offset + x;
            }
        }
    }

    /// A standard normal variate (mean 0, variance 1) by Marsaglia's polar
    /// method; the second variate of each pair is discarded so that the
    /// stream carries no hidden state.
    #[inline]
    pub fn standard_normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s < 1.0 && s > 0.0 {
                return u * (-2.0 * ln(s) / s).sqrt();
            }
        }
    }

    /// A normal variate with the given mean and standard deviation.
    #[inline]
    pub fn normal(&mut self, mean: f64, std_dev: f64) -> f64 {
        mean + std_dev * self.standard_normal()
    }

    /// A lognormal variate: `exp(mu + sigma * standard_normal())`.
    ///
    /// Note: this uses `f64::exp` from the platform's math library, so it is
    /// identical across runs and thread counts on one platform but not
    /// guaranteed bit-identical across platforms (see `DETERMINISM.md`).
    #[inline]
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.standard_normal()).exp()
    }
}

impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.inner.try_next_u32()
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.inner.try_next_u64()
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.inner.try_fill_bytes(dst)
    }
}

impl SeedableRng for Stream {
    type Seed = [u8; 32];

    /// A stream keyed directly with a 32-byte ChaCha12 key.
    fn from_seed(seed: [u8; 32]) -> Self {
        Stream {
            inner: ChaCha12Rng::from_seed(seed),
        }
    }
}

/// `R` of the exponential ziggurat (start of the tail), Marsaglia and Tsang (2000).
const ZIG_EXP_R: f64 = 7.697117470131487;
/// Area of each layer of the exponential ziggurat, Marsaglia and Tsang (2000).
const ZIG_EXP_V: f64 = 3.949659822581572e-3;

/// Tables of the exponential ziggurat (see [`Stream::standard_exponential`]).
struct ZigTables {
    /// Layer `i` spans `[0, x[i]]`; `x[0] = V / f(R)`, `x[1] = R`, `x[256] = 0`.
    x: [f64; 257],
    /// `f[i] = exp(-x[i])` for `i >= 1` (`f[256] = 1`; `f[0]` unused).
    f: [f64; 257],
    /// `w[i] = x[i] * 2^-53`: scales 53 random bits to `[0, x[i])` exactly.
    w: [f64; 256],
}

const fn zig_exp_tables() -> ZigTables {
    let mut t = ZigTables {
        x: [0.0; 257],
        f: [0.0; 257],
        w: [0.0; 256],
    };
    let fr = ZIG_EXP_V / (ZIG_EXP_R + 1.0);
    t.x[0] = ZIG_EXP_V / fr;
    t.x[1] = ZIG_EXP_R;
    t.f[1] = fr;
    let mut i = 1;
    while i < 255 {
        t.f[i + 1] = t.f[i] + ZIG_EXP_V / t.x[i];
        t.x[i + 1] = -ln(t.f[i + 1]);
        i += 1;
    }
    t.x[256] = 0.0;
    t.f[256] = 1.0;
    let mut j = 0;
    while j < 256 {
        t.w[j] = t.x[j] * (1.0 / 9_007_199_254_740_992.0);
        j += 1;
    }
    t
}

/// Computed at compile time (IEEE-754 constant evaluation, the same on every
/// host and target).
static ZIG_EXP: ZigTables = zig_exp_tables();

/// Natural logarithm using only IEEE-754 `+ - * /` (a port of fdlibm's
/// `__ieee754_log`, as in FreeBSD and musl), so its result is the same on
/// every platform. Error below 1 ulp.
///
/// `ln(0) = -inf`, `ln(negative) = NaN`, `ln(+inf) = +inf`, `ln(NaN) = NaN`.
pub const fn ln(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe62e42_fee00000);
    const LN2_LO: f64 = f64::from_bits(0x3dea39ef_35793c76);
    const LG1: f64 = f64::from_bits(0x3fe55555_55555593);
    const LG2: f64 = f64::from_bits(0x3fd99999_9997fa04);
    const LG3: f64 = f64::from_bits(0x3fd24924_94229359);
    const LG4: f64 = f64::from_bits(0x3fcc71c5_1d8e78af);
    const LG5: f64 = f64::from_bits(0x3fc74664_96cb03de);
    const LG6: f64 = f64::from_bits(0x3fc39a09_d078c69f);
    const LG7: f64 = f64::from_bits(0x3fc2f112_df3e5244);

    let mut x = x;
    let mut ui = x.to_bits();
    let mut hx = (ui >> 32) as u32;
    let mut k: i32 = 0;
    if hx < 0x0010_0000 || (hx >> 31) != 0 {
        if ui << 1 == 0 {
            return f64::NEG_INFINITY; // ln(+-0)
        }
        if hx >> 31 != 0 {
            return f64::NAN; // ln(negative)
        }
        // subnormal: scale up by 2^54
        k -= 54;
        x *= f64::from_bits(0x4350_0000_0000_0000);
        ui = x.to_bits();
        hx = (ui >> 32) as u32;
    } else if hx >= 0x7ff0_0000 {
        return x; // inf or NaN
    } else if hx == 0x3ff0_0000 && ui << 32 == 0 {
        return 0.0;
    }

    // reduce x into [sqrt(2)/2, sqrt(2)]
    hx = hx.wrapping_add(0x3ff0_0000 - 0x3fe6_a09e);
    k += (hx >> 20) as i32 - 0x3ff;
    hx = (hx & 0x000f_ffff) + 0x3fe6_a09e;
    ui = ((hx as u64) << 32) | (ui & 0xffff_ffff);
    x = f64::from_bits(ui);

    let f = x - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let dk = k as f64;
    s * (hfsq + r) + dk * LN2_LO - hfsq + f + dk * LN2_HI
}

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): a tiny, fast, deterministic generator for
/// what does not need a named stream's independence guarantees: the
/// samplers' tests and benches (`disaster_scenarios::rng`) and the GNN's
/// weight initialisation, node splits and shuffles (`gnn::rng`). Simulations
/// draw from [`stream`].
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
    #[allow(deprecated)]
    fn siphash_matches_reference() {
        use std::hash::Hasher;
        // Paper test vectors: key 00..0f, messages 00, 00 01, ...
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(siphash24(k0, k1, &[]), 0x726f_db47_dd0e_0e31);
        let msg: Vec<u8> = (0u8..15).collect();
        assert_eq!(siphash24(k0, k1, &msg), 0xa129_ca61_49be_45e5);
        // And std's (deprecated, but still SipHash-2-4) implementation.
        let long: Vec<u8> = (0u8..=200).collect();
        for n in 0..long.len() {
            let mut h = std::hash::SipHasher::new_with_keys(k0, k1);
            h.write(&long[..n]);
            assert_eq!(siphash24(k0, k1, &long[..n]), h.finish(), "len {n}");
        }
    }

    #[test]
    fn ln_matches_libm() {
        let mut s = stream(1, "test", "ln");
        for _ in 0..200_000 {
            let x = s.uniform() * 10f64.powi((s.below(40) as i32) - 20);
            if x == 0.0 {
                continue;
            }
            let a = ln(x);
            let b = x.ln();
            let ulp = (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
            assert!((a - b).abs() <= ulp, "ln({x}) = {a} vs {b}");
        }
        for x in [1.0, 2.0, 0.5, f64::MIN_POSITIVE, 5e-324, 1e-310, f64::MAX] {
            let ulp = (x.ln().abs() * f64::EPSILON).max(f64::MIN_POSITIVE);
            assert!((ln(x) - x.ln()).abs() <= ulp, "{x}");
        }
        assert_eq!(ln(1.0), 0.0);
        assert_eq!(ln(0.0), f64::NEG_INFINITY);
        assert!(ln(-1.0).is_nan());
        assert!(ln(f64::NAN).is_nan());
        assert_eq!(ln(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn key_derivation_is_pinned() {
        // Golden values: changing them breaks the determinism contract.
        let mut s = stream(42, "lp/0", "phold");
        let first = s.next_bits();
        let mut again = stream(42, "lp/0", "phold");
        assert_eq!(first, again.next_bits());
        assert_ne!(stream(42, "lp/0", "phold2").next_bits(), first);
        assert_ne!(stream(43, "lp/0", "phold").next_bits(), first);
        // length prefix: ("ab","c") differs from ("a","bc")
        assert_ne!(stream_key(1, "ab", "c"), stream_key(1, "a", "bc"));
    }

    #[test]
    fn draws_in_range_and_moments() {
        let mut s = stream(7, "x", "moments");
        let n = 200_000;
        let (mut su, mut se, mut sn, mut sn2) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
            su += u;
            let e = s.exponential(2.0);
            assert!(e >= 0.0 && e.is_finite());
            se += e;
            let z = s.standard_normal();
            sn += z;
            sn2 += z * z;
            assert!(s.below(7) < 7);
        }
        let nf = f64::from(n);
        assert!((su / nf - 0.5).abs() < 0.01);
        assert!((se / nf - 0.5).abs() < 0.01);
        assert!((sn / nf).abs() < 0.01);
        assert!((sn2 / nf - 1.0).abs() < 0.02);
        assert_eq!(s.below(0), 0);
        assert_eq!(s.below(1), 0);
        assert_eq!(s.exponential(0.0), f64::INFINITY);
    }

    #[test]
    fn ziggurat_tables_and_distribution() {
        let t = &ZIG_EXP;
        // The recursion closes: the top layer [0, x[255]] reaches f = 1.
        assert!(t.x[255] > 0.06 && t.x[255] < 0.07, "x[255] = {}", t.x[255]);
        let top = t.f[255] + ZIG_EXP_V / t.x[255];
        assert!((top - 1.0).abs() < 1e-9, "top = {top}");
        for i in 1..256 {
            assert!(t.x[i + 1] < t.x[i]);
            let e = (-t.x[i]).exp();
            assert!((t.f[i] - e).abs() <= 1e-12 * e.max(1e-3), "f[{i}]");
        }
        // Constant evaluation gives the same bits as the same code at run
        // time (IEEE-754 arithmetic in both).
        let run_time = std::hint::black_box(zig_exp_tables as fn() -> ZigTables)();
        for i in 0..257 {
            assert_eq!(run_time.x[i].to_bits(), t.x[i].to_bits(), "x[{i}]");
            assert_eq!(run_time.f[i].to_bits(), t.f[i].to_bits(), "f[{i}]");
        }
        for i in 0..256 {
            assert_eq!(run_time.w[i].to_bits(), t.w[i].to_bits(), "w[{i}]");
        }
        // Moments and the CDF at a few points (n = 10^6: the standard
        // error of a proportion is below 5e-4), including the tail beyond
        // R and the wedges.
        let mut s = stream(11, "x", "ziggurat");
        let n = 1_000_000;
        let points = [0.01, 0.1, 0.5, 1.0, 2.0, 4.0, 7.0, 7.7, 9.0];
        let mut below = [0u32; 9];
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..n {
            let e = s.standard_exponential();
            assert!(e >= 0.0 && e.is_finite());
            sum += e;
            sum2 += e * e;
            for (c, p) in below.iter_mut().zip(points) {
                if e < p {
                    *c += 1;
                }
            }
        }
        let nf = f64::from(n);
        assert!((sum / nf - 1.0).abs() < 0.005, "mean {}", sum / nf);
        assert!((sum2 / nf - 2.0).abs() < 0.02, "E[x^2] {}", sum2 / nf);
        for (c, p) in below.iter().zip(points) {
            let want = 1.0 - (-p).exp();
            let got = f64::from(*c) / nf;
            assert!((got - want).abs() < 2.5e-3, "P(x < {p}) = {got} vs {want}");
        }
        // The tail beyond R is about exp(-R) = 4.5e-4.
        let tail = f64::from(n - below[7]) / nf;
        assert!(tail > 2.5e-4 && tail < 7e-4, "tail {tail}");
    }

    #[test]
    fn works_with_rand_ext() {
        use rand::RngExt;
        let mut s = stream(3, "y", "ext");
        let v: u32 = s.random_range(0..10);
        assert!(v < 10);
    }
}
