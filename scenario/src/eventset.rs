//! Stochastic event sets in a scenario: each replica samples its own event
//! around the `[hazard]` (see [`crate::schema::EventSetSpec`] and
//! `disaster_scenarios::eventset`).

use disaster_scenarios::eventset::{
    GutenbergRichter, QuakeSet, TrackSet, TrackShift, wells_coppersmith,
};
use disaster_scenarios::rng::RandomSource;

use crate::schema::{HazardSpec, ScenarioFile};
use crate::{Loaded, ScenarioError};

/// A validated event set.
#[derive(Debug, Clone, PartialEq)]
pub enum EventSet {
    /// Earthquakes around the `[hazard]` epicentre.
    Quakes(QuakeSet),
    /// Shifted copies of the `[hazard]` track.
    Tracks(TrackSet),
}

/// The scenario's event set, if it has one.
///
/// # Errors
/// Invalid parameters, or a hazard kind without event sets.
pub fn event_set_of(l: &Loaded, sc: &ScenarioFile) -> Result<Option<EventSet>, ScenarioError> {
    let Some(es) = &sc.event_set else {
        return Ok(None);
    };
    let bad = |m: String| ScenarioError::Invalid(format!("{}: [event_set] {m}", l.at("event_set")));
    let nonneg = |v: f64, k: &str| {
        if v.is_finite() && v >= 0.0 {
            Ok(())
        } else {
            Err(bad(format!("{k} must be a number >= 0, got {v}")))
        }
    };
    nonneg(es.radius_km, "radius_km")?;
    nonneg(es.strike_sigma_deg, "strike_sigma_deg")?;
    nonneg(es.cross_track_sigma_km, "cross_track_sigma_km")?;
    nonneg(es.along_track_sigma_km, "along_track_sigma_km")?;
    nonneg(es.intensity_sigma, "intensity_sigma")?;
    match &sc.hazard {
        HazardSpec::Earthquake(q) => {
            let gr = GutenbergRichter::new(
                es.b_value,
                es.m_min.unwrap_or(q.magnitude - 1.0),
                es.m_max.unwrap_or(q.magnitude + 0.5),
            )
            .map_err(bad)?;
            Ok(Some(EventSet::Quakes(QuakeSet {
                gr,
                lat: q.lat,
                lon: q.lon,
                radius_km: es.radius_km,
                strike_deg: q.strike_deg,
                strike_sigma_deg: es.strike_sigma_deg,
            })))
        }
        HazardSpec::Typhoon(_) => Ok(Some(EventSet::Tracks(TrackSet {
            cross_track_sigma_km: es.cross_track_sigma_km,
            along_track_sigma_km: es.along_track_sigma_km,
            intensity_sigma: es.intensity_sigma,
        }))),
        HazardSpec::Flood(_) | HazardSpec::None => Err(bad(
            "is supported for earthquake and typhoon hazards only".into(),
        )),
    }
}

impl EventSet {
    /// Samples one event: the scenario with the event's hazard, the track
    /// shift (typhoons), and a description for the event log.
    pub fn sample(
        &self,
        sc: &ScenarioFile,
        rng: &mut dyn RandomSource,
    ) -> (ScenarioFile, Option<TrackShift>, String) {
        let mut out = sc.clone();
        match (self, &mut out.hazard) {
            (EventSet::Quakes(set), HazardSpec::Earthquake(q)) => {
                let e = set.sample(rng);
                q.magnitude = e.magnitude;
                q.lat = e.lat;
                q.lon = e.lon;
                q.strike_deg = e.strike_deg;
                if q.length_km > 0.0 || q.width_km > 0.0 {
                    let (len, wid) = wells_coppersmith(e.magnitude);
                    q.length_km = len;
                    q.width_km = wid;
                }
                let what = format!(
                    "Mw {:.2} at {:.4} N {:.4} E, strike {:.0} deg, rupture {:.1} x {:.1} km",
                    e.magnitude, e.lat, e.lon, e.strike_deg, q.length_km, q.width_km
                );
                (out, None, what)
            }
            (EventSet::Tracks(set), HazardSpec::Typhoon(_)) => {
                let s = set.sample(rng);
                let what = format!(
                    "track shifted {:.1} km across and {:.1} km along its motion, pressure deficit x {:.3}",
                    s.cross_km, s.along_km, s.intensity
                );
                (out, Some(s), what)
            }
            _ => (out, None, "the scenario's own event".into()),
        }
    }
}
