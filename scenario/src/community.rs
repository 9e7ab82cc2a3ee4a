//! The community network generator: builds a [`Network`] from the
//! scenario's microgrids, at their real coordinates.
//!
//! Layout (documented choice, typical of Japanese 6.6 kV distribution):
//!
//! - bus 0 is the distribution substation; an ideal source there (the
//!   reference bus) stands for the upstream (bulk) grid;
//! - each microgrid hangs on its own feeder from the substation: a line
//!   from the substation to the feeder end, then the point of common
//!   coupling (PCC) switch, then the microgrid's PCC bus;
//! - inside a microgrid, each facility and source has its own bus, joined
//!   to the PCC bus by a line (a star); these short service lines are not
//!   damageable sites (the community's fragility lives in the substation,
//!   the feeders and the units);
//! - line lengths are the great-circle distance times a route factor
//!   (default 1.3), at least 50 m; impedances from `r_ohm_per_km` and
//!   `x_ohm_per_km` on the system base (1 MVA, `base_kv`);
//! - batteries and diesels are voltage-controlling (PV-bus) generators that
//!   can form an island; PV systems are negative loads.

use grid_model::network::{Branch, Bus, BusKind, Coord, Gen, Load, Network, Priority, Switch};
use grid_model::ops::{Battery, Diesel};

use crate::ScenarioError;
use crate::schema::{
    BatterySpec, DieselSpec, LoadSpec, MicrogridSpec, NetworkSpec, PvSpec, ScenarioFile, TieSpec,
    WindSpec,
};

/// System base (MVA).
pub const BASE_MVA: f64 = 1.0;

pub use disaster_scenarios::math::haversine_km;

pub use crate::schema::LoadClass;

impl LoadClass {
    /// Name as in the scenario file.
    pub fn name(self) -> &'static str {
        match self {
            LoadClass::Hospital => "hospital",
            LoadClass::Shelter => "shelter",
            LoadClass::WaterPump => "water_pump",
            LoadClass::Residential => "residential",
            LoadClass::Commercial => "commercial",
        }
    }

    /// The priority of a load of this class unless the file gives one.
    pub fn default_priority(self) -> Priority {
        match self {
            LoadClass::Hospital | LoadClass::Shelter | LoadClass::WaterPump => Priority::Critical,
            LoadClass::Commercial => Priority::Essential,
            LoadClass::Residential => Priority::Normal,
        }
    }
}

/// A load of the community.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadAsset {
    /// Id.
    pub id: String,
    /// Class.
    pub class: LoadClass,
    /// Priority.
    pub priority: Priority,
    /// Sheddable fraction.
    pub sheddable: f64,
    /// Customers.
    pub customers: u32,
    /// Bus.
    pub bus: usize,
    /// Peak (MW).
    pub peak_mw: f64,
    /// Q/P ratio.
    pub q_over_p: f64,
    /// Microgrid index.
    pub microgrid: usize,
    /// Branch that connects it.
    pub branch: usize,
}

/// A PV system of the community.
#[derive(Debug, Clone, PartialEq)]
pub struct PvAsset {
    /// Id.
    pub id: String,
    /// Bus.
    pub bus: usize,
    /// DC capacity (kW).
    pub dc_kw: f64,
    /// Tilt (deg).
    pub tilt_deg: f64,
    /// Azimuth (deg).
    pub azimuth_deg: f64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Microgrid index.
    pub microgrid: usize,
    /// Branch that connects it.
    pub branch: usize,
}

/// A wind turbine of the community (not damageable: an assumption).
#[derive(Debug, Clone, PartialEq)]
pub struct WindAsset {
    /// Id.
    pub id: String,
    /// Bus.
    pub bus: usize,
    /// Microgrid index.
    pub microgrid: usize,
    /// Branch that connects it.
    pub branch: usize,
    /// Index into the scenario's microgrid's `winds` (for its spec).
    pub spec: (usize, usize),
}

/// What a damageable site is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// The distribution substation (bus 0 and the upstream source).
    Substation,
    /// A microgrid's feeder line (branch index).
    Feeder(usize),
    /// A PV system (index).
    Pv(usize),
    /// A battery (index).
    Battery(usize),
    /// A diesel (index).
    Diesel(usize),
}

