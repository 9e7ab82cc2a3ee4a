//! Fragility curves: the probability that an asset reaches or exceeds each
//! damage state given a hazard intensity, and damage-state sampling.
//!
//! The curves are data, not code: CSV files under `data/fragility/` in this
//! crate (embedded at compile time), each row one damage state of one asset
//! class, with its source and status in the file header. Families:
//!
//! * `lognormal`: P(DS ≥ ds | x) = Φ(ln(x/median)/β) (HAZUS form);
//! * `linear`: 0 below `median` (= w_crit), 1 at or above `beta`
//!   (= w_collapse), linear in between (Panteli et al. 2017 form, assumed
//!   linear);
//! * `threshold`: 1 when x ≥ `median`, else 0 (flood depth assumption).
//!
//! Intensities are converted to the crate's units on load: PGA in g, wind in
//! m/s (mph × 0.44704), depth in m (ft × 0.3048).
//!
//! Lognormal curves with different β may cross at extreme intensities; the
//! exceedance probabilities are therefore made non-increasing across damage
//! states (P_i ← min(P_i, P_{i−1})), which leaves them unchanged wherever the
//! curves do not cross.

use std::collections::BTreeMap;

use crate::error::{HazardError, Result};
use crate::math::norm_cdf;
use crate::rng::RandomSource;

/// The hazard an intensity measure belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HazardKind {
    /// Earthquake: PGA in g.
    Earthquake,
    /// Wind: 3-s peak gust in m/s.
    Wind,
    /// Flood: water depth above the asset base, m.
    Flood,
}

/// The shape of one damage-state curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CurveShape {
    /// Lognormal with median and log-standard deviation β.
    Lognormal {
        /// Median intensity.
        median: f64,
        /// Log-standard deviation.
        beta: f64,
    },
    /// Zero below `lower`, one at `upper`, linear between.
    Linear {
        /// Intensity where failures start (w_crit).
        lower: f64,
        /// Intensity of certain failure (w_collapse).
        upper: f64,
    },
    /// A step: one at or above `threshold`.
    Threshold {
        /// The threshold.
        threshold: f64,
    },
}

