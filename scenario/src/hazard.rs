//! The hazard of a scenario at the community's sites: intensities, damage
//! states, failure and repair times, per replica.
//!
//! Earthquake (the only local hazard wired in so far):
//!
//! - distances Rrup and Rjb from a rectangular fault plane (top-edge
//!   centroid, strike, dip, length, width, top depth; a point source when
//!   the length or width is 0), computed by `disaster_scenarios::rupture`;
//! - PGA median and log standard deviations from the chosen ground-motion
//!   model (`disaster_scenarios::gmpe`), at the network's Vs30;
//! - per replica: one inter-event residual `tau * z` and within-event
//!   residuals `phi * e` with `e` spatially correlated by the Jayaram & Baker
//!   (2009) model for PGA, `rho(h) = exp(-3 h / b)` with `b = 8.5 km` (their
//!   case 1, T = 0; Earthquake Engng Struct. Dyn. 38:1687-1708), sampled by
//!   `disaster_scenarios::correlation` (exact for up to 65 sites);
//!   models without a tau/phi split use the total sigma as within-event;
//! - damage state per site from the site's fragility class (HAZUS 5.1,
//!   `disaster_scenarios::fragility`), one uniform draw from the site's
//!   named stream; a site is out of service from the damage state given by
//!   [`failure_state`] on;
//! - repair: durations by component and damage state from HAZUS 5.1's
//!   restoration functions (`disaster_scenarios::restoration`; its data file
//!   marks which parameters are unverified), crews (`[restoration] crews`)
//!   leave the substation, may start a job `mobilisation_h` after the site
//!   failed, travel at `travel_speed_kmh` (great-circle distance times 1.3),
//!   and take sites feeding critical loads first
//!   (`disaster_scenarios::restoration::dispatch`).

use disaster_scenarios::correlation::{CorrelatedField, Vs30Clustering, jb09_range_km};
use disaster_scenarios::flood::{FloodModel, FloodPolygon};
use disaster_scenarios::fragility::{CurveShape, FragilityLibrary};
use disaster_scenarios::gmpe::{GmpeInput, Imt, model_by_name};
use disaster_scenarios::restoration::{Component, Crew, RepairJob, RestorationTable, dispatch};
use disaster_scenarios::rupture::{FaultPlane, KM_PER_DEG, Rupture};
use disaster_scenarios::wind::{Track, WindField, WindModel};
use sim_core::rng::{Stream, stream};
use sim_core::time::SimTime;

use crate::ScenarioError;
use crate::community::{Community, SiteKind, haversine_km};
use crate::schema::{EarthquakeSpec, HazardSpec, RestorationSpec, ScenarioFile};

/// One damaged site in one replica.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteDamage {
    /// Site index.
    pub site: usize,
    /// Damage state (1 = slight ... 4 = complete).
    pub damage_state: u8,
    /// Intensity at the site (g for PGA).
    pub intensity: f64,
    /// Hours after the event when it fails.
    pub fail_h: f64,
    /// Hours after the event when it is repaired (None: not within the
    /// schedule).
    pub repair_h: Option<f64>,
}

/// Replica-independent hazard data.
#[derive(Debug, Clone)]
pub struct Prepared {
    quake: Option<Quake>,
    storm: Option<Storm>,
    flood: Option<Flood>,
    ids: Vec<String>,
    median_factor: f64,
}

/// Per-site flood failure and recession times.
#[derive(Debug, Clone)]
struct Flood {
    /// Per site: (hours when the depth first reaches the site's critical
    /// depth, hours when it is back below it, peak depth m).
    sites: Vec<Option<(f64, f64, f64)>>,
    model: FloodModel,
    areas: Vec<Vec<(f64, f64)>>,
}

/// Per-site peak gust and its time, and per-feeder pole counts.
#[derive(Debug, Clone)]
struct Storm {
    /// Peak 3-s gust (m/s) per site.
    gust: Vec<f64>,
    /// Hours after the scenario start of the peak, per site.
    peak_h: Vec<f64>,
    /// Poles per site (feeders; 0 for sites the wind does not damage).
    poles: Vec<u32>,
    /// Pole fragility class id.
    pole_class: String,
    /// Track points (lon, lat) for the map.
    trace: Vec<(f64, f64)>,
    field: WindField,
    gust_factor: f64,
}