/// A damageable site: where it is and which fragility class it has.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// Id (for outputs).
    pub id: String,
    /// What it is.
    pub kind: SiteKind,
    /// Latitude (lines: midpoint).
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Fragility class id.
    pub fragility: String,
    /// Microgrid it belongs to (None for the substation).
    pub microgrid: Option<usize>,
    /// Total critical peak demand it feeds (MW): repair priority.
    pub critical_mw: f64,
    /// Ground elevation (m, flood datum).
    pub ground_m: f64,
}

/// A microgrid of the community.
#[derive(Debug, Clone, PartialEq)]
pub struct Microgrid {
    /// Name.
    pub name: String,
    /// PCC switch index.
    pub pcc_switch: usize,
    /// Feeder branch index.
    pub feeder: usize,
    /// PCC bus.
    pub pcc_bus: usize,
    /// Latitude of the PCC.
    pub lat: f64,
    /// Longitude of the PCC.
    pub lon: f64,
}

/// The built community.
#[derive(Debug, Clone)]
pub struct Community {
    /// The network (statuses as built: everything in service).
    pub net: Network,
    /// Microgrids.
    pub microgrids: Vec<Microgrid>,
    /// Loads.
    pub loads: Vec<LoadAsset>,
    /// PV systems.
    pub pvs: Vec<PvAsset>,
    /// Wind turbines.
    pub winds: Vec<WindAsset>,
    /// Batteries (initial state) and their generator index in `net`.
    pub batteries: Vec<(Battery, usize, usize)>,
    /// Diesels (initial state), generator index and microgrid. Mobile
    /// generator slots (one per microgrid, at its PCC bus, out of service
    /// until a truck arrives) come last, see `mobile`.
    pub diesels: Vec<(Diesel, usize, usize)>,
    /// Index in `diesels` of each microgrid's mobile-generator slot.
    pub mobile: Vec<usize>,
    /// Damageable sites.
    pub sites: Vec<Site>,
    /// Substation coordinates.
    pub substation: (f64, f64),
    /// Upstream import limit (MW).
    pub import_limit_mw: f64,
    /// Tie lines between microgrids (normally open).
    pub ties: Vec<Tie>,
    /// Feeder rating (MW).
    pub feeder_rating_mw: f64,
}

/// A normally-open tie line between two microgrids.
#[derive(Debug, Clone, PartialEq)]
pub struct Tie {
    /// Name (`tie-A-B`).
    pub name: String,
    /// One microgrid.
    pub from: usize,
    /// The other.
    pub to: usize,
    /// Line (branch index).
    pub branch: usize,
    /// Switch index.
    pub switch: usize,
    /// Damageable site index.
    pub site: usize,
    /// Rating (MW).
    pub rating_mw: f64,
}

/// Builds the community of a scenario. `at` locates an id in the file for
/// error messages.
///
/// The phases run in this order, each over its items in file order, and the
/// first error found is returned: the `[network]` section, the substation,
/// then for each microgrid its feeder and PCC followed by its loads, PV
/// systems, wind turbines, batteries and diesels, then the tie lines, the
/// mobile-generator slots, and last the network itself.
pub fn build(sc: &ScenarioFile, at: &dyn Fn(&str) -> String) -> Result<Community, ScenarioError> {
    validate_network(sc, at)?;
    let mut b = Builder::new(sc, at);
    let sub = b.substation();
    for (mi, mg) in sc.microgrids.iter().enumerate() {
        let host = b.microgrid(mi, mg, sub)?;
        for l in &mg.loads {
            b.load(host, l)?;
        }
        for p in &mg.pvs {
            b.pv(host, p)?;
        }
        for (wi, w) in mg.winds.iter().enumerate() {
            b.wind(host, wi, w)?;
        }
        for bt in &mg.batteries {
            b.battery(host, bt)?;
        }
        for d in &mg.diesels {
            b.diesel(host, d)?;
        }
    }
    for (ti, t) in sc.ties.iter().enumerate() {
        b.tie(ti, t)?;
    }
    b.mobile_slots()?;
    b.finish()
}

