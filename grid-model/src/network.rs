//! The network: buses, branches, generators, loads, shunts and switches on a
//! petgraph graph.
//!
//! Elements are stored in vectors and referred to by index; every element
//! also carries a user-facing `id`, an in-service status and (for buses)
//! optional coordinates. The petgraph [`UnGraph`] has one node per bus (node
//! index = bus index) and one edge per branch and per switch.

use petgraph::graph::{NodeIndex, UnGraph};

/// Geographic coordinates (WGS 84 longitude and latitude, degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord {
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
}

/// MATPOWER bus type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusKind {
    /// Load bus (type 1): P and Q specified.
    Pq,
    /// Generator bus (type 2): P and |V| specified.
    Pv,
    /// Reference (slack) bus (type 3): |V| and angle specified.
    Ref,
    /// Isolated bus (type 4): out of the solution.
    Isolated,
}

/// Priority class of a load (who is served first in an emergency); in
/// files `critical`, `essential` or `normal`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// Hospitals, shelters, water pumps, emergency services.
    Critical,
    /// Telecom, fuel stations, essential commerce.
    Essential,
    /// Everything else.
    #[default]
    Normal,
}

/// A bus (node).
#[derive(Debug, Clone, PartialEq)]
pub struct Bus {
    /// External bus number (MATPOWER `BUS_I`); unique, need not be contiguous.
    pub id: u64,
    /// Bus type as given in the case.
    pub kind: BusKind,
    /// Voltage magnitude (p.u.) from the case: the start value for PQ buses.
    pub vm: f64,
    /// Voltage angle (degrees) from the case: the start value, and the
    /// reference angle for the slack bus.
    pub va_deg: f64,
    /// Base voltage (kV); may be 0 in some cases (irrelevant in p.u.).
    pub base_kv: f64,
    /// In service (false for isolated buses).
    pub in_service: bool,
    /// Optional coordinates.
    pub coord: Option<Coord>,
    /// Optional name.
    pub name: Option<String>,
}

/// A branch: a line or a transformer, as a pi model with the ideal
/// transformer at the from side.
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// User-facing id (for MATPOWER, the 1-based row of `mpc.branch`).
    pub id: String,
    /// From-bus index.
    pub from: usize,
    /// To-bus index.
    pub to: usize,
    /// Series resistance (p.u.). May be negative (equivalents).
    pub r: f64,
    /// Series reactance (p.u.). May be negative (series compensation).
    pub x: f64,
    /// Total line-charging susceptance (p.u.).
    pub b: f64,
    /// Long-term rating (MVA); 0 means unlimited.
    pub rate_a_mva: f64,
    /// Off-nominal turns ratio at the from side; 0 means 1 (a line).
    pub ratio: f64,
    /// Phase shift (degrees), positive = delay.
    pub shift_deg: f64,
    /// In service.
    pub in_service: bool,
}

impl Branch {
    /// The complex tap `ratio * exp(j shift)` as (magnitude, angle in rad),
    /// with MATPOWER's convention that a ratio of 0 means 1.
    pub fn tap(&self) -> (f64, f64) {
        let m = if self.ratio == 0.0 { 1.0 } else { self.ratio };
        (m, self.shift_deg.to_radians())
    }

    /// True for a transformer (ratio not 0/1 or a phase shift).
    pub fn is_transformer(&self) -> bool {
        (self.ratio != 0.0 && self.ratio != 1.0) || self.shift_deg != 0.0
    }
}

/// A generator (any source: synchronous machine, inverter-based unit, grid
/// connection).
#[derive(Debug, Clone, PartialEq)]
pub struct Gen {
    /// User-facing id (for MATPOWER, the 1-based row of `mpc.gen`).
    pub id: String,
    /// Bus index.
    pub bus: usize,
    /// Active power output (MW).
    pub pg_mw: f64,
    /// Reactive power output (MVAr).
    pub qg_mvar: f64,
    /// Maximum reactive power (MVAr); may be infinite.
    pub qmax_mvar: f64,
    /// Minimum reactive power (MVAr); may be infinite.
    pub qmin_mvar: f64,
    /// Voltage setpoint (p.u.).
    pub vg: f64,
    /// Maximum active power (MW).
    pub pmax_mw: f64,
    /// Minimum active power (MW).
    pub pmin_mw: f64,
    /// In service.
    pub in_service: bool,
}

/// A constant-power load.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// User-facing id.
    pub id: String,
    /// Bus index.
    pub bus: usize,
    /// Active demand (MW).
    pub p_mw: f64,
    /// Reactive demand (MVAr).
    pub q_mvar: f64,
    /// Priority class.
    pub priority: Priority,
    /// In service.
    pub in_service: bool,
}

/// A constant-admittance shunt, given as MW / MVAr consumed at 1 p.u.
#[derive(Debug, Clone, PartialEq)]
pub struct Shunt {
    /// User-facing id.
    pub id: String,
    /// Bus index.
    pub bus: usize,
    /// Conductance: MW consumed at V = 1 p.u.
    pub g_mw: f64,
    /// Susceptance: MVAr injected at V = 1 p.u.
    pub b_mvar: f64,
    /// In service.
    pub in_service: bool,
}

