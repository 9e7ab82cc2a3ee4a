//! Small numerical helpers: the standard normal distribution, great-circle
//! distances.

use std::f64::consts::PI;

/// The error function, accurate to about 1e-15 absolute.
///
/// For |x| < 3 the everywhere-positive series
/// erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
/// (Abramowitz & Stegun 7.1.6) is summed; beyond, the continued fraction for
/// erfc (A&S 7.1.14) is evaluated with the modified Lentz method.
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return -erf(-x);
    }
    if x < 3.0 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        for n in 1..200 {
            term *= 2.0 * x2 / (2.0 * f64::from(n) + 1.0);
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
        }
        2.0 / PI.sqrt() * (-x2).exp() * sum
    } else {
        1.0 - erfc_cf(x)
    }
}

/// The complementary error function 1 - erf(x), accurate in the tails.
pub fn erfc(x: f64) -> f64 {
    if x < 3.0 { 1.0 - erf(x) } else { erfc_cf(x) }
}

/// erfc(x) for x >= 3 by the continued fraction
/// erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
fn erfc_cf(x: f64) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let mut c = x;
    let mut d = 0.0;
    for k in 1..500 {
        let a = k as f64 / 2.0;
        d = x + a * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = x + a / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x * x).exp() / PI.sqrt() / f
}

/// The standard normal cumulative distribution function Φ(z).
pub fn norm_cdf(z: f64) -> f64 {
    if z < 0.0 {
        0.5 * erfc(-z / std::f64::consts::SQRT_2)
    } else {
        0.5 * (1.0 + erf(z / std::f64::consts::SQRT_2))
    }
}

/// Great-circle distance, km (haversine on a sphere of R = 6371 km, the
/// IUGG mean Earth radius); the argument of `asin` is clamped to 1 so that
/// antipodal points give half the circumference, not NaN.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_known_values() {
        // Abramowitz & Stegun table 7.1.
        assert!((erf(0.5) - 0.520_499_877_813_046_5).abs() < 1e-15);
        assert!((erf(1.0) - 0.842_700_792_949_714_9).abs() < 1e-15);
        assert!((erf(2.0) - 0.995_322_265_018_952_7).abs() < 1e-15);
        assert!((erfc(3.0) - 2.209_049_699_858_544e-5).abs() < 1e-18);
        assert!((erfc(5.0) - 1.537_459_794_428_035e-12).abs() < 1e-24);
        assert!((norm_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-14);
        assert!((norm_cdf(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-15);
    }
}
