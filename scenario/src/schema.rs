//! The scenario file (TOML): its fields, units and defaults.
//!
//! Every table rejects unknown keys, so a typo is an error that names the
//! file, line and column. Units are in the key names (`_kw`, `_kwh`, `_km`,
//! `_h`, `_deg`, `_l`). See `examples/scenarios/README.md` for a
//! field-by-field description with examples.

use grid_model::Priority;
use serde::{Deserialize, Serialize};

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Name, description, time frame, replicas and seed.
    pub scenario: Meta,
    /// How the network is built.
    pub network: NetworkSpec,
    /// The microgrids of the community.
    #[serde(rename = "microgrid", default)]
    pub microgrids: Vec<MicrogridSpec>,
    /// The hazard.
    pub hazard: HazardSpec,
    /// Availability of the upstream (bulk) grid.
    #[serde(default)]
    pub upstream: UpstreamSpec,
    /// Repair crews and dispatch.
    #[serde(default)]
    pub restoration: RestorationSpec,
    /// Normally-open tie lines between microgrids.
    #[serde(rename = "tie", default)]
    pub ties: Vec<TieSpec>,
    /// A stochastic event set: every replica samples its own event around
    /// the `[hazard]` (absent: every replica has the `[hazard]` event).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_set: Option<EventSetSpec>,
    /// The response policy.
    #[serde(default)]
    pub policy: PolicySpec,
}

/// Scenario metadata and time frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short name (used in outputs).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Sources of the published parameters used.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Start of the simulation (the event time), RFC 3339 with a UTC offset,
    /// e.g. `2016-04-16T01:25:00+09:00`.
    pub start: String,
    /// Simulated span, e.g. `7d`.
    #[serde(default = "default_horizon")]
    pub horizon: String,
    /// Control interval, e.g. `15min`.
    #[serde(default = "default_interval")]
    pub control_interval: String,
    /// Number of replicas.
    #[serde(default = "default_replicas")]
    pub replicas: u32,
    /// Master seed.
    #[serde(default)]
    pub seed: u64,
}

fn default_horizon() -> String {
    "7d".into()
}
fn default_interval() -> String {
    "15min".into()
}
fn default_replicas() -> u32 {
    100
}

/// The network generator's parameters (the "community" builder, see
/// `scenario::community`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// Network kind: only `community` for now.
    #[serde(default)]
    pub kind: NetworkKind,
    /// Name of the distribution substation that feeds the community.
    #[serde(default = "default_substation")]
    pub substation: String,
    /// Substation latitude (degrees north).
    pub substation_lat: f64,
    /// Substation longitude (degrees east).
    pub substation_lon: f64,
    /// Distribution voltage (kV).
    #[serde(default = "default_kv")]
    pub base_kv: f64,
    /// Feeder series resistance (ohm/km).
    #[serde(default = "default_r")]
    pub r_ohm_per_km: f64,
    /// Feeder series reactance (ohm/km).
    #[serde(default = "default_x")]
    pub x_ohm_per_km: f64,
    /// Route factor: line length over straight-line distance.
    #[serde(default = "default_route")]
    pub route_factor: f64,
    /// Import limit of the substation (kW).
    #[serde(default = "default_import")]
    pub import_limit_kw: f64,
    /// Fragility class of the substation (HAZUS id, e.g. `ESS1`).
    #[serde(default = "default_ss_frag")]
    pub substation_fragility: String,
    /// Fragility class of feeder sections (e.g. `EDC2`).
    #[serde(default = "default_feeder_frag")]
    pub feeder_fragility: String,
    /// Site Vs30 (m/s) for ground motion.
    #[serde(default = "default_vs30")]
    pub vs30: f64,
    /// Multiplies the median of every earthquake fragility curve (1 = the
    /// published HAZUS curves; above 1 = sturdier equipment, e.g. stricter
    /// seismic design than the US classes HAZUS describes). An assumption
    /// to state in the scenario when it is not 1.
    #[serde(default = "one_f")]
    pub fragility_median_factor: f64,
    /// Ground elevation of the substation (m, the flood datum).
    #[serde(default)]
    pub substation_ground_m: f64,
    /// Thermal rating of each feeder (kW): the capacity of a feeder as a
    /// sharing path while the upstream grid is down.
    #[serde(default = "default_feeder_rating")]
    pub feeder_rating_kw: f64,
}

/// About 6 MW: a 6.6 kV feeder at roughly 525 A (an assumption typical of
/// Japanese 6.6 kV distribution lines, not a cited rating).
fn default_feeder_rating() -> f64 {
    6000.0
}

