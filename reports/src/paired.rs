//! Paired differences of a metric between two policies over the same
//! replicas: mean and 95 % confidence interval (Student's t).

/// One metric's paired difference (policy minus baseline).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Difference {
    /// Mean of the per-replica differences.
    pub mean: f64,
    /// Lower end of the 95 % confidence interval.
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval.
    pub ci95_high: f64,
}

/// Two-sided 95 % quantile of Student's t with `df` degrees of freedom:
/// exact table values for df 1-30 (any statistics table, e.g. NIST/SEMATECH
/// e-Handbook of Statistical Methods, table 1.3.6.7.2), and the
/// Cornish-Fisher expansion of Abramowitz & Stegun 26.7.5 above.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        return f64::NAN;
    }
    if df <= 30 {
        return T[df - 1];
    }
    let z: f64 = 1.959_963_984_540_054;
    let n = df as f64;
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
}

/// Mean and 95 % confidence interval of paired differences.
pub fn paired(base: &[f64], other: &[f64]) -> Difference {
    let d: Vec<f64> = base.iter().zip(other).map(|(a, b)| b - a).collect();
    let n = d.len();
    if n == 0 {
        return Difference {
            mean: f64::NAN,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Difference {
            mean,
            ci95_low: f64::NAN,
            ci95_high: f64::NAN,
        };
    }
    let var = d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (var / n as f64).sqrt();
    Difference {
        mean,
        ci95_low: mean - half,
        ci95_high: mean + half,
    }
}
