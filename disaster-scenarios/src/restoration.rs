//! Restoration: repair durations per component and damage state, and a
//! deterministic dispatcher of repair crews with travel time.
//!
//! Repair durations follow the HAZUS restoration functions for electric power
//! (normal distributions in days, after ATC-13; file
//! `data/restoration/hazus_power.csv`, **parameters unverified**, see the
//! file). A sampled duration is μ + σ·z with z from the asset's stream,
//! floored at 5 % of μ so that it stays positive (a documented truncation).
//!
//! ## Dispatch (a deterministic list scheduler)
//!
//! sim-core's `Resource` models identical units without location, so crews
//! with travel time are scheduled here. Jobs are taken in priority order:
//!
//! 1. priority class ascending (0 = critical facilities such as hospitals and
//!    water works, 1 = essential, 2 = normal);
//! 2. then the time the job becomes available (e.g. access after the hazard);
//! 3. then the shorter repair first (more assets back sooner);
//! 4. then the asset id (total order).
//!
//! Each job goes to the crew that can start it earliest (free time plus
//! travel from its current position; ties to the lower crew index). Travel
//! time is the great-circle distance times a road-detour factor (default 1.4,
//! an assumption) divided by the crew's speed. The crew moves to the job and
//! stays there until the repair ends. The result depends only on the inputs.

use std::collections::BTreeMap;

use sim_core::time::{SimDuration, SimTime};

use crate::error::{HazardError, Result};
use crate::rng::RandomSource;

/// Kind of component for restoration purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// Substation (HAZUS ESS1–ESS6).
    Substation,
    /// Distribution circuit (HAZUS EDC1–EDC2; also used for poles and
    /// spans).
    DistributionCircuit,
    /// Generation plant (HAZUS EPP1–EPP4).
    GenerationPlant,
}

impl Component {
    /// Parses the data-file name.
    pub fn from_name(s: &str) -> Option<Component> {
        match s {
            "substation" => Some(Component::Substation),
            "distribution_circuit" => Some(Component::DistributionCircuit),
            "generation_plant" => Some(Component::GenerationPlant),
            _ => None,
        }
    }

    /// The component of a fragility class id (ESS*, EDC*, EPP*, and the wind
    /// and flood classes of this crate).
    pub fn for_class(id: &str) -> Option<Component> {
        if id.starts_with("ESS") || id == "FSUB" {
            Some(Component::Substation)
        } else if id.starts_with("EDC") || matches!(id, "PW" | "PS" | "LINE" | "FPAD") {
            Some(Component::DistributionCircuit)
        } else if id.starts_with("EPP") || id == "FPLANT" {
            Some(Component::GenerationPlant)
        } else {
            None
        }
    }
}

/// Mean and standard deviation of a repair time, days.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RepairTime {
    /// Mean, days.
    pub mean_days: f64,
    /// Standard deviation, days.
    pub sigma_days: f64,
}

/// Restoration functions by component and damage state (1 = slight ..
/// 4 = complete).
#[derive(Debug, Clone)]
pub struct RestorationTable {
    table: BTreeMap<(Component, u8), RepairTime>,
}

const DS_NAMES: [&str; 4] = ["slight", "moderate", "extensive", "complete"];

impl RestorationTable {
    /// The HAZUS functions shipped with the crate.
    pub fn builtin() -> Result<RestorationTable> {
        Self::from_str(
            include_str!("../data/restoration/hazus_power.csv"),
            "data/restoration/hazus_power.csv",
        )
    }

    /// Parses a restoration CSV (`component,damage_state,mean_days,sigma_days`).
    pub fn from_str(text: &str, name: &str) -> Result<RestorationTable> {
        let mut rdr = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut table = BTreeMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| crate::gmpe::csvio::csv_error(name, &e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let f = |i: usize| rec.get(i).unwrap_or("");
            let comp = Component::from_name(f(0)).ok_or_else(|| {
                HazardError::parse(name, line, "component", format!("unknown `{}`", f(0)))
            })?;
            let ds = DS_NAMES.iter().position(|d| *d == f(1)).ok_or_else(|| {
                HazardError::parse(name, line, "damage_state", format!("unknown `{}`", f(1)))
            })? as u8
                + 1;
            let num = |i: usize, field: &str| -> Result<f64> {
                f(i).parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| {
                        HazardError::parse(
                            name,
                            line,
                            field,
                            format!("`{}` is not a non-negative number", f(i)),
                        )
                    })
            };
            table.insert(
                (comp, ds),
                RepairTime {
                    mean_days: num(2, "mean_days")?,
                    sigma_days: num(3, "sigma_days")?,
                },
            );
        }
        Ok(RestorationTable { table })
    }

    /// The repair time of a component in damage state `ds` (1..=4).
    pub fn get(&self, c: Component, ds: u8) -> Option<RepairTime> {
        self.table.get(&(c, ds)).copied()
    }

    /// Samples a repair duration (zero for ds = 0).
    pub fn sample<R: RandomSource + ?Sized>(
        &self,
        c: Component,
        ds: u8,
        rng: &mut R,
    ) -> Result<SimDuration> {
        if ds == 0 {
            return Ok(SimDuration::ZERO);
        }
        let rt = self.get(c, ds).ok_or_else(|| {
            HazardError::InvalidInput(format!(
                "no restoration function for {c:?} in damage state {ds}"
            ))
        })?;
        let days = (rt.mean_days + rt.sigma_days * rng.standard_normal()).max(0.05 * rt.mean_days);
        Ok(SimDuration::from_millis(
            (days * 86_400_000.0).round() as i64
        ))
    }
}