/// A zero-impedance switch (breaker or disconnector) between two buses.
/// A closed, in-service switch joins its buses into one electrical node.
#[derive(Debug, Clone, PartialEq)]
pub struct Switch {
    /// User-facing id.
    pub id: String,
    /// One bus index.
    pub from: usize,
    /// The other bus index.
    pub to: usize,
    /// Closed (conducting).
    pub closed: bool,
    /// In service (a failed switch is out of service and open).
    pub in_service: bool,
}

/// What an edge of the graph stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// Index into [`Network::branches`].
    Branch(usize),
    /// Index into [`Network::switches`].
    Switch(usize),
}

/// An electrical network.
#[derive(Debug, Clone)]
pub struct Network {
    /// System base (MVA).
    pub base_mva: f64,
    /// Buses.
    pub buses: Vec<Bus>,
    /// Branches.
    pub branches: Vec<Branch>,
    /// Generators.
    pub gens: Vec<Gen>,
    /// Loads.
    pub loads: Vec<Load>,
    /// Shunts.
    pub shunts: Vec<Shunt>,
    /// Switches.
    pub switches: Vec<Switch>,
    graph: UnGraph<(), Edge>,
    /// Sorted (bus id, index) pairs for id lookup.
    id_index: Vec<(u64, usize)>,
}

impl Network {
    /// Builds a network and its graph, checking that every element refers to
    /// an existing bus and that bus ids are unique.
    pub fn new(
        base_mva: f64,
        buses: Vec<Bus>,
        branches: Vec<Branch>,
        gens: Vec<Gen>,
        loads: Vec<Load>,
        shunts: Vec<Shunt>,
        switches: Vec<Switch>,
    ) -> Result<Self, crate::GridError> {
        use crate::GridError::InvalidNetwork;
        if !(base_mva.is_finite() && base_mva > 0.0) {
            return Err(InvalidNetwork(format!(
                "base MVA must be positive, got {base_mva}"
            )));
        }
        let nb = buses.len();
        let mut id_index: Vec<(u64, usize)> =
            buses.iter().enumerate().map(|(i, b)| (b.id, i)).collect();
        id_index.sort_unstable();
        if let Some(w) = id_index.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(InvalidNetwork(format!("bus id {} appears twice", w[0].0)));
        }
        let check = |what: &str, id: &str, b: usize| {
            if b >= nb {
                Err(InvalidNetwork(format!(
                    "{what} {id} refers to bus index {b}, but there are {nb} buses"
                )))
            } else {
                Ok(())
            }
        };
        for br in &branches {
            check("branch", &br.id, br.from)?;
            check("branch", &br.id, br.to)?;
        }
        for s in &switches {
            check("switch", &s.id, s.from)?;
            check("switch", &s.id, s.to)?;
        }
        for g in &gens {
            check("generator", &g.id, g.bus)?;
        }
        for l in &loads {
            check("load", &l.id, l.bus)?;
        }
        for s in &shunts {
            check("shunt", &s.id, s.bus)?;
        }
        let mut graph = UnGraph::with_capacity(nb, branches.len() + switches.len());
        for _ in 0..nb {
            graph.add_node(());
        }
        for (k, br) in branches.iter().enumerate() {
            graph.add_edge(
                NodeIndex::new(br.from),
                NodeIndex::new(br.to),
                Edge::Branch(k),
            );
        }
        for (k, s) in switches.iter().enumerate() {
            graph.add_edge(
                NodeIndex::new(s.from),
                NodeIndex::new(s.to),
                Edge::Switch(k),
            );
        }
        Ok(Network {
            base_mva,
            buses,
            branches,
            gens,
            loads,
            shunts,
            switches,
            graph,
            id_index,
        })
    }

    /// The graph: one node per bus (node index = bus index), one edge per
    /// branch and switch. Statuses are not reflected in the graph's shape;
    /// filter edges by the element's status (see [`crate::topology`]).
    pub fn graph(&self) -> &UnGraph<(), Edge> {
        &self.graph
    }

    /// Index of the bus with external number `id`.
    pub fn bus_index(&self, id: u64) -> Option<usize> {
        self.id_index
            .binary_search_by_key(&id, |&(i, _)| i)
            .ok()
            .map(|k| self.id_index[k].1)
    }

    /// True if the edge conducts (element in service and, for a switch,
    /// closed, and both end buses in service).
    pub fn edge_conducts(&self, e: Edge) -> bool {
        let (ok, f, t) = match e {
            Edge::Branch(k) => {
                let b = &self.branches[k];
                (b.in_service, b.from, b.to)
            }
            Edge::Switch(k) => {
                let s = &self.switches[k];
                (s.in_service && s.closed, s.from, s.to)
            }
        };
        ok && self.buses[f].in_service && self.buses[t].in_service
    }

    /// Multiplies every load (P and Q) by `factor`.
    pub fn scale_loads(&mut self, factor: f64) {
        for l in &mut self.loads {
            l.p_mw *= factor;
            l.q_mvar *= factor;
        }
    }
}
