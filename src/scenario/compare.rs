//! Paired what-if comparisons: several policies on the same replicas.
//!
//! Every policy runs with the same seed, so replica `r` of every policy
//! samples the same damage, repair times, upstream outage and weather
//! (common random numbers): these are drawn from streams keyed by the seed,
//! the replica and the asset, never by the policy. The difference of a
//! metric between a policy and the baseline is taken per replica and then
//! summarised: mean, and a 95 % confidence interval from Student's t
//! distribution with `n - 1` degrees of freedom.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Loaded, RunOptions, RunResults, ScenarioError, metrics, plots, run, summary_json};

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

/// The result of a comparison.
#[derive(Debug)]
pub struct Comparison {
    /// The baseline (first) policy.
    pub baseline: String,
    /// Each policy's run, in the order given.
    pub runs: Vec<(String, RunResults)>,
    /// Paired differences per non-baseline policy and metric.
    pub differences: BTreeMap<String, BTreeMap<&'static str, Difference>>,
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

/// Runs every policy on the same replicas and computes paired differences
/// against the first.
///
/// # Errors
/// An unknown policy name (with the list of known ones), or a failed run.
pub fn compare(
    l: &Loaded,
    policies: &[String],
    opts: &RunOptions,
) -> Result<Comparison, ScenarioError> {
    let Some(baseline) = policies.first() else {
        return Err(ScenarioError::Invalid(
            "compare: give at least one --policy (the first is the baseline)".into(),
        ));
    };
    for (i, p) in policies.iter().enumerate() {
        let known = crate::learn::strategy_names();
        if !known.contains(&p.as_str()) {
            return Err(ScenarioError::Invalid(format!(
                "--policy `{p}` is not known: expected one of {}",
                known.join(", ")
            )));
        }
        if policies[..i].contains(p) {
            return Err(ScenarioError::Invalid(format!(
                "--policy `{p}` is given twice"
            )));
        }
    }
    let mut runs = Vec::with_capacity(policies.len());
    for p in policies {
        let mut lp = Loaded {
            file: l.file.clone(),
            text: l.text.clone(),
            name: l.name.clone(),
        };
        lp.file.policy.kind = p.clone();
        runs.push((p.clone(), run(&lp, opts)?));
    }
    let mut differences = BTreeMap::new();
    let base = &runs[0].1;
    for (name, r) in runs.iter().skip(1) {
        let mut per = BTreeMap::new();
        for m in metrics::METRICS {
            let a: Vec<f64> = base.replica_metrics.iter().map(|x| x[m]).collect();
            let b: Vec<f64> = r.replica_metrics.iter().map(|x| x[m]).collect();
            per.insert(m, paired(&a, &b));
        }
        differences.insert(name.clone(), per);
    }
    Ok(Comparison {
        baseline: baseline.clone(),
        runs,
        differences,
    })
}

impl Comparison {
    /// `{"baseline": A, "policies": {NAME: summary.json}, "differences":
    /// {NAME: {METRIC: {"mean", "ci95_low", "ci95_high"}}}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut pol = serde_json::Map::new();
        for (name, r) in &self.runs {
            pol.insert(name.clone(), summary_json(r));
        }
        serde_json::json!({
            "baseline": self.baseline,
            "policies": pol,
            "differences": self.differences,
        })
    }

    /// The differences as CSV: `policy,metric,mean,ci95_low,ci95_high`.
    pub fn to_csv(&self) -> String {
        let mut s = String::from("policy,metric,mean,ci95_low,ci95_high\n");
        for (name, per) in &self.differences {
            for (m, d) in per {
                s.push_str(&format!(
                    "{name},{m},{},{},{}\n",
                    d.mean, d.ci95_low, d.ci95_high
                ));
            }
        }
        s
    }

    /// Writes `compare.json`, `compare.csv` and `compare.png`/`.svg`;
    /// returns the paths.
    ///
    /// # Errors
    /// A file that cannot be written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
        let o = |e: String| ScenarioError::Output(e);
        std::fs::create_dir_all(dir).map_err(|e| o(format!("{}: {e}", dir.display())))?;
        let j = dir.join("compare.json");
        let text = serde_json::to_string_pretty(&self.to_json()).map_err(|e| o(e.to_string()))?;
        std::fs::write(&j, text + "\n").map_err(|e| o(format!("{}: {e}", j.display())))?;
        let c = dir.join("compare.csv");
        std::fs::write(&c, self.to_csv()).map_err(|e| o(format!("{}: {e}", c.display())))?;
        let bars: Vec<(String, [Difference; 2])> = self
            .differences
            .iter()
            .map(|(n, per)| {
                (
                    n.clone(),
                    [
                        per["critical_served_fraction"],
                        per["served_energy_fraction"],
                    ],
                )
            })
            .collect();
        let title = format!(
            "{}: difference to `{}` (mean, 95 % CI)",
            self.runs[0].1.resolved.scenario.name, self.baseline
        );
        plots::write_differences(dir, "compare", &title, &bars).map_err(o)?;
        Ok(vec![j, c, dir.join("compare.png"), dir.join("compare.svg")])
    }
}
