//! What the agents see of the world at one control interval.
//!
//! The simulator (or, in live-twin mode, the twin runtime) fills an
//! [`Observation`] every interval. Everything in it is something an operator
//! could know at that moment: the damage that has happened (not the repair
//! times still to come), the state of storage and fuel, the demand forecast
//! and the renewable forecast (see [`MicrogridState`]).

use grid_model::network::Priority;
use grid_model::ops::{Battery, Diesel, LoadDemand};
use serde::{Deserialize, Serialize};

/// One node of the sharing graph: a microgrid, or the hub (the distribution
/// substation's bus, through which feeders connect microgrids while the
/// upstream grid is down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Node {
    /// Microgrid index.
    Mg(usize),
    /// The substation bus.
    Hub,
}

/// What kind of path element an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EdgeKind {
    /// A microgrid's feeder to the substation, closed at its PCC switch.
    Feeder,
    /// A normally-open tie line between two microgrids.
    Tie,
}

/// A candidate path element between two nodes of the sharing graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathEdge {
    /// Id (for logs), e.g. `mg-a-feeder` or `tie-a-b`.
    pub id: String,
    /// Kind.
    pub kind: EdgeKind,
    /// One end.
    pub a: Node,
    /// Other end.
    pub b: Node,
    /// Thermal capacity (MW).
    pub capacity_mw: f64,
    /// Fraction of the sent power lost on the way (linearised `r * P` at the
    /// rated flow, per unit).
    pub loss_frac: f64,
    /// Physically intact (the line and its switch are not damaged).
    pub intact: bool,
    /// The switch that connects it (closing it puts the edge in use).
    pub switch: usize,
    /// The switch is closed now.
    pub closed: bool,
}

/// A microgrid's state and forecast at one interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MicrogridState {
    /// Name.
    pub name: String,
    /// Latitude of the PCC.
    pub lat: f64,
    /// Longitude of the PCC.
    pub lon: f64,
    /// Fed by the upstream grid now (PCC closed, upstream and substation up).
    pub upstream_connected: bool,
    /// Import limit from the upstream grid while connected (MW).
    pub import_limit_mw: f64,
    /// Loads with this interval's demand.
    pub loads: Vec<LoadDemand>,
    /// Renewable power available now (MW).
    pub renewable_mw: f64,
    /// Batteries in service: (index, state).
    pub batteries: Vec<(usize, Battery)>,
    /// Diesels able to run: (index, state).
    pub diesels: Vec<(usize, Diesel)>,
    /// Estimated losses inside the microgrid (MW).
    pub losses_mw: f64,
    /// Demand forecast per planning period and class (MW, mean over the
    /// period; critical, essential, normal). Period 0 is this interval.
    pub demand_forecast_mw: Vec<[f64; 3]>,
    /// Renewable forecast per planning period (MW, mean over the period).
    pub renewable_forecast_mw: Vec<f64>,
    /// Damaged sites of this microgrid now, and all its sites.
    pub damaged_sites: (usize, usize),
}

impl MicrogridState {
    /// Demand now per class (critical, essential, normal), MW.
    pub fn demand_by_class(&self) -> [f64; 3] {
        let mut d = [0.0; 3];
        for l in &self.loads {
            d[class_index(l.priority)] += l.p_mw.max(0.0);
        }
        d
    }

    /// Usable stored energy above the SoC floors (MWh, at the terminals:
    /// after discharge efficiency).
    pub fn stored_mwh(&self) -> f64 {
        self.batteries
            .iter()
            .map(|(_, b)| (b.soc - b.soc_min).max(0.0) * b.energy_mwh * b.soh * b.eta_discharge)
            .sum()
    }

    /// Usable fuel as energy (MWh at the incremental rate, an upper bound).
    pub fn fuel_mwh(&self) -> f64 {
        self.diesels
            .iter()
            .map(|(_, d)| {
                if d.f1_l_per_mwh > 0.0 {
                    d.fuel_l / (d.f1_l_per_mwh + d.f0_l_per_mwh_rated)
                } else {
                    0.0
                }
            })
            .sum()
    }

    /// A grid-forming unit is available: a battery in service (its inverter
    /// forms the grid even at the SoC floor, taking PV surplus as charge, as
    /// in the simulator) or a diesel with fuel.
    pub fn can_form_grid(&self) -> bool {
        self.batteries.iter().any(|(_, b)| b.in_service)
            || self.diesels.iter().any(|(_, d)| d.can_form_grid())
    }
}

/// The hazard as the disaster analyzer sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HazardState {
    /// Hazard kind (`earthquake`, `typhoon`, `flood`, `none`).
    pub kind: String,
    /// Event severity 1-5 (see `disaster_scenarios::severity`).
    pub severity: u8,
    /// Hours since the event.
    pub hours_since_event: f64,
    /// The upstream grid is up.
    pub upstream_up: bool,
    /// The substation is intact.
    pub substation_ok: bool,
    /// Damaged sites now: (id, latitude, longitude).
    pub damaged: Vec<(String, f64, f64)>,
}

/// Everything the agents see at one control interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Simulation time (ms since the start).
    pub time_ms: i64,
    /// Replica.
    pub replica: u32,
    /// Control interval (hours).
    pub dt_h: f64,
    /// Length of each planning period (hours); period 0 is this interval.
    pub periods_h: Vec<f64>,
    /// Microgrids.
    pub microgrids: Vec<MicrogridState>,
    /// Candidate path elements (feeders to the hub, ties).
    pub edges: Vec<PathEdge>,
    /// The hazard.
    pub hazard: HazardState,
}

/// Index of a priority class in `[critical, essential, normal]` arrays.
pub fn class_index(p: Priority) -> usize {
    match p {
        Priority::Critical => 0,
        Priority::Essential => 1,
        Priority::Normal => 2,
    }
}

/// The classes in `[critical, essential, normal]` order.
pub const CLASSES: [Priority; 3] = [Priority::Critical, Priority::Essential, Priority::Normal];
