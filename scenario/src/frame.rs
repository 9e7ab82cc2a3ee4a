//! The time frame of a scenario: when it starts, how often the community is
//! controlled, and for how many steps.

use chrono::DateTime;
use sim_core::time::SimDuration;

use crate::{Loaded, ScenarioError};

/// A scenario's time frame, resolved from `[scenario]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeFrame {
    /// Start (unix seconds).
    pub start_unix: i64,
    /// UTC offset of the start time (seconds), for local-time load shapes.
    pub offset_s: i32,
    /// Control interval.
    pub interval: SimDuration,
    /// Control steps in the horizon.
    pub steps: usize,
}

impl TimeFrame {
    /// Resolves the time frame of `l`: `start` (RFC 3339 with an offset),
    /// `horizon` and `control_interval` (at least 1 minute, at most the
    /// horizon).
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] naming the file, line and column of the
    /// offending key.
    pub fn of(l: &Loaded) -> Result<TimeFrame, ScenarioError> {
        let m = &l.file.scenario;
        let start = DateTime::parse_from_rfc3339(&m.start).map_err(|e| {
            ScenarioError::Invalid(format!(
                "{}: start `{}` is not an RFC 3339 time with a UTC offset (e.g. 2016-04-16T01:25:00+09:00): {e}",
                l.at("start"),
                m.start
            ))
        })?;
        let horizon = positive_duration(l, &m.horizon, "horizon")?;
        let interval = positive_duration(l, &m.control_interval, "control_interval")?;
        if interval.as_millis() < 60_000 || interval > horizon {
            return Err(ScenarioError::Invalid(format!(
                "{}: control_interval must be at least 1 minute and at most the horizon",
                l.at("control_interval")
            )));
        }
        Ok(TimeFrame {
            start_unix: start.timestamp(),
            offset_s: start.offset().local_minus_utc(),
            interval,
            steps: (horizon.as_millis() / interval.as_millis()) as usize,
        })
    }

    /// The control interval in hours.
    pub fn dt_h(&self) -> f64 {
        self.interval.as_hours_f64()
    }
}

/// `s` (key `key` of `l`) as a positive duration.
fn positive_duration(l: &Loaded, s: &str, key: &str) -> Result<SimDuration, ScenarioError> {
    let d: SimDuration = s.parse().map_err(|e| {
        ScenarioError::Invalid(format!(
            "{}: {key} `{s}` is not a duration like 15min, 6h or 7d: {e}",
            l.at(key)
        ))
    })?;
    if d.as_millis() <= 0 {
        return Err(ScenarioError::Invalid(format!(
            "{}: {key} must be positive, got `{s}`",
            l.at(key)
        )));
    }
    Ok(d)
}