#[derive(Debug, Clone)]
struct Quake {
    spec: EarthquakeSpec,
    ln_median: Vec<f64>,
    tau: f64,
    phi: Vec<f64>,
    field: CorrelatedField,
    vs30: f64,
}

/// The rupture of an earthquake spec: a rectangular plane whose top edge is
/// centred on (`lat`, `lon`), or a point source at the hypocentre depth when
/// the length or width is 0 (`disaster_scenarios::rupture`).
pub fn rupture(q: &EarthquakeSpec) -> Result<Rupture, String> {
    if q.length_km <= 0.0 || q.width_km <= 0.0 {
        return Rupture::point(q.magnitude, q.rake_deg, q.lat, q.lon, q.hypo_depth_km)
            .map_err(|e| e.to_string());
    }
    // Start of the top edge: half a length back along strike.
    let st = q.strike_deg.to_radians();
    let half = q.length_km / 2.0;
    let lat0 = q.lat - half * st.cos() / KM_PER_DEG;
    let lon0 = q.lon - half * st.sin() / (KM_PER_DEG * q.lat.to_radians().cos());
    let plane = FaultPlane {
        lat: lat0,
        lon: lon0,
        top_depth: q.top_depth_km.max(0.0),
        strike: q.strike_deg,
        dip: q.dip_deg,
        length: q.length_km,
        width: q.width_km,
    };
    Rupture::finite(
        q.magnitude,
        q.rake_deg,
        (q.lat, q.lon, q.hypo_depth_km),
        &[plane],
    )
    .map_err(|e| e.to_string())
}

/// Rrup and Rjb (km) of a site from the fault of `q` (infinite if the
/// fault is invalid).
pub fn fault_distances(q: &EarthquakeSpec, lat: f64, lon: f64) -> (f64, f64) {
    match rupture(q) {
        Ok(r) => r.distances(lat, lon),
        Err(_) => (f64::INFINITY, f64::INFINITY),
    }
}

/// The inverse of a restoration curve `[hours, fraction]` at `u` in [0, 1):
/// the hours at which that fraction is restored (linear between points,
/// starting at (0, 0)); None when `u` is above the curve's last fraction.
pub fn invert_curve(curve: &[[f64; 2]], u: f64) -> Option<f64> {
    let mut prev = [0.0, 0.0];
    for p in curve {
        if u <= p[1] {
            let span = p[1] - prev[1];
            let f = if span > 0.0 {
                (u - prev[1]) / span
            } else {
                0.0
            };
            return Some(prev[0] + f * (p[0] - prev[0]));
        }
        prev = *p;
    }
    None
}

/// The lowest damage state at which a site is out of service: moderate (2)
/// for the substation (HAZUS: 40 % of disconnect switches and breakers
/// failed), extensive (3) for feeders (HAZUS: 50 % of a circuit's
/// components failed) and for PV, batteries and diesels (HAZUS generation
/// plant "extensive": the plant is out). A documented modelling choice.
pub fn failure_state(kind: SiteKind) -> u8 {
    match kind {
        SiteKind::Substation => 2,
        _ => 3,
    }
}

impl Prepared {
    /// Prepares the hazard of `sc` at the sites of `c`.
    pub fn new(
        sc: &ScenarioFile,
        c: &Community,
        start_unix: i64,
        base_dir: &std::path::Path,
        at: &dyn Fn(&str) -> String,
    ) -> Result<Prepared, ScenarioError> {
        Prepared::new_shifted(sc, c, start_unix, base_dir, at, None)
    }