/// A stochastic event set around the scenario's hazard (see
/// `disaster_scenarios::eventset`). Earthquakes: magnitude from a truncated
/// Gutenberg-Richter law on `[m_min, m_max]` with `b_value`, epicentre
/// uniform within `radius_km` of the `[hazard]` epicentre, strike normal
/// around the `[hazard]` strike with `strike_sigma_deg`, rupture length and
/// width from Wells & Coppersmith (1994). Typhoons: the track shifted
/// across and along its motion (normal, `cross_track_sigma_km`,
/// `along_track_sigma_km`) and its pressure deficit scaled by a log-normal
/// factor (`intensity_sigma`). Floods and `none`: not supported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSetSpec {
    /// Gutenberg-Richter b-value.
    #[serde(default = "one_f")]
    pub b_value: f64,
    /// Smallest magnitude (default: the `[hazard]` magnitude - 1).
    #[serde(default)]
    pub m_min: Option<f64>,
    /// Largest magnitude (default: the `[hazard]` magnitude + 0.5).
    #[serde(default)]
    pub m_max: Option<f64>,
    /// Epicentre radius (km).
    #[serde(default)]
    pub radius_km: f64,
    /// Strike standard deviation (degrees).
    #[serde(default)]
    pub strike_sigma_deg: f64,
    /// Cross-track shift standard deviation (km).
    #[serde(default)]
    pub cross_track_sigma_km: f64,
    /// Along-track shift standard deviation (km).
    #[serde(default)]
    pub along_track_sigma_km: f64,
    /// Standard deviation of the log pressure-deficit factor.
    #[serde(default)]
    pub intensity_sigma: f64,
}

/// A normally-open tie line between two microgrids' PCC buses, closed by
/// the agents to share energy while the microgrids are islanded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TieSpec {
    /// One microgrid (name).
    pub from: String,
    /// The other microgrid (name).
    pub to: String,
    /// Thermal rating (kW).
    #[serde(default = "default_tie_rating")]
    pub rating_kw: f64,
    /// Route length (km); default: the straight-line distance between the
    /// two PCCs times the network's route factor.
    #[serde(default)]
    pub length_km: Option<f64>,
    /// Fragility class (default: the feeders' class).
    #[serde(default)]
    pub fragility: Option<String>,
}

fn default_tie_rating() -> f64 {
    1000.0
}

fn default_substation() -> String {
    "substation".into()
}
fn default_kv() -> f64 {
    6.6
}
/// 6.6 kV overhead line, hard-drawn copper 60 mm²: about 0.30 ohm/km
/// resistance and 0.35 ohm/km reactance (typical Japanese distribution
/// values; an assumption, not a cited standard).
fn default_r() -> f64 {
    0.30
}
fn default_x() -> f64 {
    0.35
}
fn default_route() -> f64 {
    1.3
}
fn default_import() -> f64 {
    1.0e9
}
fn default_ss_frag() -> String {
    "ESS1".into()
}
fn default_feeder_frag() -> String {
    "EDC2".into()
}
fn default_vs30() -> f64 {
    400.0
}

/// One microgrid: a set of facilities and sources behind a point of common
/// coupling (PCC) on the community feeder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MicrogridSpec {
    /// Name (unique).
    pub name: String,
    /// PCC latitude.
    pub lat: f64,
    /// PCC longitude.
    pub lon: f64,
    /// Ground elevation of the microgrid's equipment (m, the flood datum).
    #[serde(default)]
    pub ground_m: f64,
    /// Loads.
    #[serde(rename = "load", default)]
    pub loads: Vec<LoadSpec>,
    /// PV systems.
    #[serde(rename = "pv", default)]
    pub pvs: Vec<PvSpec>,
    /// Batteries (grid-forming inverters).
    #[serde(rename = "battery", default)]
    pub batteries: Vec<BatterySpec>,
    /// Diesel generators (grid-forming).
    #[serde(rename = "diesel", default)]
    pub diesels: Vec<DieselSpec>,
    /// Wind turbines.
    #[serde(rename = "wind", default)]
    pub winds: Vec<WindSpec>,
}

/// A wind turbine (grid-following), with a generic cubic power curve and a
/// hub-height wind-speed profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindSpec {
    /// Id.
    pub id: String,
    /// Rated power (kW).
    pub rated_kw: f64,
    /// Cut-in speed (m/s).
    #[serde(default = "default_cut_in")]
    pub cut_in_ms: f64,
    /// Rated speed (m/s).
    #[serde(default = "default_rated_speed")]
    pub rated_ms: f64,
    /// Cut-out speed (m/s).
    #[serde(default = "default_cut_out")]
    pub cut_out_ms: f64,
    /// Hub-height wind speed profile (CSV `time,speed_ms`), relative to the
    /// scenario file.
    pub wind_profile: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