/// A repair crew.
#[derive(Debug, Clone, PartialEq)]
pub struct Crew {
    /// Identifier.
    pub id: String,
    /// Starting position (depot), degrees.
    pub lat: f64,
    /// Starting position (depot), degrees.
    pub lon: f64,
    /// Travel speed, km/h.
    pub speed_kmh: f64,
}

/// A repair to be done.
#[derive(Debug, Clone, PartialEq)]
pub struct RepairJob {
    /// The damaged asset.
    pub asset_id: String,
    /// Position, degrees.
    pub lat: f64,
    /// Position, degrees.
    pub lon: f64,
    /// Priority class: 0 = critical facility, 1 = essential, 2 = normal.
    pub priority: u8,
    /// Earliest start (e.g. when the site becomes accessible).
    pub available_at: SimTime,
    /// Repair duration on site.
    pub duration: SimDuration,
}

/// A job assigned to a crew.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// The asset.
    pub asset_id: String,
    /// Index of the crew in the input slice.
    pub crew: usize,
    /// When the crew leaves for the job.
    pub depart: SimTime,
    /// When the repair starts (arrival, or availability if later).
    pub start: SimTime,
    /// When the asset is repaired.
    pub end: SimTime,
}

pub use crate::math::haversine_km;

/// Dispatches `jobs` to `crews` from time `t0` (see the module
/// documentation). `detour` multiplies great-circle distances (1.4 is a
/// common road factor). Returns the assignments in dispatch order.
pub fn dispatch(
    crews: &[Crew],
    jobs: &[RepairJob],
    t0: SimTime,
    detour: f64,
) -> Result<Vec<Assignment>> {
    if crews.is_empty() && !jobs.is_empty() {
        return Err(HazardError::InvalidInput("no repair crews".into()));
    }
    for c in crews {
        if !(c.speed_kmh > 0.0 && c.speed_kmh.is_finite()) {
            return Err(HazardError::InvalidInput(format!(
                "crew {}: speed must be positive",
                c.id
            )));
        }
    }
    if !(detour >= 1.0 && detour.is_finite()) {
        return Err(HazardError::InvalidInput(
            "detour factor must be ≥ 1".into(),
        ));
    }
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|a, b| {
        let (x, y) = (&jobs[*a], &jobs[*b]);
        (x.priority, x.available_at, x.duration, &x.asset_id).cmp(&(
            y.priority,
            y.available_at,
            y.duration,
            &y.asset_id,
        ))
    });
    let mut free: Vec<SimTime> = vec![t0; crews.len()];
    let mut pos: Vec<(f64, f64)> = crews.iter().map(|c| (c.lat, c.lon)).collect();
    let mut out = Vec::with_capacity(jobs.len());
    for j in order {
        let job = &jobs[j];
        let mut best: Option<(SimTime, usize, SimTime)> = None;
        for (k, c) in crews.iter().enumerate() {
            let km = haversine_km(pos[k].0, pos[k].1, job.lat, job.lon) * detour;
            let travel = SimDuration::from_millis((km / c.speed_kmh * 3_600_000.0).round() as i64);
            let arrive = free[k] + travel;
            let start = arrive.max(job.available_at);
            if best.is_none_or(|(s, _, _)| start < s) {
                best = Some((start, k, free[k]));
            }
        }
        let Some((start, k, depart)) = best else {
            break;
        };
        let end = start + job.duration;
        free[k] = end;
        pos[k] = (job.lat, job.lon);
        out.push(Assignment {
            asset_id: job.asset_id.clone(),
            crew: k,
            depart,
            start,
            end,
        });
    }
    Ok(out)
}
