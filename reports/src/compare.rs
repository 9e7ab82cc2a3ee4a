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

use engine::metrics;
use engine::{Loaded, RunHooks, RunOptions, RunResults, ScenarioError, run_with_hooks};

use crate::outputs::summary_json;
use crate::paired::{Difference, paired};
use crate::plots;

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
    compare_with_progress(l, policies, opts, &|_, _| {})
}

/// [`compare`], calling `progress` after each replica of each policy with
/// (replicas done in this policy's run, replicas in it).
///
/// # Errors
/// As [`compare`].
pub fn compare_with_progress(
    l: &Loaded,
    policies: &[String],
    opts: &RunOptions,
    progress: &(dyn Fn(u32, u32) + Sync),
) -> Result<Comparison, ScenarioError> {
    let Some(baseline) = policies.first() else {
        return Err(ScenarioError::Invalid(
            "compare: give at least one policy (the first is the baseline)".into(),
        ));
    };
    for (i, p) in policies.iter().enumerate() {
        if !opts.strategies.contains(p) {
            return Err(ScenarioError::Invalid(format!(
                "policy `{p}` is not known: expected one of {}",
                opts.strategies.names().join(", ")
            )));
        }
        if policies[..i].contains(p) {
            return Err(ScenarioError::Invalid(format!(
                "policy `{p}` is given twice"
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
        let hooks = RunHooks {
            progress: Some(progress),
            ..RunHooks::default()
        };
        runs.push((p.clone(), run_with_hooks(&lp, opts, None, hooks)?));
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