fn default_cut_in() -> f64 {
    3.0
}
fn default_rated_speed() -> f64 {
    12.0
}
fn default_cut_out() -> f64 {
    25.0
}

/// Load class: selects the daily shape and the default priority; in files
/// `hospital`, `shelter`, `water_pump`, `residential` or `commercial`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadClass {
    /// Hospital (critical).
    Hospital,
    /// Evacuation shelter (critical).
    Shelter,
    /// Water pumping station (critical).
    WaterPump,
    /// Residential block (normal).
    Residential,
    /// Commercial block (essential).
    Commercial,
}

/// The kind of network a scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NetworkKind {
    /// The generated community: one feeder and PCC per microgrid
    /// (`scenario::community`).
    #[default]
    Community,
}

/// A load (a facility or a block of customers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    /// Id (unique in the scenario).
    pub id: String,
    /// Class: `hospital`, `shelter`, `water_pump`, `residential`,
    /// `commercial` (selects the daily shape and default priority).
    pub class: LoadClass,
    /// Peak demand (kW).
    pub peak_kw: f64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Priority: `critical`, `essential` or `normal`; default by class
    /// (hospital, shelter, water_pump: critical; commercial: essential;
    /// residential: normal).
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Fraction of demand that may be curtailed without disconnecting;
    /// default by class (critical 0, essential 0.2, normal 0.3).
    #[serde(default)]
    pub sheddable: Option<f64>,
    /// Customers behind this load (for SAIFI/SAIDI); default 1.
    #[serde(default = "one")]
    pub customers: u32,
    /// Power factor (lagging).
    #[serde(default = "default_pf")]
    pub power_factor: f64,
    /// Demand profile file, relative to the scenario file; replaces the
    /// class shape. CSV: `time,kw` (RFC 3339 times with an offset, kW).
    /// Parquet: a datetime column (UTC) and the column `profile_column`
    /// (e.g. SimBench's `profiles.parquet`). Linear between rows, held
    /// before the first and after the last.
    #[serde(default)]
    pub profile: Option<String>,
    /// Parquet only: the value column.
    #[serde(default)]
    pub profile_column: Option<String>,
    /// Profile values are per unit of `peak_kw` (SimBench profiles are)
    /// instead of kW.
    #[serde(default)]
    pub profile_per_unit: bool,
    /// The profile is a typical year: the scenario's time is moved into the
    /// profile's first year (same offset from 1 January 00:00 UTC).
    #[serde(default)]
    pub profile_typical_year: bool,
}

fn one() -> u32 {
    1
}
fn default_pf() -> f64 {
    0.95
}

/// A PV system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PvSpec {
    /// Id.
    pub id: String,
    /// DC capacity (kW).
    pub dc_kw: f64,
    /// Tilt (degrees from horizontal).
    #[serde(default = "default_tilt")]
    pub tilt_deg: f64,
    /// Azimuth (degrees clockwise from north; 180 = south).
    #[serde(default = "default_az")]
    pub azimuth_deg: f64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

fn default_tilt() -> f64 {
    30.0
}
fn default_az() -> f64 {
    180.0
}

/// A battery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatterySpec {
    /// Id.
    pub id: String,
    /// Energy (kWh).
    pub energy_kwh: f64,
    /// Inverter power (kW).
    pub power_kw: f64,
    /// Initial SoC (fraction).
    #[serde(default = "default_soc0")]
    pub soc0: f64,
    /// SoC floor.
    #[serde(default = "default_socmin")]
    pub soc_min: f64,
    /// SoC ceiling.
    #[serde(default = "default_socmax")]
    pub soc_max: f64,
    /// One-way efficiency (charge = discharge); 0.95 gives 90 % round trip.
    #[serde(default = "default_eta")]
    pub efficiency: f64,
    /// State of health (usable fraction of nameplate energy).
    #[serde(default = "one_f")]
    pub soh: f64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

fn default_soc0() -> f64 {
    0.8
}
fn default_socmin() -> f64 {
    0.1
}
fn default_socmax() -> f64 {
    0.95
}
fn default_eta() -> f64 {
    0.95
}
fn one_f() -> f64 {
    1.0
}

/// A diesel generator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DieselSpec {
    /// Id.
    pub id: String,
    /// Rated power (kW).
    pub rated_kw: f64,
    /// Fuel in the tank at the start (litres).
    pub fuel_l: f64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
}