    /// As [`Prepared::new`], with the typhoon track shifted (event sets).
    pub fn new_shifted(
        sc: &ScenarioFile,
        c: &Community,
        start_unix: i64,
        base_dir: &std::path::Path,
        at: &dyn Fn(&str) -> String,
        shift: Option<&disaster_scenarios::eventset::TrackShift>,
    ) -> Result<Prepared, ScenarioError> {
        let lib = FragilityLibrary::builtin()
            .map_err(|e| ScenarioError::Invalid(format!("fragility library: {e}")))?;
        for s in &c.sites {
            lib.get(&s.fragility).ok_or_else(|| {
                ScenarioError::Invalid(format!(
                    "{}: fragility class `{}` of site `{}` is not known (e.g. ESS1..ESS6, EDC1, EDC2, EPP1..EPP4)",
                    at(&s.fragility),
                    s.fragility,
                    s.id
                ))
            })?;
        }
        let storm = match &sc.hazard {
            HazardSpec::Typhoon(t) => {
                Some(prepare_storm(t, sc, c, start_unix, base_dir, at, shift)?)
            }
            _ => None,
        };
        let flood = match &sc.hazard {
            HazardSpec::Flood(f) => Some(prepare_flood(f, sc, c, at)?),
            _ => None,
        };
        let quake = match &sc.hazard {
            HazardSpec::None | HazardSpec::Typhoon(_) | HazardSpec::Flood(_) => None,
            HazardSpec::Earthquake(q) => {
                let model = model_by_name(&q.gmpe, &q.region)
                    .map_err(|e| ScenarioError::Invalid(format!("{}: {e}", at("gmpe"))))?;
                let (lat0, lon0) = c.substation;
                let d0 = haversine_km(q.lat, q.lon, lat0, lon0);
                if d0 > 300.0 {
                    return Err(ScenarioError::Invalid(format!(
                        "{}: the earthquake is {d0:.0} km from the network's substation; expected the hazard within 300 km of the network",
                        at("magnitude")
                    )));
                }
                if !(q.magnitude.is_finite() && (4.0..=9.5).contains(&q.magnitude)) {
                    return Err(ScenarioError::Invalid(format!(
                        "{}: magnitude must be in [4, 9.5], got {}",
                        at("magnitude"),
                        q.magnitude
                    )));
                }
                let n = c.sites.len();
                let mut ln_median = Vec::with_capacity(n);
                let mut phi = Vec::with_capacity(n);
                let mut tau = 0.0;
                for s in &c.sites {
                    let (rrup, rjb) = fault_distances(q, s.lat, s.lon);
                    let input = GmpeInput {
                        mag: q.magnitude,
                        rake: q.rake_deg,
                        hypo_depth: q.hypo_depth_km,
                        rrup,
                        rjb,
                        vs30: sc.network.vs30,
                    };
                    let gm = model.compute(&input, Imt::Pga).map_err(|e| {
                        ScenarioError::Invalid(format!(
                            "{}: ground motion at `{}`: {e}",
                            at("gmpe"),
                            s.id
                        ))
                    })?;
                    ln_median.push(gm.ln_median());
                    tau = gm.sigma_inter.unwrap_or(0.0);
                    phi.push(gm.sigma_intra.unwrap_or(gm.sigma_total));
                }
                // Within-event correlation: Jayaram & Baker (2009), PGA, case 1
                // (b = 8.5 km); exact conditioning for communities of up to 64
                // sites, the Vecchia approximation beyond
                // (`disaster_scenarios::correlation`).
                let (lat0, lon0) = c.substation;
                let xy: Vec<(f64, f64)> = c
                    .sites
                    .iter()
                    .map(|s| {
                        (
                            (s.lon - lon0) * KM_PER_DEG * lat0.to_radians().cos(),
                            (s.lat - lat0) * KM_PER_DEG,
                        )
                    })
                    .collect();
                let range = jb09_range_km(0.0, Vs30Clustering::NotClustered);
                let field = CorrelatedField::new(&xy, range, n.saturating_sub(1).clamp(1, 64))
                    .map_err(|e| ScenarioError::Invalid(format!("correlated residuals: {e}")))?;
                Some(Quake {
                    spec: q.clone(),
                    ln_median,
                    tau,
                    phi,
                    field,
                    vs30: sc.network.vs30,
                })
            }
        };
        let ids = c.sites.iter().map(|s| s.id.clone()).collect();
        let f = sc.network.fragility_median_factor;
        if !(f.is_finite() && f > 0.0) {
            return Err(ScenarioError::Invalid(format!(
                "{}: fragility_median_factor must be a positive number, got {f}",
                at("fragility_median_factor")
            )));
        }
        Ok(Prepared {
            quake,
            storm,
            flood,
            ids,
            median_factor: f,
        })
    }

    /// PGA (g) per site for one replica.
    fn intensities(&self, seed: u64) -> Vec<f64> {
        let Some(q) = &self.quake else {
            return Vec::new();
        };
        if !q.spec.residuals {
            return q.ln_median.iter().map(|x| x.exp()).collect();
        }
        let mut s = stream(seed, "earthquake", "inter-event");
        let eta = q.tau * s.standard_normal();
        let mut sw = stream(seed, "earthquake", "intra-event");
        let e = q.field.sample(&mut sw);
        q.ln_median
            .iter()
            .zip(&q.phi)
            .zip(&e)
            .map(|((m, phi), e)| (m + eta + phi * e).exp())
            .collect()
    }