/// An invalid-input error with this message.
fn bad(what: String) -> ScenarioError {
    ScenarioError::Invalid(what)
}

/// Checks the `[network]` section (kind, line constants, substation
/// coordinates) and that there is at least one microgrid: everything that
/// must hold before the first bus is built.
fn validate_network(sc: &ScenarioFile, at: &dyn Fn(&str) -> String) -> Result<(), ScenarioError> {
    let n = &sc.network;
    // The only kind so far; serde refuses any other name with the list.
    let crate::schema::NetworkKind::Community = n.kind;
    for (v, name) in [
        (n.base_kv, "base_kv"),
        (n.r_ohm_per_km, "r_ohm_per_km"),
        (n.x_ohm_per_km, "x_ohm_per_km"),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(format!(
                "{}: {name} must be a positive number, got {v}",
                at(name)
            )));
        }
    }
    check_coord(n.substation_lat, n.substation_lon, &at("substation_lat"))?;
    if sc.microgrids.is_empty() {
        return Err(bad(
            "the scenario has no [[microgrid]]: expected at least one".into(),
        ));
    }
    Ok(())
}

/// The microgrid whose assets are being added: what [`Builder::attach`]
/// and the asset phases need of it.
#[derive(Clone, Copy)]
struct Host<'m> {
    /// Microgrid index.
    mi: usize,
    /// Its spec (PCC coordinates, ground elevation).
    mg: &'m MicrogridSpec,
    /// Its PCC bus (the hub of its star of service lines).
    pcc: usize,
    /// Its feeder's site (its critical demand is summed there).
    feeder_site: usize,
}

/// The community being built: the network's element lists and the assets,
/// in the order they are created (the order fixes every index and bus id).
struct Builder<'a> {
    /// The scenario.
    sc: &'a ScenarioFile,
    /// Its `[network]` section.
    n: &'a NetworkSpec,
    /// Locates an id in the file for error messages.
    at: &'a dyn Fn(&str) -> String,
    /// Impedance base (ohm): `base_kv² / BASE_MVA`.
    zbase: f64,
    /// Buses.
    buses: Vec<Bus>,
    /// Lines.
    branches: Vec<Branch>,
    /// Generators (the upstream source first).
    gens: Vec<Gen>,
    /// Network loads.
    loads_net: Vec<Load>,
    /// Switches (PCC and tie switches).
    switches: Vec<Switch>,
    /// Damageable sites (the substation first).
    sites: Vec<Site>,
    /// Microgrids.
    microgrids: Vec<Microgrid>,
    /// Load assets.
    loads: Vec<LoadAsset>,
    /// PV assets.
    pvs: Vec<PvAsset>,
    /// Wind assets.
    winds: Vec<WindAsset>,
    /// Batteries, generator index, microgrid.
    batteries: Vec<(Battery, usize, usize)>,
    /// Diesels (then mobile slots), generator index, microgrid.
    diesels: Vec<(Diesel, usize, usize)>,
    /// Tie lines.
    ties: Vec<Tie>,
    /// Index in `diesels` of each microgrid's mobile slot.
    mobile: Vec<usize>,
    /// Asset ids seen so far (they must be unique).
    ids: Vec<String>,
    /// Id of the next bus (bus 1 is the substation).
    next_id: u64,
}

impl<'a> Builder<'a> {
    /// An empty community for `sc` (already validated by
    /// [`validate_network`]).
    fn new(sc: &'a ScenarioFile, at: &'a dyn Fn(&str) -> String) -> Self {
        let n = &sc.network;
        Builder {
            sc,
            n,
            at,
            zbase: n.base_kv * n.base_kv / BASE_MVA,
            buses: Vec::new(),
            branches: Vec::new(),
            gens: Vec::new(),
            loads_net: Vec::new(),
            switches: Vec::new(),
            sites: Vec::new(),
            microgrids: Vec::new(),
            loads: Vec::new(),
            pvs: Vec::new(),
            winds: Vec::new(),
            batteries: Vec::new(),
            diesels: Vec::new(),
            ties: Vec::new(),
            mobile: Vec::new(),
            ids: Vec::new(),
            next_id: 2,
        }
    }

