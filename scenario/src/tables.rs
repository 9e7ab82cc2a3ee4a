//! The replica-independent tables of a run: demand per load, PV output per
//! plant and cloud level, wind output per turbine, at every control step.

use std::path::Path;

use grid_model::assets::{Observer, PVLIB_DELTA_T_S, PvPlant, PvSystem, SunInstant, WindTurbine};

use crate::community::Community;
use crate::frame::TimeFrame;
use crate::schema::{HazardSpec, ScenarioFile};
use crate::{Loaded, ScenarioError, profiles};

/// Demand, PV and wind at every control step (index `[step][asset]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    /// Demand per step and load (MW).
    pub demand: Vec<Vec<f64>>,
    /// PV AC output (MW) per step, PV and cloud level: `pv[step][pv][j]` at
    /// clear-sky index `j / 10` (linear in between).
    pub pv: Vec<Vec<[f64; 11]>>,
    /// Wind output (MW) per step and turbine.
    pub wind: Vec<Vec<f64>>,
}

/// A load's profile file: the series, whether it is per unit of the load's
/// peak, and whether it is a typical year (mapped onto any year).
type LoadProfile = (profiles::Series, bool, bool);

/// Reads every load's profile file (relative to `base_dir`), in scenario
/// order; `None` for loads that use their class's shape.
fn load_profiles(
    l: &Loaded,
    sc: &ScenarioFile,
    base_dir: &Path,
) -> Result<Vec<Option<LoadProfile>>, ScenarioError> {
    let mut out = Vec::new();
    for mg in &sc.microgrids {
        for ld in &mg.loads {
            out.push(match &ld.profile {
                Some(f) => {
                    let path = base_dir.join(f);
                    let series = if f.ends_with(".parquet") {
                        let col = ld.profile_column.as_deref().ok_or_else(|| {
                            ScenarioError::Invalid(format!(
                                "{}: load `{}`: a Parquet profile needs `profile_column`",
                                l.at(&ld.id),
                                ld.id
                            ))
                        })?;
                        profiles::read_parquet_profile(&path, col)?
                    } else {
                        profiles::read_profile(&path, "kw")?
                    };
                    Some((series, ld.profile_per_unit, ld.profile_typical_year))
                }
                None => None,
            });
        }
    }
    Ok(out)
}

/// Rewrites the files that `sc` names (typhoon track, load and wind
/// profiles) as absolute paths, so that the resolved scenario runs from
/// wherever it is written.
pub fn absolute_paths(sc: &mut ScenarioFile, base_dir: &Path) {
    let abs = |f: &str| {
        let p = base_dir.join(f);
        std::fs::canonicalize(&p).unwrap_or(p).display().to_string()
    };
    if let HazardSpec::Typhoon(t) = &mut sc.hazard {
        t.track = abs(&t.track);
    }
    for mg in &mut sc.microgrids {
        for ld in &mut mg.loads {
            if let Some(f) = &ld.profile {
                ld.profile = Some(abs(f));
            }
        }
        for w in &mut mg.winds {
            w.wind_profile = abs(&w.wind_profile);
        }
    }
}

/// The wind turbines of the community with their wind-speed series.
fn turbines(
    l: &Loaded,
    sc: &ScenarioFile,
    c: &Community,
    base_dir: &Path,
) -> Result<Vec<(WindTurbine, profiles::Series)>, ScenarioError> {
    let mut out = Vec::new();
    for w in &c.winds {
        let spec = &sc.microgrids[w.spec.0].winds[w.spec.1];
        let t = WindTurbine::generic(
            spec.rated_kw,
            spec.cut_in_ms,
            spec.rated_ms,
            spec.cut_out_ms,
        )
        .map_err(|e| {
            ScenarioError::Invalid(format!("{}: wind `{}`: {e}", l.at(&spec.id), spec.id))
        })?;
        let series = profiles::read_profile(&base_dir.join(&spec.wind_profile), "speed_ms")?;
        out.push((t, series));
    }
    Ok(out)
}

/// The community's PV plants (pvlib-style solar position and PV model).
fn plants(l: &Loaded, c: &Community) -> Result<Vec<PvPlant>, ScenarioError> {
    c.pvs
        .iter()
        .map(|p| {
            PvPlant::new(
                Observer::new(p.lat, p.lon),
                PvSystem::new(p.tilt_deg, p.azimuth_deg, p.dc_kw),
            )
            .map_err(|e| ScenarioError::Invalid(format!("{}: pv `{}`: {e}", l.at(&p.id), p.id)))
        })
        .collect()
}

/// The demand of load `ld` at unix time `t` (local hour `local_h`), MW.
fn demand_at(
    ld: &crate::community::LoadAsset,
    prof: Option<&LoadProfile>,
    t: f64,
    local_h: f64,
) -> f64 {
    match prof {
        Some((s, per_unit, typical)) => {
            let tt = if *typical {
                profiles::into_profile_year(s, t)
            } else {
                t
            };
            let v = profiles::value_at(s, tt).max(0.0);
            if *per_unit {
                v * ld.peak_mw
            } else {
                v / 1000.0
            }
        }
        None => ld.peak_mw * profiles::at(ld.class, local_h),
    }
}

/// Builds the tables of `c` over `frame` (`sc`: the resolved scenario;
/// files relative to `base_dir`).
///
/// # Errors
/// An unreadable or malformed profile file, or an invalid PV or wind
/// asset, naming where it is.
pub fn build(
    l: &Loaded,
    sc: &ScenarioFile,
    c: &Community,
    frame: &TimeFrame,
    base_dir: &Path,
) -> Result<Tables, ScenarioError> {
    let load_profiles = load_profiles(l, sc, base_dir)?;
    let turbines = turbines(l, sc, c, base_dir)?;
    let plants = plants(l, c)?;
    let steps = frame.steps;
    let mut tables = Tables {
        demand: Vec::with_capacity(steps),
        pv: Vec::with_capacity(steps),
        wind: Vec::with_capacity(steps),
    };
    for k in 0..steps {
        let t = frame.start_unix as f64 + k as f64 * frame.interval.as_secs_f64();
        let local_h = ((t + f64::from(frame.offset_s)) / 3600.0).rem_euclid(24.0);
        tables.demand.push(
            c.loads
                .iter()
                .zip(&load_profiles)
                .map(|(ld, prof)| demand_at(ld, prof.as_ref(), t, local_h))
                .collect(),
        );
        tables.wind.push(
            turbines
                .iter()
                .map(|(tb, s)| tb.power_kw(profiles::value_at(s, t)) / 1000.0)
                .collect(),
        );
        let inst = SunInstant::new(t, PVLIB_DELTA_T_S);
        tables.pv.push(
            plants
                .iter()
                .map(|p| {
                    let mut row = [0.0; 11];
                    for (j, v) in row.iter_mut().enumerate() {
                        *v = p.output_at(&inst, j as f64 / 10.0).ac_kw.max(0.0) / 1000.0;
                    }
                    row
                })
                .collect(),
        );
    }
    Ok(tables)
}