/// The hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HazardSpec {
    /// An earthquake on a finite fault (or a point source when
    /// `length_km = width_km = 0`).
    Earthquake(EarthquakeSpec),
    /// A tropical cyclone along a best track (Holland wind field).
    Typhoon(TyphoonSpec),
    /// A river flood: polygons with water-surface hydrographs.
    Flood(FloodSpec),
    /// No local damage: only the upstream grid fails (e.g. a system-wide
    /// blackout after a remote event), see `[upstream]`.
    None,
}

/// Tropical-cyclone parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TyphoonSpec {
    /// Best-track CSV (CLIMADA/IBTrACS-style columns `cgps_lat, cgps_lon,
    /// isotime (YYYYMMDDHH, UTC), pcen (hPa), penv (hPa), rmax (nm), vmax
    /// (kn)`), relative to the scenario file.
    pub track: String,
    /// Wind model: `h08` (Holland 2008, CLIMADA's default) or `h80`.
    #[serde(default = "default_wind_model")]
    pub model: String,
    /// Factor from the model's 1-minute sustained wind to the 3-s gust the
    /// pole fragility curves use.
    #[serde(default = "default_gust")]
    pub gust_factor: f64,
    /// Fragility class of a distribution pole (`PW` wood, `PS` steel).
    #[serde(default = "default_pole")]
    pub pole_fragility: String,
    /// Span between poles (m): a feeder of length L has L / span poles, and
    /// fails if any of them fails.
    #[serde(default = "default_span")]
    pub pole_span_m: f64,
}

/// River-flood parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodSpec {
    /// Flooded areas.
    #[serde(rename = "area")]
    pub areas: Vec<FloodArea>,
}

/// One flooded area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodArea {
    /// Name.
    pub name: String,
    /// Polygon vertices `[lon, lat]` (degrees), at least three.
    pub polygon: Vec<[f64; 2]>,
    /// Water-surface elevation hydrograph `[hours after the start, metres
    /// above the datum of the ground elevations]`, hours increasing.
    pub hydrograph: Vec<[f64; 2]>,
}

fn default_wind_model() -> String {
    "h08".into()
}
/// 1-min sustained to 3-s gust over land: about 1.3 (WMO guidelines for
/// converting between wind averaging periods, Harper, Kepert & Ginger 2010,
/// "off-land" exposure); an assumption to adjust per site.
fn default_gust() -> f64 {
    1.3
}
fn default_pole() -> String {
    "PW".into()
}
fn default_span() -> f64 {
    50.0
}

/// Earthquake parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarthquakeSpec {
    /// Ground-motion model: `sm99-crustal`, `sm99-interface`, `sm99-slab`,
    /// `bssa14`.
    #[serde(default = "default_gmpe")]
    pub gmpe: String,
    /// Region for BSSA14: `global`, `japan`, `china-turkey`.
    #[serde(default = "default_region")]
    pub region: String,
    /// Moment magnitude.
    pub magnitude: f64,
    /// Rake (degrees).
    pub rake_deg: f64,
    /// Hypocentre depth (km).
    pub hypo_depth_km: f64,
    /// Fault centroid of the top edge: latitude.
    pub lat: f64,
    /// Fault centroid of the top edge: longitude.
    pub lon: f64,
    /// Strike (degrees).
    #[serde(default)]
    pub strike_deg: f64,
    /// Dip (degrees).
    #[serde(default = "default_dip")]
    pub dip_deg: f64,
    /// Length along strike (km); 0 for a point source.
    #[serde(default)]
    pub length_km: f64,
    /// Down-dip width (km); 0 for a point source.
    #[serde(default)]
    pub width_km: f64,
    /// Depth of the top edge (km).
    #[serde(default)]
    pub top_depth_km: f64,
    /// Sample spatially correlated within-event residuals (Jayaram & Baker
    /// 2009) and an inter-event residual; false uses medians.
    #[serde(default = "yes")]
    pub residuals: bool,
}

fn default_gmpe() -> String {
    "sm99-crustal".into()
}
fn default_region() -> String {
    "global".into()
}
fn default_dip() -> f64 {
    90.0
}
fn yes() -> bool {
    true
}

/// Upstream grid availability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSpec {
    /// The bulk grid is lost at the event time.
    #[serde(default)]
    pub blackout: bool,
    /// Restoration curve of the bulk grid: `[hours after the event,
    /// fraction of customers restored]`, increasing; each replica samples
    /// the community's restoration time from it (inverse CDF, linear
    /// between points).
    #[serde(default)]
    pub restore_curve: Vec<[f64; 2]>,
}