    /// Per-unit (r, x) of a line `km` long, at least 50 m.
    fn line(&self, km: f64) -> (f64, f64) {
        let n = self.n;
        let km = km.max(0.05);
        (
            n.r_ohm_per_km * km / self.zbase,
            n.x_ohm_per_km * km / self.zbase,
        )
    }

    /// Adds a bus (flat start, in service, at `lat`, `lon`); returns its
    /// index.
    fn bus(&mut self, id: u64, kind: BusKind, lat: f64, lon: f64, name: String) -> usize {
        self.buses.push(Bus {
            id,
            kind,
            vm: 1.0,
            va_deg: 0.0,
            base_kv: self.n.base_kv,
            in_service: true,
            coord: Some(Coord { lon, lat }),
            name: Some(name),
        });
        self.buses.len() - 1
    }

    /// The distribution substation: bus 0 (the reference bus), the upstream
    /// source there (limited to the import limit both ways) and site 0.
    /// Returns the bus.
    fn substation(&mut self) -> usize {
        let n = self.n;
        let sub = self.bus(
            1,
            BusKind::Ref,
            n.substation_lat,
            n.substation_lon,
            n.substation.clone(),
        );
        self.gens.push(Gen {
            id: "upstream".into(),
            bus: sub,
            pg_mw: 0.0,
            qg_mvar: 0.0,
            qmax_mvar: f64::INFINITY,
            qmin_mvar: f64::NEG_INFINITY,
            vg: 1.0,
            pmax_mw: n.import_limit_kw / 1000.0,
            pmin_mw: -n.import_limit_kw / 1000.0,
            in_service: true,
        });
        self.sites.push(Site {
            id: n.substation.clone(),
            kind: SiteKind::Substation,
            lat: n.substation_lat,
            lon: n.substation_lon,
            fragility: n.substation_fragility.clone(),
            microgrid: None,
            critical_mw: 0.0,
            ground_m: n.substation_ground_m,
        });
        sub
    }