    /// Samples damage and repairs for one replica.
    pub fn sample(&self, seed: u64, c: &Community, r: &RestorationSpec) -> Vec<SiteDamage> {
        if let Some(fl) = &self.flood {
            // Deterministic threshold model: the site fails when the water
            // reaches its critical depth (protective de-energisation), and
            // repairs may start once the water is back below it.
            let mut out: Vec<SiteDamage> = fl
                .sites
                .iter()
                .enumerate()
                .filter_map(|(i, x)| {
                    x.map(|(fail, recede, depth)| SiteDamage {
                        site: i,
                        damage_state: 3,
                        intensity: depth,
                        fail_h: fail,
                        repair_h: Some(recede),
                    })
                })
                .collect();
            // `repair_h` holds the recession time until crews are dispatched.
            schedule_repairs_after(&mut out, c, r, seed);
            return out;
        }
        if let Some(st) = &self.storm {
            let Ok(lib) = FragilityLibrary::builtin() else {
                return Vec::new();
            };
            let Some(class) = lib.get(&st.pole_class) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for (i, _) in c.sites.iter().enumerate() {
                if st.poles[i] == 0 {
                    continue;
                }
                // The feeder fails if any of its poles fails (independent poles).
                let p_pole = class.exceedance(st.gust[i]).first().copied().unwrap_or(0.0);
                let p_fail = 1.0 - (1.0 - p_pole).powf(f64::from(st.poles[i]));
                let mut s: Stream = stream(seed, &self.ids[i], "wind-damage");
                if s.uniform() < p_fail {
                    out.push(SiteDamage {
                        site: i,
                        damage_state: 4,
                        intensity: st.gust[i],
                        fail_h: st.peak_h[i].max(0.0),
                        repair_h: None,
                    });
                }
            }
            schedule_repairs(&mut out, c, r, seed);
            return out;
        }
        let pga = self.intensities(seed);
        if pga.is_empty() {
            return Vec::new();
        }
        let Ok(lib) = FragilityLibrary::builtin() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, s) in c.sites.iter().enumerate() {
            let Some(class) = lib.get(&s.fragility) else {
                continue;
            };
            let mut st: Stream = stream(seed, &self.ids[i], "damage");
            // Scaling every lognormal median by f is the same as dividing the
            // intensity by f.
            let ds = class.state_for_uniform(pga[i] / self.median_factor, st.uniform()) as u8;
            if ds >= failure_state(s.kind) {
                out.push(SiteDamage {
                    site: i,
                    damage_state: ds,
                    intensity: pga[i],
                    fail_h: 0.0,
                    repair_h: None,
                });
            }
        }
        schedule_repairs(&mut out, c, r, seed);
        out
    }

    /// The hazard footprint for the map: median PGA on a grid around the
    /// sites, and the fault trace.
    pub fn footprint(&self, c: &Community) -> Footprint {
        if let Some(fl) = &self.flood {
            let (cells, cell) =
                grid_cells(c, |lat, lon| fl.model.max_depth(lat, lon, 0.0).max(0.0));
            let trace = fl.areas.first().cloned().unwrap_or_default();
            return Footprint {
                cells,
                cell,
                label: "peak water-surface elevation above datum (m)".into(),
                trace,
                trace_label: "flood area outline".into(),
            };
        }
        if let Some(st) = &self.storm {
            let (cells, cell) = grid_cells(c, |lat, lon| {
                st.field.max_wind_at(lat, lon) * st.gust_factor
            });
            return Footprint {
                cells,
                cell,
                label: "peak 3-s gust (m/s)".into(),
                trace: st.trace.clone(),
                trace_label: "storm track".into(),
            };
        }
        let Some(q) = &self.quake else {
            return Footprint {
                label: "no local hazard".into(),
                cell: (0.01, 0.01),
                ..Default::default()
            };
        };
        let Ok(model) = model_by_name(&q.spec.gmpe, &q.spec.region) else {
            return Footprint::default();
        };
        let rup = rupture(&q.spec).ok();
        let (cells, (cw, ch)) = grid_cells(c, |lat, lon| {
            let (rrup, rjb) = rup
                .as_ref()
                .map_or((f64::INFINITY, f64::INFINITY), |r| r.distances(lat, lon));
            let input = GmpeInput {
                mag: q.spec.magnitude,
                rake: q.spec.rake_deg,
                hypo_depth: q.spec.hypo_depth_km,
                rrup,
                rjb,
                vs30: q.vs30,
            };
            model.compute(&input, Imt::Pga).map_or(0.0, |gm| gm.median)
        });
        let st = q.spec.strike_deg.to_radians();
        let half = q.spec.length_km / 2.0;
        let ky = KM_PER_DEG;
        let kx = ky * q.spec.lat.to_radians().cos();
        let end = |sgn: f64| {
            (
                q.spec.lon + sgn * half * st.sin() / kx,
                q.spec.lat + sgn * half * st.cos() / ky,
            )
        };
        Footprint {
            cells,
            cell: (cw, ch),
            label: "median PGA (g)".into(),
            trace: vec![end(-1.0), end(1.0)],
            trace_label: "fault trace (top edge)".into(),
        }
    }
}

