//! What a run produces: every replica's results, in replica order, and the
//! aggregates that reports draw (bands over time, the damage map, the
//! hazard footprint).

use std::collections::BTreeMap;

use scenario::ScenarioFile;
use scenario::hazard::{Footprint, SiteDamage};
use sim_core::recorder::Recorder;

use crate::sim::ReplicaResult;

/// A band over time: p5, p50, p95 and mean per step.
#[derive(Debug, Clone, Default)]
pub struct Band {
    /// Hours since the event.
    pub hours: Vec<f64>,
    /// 5th percentile.
    pub p5: Vec<f64>,
    /// Median.
    pub p50: Vec<f64>,
    /// 95th percentile.
    pub p95: Vec<f64>,
    /// Mean.
    pub mean: Vec<f64>,
}

/// A point on the damage map.
#[derive(Debug, Clone)]
pub struct MapPoint {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Probability of failure over replicas.
    pub p_fail: f64,
    /// Marker size class: 0 asset, 1 substation/feeder.
    pub big: bool,
}

/// A replica without results, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingReplica {
    /// Replica number.
    pub replica: u32,
    /// `interrupted`, `failed: <error>` or `panicked: <message>`.
    pub reason: String,
}

/// Everything a run produces.
#[derive(Debug)]
pub struct RunResults {
    /// The scenario as resolved (defaults and overrides filled in).
    pub resolved: ScenarioFile,
    /// All replicas' time series and events, in replica order.
    pub recorder: Recorder,
    /// Per-replica metrics, in replica order (finished replicas only: see
    /// `missing`; each map's `replica` entry is the replica's number).
    pub replica_metrics: Vec<BTreeMap<&'static str, f64>>,
    /// Replicas without results (interrupted, failed or panicked), in
    /// replica order; empty for a complete run. Only a run with
    /// [`crate::RunHooks::partial`] returns results with replicas missing.
    pub missing: Vec<MissingReplica>,
    /// Served-fraction band over time.
    pub served_band: Band,
    /// Critical-served band over time.
    pub critical_band: Band,
    /// Restoration band: fraction of damaged sites back in service.
    pub restoration_band: Band,
    /// Map points.
    pub map: Vec<MapPoint>,
    /// Hazard footprint.
    pub footprint: Footprint,
    /// Per-replica raw results (checks in tests).
    pub replicas: Vec<ReplicaResult>,
    /// Control interval in hours.
    pub dt_h: f64,
    /// Per replica: the damaged sites with failure and repair times.
    pub damages: Vec<Vec<SiteDamage>>,
    /// The community's network as built (all in service).
    pub network: grid_model::Network,
}

impl RunResults {
    /// The numbers of the replicas with results, in the order of
    /// `replica_metrics` and `replicas`.
    pub fn replica_numbers(&self) -> Vec<u32> {
        let all = (self.replica_metrics.len() + self.missing.len()) as u32;
        (0..all)
            .filter(|r| !self.missing.iter().any(|m| m.replica == *r))
            .collect()
    }
}