    /// Microgrid `mi`: checks its coordinates and name, then builds its
    /// feeder (a line from the substation bus `sub` to a feeder-end bus, a
    /// damageable site at the line's midpoint) and its PCC (the switch from
    /// the feeder end to the PCC bus).
    fn microgrid<'m>(
        &mut self,
        mi: usize,
        mg: &'m MicrogridSpec,
        sub: usize,
    ) -> Result<Host<'m>, ScenarioError> {
        let (n, at) = (self.n, self.at);
        check_coord(mg.lat, mg.lon, &at(&mg.name))?;
        if self.sc.microgrids[..mi].iter().any(|m| m.name == mg.name) {
            return Err(bad(format!(
                "{}: microgrid name `{}` is used twice",
                at(&mg.name),
                mg.name
            )));
        }
        let end = self.bus(
            self.next_id,
            BusKind::Pq,
            mg.lat,
            mg.lon,
            format!("{} feeder end", mg.name),
        );
        let pcc = self.bus(
            self.next_id + 1,
            BusKind::Pq,
            mg.lat,
            mg.lon,
            format!("{} PCC", mg.name),
        );
        self.next_id += 2;
        let km = haversine_km(n.substation_lat, n.substation_lon, mg.lat, mg.lon) * n.route_factor;
        let (r, x) = self.line(km);
        self.branches.push(Branch {
            id: format!("{}-feeder", mg.name),
            from: sub,
            to: end,
            r,
            x,
            b: 0.0,
            rate_a_mva: n.feeder_rating_kw / 1000.0,
            ratio: 0.0,
            shift_deg: 0.0,
            in_service: true,
        });
        let feeder = self.branches.len() - 1;
        self.switches.push(Switch {
            id: format!("{}-pcc", mg.name),
            from: end,
            to: pcc,
            closed: true,
            in_service: true,
        });
        self.sites.push(Site {
            id: format!("{}-feeder", mg.name),
            kind: SiteKind::Feeder(feeder),
            lat: 0.5 * (n.substation_lat + mg.lat),
            lon: 0.5 * (n.substation_lon + mg.lon),
            fragility: n.feeder_fragility.clone(),
            microgrid: Some(mi),
            critical_mw: 0.0,
            ground_m: mg.ground_m,
        });
        let feeder_site = self.sites.len() - 1;
        self.microgrids.push(Microgrid {
            name: mg.name.clone(),
            pcc_switch: self.switches.len() - 1,
            feeder,
            pcc_bus: pcc,
            lat: mg.lat,
            lon: mg.lon,
        });
        Ok(Host {
            mi,
            mg,
            pcc,
            feeder_site,
        })
    }

    /// Gives asset `id` its own bus at (`lat`, `lon`) and a service line
    /// from the host's PCC bus (no rating; not a damageable site), after
    /// checking its coordinates and that the id is new. Returns the bus and
    /// the line.
    fn attach(
        &mut self,
        host: Host<'_>,
        id: &str,
        lat: f64,
        lon: f64,
    ) -> Result<(usize, usize), ScenarioError> {
        let at = self.at;
        check_coord(lat, lon, &at(id))?;
        if self.ids.iter().any(|x| x == id) {
            return Err(bad(format!("{}: id `{id}` is used twice", at(id))));
        }
        self.ids.push(id.to_string());
        let b = self.bus(self.next_id, BusKind::Pq, lat, lon, id.to_string());
        self.next_id += 1;
        let km = haversine_km(host.mg.lat, host.mg.lon, lat, lon) * self.n.route_factor;
        let (r, x) = self.line(km);
        self.branches.push(Branch {
            id: format!("{id}-line"),
            from: host.pcc,
            to: b,
            r,
            x,
            b: 0.0,
            rate_a_mva: 0.0,
            ratio: 0.0,
            shift_deg: 0.0,
            in_service: true,
        });
        let br = self.branches.len() - 1;
        Ok((b, br))
    }

    /// A load: its class, priority (default: the class's) and sheddable
    /// fraction (default by priority), a network load at its own bus, and
    /// its peak added to the critical demand of its feeder and of the
    /// substation when it is critical.
    fn load(&mut self, host: Host<'_>, l: &LoadSpec) -> Result<(), ScenarioError> {
        let at = self.at;
        // Class and priority are typed in the file (serde checks the names).
        let class = l.class;
        let pr = l.priority.unwrap_or_else(|| class.default_priority());
        if !(l.peak_kw.is_finite() && l.peak_kw >= 0.0) {
            return Err(bad(format!(
                "{}: load `{}` peak_kw must be >= 0 (kW), got {}",
                at(&l.id),
                l.id,
                l.peak_kw
            )));
        }
        if !(l.power_factor > 0.0 && l.power_factor <= 1.0) {
            return Err(bad(format!(
                "{}: load `{}` power_factor must be in (0, 1], got {}",
                at(&l.id),
                l.id,
                l.power_factor
            )));
        }
        let sheddable = l.sheddable.unwrap_or(match pr {
            Priority::Critical => 0.0,
            Priority::Essential => 0.2,
            Priority::Normal => 0.3,
        });
        if !(0.0..=1.0).contains(&sheddable) {
            return Err(bad(format!(
                "{}: load `{}` sheddable must be a fraction in [0, 1], got {sheddable}",
                at(&l.id),
                l.id
            )));
        }
        let (b, br) = self.attach(host, &l.id, l.lat, l.lon)?;
        let q_over_p = (1.0 / (l.power_factor * l.power_factor) - 1.0).sqrt();
        self.loads_net.push(Load {
            id: l.id.clone(),
            bus: b,
            p_mw: l.peak_kw / 1000.0,
            q_mvar: l.peak_kw / 1000.0 * q_over_p,
            priority: pr,
            in_service: true,
        });
        if pr == Priority::Critical {
            self.sites[host.feeder_site].critical_mw += l.peak_kw / 1000.0;
            self.sites[0].critical_mw += l.peak_kw / 1000.0;
        }
        self.loads.push(LoadAsset {
            id: l.id.clone(),
            class,
            priority: pr,
            sheddable,
            customers: l.customers,
            bus: b,
            peak_mw: l.peak_kw / 1000.0,
            q_over_p,
            microgrid: host.mi,
            branch: br,
        });
        Ok(())
    }

    /// A PV system (a negative load) at its own bus, and its damageable
    /// site.
    fn pv(&mut self, host: Host<'_>, p: &PvSpec) -> Result<(), ScenarioError> {
        if !(p.dc_kw.is_finite() && p.dc_kw >= 0.0) {
            return Err(bad(format!(
                "{}: pv `{}` dc_kw must be >= 0 (kW), got {}",
                (self.at)(&p.id),
                p.id,
                p.dc_kw
            )));
        }
        let (b, br) = self.attach(host, &p.id, p.lat, p.lon)?;
        self.pvs.push(PvAsset {
            id: p.id.clone(),
            bus: b,
            dc_kw: p.dc_kw,
            tilt_deg: p.tilt_deg,
            azimuth_deg: p.azimuth_deg,
            lat: p.lat,
            lon: p.lon,
            microgrid: host.mi,
            branch: br,
        });
        self.sites.push(Site {
            id: p.id.clone(),
            kind: SiteKind::Pv(self.pvs.len() - 1),
            lat: p.lat,
            lon: p.lon,
            fragility: "EPP1".into(),
            microgrid: Some(host.mi),
            critical_mw: 0.0,
            ground_m: host.mg.ground_m,
        });
        Ok(())
    }

    /// Wind turbine `wi` of the host at its own bus (not a damageable site).
    fn wind(&mut self, host: Host<'_>, wi: usize, w: &WindSpec) -> Result<(), ScenarioError> {
        let ok = w.rated_kw > 0.0
            && w.cut_in_ms >= 0.0
            && w.rated_ms > w.cut_in_ms
            && w.cut_out_ms >= w.rated_ms;
        if !ok {
            return Err(bad(format!(
                "{}: wind `{}`: expected rated_kw > 0 and 0 <= cut_in_ms < rated_ms <= cut_out_ms (m/s)",
                (self.at)(&w.id),
                w.id
            )));
        }
        let (b, br) = self.attach(host, &w.id, w.lat, w.lon)?;
        self.winds.push(WindAsset {
            id: w.id.clone(),
            bus: b,
            microgrid: host.mi,
            branch: br,
            spec: (host.mi, wi),
        });
        Ok(())
    }

    /// A battery: a grid-forming generator at its own bus, its initial
    /// state, and its damageable site.
    fn battery(&mut self, host: Host<'_>, bt: &BatterySpec) -> Result<(), ScenarioError> {
        let ok = bt.energy_kwh > 0.0
            && bt.power_kw > 0.0
            && (0.0..=1.0).contains(&bt.soc_min)
            && bt.soc_min < bt.soc_max
            && bt.soc_max <= 1.0
            && (bt.soc_min..=bt.soc_max).contains(&bt.soc0)
            && bt.efficiency > 0.0
            && bt.efficiency <= 1.0
            && bt.soh > 0.0
            && bt.soh <= 1.0;
        if !ok {
            return Err(bad(format!(
                "{}: battery `{}`: expected energy_kwh > 0, power_kw > 0, 0 <= soc_min <= soc0 <= soc_max <= 1, efficiency and soh in (0, 1]",
                (self.at)(&bt.id),
                bt.id
            )));
        }
        let (b, _) = self.attach(host, &bt.id, bt.lat, bt.lon)?;
        self.gens
            .push(grid_forming_gen(&bt.id, b, bt.power_kw / 1000.0));
        self.batteries.push((
            Battery {
                id: bt.id.clone(),
                bus: b,
                energy_mwh: bt.energy_kwh / 1000.0,
                power_mw: bt.power_kw / 1000.0,
                eta_charge: bt.efficiency,
                eta_discharge: bt.efficiency,
                soc: bt.soc0,
                soc_min: bt.soc_min,
                soc_max: bt.soc_max,
                soh: bt.soh,
                in_service: true,
            },
            self.gens.len() - 1,
            host.mi,
        ));
        self.sites.push(Site {
            id: bt.id.clone(),
            kind: SiteKind::Battery(self.batteries.len() - 1),
            lat: bt.lat,
            lon: bt.lon,
            fragility: "EPP1".into(),
            microgrid: Some(host.mi),
            critical_mw: 0.0,
            ground_m: host.mg.ground_m,
        });
        Ok(())
    }

    /// A diesel: a grid-forming generator at its own bus, its initial state
    /// (HOMER fuel curve), and its damageable site.
    fn diesel(&mut self, host: Host<'_>, d: &DieselSpec) -> Result<(), ScenarioError> {
        if !(d.rated_kw > 0.0 && d.fuel_l >= 0.0) {
            return Err(bad(format!(
                "{}: diesel `{}`: expected rated_kw > 0 and fuel_l >= 0",
                (self.at)(&d.id),
                d.id
            )));
        }
        let (b, _) = self.attach(host, &d.id, d.lat, d.lon)?;
        self.gens
            .push(grid_forming_gen(&d.id, b, d.rated_kw / 1000.0));
        self.diesels.push((
            Diesel {
                id: d.id.clone(),
                bus: b,
                rated_mw: d.rated_kw / 1000.0,
                fuel_l: d.fuel_l,
                f0_l_per_mwh_rated: Diesel::HOMER_F0,
                f1_l_per_mwh: Diesel::HOMER_F1,
                in_service: true,
            },
            self.gens.len() - 1,
            host.mi,
        ));
        self.sites.push(Site {
            id: d.id.clone(),
            kind: SiteKind::Diesel(self.diesels.len() - 1),
            lat: d.lat,
            lon: d.lon,
            fragility: "EPP1".into(),
            microgrid: Some(host.mi),
            critical_mw: 0.0,
            ground_m: host.mg.ground_m,
        });
        Ok(())
    }

    /// Tie `ti` (after all microgrids are built). Tie lines: a line from
    /// one PCC bus to a tie-end bus beside the other microgrid, and a
    /// normally-open switch from there to its PCC bus.
    fn tie(&mut self, ti: usize, t: &TieSpec) -> Result<(), ScenarioError> {
        let n = self.n;
        let at_t = (self.at)(&format!("tie.{ti}"));
        let find = |name: &str| {
            self.microgrids
                .iter()
                .position(|m: &Microgrid| m.name == name)
        };
        let (Some(a), Some(b)) = (find(&t.from), find(&t.to)) else {
            return Err(bad(format!(
                "{at_t}: [[tie]] {} -> {}: both ends must name a [[microgrid]]",
                t.from, t.to
            )));
        };
        if a == b || !(t.rating_kw.is_finite() && t.rating_kw > 0.0) {
            return Err(bad(format!(
                "{at_t}: [[tie]] {} -> {}: expected two different microgrids and rating_kw > 0",
                t.from, t.to
            )));
        }
        let (ma, mb) = (self.microgrids[a].clone(), self.microgrids[b].clone());
        let km = match t.length_km {
            Some(k) if k.is_finite() && k > 0.0 => k,
            Some(k) => {
                return Err(bad(format!(
                    "{at_t}: [[tie]] length_km must be positive, got {k}"
                )));
            }
            None => haversine_km(ma.lat, ma.lon, mb.lat, mb.lon) * n.route_factor,
        };
        let (r, x) = self.line(km);
        let end = self.bus(
            self.next_id,
            BusKind::Pq,
            mb.lat,
            mb.lon,
            format!("tie {}-{} end", ma.name, mb.name),
        );
        self.next_id += 1;
        self.branches.push(Branch {
            id: format!("tie-{}-{}", ma.name, mb.name),
            from: ma.pcc_bus,
            to: end,
            r,
            x,
            b: 0.0,
            rate_a_mva: t.rating_kw / 1000.0,
            ratio: 0.0,
            shift_deg: 0.0,
            in_service: true,
        });
        let branch = self.branches.len() - 1;
        self.switches.push(Switch {
            id: format!("tie-{}-{}-switch", ma.name, mb.name),
            from: end,
            to: mb.pcc_bus,
            closed: false,
            in_service: true,
        });
        self.sites.push(Site {
            id: format!("tie-{}-{}", ma.name, mb.name),
            kind: SiteKind::Feeder(branch),
            lat: 0.5 * (ma.lat + mb.lat),
            lon: 0.5 * (ma.lon + mb.lon),
            fragility: t
                .fragility
                .clone()
                .unwrap_or_else(|| n.feeder_fragility.clone()),
            microgrid: Some(a),
            critical_mw: 0.0,
            ground_m: self.sc.microgrids[a].ground_m,
        });
        self.ties.push(Tie {
            name: format!("tie-{}-{}", ma.name, mb.name),
            from: a,
            to: b,
            branch,
            switch: self.switches.len() - 1,
            site: self.sites.len() - 1,
            rating_mw: t.rating_kw / 1000.0,
        });
        Ok(())
    }

    /// Mobile generator slots: one per microgrid at its PCC bus (a
    /// grid-forming generator and a diesel, out of service until a truck
    /// arrives), after every other generator and diesel.
    fn mobile_slots(&mut self) -> Result<(), ScenarioError> {
        let r = &self.sc.restoration;
        if r.mobile_generators == 0 {
            return Ok(());
        }
        if !(r.mobile_generator_kw > 0.0
            && r.mobile_fuel_l >= 0.0
            && r.mobile_arrival_h >= 0.0
            && r.mobile_interval_h >= 0.0)
        {
            return Err(bad(format!(
                "{}: mobile generators: expected mobile_generator_kw > 0, mobile_fuel_l >= 0, mobile_arrival_h >= 0 and mobile_interval_h >= 0",
                (self.at)("mobile_generators")
            )));
        }
        for mi in 0..self.microgrids.len() {
            let id = format!("{}-mobile", self.microgrids[mi].name);
            let bus = self.microgrids[mi].pcc_bus;
            let mut g = grid_forming_gen(&id, bus, r.mobile_generator_kw / 1000.0);
            g.in_service = false;
            self.gens.push(g);
            self.diesels.push((
                Diesel {
                    id,
                    bus,
                    rated_mw: r.mobile_generator_kw / 1000.0,
                    fuel_l: r.mobile_fuel_l,
                    f0_l_per_mwh_rated: Diesel::HOMER_F0,
                    f1_l_per_mwh: Diesel::HOMER_F1,
                    in_service: false,
                },
                self.gens.len() - 1,
                mi,
            ));
            self.mobile.push(self.diesels.len() - 1);
        }
        Ok(())
    }

    /// The network (checked by [`Network::new`]: an error here is a bug of
    /// this generator) and the community around it.
    fn finish(self) -> Result<Community, ScenarioError> {
        let n = self.n;
        let net = Network::new(
            BASE_MVA,
            self.buses,
            self.branches,
            self.gens,
            self.loads_net,
            Vec::new(),
            self.switches,
        )
        .map_err(|e| bad(format!("internal: the generated network is invalid: {e}")))?;
        Ok(Community {
            net,
            microgrids: self.microgrids,
            loads: self.loads,
            pvs: self.pvs,
            winds: self.winds,
            batteries: self.batteries,
            diesels: self.diesels,
            mobile: self.mobile,
            sites: self.sites,
            substation: (n.substation_lat, n.substation_lon),
            import_limit_mw: n.import_limit_kw / 1000.0,
            ties: self.ties,
            feeder_rating_mw: n.feeder_rating_kw / 1000.0,
        })
    }
}

fn grid_forming_gen(id: &str, bus: usize, p_mw: f64) -> Gen {
    Gen {
        id: id.to_string(),
        bus,
        pg_mw: 0.0,
        qg_mvar: 0.0,
        qmax_mvar: p_mw,
        qmin_mvar: -p_mw,
        vg: 1.0,
        pmax_mw: p_mw,
        pmin_mw: -p_mw,
        in_service: true,
    }
}

fn check_coord(lat: f64, lon: f64, at: &str) -> Result<(), ScenarioError> {
    if !(lat.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && lon.is_finite()
        && (-180.0..=180.0).contains(&lon))
    {
        return Err(ScenarioError::Invalid(format!(
            "{at}: coordinates ({lat}, {lon}) are not a latitude in [-90, 90] and a longitude in [-180, 180] (degrees)"
        )));
    }
    Ok(())
}
