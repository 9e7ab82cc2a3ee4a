//! The PV chain against pvlib 0.16.1.
//!
//! Reference values come from `tests/data/pv/generate.py`, which runs pvlib
//! 0.16.1 (numpy 2.4.6, pandas 3.1.1) on:
//!
//! - `cases.csv` / `chain.csv`: 90 cases — 19 sites (Tokyo, Sapporo, Naha,
//!   Seoul, Jeju, Berlin, Madrid, Helsinki, Tromsø, Longyearbyen, Singapore,
//!   Sydney, Cape Town, Santiago, Auckland, Denver, Suva, Apia, McMurdo:
//!   latitudes 78° N to 78° S, longitudes either side of ±180°), 4–6 dates
//!   each (equinoxes, solstices, 1990 and 2040), tilts 0–90° and azimuths
//!   all round, 1 kW to 1 MW, a few non-default options (albedo, cell
//!   temperature, γ, η_nom, DC/AC ratio 1.3, site altitude), whole days at
//!   17- or 30-minute steps: `spa_python` → `haurwitz` → `erbs` →
//!   `get_total_irradiance(model='isotropic')` → `pvwatts_dc` →
//!   `inverter.pvwatts`;
//! - `spa.csv`: `spa_python` alone at 400 random instants (1900–2100) and
//!   places, with random altitude, pressure, temperature and ΔT.
//!
//! The acceptance bounds are POA within 1 % (or 5 W/m²) and AC
//! within 1 % of the DC capacity; the tests assert those and, to catch any
//! drift from pvlib's arithmetic, much tighter ones.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use grid_model::assets::{Observer, PvPlant, PvSystem, SunEphemeris, SunInstant};

fn data(name: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "pv", name]
        .iter()
        .collect();
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Rows of a CSV file (no quoting), skipping `#` comments, keyed by header.
fn rows(name: &str) -> Vec<BTreeMap<String, String>> {
    let text = data(name);
    let mut lines = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

fn num(r: &BTreeMap<String, String>, k: &str) -> f64 {
    r.get(k)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("column {k} in {r:?}"))
}