/// Repair crews.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestorationSpec {
    /// Number of crews.
    #[serde(default = "default_crews")]
    pub crews: u32,
    /// Crew travel speed (km/h).
    #[serde(default = "default_speed")]
    pub travel_speed_kmh: f64,
    /// Hours before crews start work (mobilisation, inspection).
    #[serde(default = "default_mobilisation")]
    pub mobilisation_h: f64,
    /// Mobile generator trucks sent to the community (0: none).
    #[serde(default)]
    pub mobile_generators: u32,
    /// Rating of one truck (kW).
    #[serde(default = "default_mobile_kw")]
    pub mobile_generator_kw: f64,
    /// Fuel one truck carries (litres; no refuelling is modelled).
    #[serde(default = "default_mobile_fuel")]
    pub mobile_fuel_l: f64,
    /// Hours after the event when the first truck connects; each further
    /// truck `mobile_interval_h` later.
    #[serde(default = "default_mobile_arrival")]
    pub mobile_arrival_h: f64,
    /// Hours between truck arrivals.
    #[serde(default = "default_mobile_interval")]
    pub mobile_interval_h: f64,
}

fn default_mobile_kw() -> f64 {
    500.0
}
fn default_mobile_fuel() -> f64 {
    3000.0
}
fn default_mobile_arrival() -> f64 {
    12.0
}
fn default_mobile_interval() -> f64 {
    2.0
}

fn default_crews() -> u32 {
    2
}
fn default_speed() -> f64 {
    20.0
}
fn default_mobilisation() -> f64 {
    2.0
}

impl Default for RestorationSpec {
    fn default() -> Self {
        RestorationSpec {
            crews: default_crews(),
            travel_speed_kmh: default_speed(),
            mobilisation_h: default_mobilisation(),
            mobile_generators: 0,
            mobile_generator_kw: default_mobile_kw(),
            mobile_fuel_l: default_mobile_fuel(),
            mobile_arrival_h: default_mobile_arrival(),
            mobile_interval_h: default_mobile_interval(),
        }
    }
}

/// The response policy: the decision maker's strategy and the settings of
/// the agents (see the `agents` crate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Strategy: `none` (each microgrid alone, the baseline), `priority`
    /// (greedy critical-first sharing), `optimal` (receding-horizon LP) or
    /// `market` (P2P double auction with an emergency mode).
    #[serde(default = "default_policy")]
    pub kind: String,
    /// Local controller: SoC fraction under which normal loads are shed
    /// while islanded.
    #[serde(default = "default_rn")]
    pub reserve_normal: f64,
    /// Local controller: SoC fraction under which essential loads are shed
    /// while islanded.
    #[serde(default = "default_re")]
    pub reserve_essential: f64,
    /// Planning horizon (e.g. `24h`).
    #[serde(default = "default_plan_horizon")]
    pub horizon: String,
    /// Planning period after the first interval (e.g. `1h`).
    #[serde(default = "default_plan_block")]
    pub block: String,
    /// Disaster analyzer: planned outage length after the event (h).
    #[serde(default = "default_assumed_outage")]
    pub assumed_outage_h: f64,
    /// Disaster analyzer: planned minimum remaining outage while islanded (h).
    #[serde(default = "default_min_remaining")]
    pub min_remaining_h: f64,
    /// Write the decision log (`decisions.parquet`).
    #[serde(default = "default_true")]
    pub log_decisions: bool,
    /// Disaster analyzer: ask the scenario's knowledge graph (crate
    /// `ontology`) which critical loads are without power every interval
    /// and log each change. Off by default: it adds a graph update and a
    /// rule evaluation per interval and replica.
    #[serde(default)]
    pub knowledge_graph: bool,
}

fn default_policy() -> String {
    "none".into()
}
fn default_rn() -> f64 {
    0.5
}
fn default_re() -> f64 {
    0.25
}
fn default_plan_horizon() -> String {
    "24h".into()
}
fn default_plan_block() -> String {
    "1h".into()
}
fn default_assumed_outage() -> f64 {
    72.0
}
fn default_min_remaining() -> f64 {
    48.0
}
fn default_true() -> bool {
    true
}

impl Default for PolicySpec {
    fn default() -> Self {
        PolicySpec {
            kind: default_policy(),
            reserve_normal: default_rn(),
            reserve_essential: default_re(),
            horizon: default_plan_horizon(),
            block: default_plan_block(),
            assumed_outage_h: default_assumed_outage(),
            min_remaining_h: default_min_remaining(),
            log_decisions: true,
            knowledge_graph: false,
        }
    }
}