/// Assigns repair times: durations from HAZUS restoration functions
/// (`disaster_scenarios::restoration`, by component and damage state, drawn
/// from the site's named stream), crews dispatched by
/// `disaster_scenarios::restoration::dispatch` from the substation after
/// the mobilisation time: sites feeding critical loads first.
fn schedule_repairs(jobs: &mut [SiteDamage], c: &Community, r: &RestorationSpec, seed: u64) {
    for j in jobs.iter_mut() {
        j.repair_h = None;
    }
    schedule_repairs_after(jobs, c, r, seed);
}

/// As [`schedule_repairs`], but a job's `repair_h`, when set on entry, is
/// the earliest time work can start (e.g. when flood water recedes).
fn schedule_repairs_after(jobs: &mut [SiteDamage], c: &Community, r: &RestorationSpec, seed: u64) {
    if jobs.is_empty() || r.crews == 0 {
        for j in jobs.iter_mut() {
            j.repair_h = None;
        }
        return;
    }
    let Ok(table) = RestorationTable::builtin() else {
        return;
    };
    let crews: Vec<Crew> = (0..r.crews)
        .map(|k| Crew {
            id: format!("crew-{k}"),
            lat: c.substation.0,
            lon: c.substation.1,
            speed_kmh: r.travel_speed_kmh.max(1e-3),
        })
        .collect();
    let mut list = Vec::with_capacity(jobs.len());
    for d in jobs.iter() {
        let site = &c.sites[d.site];
        let comp = Component::for_class(&site.fragility).unwrap_or(match site.kind {
            SiteKind::Substation => Component::Substation,
            SiteKind::Feeder(_) => Component::DistributionCircuit,
            _ => Component::GenerationPlant,
        });
        let mut s = stream(seed, &site.id, "repair");
        let Ok(duration) = table.sample(comp, d.damage_state.min(4), &mut s) else {
            continue;
        };
        let avail_h = d.repair_h.unwrap_or(d.fail_h).max(d.fail_h) + r.mobilisation_h.max(0.0);
        list.push(RepairJob {
            asset_id: site.id.clone(),
            lat: site.lat,
            lon: site.lon,
            priority: if site.critical_mw > 0.0 { 0 } else { 2 },
            available_at: SimTime::from_millis((avail_h * 3.6e6).round() as u64),
            duration,
        });
    }
    let Ok(assign) = dispatch(&crews, &list, SimTime::ZERO, 1.3) else {
        return;
    };
    for j in jobs.iter_mut() {
        j.repair_h = None;
    }
    for a in assign {
        if let Some(d) = jobs.iter_mut().find(|d| c.sites[d.site].id == a.asset_id) {
            d.repair_h = Some(a.end.as_millis() as f64 / 3.6e6);
        }
    }
}

/// Grid cells (lon, lat, value) and the cell size (degrees lon, lat).
type Cells = (Vec<(f64, f64, f64)>, (f64, f64));