/// Smallest difference between two angles, degrees.
fn angle_diff(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

#[test]
fn spa_matches_pvlib_at_random_times_and_places() {
    let rs = rows("spa.csv");
    assert_eq!(rs.len(), 400);
    let (mut ez, mut eaz, mut eazi, mut eeot) = (0.0_f64, 0.0_f64, 0.0_f64, 0.0_f64);
    for r in &rs {
        let obs = Observer::new(num(r, "lat"), num(r, "lon"))
            .with_elevation(num(r, "altitude"))
            .with_atmosphere(num(r, "pressure_pa") / 100.0, num(r, "temperature_c"));
        let p = SunEphemeris::new(num(r, "unix_s"), num(r, "delta_t")).position(&obs);
        ez = ez.max((p.zenith_deg - num(r, "zenith")).abs());
        eaz = eaz.max((p.apparent_zenith_deg - num(r, "apparent_zenith")).abs());
        eazi = eazi.max(angle_diff(p.azimuth_deg, num(r, "azimuth")));
        eeot = eeot.max((p.equation_of_time_min - num(r, "equation_of_time")).abs());
    }
    println!(
        "SPA vs pvlib, 400 points: max |Δzenith| {ez:.2e}°, |Δapparent zenith| {eaz:.2e}°, |Δazimuth| {eazi:.2e}°, |Δeot| {eeot:.2e} min"
    );
    assert!(ez < 1e-7 && eaz < 1e-7 && eazi < 1e-7 && eeot < 1e-7);
}

struct Case {
    site: String,
    plant: PvPlant,
}

fn cases() -> BTreeMap<u32, Case> {
    rows("cases.csv")
        .into_iter()
        .map(|r| {
            let mut sys = PvSystem::new(num(&r, "tilt"), num(&r, "azimuth"), num(&r, "dc_kw"));
            sys.albedo = num(&r, "albedo");
            sys.gamma_pdc = num(&r, "gamma_pdc");
            sys.temp_cell_c = num(&r, "temp_cell");
            sys.eta_inv_nom = num(&r, "eta_inv_nom");
            sys.inverter_ac_kw = num(&r, "inverter_ac_kw");
            let obs =
                Observer::new(num(&r, "lat"), num(&r, "lon")).with_elevation(num(&r, "altitude"));
            let plant = PvPlant::new(obs, sys).unwrap_or_else(|e| panic!("case {r:?}: {e}"));
            (
                num(&r, "case") as u32,
                Case {
                    site: r["site"].clone(),
                    plant,
                },
            )
        })
        .collect()
}

#[derive(Default, Debug)]
struct MaxErr {
    poa_w_m2: f64,
    poa_rel_excess: f64, // max of |Δ| / max(1 % of ref, 5 W/m²): must stay < 1
    ac_pct_dc: f64,
    ghi: f64,
    dni: f64,
    dhi: f64,
    dc_pct_dc: f64,
    n: usize,
    n_day: usize,
}

#[test]
fn pv_chain_matches_pvlib_at_many_sites_dates_and_orientations() {
    let cases = cases();
    assert_eq!(cases.len(), 90);
    let mut by_site: BTreeMap<String, MaxErr> = BTreeMap::new();
    let mut all = MaxErr::default();
    for r in rows("chain.csv") {
        let c = &cases[&(num(&r, "case") as u32)];
        let now = SunInstant::new(num(&r, "unix_s"), 67.0);
        let out = c.plant.clear_sky_at(&now);
        let dc = c.plant.system.dc_kw;
        let poa_ref = num(&r, "poa_global");
        let d_poa = (out.poa.global_w_m2 - poa_ref).abs();
        for e in [by_site.entry(c.site.clone()).or_default(), &mut all] {
            e.n += 1;
            e.n_day += usize::from(poa_ref > 0.0);
            e.poa_w_m2 = e.poa_w_m2.max(d_poa);
            e.poa_rel_excess = e.poa_rel_excess.max(d_poa / (0.01 * poa_ref).max(5.0));
            e.ac_pct_dc = e
                .ac_pct_dc
                .max(100.0 * (out.ac_kw - num(&r, "pac_kw")).abs() / dc);
            e.dc_pct_dc = e
                .dc_pct_dc
                .max(100.0 * (out.dc_kw - num(&r, "pdc_kw")).abs() / dc);
            e.ghi = e.ghi.max((out.ghi_w_m2 - num(&r, "ghi")).abs());
            e.dni = e.dni.max((out.dni_w_m2 - num(&r, "dni")).abs());
            e.dhi = e.dhi.max((out.dhi_w_m2 - num(&r, "dhi")).abs());
        }
    }
    for (site, e) in &by_site {
        println!(
            "{site:>13}: {:>4} steps ({:>4} lit), max |ΔPOA| {:.2e} W/m², max |ΔAC| {:.2e} % of DC",
            e.n, e.n_day, e.poa_w_m2, e.ac_pct_dc
        );
    }
    println!("all: {all:?}");
    assert_eq!(by_site.len(), 19);
    assert!(all.n > 5000 && all.n_day > 2500, "{all:?}");
    // The acceptance bounds.
    assert!(all.poa_rel_excess < 1.0, "{all:?}");
    assert!(all.ac_pct_dc < 1.0, "{all:?}");
    // Same arithmetic as pvlib, to rounding.
    assert!(
        all.poa_w_m2 < 1e-6 && all.ghi < 1e-6 && all.dni < 1e-6 && all.dhi < 1e-6,
        "{all:?}"
    );
    assert!(all.ac_pct_dc < 1e-7 && all.dc_pct_dc < 1e-7, "{all:?}");
}

/// One `SunInstant` shared by many plants gives the same numbers as one per
/// plant (the intended use for many sites and replicas).
#[test]
fn shared_instant_equals_per_plant() {
    let cases = cases();
    let t = 1_718_938_800.0;
    let shared = SunInstant::new(t, 67.0);
    for c in cases.values() {
        let a = c.plant.clear_sky_at(&shared);
        let b = c.plant.clear_sky_profile(&[t], 67.0)[0];
        assert_eq!(a, b);
    }
}

/// The cloud factor scales the clear-sky GHI before the Erbs split.
#[test]
fn cloud_factor_scales_ghi() {
    let plant = PvPlant::new(
        Observer::new(35.6895, 139.6917),
        PvSystem::new(30.0, 180.0, 5.0),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let now = SunInstant::new(1_718_938_800.0, 67.0);
    let clear = plant.clear_sky_at(&now);
    let cloudy = plant.output_at(&now, 0.4);
    assert!((cloudy.ghi_w_m2 - 0.4 * clear.ghi_w_m2).abs() < 1e-9);
    assert!(cloudy.ac_kw < clear.ac_kw);
    // Lower clearness: a larger diffuse share.
    assert!(cloudy.dhi_w_m2 / cloudy.ghi_w_m2 > clear.dhi_w_m2 / clear.ghi_w_m2);
    let measured = plant.output_for_ghi(&now, cloudy.ghi_w_m2);
    assert_eq!(measured, cloudy);
}