impl CurveShape {
    /// P(DS ≥ this state | intensity).
    pub fn probability(&self, x: f64) -> f64 {
        if x.is_nan() || x <= 0.0 {
            return 0.0;
        }
        match *self {
            CurveShape::Lognormal { median, beta } => norm_cdf((x / median).ln() / beta),
            CurveShape::Linear { lower, upper } => {
                if x < lower {
                    0.0
                } else if x >= upper {
                    1.0
                } else {
                    (x - lower) / (upper - lower)
                }
            }
            CurveShape::Threshold { threshold } => {
                if x >= threshold {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// One damage state of a class.
#[derive(Debug, Clone, PartialEq)]
pub struct DamageStateCurve {
    /// Name, e.g. `slight`.
    pub name: String,
    /// Its curve.
    pub shape: CurveShape,
}

/// The fragility of one asset class: damage states in increasing severity.
#[derive(Debug, Clone, PartialEq)]
pub struct FragilityClass {
    /// Class id, e.g. `ESS1`.
    pub id: String,
    /// Description.
    pub description: String,
    /// The hazard.
    pub hazard: HazardKind,
    /// Intensity measure name (`PGA`, `GUST`, `DEPTH`).
    pub im: String,
    /// Unit of the intensity after conversion (`g`, `m/s`, `m`).
    pub unit: &'static str,
    /// Status of the parameters (`verified`, `secondary`, `unverified`,
    /// `assumption`).
    pub status: String,
    /// Damage states, least severe first.
    pub states: Vec<DamageStateCurve>,
}

impl FragilityClass {
    /// P(DS ≥ ds_i | x) for every state, non-increasing in i.
    pub fn exceedance(&self, x: f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.states.len());
        self.exceedance_into(x, &mut out);
        out
    }

    /// As [`FragilityClass::exceedance`], into a reused buffer.
    pub fn exceedance_into(&self, x: f64, out: &mut Vec<f64>) {
        out.clear();
        let mut prev = 1.0f64;
        for s in &self.states {
            let p = s.shape.probability(x).min(prev);
            out.push(p);
            prev = p;
        }
    }

    /// Probability of being exactly in each state, with index 0 = no damage
    /// (length `states.len() + 1`).
    pub fn state_probabilities(&self, x: f64) -> Vec<f64> {
        let ex = self.exceedance(x);
        let mut out = Vec::with_capacity(ex.len() + 1);
        let mut prev = 1.0;
        for p in &ex {
            out.push(prev - p);
            prev = *p;
        }
        out.push(prev);
        out
    }

    /// Samples a damage state with one uniform draw u: the result is the
    /// number of states whose exceedance probability is above u (0 = no
    /// damage, `states.len()` = most severe).
    pub fn sample<R: RandomSource + ?Sized>(&self, x: f64, rng: &mut R) -> usize {
        let u = rng.uniform();
        self.state_for_uniform(x, u)
    }

    /// The damage state for a given uniform draw `u` in [0, 1).
    pub fn state_for_uniform(&self, x: f64, u: f64) -> usize {
        let mut prev = 1.0f64;
        let mut ds = 0;
        for s in &self.states {
            let p = s.shape.probability(x).min(prev);
            if u < p {
                ds += 1;
                prev = p;
            } else {
                break;
            }
        }
        ds
    }
}

/// A library of fragility classes by id.
#[derive(Debug, Clone, Default)]
pub struct FragilityLibrary {
    classes: BTreeMap<String, FragilityClass>,
}

/// The data files embedded in the crate: (name, contents).
pub const BUILTIN_FILES: [(&str, &str); 3] = [
    (
        "data/fragility/earthquake_hazus.csv",
        include_str!("../data/fragility/earthquake_hazus.csv"),
    ),
    (
        "data/fragility/wind_poles_towers_lines.csv",
        include_str!("../data/fragility/wind_poles_towers_lines.csv"),
    ),
    (
        "data/fragility/flood_thresholds.csv",
        include_str!("../data/fragility/flood_thresholds.csv"),
    ),
];

impl FragilityLibrary {
    /// The curves shipped with the crate (HAZUS earthquake classes, wind
    /// curves for poles, towers and lines, flood thresholds).
    pub fn builtin() -> Result<Self> {
        let mut lib = FragilityLibrary::default();
        for (name, text) in BUILTIN_FILES {
            lib.load_str(text, name)?;
        }
        Ok(lib)
    }

    /// Adds the classes of a fragility CSV file.
    pub fn load_file(&mut self, path: &std::path::Path) -> Result<()> {
        let text = std::fs::read_to_string(path).map_err(|e| HazardError::io(path, e))?;
        self.load_str(&text, &path.display().to_string())
    }

    /// Adds the classes of fragility CSV text; `name` names it in errors.
    /// Columns: `class,description,hazard,im,unit,family,damage_state,median,beta,status`;
    /// lines starting with `#` are comments.
    pub fn load_str(&mut self, text: &str, name: &str) -> Result<()> {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = crate::gmpe::csvio::Header::read(&mut rdr, name)?;
        let col = |c: &str| header.require(c);
        let [ci, cd, ch, cim, cu, cf, cds, cm, cb, cs] = [
            col("class")?,
            col("description")?,
            col("hazard")?,
            col("im")?,
            col("unit")?,
            col("family")?,
            col("damage_state")?,
            col("median")?,
            col("beta")?,
            col("status")?,
        ];
        let mut new: Vec<FragilityClass> = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(name, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let get = |i: usize| rec.get(i).unwrap_or("");
            let perr = |field: &str, msg: String| HazardError::parse(name, line, field, msg);
            let num = |i: usize, field: &str| -> Result<f64> {
                let raw = get(i);
                let v: f64 = raw
                    .parse()
                    .map_err(|_| perr(field, format!("`{raw}` is not a number")))?;
                if !v.is_finite() || v < 0.0 {
                    return Err(perr(
                        field,
                        format!("{v} must be a finite, non-negative number"),
                    ));
                }
                Ok(v)
            };
            let hazard = match get(ch) {
                "earthquake" => HazardKind::Earthquake,
                "wind" => HazardKind::Wind,
                "flood" => HazardKind::Flood,
                other => {
                    return Err(perr(
                        "hazard",
                        format!("`{other}` (expected earthquake, wind or flood)"),
                    ));
                }
            };
            let (factor, unit) = match get(cu) {
                "g" => (1.0, "g"),
                "m/s" => (1.0, "m/s"),
                "mph" => (0.44704, "m/s"),
                "km/h" => (1.0 / 3.6, "m/s"),
                "m" => (1.0, "m"),
                "ft" => (0.3048, "m"),
                other => {
                    return Err(perr(
                        "unit",
                        format!("`{other}` (expected g, m/s, mph, km/h, m or ft)"),
                    ));
                }
            };
            let median = num(cm, "median")?;
            let beta = num(cb, "beta")?;
            let shape = match get(cf) {
                "lognormal" => {
                    if median <= 0.0 || beta <= 0.0 {
                        return Err(perr(
                            "median",
                            "lognormal median and beta must be positive".into(),
                        ));
                    }
                    CurveShape::Lognormal {
                        median: median * factor,
                        beta,
                    }
                }
                "linear" => {
                    if beta <= median {
                        return Err(perr(
                            "beta",
                            "linear: the upper bound (beta column) must exceed the lower (median column)"
                                .into(),
                        ));
                    }
                    CurveShape::Linear {
                        lower: median * factor,
                        upper: beta * factor,
                    }
                }
                "threshold" => CurveShape::Threshold {
                    threshold: median * factor,
                },
                other => {
                    return Err(perr(
                        "family",
                        format!("`{other}` (expected lognormal, linear or threshold)"),
                    ));
                }
            };
            let id = get(ci).to_string();
            if id.is_empty() {
                return Err(perr("class", "empty class id".into()));
            }
            let ds = DamageStateCurve {
                name: get(cds).to_string(),
                shape,
            };
            match new.iter_mut().find(|c| c.id == id) {
                Some(c) => {
                    if c.hazard != hazard || c.unit != unit {
                        return Err(perr("hazard", format!("class {id} mixes hazards or units")));
                    }
                    c.states.push(ds);
                }
                None => new.push(FragilityClass {
                    id,
                    description: get(cd).to_string(),
                    hazard,
                    im: get(cim).to_string(),
                    unit,
                    status: get(cs).to_string(),
                    states: vec![ds],
                }),
            }
        }
        for c in new {
            self.classes.insert(c.id.clone(), c);
        }
        Ok(())
    }

    /// A class by id.
    pub fn get(&self, id: &str) -> Option<&FragilityClass> {
        self.classes.get(id)
    }

    /// A class by id, or an error listing the known ids.
    pub fn require(&self, id: &str) -> Result<&FragilityClass> {
        self.get(id).ok_or_else(|| {
            HazardError::InvalidInput(format!(
                "unknown fragility class `{id}` (known: {})",
                self.classes.keys().cloned().collect::<Vec<_>>().join(", ")
            ))
        })
    }

    /// All classes, sorted by id.
    pub fn classes(&self) -> impl Iterator<Item = &FragilityClass> {
        self.classes.values()
    }
}

/// Samples one damage state per asset: `rng_for(i)` gives asset i's stream
/// (in a simulation: `stream(seed, asset_id, "damage")`).
pub fn sample_damage<R, F>(class: &FragilityClass, intensities: &[f64], mut rng_for: F) -> Vec<u8>
where
    R: RandomSource,
    F: FnMut(usize) -> R,
{
    intensities
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let mut r = rng_for(i);
            class.sample(*x, &mut r) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_and_ess1_matches() -> Result<()> {
        let lib = FragilityLibrary::builtin()?;
        let ess1 = lib.require("ESS1")?;
        let p = ess1.exceedance(0.30);
        for (got, want) in p.iter().zip([0.8390, 0.5246, 0.1838, 0.0073]) {
            assert!((got - want).abs() < 5e-5, "{got} vs {want}");
        }
        let pw = lib.require("PW")?;
        // Median in mph converted to m/s.
        assert!((pw.exceedance(130.139 * 0.44704)[0] - 0.5).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn bad_rows_report_line_and_field() {
        let text = "class,description,hazard,im,unit,family,damage_state,median,beta,status\n\
                    X,x,earthquake,PGA,g,lognormal,slight,abc,0.5,verified\n";
        let mut lib = FragilityLibrary::default();
        let e = lib.load_str(text, "f.csv").err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("f.csv:2: field `median`: `abc` is not a number")
        );
    }
}