/// A 40 x 40 grid over the sites' bounding box (padded) with `f(lat, lon)`.
fn grid_cells(c: &Community, f: impl Fn(f64, f64) -> f64) -> Cells {
    let (x0, x1, y0, y1) = padded_bounds(c.sites.iter().map(|s| (s.lon, s.lat)));
    let n = 40;
    let (cw, ch) = ((x1 - x0) / n as f64, (y1 - y0) / n as f64);
    let mut cells = Vec::with_capacity(n * n);
    for i in 0..n {
        for j in 0..n {
            let lon = x0 + (i as f64 + 0.5) * cw;
            let lat = y0 + (j as f64 + 0.5) * ch;
            cells.push((lon, lat, f(lat, lon)));
        }
    }
    (cells, (cw, ch))
}

/// Reads the track, builds the wind field and computes each site's peak
/// gust and its time. Feeders are damaged through their poles; the
/// substation, PV, batteries and diesels are not damaged by wind (an
/// assumption: no wind fragility for them is wired in).
fn prepare_storm(
    t: &crate::schema::TyphoonSpec,
    sc: &ScenarioFile,
    c: &Community,
    start_unix: i64,
    base_dir: &std::path::Path,
    at: &dyn Fn(&str) -> String,
    shift: Option<&disaster_scenarios::eventset::TrackShift>,
) -> Result<Storm, ScenarioError> {
    let bad = |m: String| ScenarioError::Invalid(m);
    let path = base_dir.join(&t.track);
    let track = Track::read_csv(&path).map_err(|e| bad(format!("{}: track: {e}", at("track"))))?;
    let track = match shift {
        Some(s) => disaster_scenarios::eventset::shift_track(&track, s),
        None => track,
    };
    let si = track
        .resample(1.0)
        .and_then(|tr| tr.to_si())
        .map_err(|e| bad(format!("{}: track {}: {e}", at("track"), path.display())))?;
    let model = WindModel::from_name(&t.model).map_err(|e| bad(format!("{}: {e}", at("model"))))?;
    if !(t.gust_factor.is_finite() && t.gust_factor >= 1.0 && t.gust_factor <= 2.0) {
        return Err(bad(format!(
            "{}: gust_factor must be in [1, 2], got {}",
            at("gust_factor"),
            t.gust_factor
        )));
    }
    if !(t.pole_span_m.is_finite() && t.pole_span_m > 0.0) {
        return Err(bad(format!(
            "{}: pole_span_m must be positive (m), got {}",
            at("pole_span_m"),
            t.pole_span_m
        )));
    }
    let lib = FragilityLibrary::builtin().map_err(|e| bad(format!("fragility library: {e}")))?;
    if lib.get(&t.pole_fragility).is_none() {
        return Err(bad(format!(
            "{}: pole fragility class `{}` is not known (PW or PS)",
            at("pole_fragility"),
            t.pole_fragility
        )));
    }
    // The track must pass within 300 km of the network.
    let (lat0, lon0) = c.substation;
    let closest = si
        .lat
        .iter()
        .zip(&si.lon)
        .map(|(la, lo)| haversine_km(*la, *lo, lat0, lon0))
        .fold(f64::INFINITY, f64::min);
    if closest > 300.0 {
        return Err(bad(format!(
            "{}: the track passes {closest:.0} km from the network's substation at its closest; expected within 300 km",
            at("track")
        )));
    }
    let trace: Vec<(f64, f64)> = si.lon.iter().copied().zip(si.lat.iter().copied()).collect();
    let times = si.time_s.clone();
    let field = WindField::new(si, model);
    let mut gust = Vec::with_capacity(c.sites.len());
    let mut peak_h = Vec::with_capacity(c.sites.len());
    let mut poles = Vec::with_capacity(c.sites.len());
    for s in &c.sites {
        let mut best = (0.0f64, 0usize);
        for k in 0..times.len() {
            let w = field.wind_at_node(k, s.lat, s.lon);
            let v = w[0].hypot(w[1]);
            if v > best.0 {
                best = (v, k);
            }
        }
        gust.push(best.0 * t.gust_factor);
        peak_h
            .push((times.get(best.1).copied().unwrap_or(start_unix) - start_unix) as f64 / 3600.0);
        let n = match s.kind {
            SiteKind::Feeder(b) => {
                let br = &c.net.branches[b];
                let (f, to) = (&c.net.buses[br.from], &c.net.buses[br.to]);
                let km = match (f.coord, to.coord) {
                    (Some(a), Some(b)) => {
                        haversine_km(a.lat, a.lon, b.lat, b.lon) * sc.network.route_factor
                    }
                    _ => 1.0,
                };
                ((km * 1000.0 / t.pole_span_m).ceil() as u32).max(1)
            }
            _ => 0,
        };
        poles.push(n);
    }
    Ok(Storm {
        gust,
        peak_h,
        poles,
        pole_class: t.pole_fragility.clone(),
        trace,
        field,
        gust_factor: t.gust_factor,
    })
}

/// The flood class of a site: substation FSUB, feeders FPAD (their
/// pad-mounted transformers and switchgear), batteries FBESS, diesels
/// FPLANT; PV (roof-mounted) is not flooded. Depth thresholds are the
/// crate's documented assumptions (`flood_thresholds.csv`).
fn flood_class(kind: SiteKind) -> Option<&'static str> {
    match kind {
        SiteKind::Substation => Some("FSUB"),
        SiteKind::Feeder(_) => Some("FPAD"),
        SiteKind::Battery(_) => Some("FBESS"),
        SiteKind::Diesel(_) => Some("FPLANT"),
        SiteKind::Pv(_) => None,
    }
}

fn prepare_flood(
    f: &crate::schema::FloodSpec,
    sc: &ScenarioFile,
    c: &Community,
    at: &dyn Fn(&str) -> String,
) -> Result<Flood, ScenarioError> {
    let bad = |m: String| ScenarioError::Invalid(m);
    let lib = FragilityLibrary::builtin().map_err(|e| bad(format!("fragility library: {e}")))?;
    let horizon_h = sc
        .scenario
        .horizon
        .parse::<sim_core::time::SimDuration>()
        .map(|d| d.as_hours_f64())
        .unwrap_or(168.0);
    let mut polys = Vec::new();
    let mut outlines = Vec::new();
    for a in &f.areas {
        if a.polygon.len() < 3 {
            return Err(bad(format!(
                "{}: flood area `{}` needs at least 3 polygon vertices [lon, lat]",
                at(&a.name),
                a.name
            )));
        }
        if a.hydrograph.is_empty()
            || a.hydrograph.windows(2).any(|w| w[1][0] <= w[0][0])
            || a.hydrograph
                .iter()
                .any(|p| !(p[0] >= 0.0 && p[1].is_finite()))
        {
            return Err(bad(format!(
                "{}: flood area `{}`: hydrograph must be [[hours >= 0, water-surface elevation m], ...] with hours increasing",
                at(&a.name),
                a.name
            )));
        }
        let mut ring: Vec<(f64, f64)> = a.polygon.iter().map(|p| (p[0], p[1])).collect();
        ring.push(ring[0]);
        outlines.push(ring.clone());
        polys.push(FloodPolygon {
            polygon: geo::Polygon::new(geo::LineString::from(ring), vec![]),
            hydrograph: a
                .hydrograph
                .iter()
                .map(|p| (SimTime::from_millis((p[0] * 3.6e6).round() as u64), p[1]))
                .collect(),
        });
    }
    let model =
        FloodModel::from_polygons(polys).map_err(|e| bad(format!("{}: {e}", at("area"))))?;
    // The flood must touch the network's area: some site under water, or a
    // polygon vertex within 50 km of the substation.
    let (lat0, lon0) = c.substation;
    let near = f
        .areas
        .iter()
        .flat_map(|a| a.polygon.iter())
        .any(|p| haversine_km(p[1], p[0], lat0, lon0) <= 50.0);
    if !near {
        return Err(bad(format!(
            "{}: no flood area comes within 50 km of the network's substation; expected the hazard over the network",
            at("area")
        )));
    }
    let mut sites = Vec::with_capacity(c.sites.len());
    for s in &c.sites {
        let Some(cls) = flood_class(s.kind) else {
            sites.push(None);
            continue;
        };
        let threshold = lib
            .get(cls)
            .and_then(|k| k.states.first())
            .and_then(|st| match st.shape {
                CurveShape::Threshold { threshold } => Some(threshold),
                _ => None,
            })
            .unwrap_or(0.5);
        let peak = model.max_depth(s.lat, s.lon, s.ground_m);
        match model.first_exceedance(s.lat, s.lon, s.ground_m, threshold) {
            Some(t) => {
                let fail = t.as_millis() as f64 / 3.6e6;
                // Recession: the first 15-minute time after the failure when
                // the depth is back below the threshold.
                let mut recede = horizon_h.max(fail);
                let mut h = fail;
                while h <= horizon_h + 24.0 * 30.0 {
                    h += 0.25;
                    let d = model.depth_at(
                        s.lat,
                        s.lon,
                        s.ground_m,
                        SimTime::from_millis((h * 3.6e6) as u64),
                    );
                    if d < threshold {
                        recede = h;
                        break;
                    }
                }
                sites.push(Some((fail, recede, peak)));
            }
            None => sites.push(None),
        }
    }
    Ok(Flood {
        sites,
        model,
        areas: outlines,
    })
}

/// The hazard footprint: a grid of (lon, lat, intensity) cells and the
/// intensity unit, plus optional fault trace.
#[derive(Debug, Clone, Default)]
pub struct Footprint {
    /// Cells: lon, lat, value.
    pub cells: Vec<(f64, f64, f64)>,
    /// Cell size (degrees lon, lat).
    pub cell: (f64, f64),
    /// Label of the intensity (e.g. "median PGA (g)").
    pub label: String,
    /// Fault trace or storm track (lon, lat) points.
    pub trace: Vec<(f64, f64)>,
    /// Legend of the trace ("fault trace", "storm track").
    pub trace_label: String,
}

/// The bounding box `(lon0, lon1, lat0, lat1)` of `points` (lon, lat),
/// padded by 15 % of its larger side (at least 0.01 degree): the extent of
/// the damage map and of the hazard grid drawn on it.
pub fn padded_bounds(points: impl IntoIterator<Item = (f64, f64)>) -> (f64, f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (lon, lat) in points {
        x0 = x0.min(lon);
        x1 = x1.max(lon);
        y0 = y0.min(lat);
        y1 = y1.max(lat);
    }
    let pad = ((x1 - x0).max(y1 - y0) * 0.15).max(0.01);
    (x0 - pad, x1 + pad, y0 - pad, y1 + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quake() -> EarthquakeSpec {
        EarthquakeSpec {
            gmpe: "sm99-crustal".into(),
            region: "global".into(),
            magnitude: 7.0,
            rake_deg: 180.0,
            hypo_depth_km: 10.0,
            lat: 33.0,
            lon: 131.0,
            strike_deg: 90.0,
            dip_deg: 90.0,
            length_km: 20.0,
            width_km: 10.0,
            top_depth_km: 2.0,
            residuals: true,
        }
    }

    #[test]
    fn vertical_strike_slip_fault_distances() {
        let q = quake();
        // A site 5 km north of the fault's middle: Rjb = 5, Rrup = sqrt(25 + 4).
        let lat = 33.0 + 5.0 / KM_PER_DEG;
        let (rrup, rjb) = fault_distances(&q, lat, 131.0);
        assert!((rjb - 5.0).abs() < 1e-6, "{rjb}");
        assert!((rrup - 29f64.sqrt()).abs() < 1e-6, "{rrup}");
        // Beyond the east end by 3 km, on the trace line: Rjb = 3.
        let kx = KM_PER_DEG * 33f64.to_radians().cos();
        let (_, rjb) = fault_distances(&q, 33.0, 131.0 + 13.0 / kx);
        assert!((rjb - 3.0).abs() < 1e-6);
    }

    #[test]
    fn dipping_fault_site_above_the_plane_has_zero_rjb() {
        let mut q = quake();
        q.dip_deg = 45.0;
        q.top_depth_km = 0.0;
        // Down-dip direction for strike 90 is south. A site 4 km south is
        // above the plane (projection width 10 cos 45 = 7.07 km).
        let (rrup, rjb) = fault_distances(&q, 33.0 - 4.0 / KM_PER_DEG, 131.0);
        assert!(rjb.abs() < 1e-9);
        assert!(
            (rrup - 4.0 * 45f64.to_radians().sin()).abs() < 1e-6,
            "{rrup}"
        );
    }

    #[test]
    fn restoration_curve_inversion() {
        let c = [[13.0, 0.12], [24.0, 0.33], [49.0, 0.99]];
        assert!((invert_curve(&c, 0.06).unwrap_or(0.0) - 6.5).abs() < 1e-12);
        assert!((invert_curve(&c, 0.33).unwrap_or(0.0) - 24.0).abs() < 1e-12);
        assert_eq!(invert_curve(&c, 0.995), None);
    }
}
