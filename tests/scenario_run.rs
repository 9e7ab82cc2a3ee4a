//! `blackstart run` end to end: determinism across thread counts, physics
//! checks on every replica, agreement of the Hokkaido preset's bulk-grid
//! restoration with the published curve, and errors for bad scenario files.

#![allow(clippy::unwrap_used, missing_docs, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use blackstart::engine::{self, RunOptions};
use blackstart::reports;
use blackstart::scenario::{self, ScenarioError};

fn preset(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/scenarios")
        .join(name)
}

fn run(name: &str, replicas: u32, threads: usize) -> engine::RunResults {
    let l = scenario::load(preset(name)).unwrap();
    engine::run(
        &l,
        &RunOptions {
            replicas: Some(replicas),
            threads,
            detail: true,
            ..Default::default()
        },
    )
    .unwrap()
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blackstart-test-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn same_seed_same_bytes_with_1_2_and_4_threads() {
    let mut dirs = Vec::new();
    for threads in [1, 2, 4] {
        let res = run("kumamoto-2016.toml", 6, threads);
        let d = tmp(&format!("det{threads}"));
        reports::write_outputs(&res, &d).unwrap();
        dirs.push(d);
    }
    let files = [
        "timeseries.parquet",
        "events.parquet",
        "summary.json",
        "scenario.resolved.toml",
        "resilience_curve.svg",
        "restoration_curve.svg",
        "damage_map.svg",
        "resilience_curve.png",
    ];
    for f in files {
        let a = std::fs::read(dirs[0].join(f)).unwrap();
        for d in &dirs[1..] {
            assert_eq!(
                a,
                std::fs::read(d.join(f)).unwrap(),
                "{f} differs between thread counts"
            );
        }
    }
    for d in dirs {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn physics_holds_in_every_replica() {
    for name in [
        "kumamoto-2016.toml",
        "hokkaido-2018.toml",
        "faxai-2019.toml",
        "ahr-2021.toml",
    ] {
        let res = run(name, 40, 0);
        for (i, r) in res.replicas.iter().enumerate() {
            // Energy balance per island per step: generation = served load +
            // storage charge + losses (the power flow's), to 1e-6 MW.
            assert!(
                r.max_balance_error_mw < 1e-6,
                "{name} replica {i}: balance error {}",
                r.max_balance_error_mw
            );
            // SoC never leaves its bounds.
            assert!(
                r.soc_margin.0 >= -1e-12 && r.soc_margin.1 >= -1e-12,
                "{name} replica {i}: {:?}",
                r.soc_margin
            );
            // A dark island serves nothing.
            assert_eq!(r.dark_served_mwh, 0.0, "{name} replica {i}");
            // Critical load is the last to be shed.
            assert_eq!(r.order_violations, 0, "{name} replica {i}");
            assert!(r.served_mwh <= r.demand_mwh + 1e-9);
            let bad: Vec<&f64> = r
                .served_fraction
                .iter()
                .filter(|f| !(0.0..=1.0 + 1e-12).contains(*f))
                .collect();
            assert!(
                bad.is_empty(),
                "{name} replica {i}: served fractions {bad:?}"
            );
        }
    }
}

#[test]
fn hokkaido_blacks_out_and_restores_like_the_published_curve() {
    let res = run("hokkaido-2018.toml", 200, 0);
    // At the event every microgrid is cut from the bulk grid: the community
    // loses the load of the microgrid without storage or diesel (kiyota-east,
    // 1.7 MW of about 4 MW peak) at once.
    for r in &res.replicas {
        assert!(r.served_fraction[0] < 0.75, "{}", r.served_fraction[0]);
    }
    // Published: 12 % of households restored after 13 h, 33 % after 24 h,
    // 49 % after 30 h, 99 % after 49 h. Here each replica draws the
    // community's restoration time from that curve: the fraction of replicas
    // whose served load is back above 90 % at those times follows it
    // (binomial sampling error with 200 replicas: about +-0.035 at 1 sigma;
    // local damage can delay a few replicas further).
    let dt = res.dt_h;
    for (h, want) in [(13.0, 0.12), (24.0, 0.33), (30.0, 0.49), (49.0, 0.99)] {
        let k = (h / dt) as usize + 1;
        let frac = res
            .replicas
            .iter()
            .filter(|r| r.served_fraction[k] >= 0.9)
            .count() as f64
            / 200.0;
        assert!(
            (frac - want).abs() < 0.12,
            "after {h} h: {frac} restored, published {want}"
        );
    }
}

fn err_of(text: &str) -> String {
    match scenario::parse(text, "bad.toml") {
        Err(e) => e.to_string(),
        Ok(l) => match engine::run(
            &l,
            &RunOptions {
                replicas: Some(1),
                ..Default::default()
            },
        ) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("expected an error"),
        },
    }
}

fn kumamoto_text() -> String {
    std::fs::read_to_string(preset("kumamoto-2016.toml")).unwrap()
}

#[test]
fn missing_field_names_file_line_and_field() {
    let t = kumamoto_text().replace("substation_lat = 32.7900\n", "");
    let e = err_of(&t);
    assert!(e.starts_with("bad.toml:"), "{e}");
    assert!(e.contains("missing field `substation_lat`"), "{e}");
}

#[test]
fn misspelt_key_is_rejected_with_its_position() {
    let t = kumamoto_text().replacen("peak_kw = 300.0", "peak_kwh = 300.0", 1);
    let e = err_of(&t);
    let line = t.lines().position(|l| l.contains("peak_kwh")).unwrap() + 1;
    assert!(e.starts_with(&format!("bad.toml:{line}:")), "{e}");
    assert!(e.contains("unknown field `peak_kwh`"), "{e}");
}

#[test]
fn wrong_units_and_types() {
    let t = kumamoto_text().replace("horizon = \"7d\"", "horizon = \"7 fortnights\"");
    let e = err_of(&t);
    assert!(
        e.contains("horizon `7 fortnights` is not a duration like 15min, 6h or 7d"),
        "{e}"
    );
    let t = kumamoto_text().replacen("peak_kw = 300.0", "peak_kw = \"300 kW\"", 1);
    let e = err_of(&t);
    assert!(
        e.contains("invalid type: string \"300 kW\", expected f64"),
        "{e}"
    );
    let t = kumamoto_text().replace(
        "start = \"2016-04-16T01:25:00+09:00\"",
        "start = \"2016-04-16 01:25\"",
    );
    assert!(err_of(&t).contains("is not an RFC 3339 time with a UTC offset"));
}

#[test]
fn unknown_class_and_duplicate_ids() {
    let t = kumamoto_text().replacen("class = \"shelter\"", "class = \"stadium\"", 1);
    let e = err_of(&t);
    // The class is typed (serde): the message lists the allowed values and
    // points at the value itself.
    assert!(
        e.contains(
            "unknown variant `stadium`, expected one of `hospital`, `shelter`, `water_pump`, `residential`, `commercial`"
        ),
        "{e}"
    );
    let at = t.find("\"stadium\"").unwrap();
    let line = t[..at].matches('\n').count() + 1;
    let col = at - t[..at].rfind('\n').map_or(0, |p| p + 1) + 1;
    assert!(e.starts_with(&format!("bad.toml:{line}:{col}: ")), "{e}");
    let t = kumamoto_text().replacen("id = \"kiyama-homes\"", "id = \"mashiki-town-hall\"", 1);
    assert!(err_of(&t).contains("id `mashiki-town-hall` is used twice"));
}

#[test]
fn hazard_outside_the_network_area() {
    let t = kumamoto_text().replace("lat = 32.80\nlon = 130.88", "lat = 43.0\nlon = 141.4");
    let e = err_of(&t);
    assert!(
        e.contains("km from the network's substation; expected the hazard within 300 km"),
        "{e}"
    );
}

#[test]
fn unknown_fragility_class_and_bad_battery() {
    let t = kumamoto_text().replace(
        "substation_fragility = \"ESS1\"",
        "substation_fragility = \"XYZ9\"",
    );
    assert!(
        err_of(&t).contains("fragility class `XYZ9` of site `mashiki-substation` is not known")
    );
    let t = kumamoto_text().replacen("energy_kwh = 600.0", "energy_kwh = -600.0", 1);
    assert!(err_of(&t).contains("battery `mashiki-battery`: expected energy_kwh > 0"));
}

#[test]
fn unreadable_file() {
    match scenario::load("/nonexistent/scenario.toml") {
        Err(ScenarioError::Io { path, .. }) => assert_eq!(path, "/nonexistent/scenario.toml"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn typhoon_track_far_from_the_network_is_rejected() {
    let text = std::fs::read_to_string(preset("faxai-2019.toml")).unwrap();
    let t = text
        .replace("substation_lat = 35.3300", "substation_lat = 43.0")
        .replace("substation_lon = 139.9000", "substation_lon = 141.4");
    // Parse with the real file name so the track path resolves.
    let l = scenario::parse(&t, &preset("faxai-2019.toml").display().to_string()).unwrap();
    let e = engine::run(
        &l,
        &RunOptions {
            replicas: Some(1),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("the track passes") && e.contains("expected within 300 km"),
        "{e}"
    );
}

#[test]
fn typhoon_damage_happens_when_the_storm_passes() {
    let res = run("faxai-2019.toml", 20, 0);
    // The storm's peak at Kimitsu is around 03:00-05:00 JST, 6-8 h after
    // the start (21:00 JST): wind damage times fall in that window.
    let mut n = 0;
    for r in &res.replicas {
        n += r.failed_sites.len();
    }
    assert!(n > 0, "no wind damage at all");
    for d in res.damages.iter().flatten() {
        assert!((3.0..=10.0).contains(&d.fail_h), "damage at {} h", d.fail_h);
        assert!(d.repair_h.is_none_or(|r| r > d.fail_h));
    }
}

#[test]
fn flooded_substation_fails_when_the_water_reaches_its_threshold() {
    let res = run("ahr-2021.toml", 3, 0);
    // Substation ground 91 m, critical depth 0.5 m (FSUB): the water surface
    // rises linearly from 88 m to 95 m over 8 h, so it reaches 91.5 m after
    // 3.5 / 7 * 8 = 4 h; it is back below 91.5 m at 8 + (95 - 91.5) / (5 / 22)
    // = 23.4 h, after which crews may start.
    for dmg in &res.damages {
        let sub = dmg
            .iter()
            .find(|d| d.site == 0)
            .expect("substation flooded");
        assert!((sub.fail_h - 4.0).abs() < 1e-6, "{}", sub.fail_h);
        assert!(
            sub.repair_h.is_some_and(|r| r > 23.4 + 12.0),
            "{:?}",
            sub.repair_h
        );
        // The hospital stands above the flood: its diesel is not damaged.
        assert!(dmg.iter().all(|d| d.intensity > 0.0));
    }
    // Same damage in every replica (the threshold model is deterministic).
    assert_eq!(res.damages[0].len(), res.damages[1].len());
}

#[test]
fn load_profiles_and_wind_turbines_from_files() {
    let dir = tmp("profiles");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("load.csv"),
        "time,kw\n2024-03-01T00:00:00+01:00,300\n2024-03-03T00:00:00+01:00,300\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wind.csv"),
        "time,speed_ms\n2024-03-01T00:00:00+01:00,12.0\n",
    )
    .unwrap();
    let scen = |with_wind: bool| {
        format!(
            r#"
[scenario]
name = "wind-island"
start = "2024-03-01T00:00:00+01:00"
horizon = "1d"
control_interval = "1h"
replicas = 2
[network]
substation_lat = 54.0
substation_lon = 10.0
[hazard]
kind = "none"
[upstream]
blackout = true
[[microgrid]]
name = "farm"
lat = 54.01
lon = 10.01
  [[microgrid.load]]
  id = "dairy"
  class = "commercial"
  peak_kw = 999.0
  profile = "load.csv"
  lat = 54.01
  lon = 10.01
  [[microgrid.battery]]
  id = "b"
  energy_kwh = 20.0
  power_kw = 20.0
  lat = 54.01
  lon = 10.01
{}
"#,
            if with_wind {
                "  [[microgrid.wind]]\n  id = \"wt\"\n  rated_kw = 500.0\n  wind_profile = \"wind.csv\"\n  lat = 54.012\n  lon = 10.01\n"
            } else {
                ""
            }
        )
    };
    let run_text = |t: String| {
        let p = dir.join("s.toml");
        std::fs::write(&p, t).unwrap();
        let l = scenario::load(&p).unwrap();
        engine::run(
            &l,
            &RunOptions {
                detail: true,
                ..Default::default()
            },
        )
        .unwrap()
    };
    // The load follows its file (300 kW, not 999 kW times a shape).
    let with = run_text(scen(true));
    let r = &with.replicas[0];
    assert!((r.demand_mwh - 0.3 * 24.0).abs() < 1e-9, "{}", r.demand_mwh);
    // Islanded from the start, a 500 kW turbine at rated wind serves it all.
    assert!(
        r.served_fraction.iter().all(|f| (f - 1.0).abs() < 1e-9),
        "{:?}",
        r.served_fraction
    );
    assert!(r.max_balance_error_mw < 1e-6);
    // Without the turbine the 20 kWh battery cannot.
    let without = run_text(scen(false));
    assert!(without.replicas[0].served_mwh < 0.1 * with.replicas[0].served_mwh);
    // A bad profile file names its line.
    std::fs::write(
        dir.join("load.csv"),
        "time,kw\n2024-03-01T00:00:00+01:00,abc\n",
    )
    .unwrap();
    let p = dir.join("s.toml");
    std::fs::write(&p, scen(true)).unwrap();
    let l = scenario::load(&p).unwrap();
    let e = engine::run(&l, &RunOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("load.csv:2:1: kw `abc` is not a number >= 0"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn profile_scenario(profile: &str, extra: &str, start: &str) -> String {
    format!(
        r#"
[scenario]
name = "parquet-profile"
start = "{start}"
horizon = "1d"
control_interval = "1h"
replicas = 1
[network]
substation_lat = 54.0
substation_lon = 10.0
[hazard]
kind = "none"
[[microgrid]]
name = "m"
lat = 54.01
lon = 10.01
  [[microgrid.load]]
  id = "l"
  class = "residential"
  peak_kw = 200.0
  profile = "{profile}"
  {extra}
  lat = 54.01
  lon = 10.01
"#
    )
}

#[test]
fn parquet_profiles_per_unit_and_typical_year() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let run_in = |text: String| {
        let l = scenario::parse(&text, &data.join("s.toml").display().to_string()).unwrap();
        engine::run(
            &l,
            &RunOptions {
                detail: true,
                ..Default::default()
            },
        )
    };
    // Per unit of 200 kW; the profile is 0.5 + 0.25 sin(2 pi h / 24) from
    // 2024-03-01 00:00 UTC (tests/data/make_profile_parquet.py).
    let text = profile_scenario(
        "profile.parquet",
        "profile_column = \"load_pu\"\n  profile_per_unit = true",
        "2024-03-01T00:00:00Z",
    );
    let r = run_in(text).unwrap();
    let want: f64 = (0..24)
        .map(|h| 0.2 * (0.5 + 0.25 * (2.0 * std::f64::consts::PI * f64::from(h) / 24.0).sin()))
        .sum();
    assert!(
        (r.replicas[0].demand_mwh - want).abs() < 1e-9,
        "{} vs {want}",
        r.replicas[0].demand_mwh
    );
    // A typical-year profile: 2031-03-01 maps onto 2024-03-01 (same offset
    // from 1 January; 2024 is a leap year, so it lands one day later, on
    // 2 March, where the profile still repeats the same daily shape).
    let text = profile_scenario(
        "profile.parquet",
        "profile_column = \"load_pu\"\n  profile_per_unit = true\n  profile_typical_year = true",
        "2031-02-29T00:00:00Z".replace("02-29", "03-01").as_str(),
    );
    let r2 = run_in(text).unwrap();
    assert!(r2.replicas[0].demand_mwh > 0.0);
    // A missing column is named.
    let text = profile_scenario(
        "profile.parquet",
        "profile_column = \"nope\"",
        "2024-03-01T00:00:00Z",
    );
    let e = run_in(text).unwrap_err().to_string();
    assert!(
        e.contains("profile.parquet")
            && e.contains("no column `nope`; the file has time_utc, load_pu"),
        "{e}"
    );
    // Parquet without profile_column.
    let text = profile_scenario("profile.parquet", "", "2024-03-01T00:00:00Z");
    assert!(
        run_in(text)
            .unwrap_err()
            .to_string()
            .contains("a Parquet profile needs `profile_column`")
    );
}

#[test]
fn simbench_profile_from_shared_data() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/grids/simbench/lv_rural1_0/profiles.parquet");
    if !p.exists() {
        eprintln!(
            "SKIP simbench_profile_from_shared_data: {} not present",
            p.display()
        );
        return;
    }
    let series = blackstart::scenario::profiles::read_parquet_profile(&p, "H0-A_pload").unwrap();
    // SimBench: one year of 15-minute values from 2015-12-31T23:00Z
    // (2016-01-01 00:00 local, UTC+1); first H0-A value 0.276685 (per unit).
    assert_eq!(series.len(), 35136);
    assert_eq!(series[0].0, 1_451_602_800);
    assert!((series[0].1 - 0.276685).abs() < 1e-6);
}

#[test]
fn mobile_generator_truck_brings_a_dark_microgrid_back() {
    let text = r#"
[scenario]
name = "truck"
start = "2024-03-01T00:00:00Z"
horizon = "12h"
control_interval = "1h"
replicas = 1
[network]
substation_lat = 54.0
substation_lon = 10.0
[hazard]
kind = "none"
[upstream]
blackout = true
[restoration]
mobile_generators = 1
mobile_generator_kw = 400.0
mobile_fuel_l = 5000.0
mobile_arrival_h = 5.0
[[microgrid]]
name = "village"
lat = 54.01
lon = 10.01
  [[microgrid.load]]
  id = "clinic"
  class = "hospital"
  peak_kw = 200.0
  lat = 54.01
  lon = 10.01
"#;
    let l = scenario::parse(text, "truck.toml").unwrap();
    let res = engine::run(&l, &RunOptions::default()).unwrap();
    let f = &res.replicas[0].served_fraction;
    // Dark until the truck connects at 5 h, fully served after.
    assert!(f[..5].iter().all(|x| *x == 0.0), "{f:?}");
    assert!(f[5..].iter().all(|x| (x - 1.0).abs() < 1e-9), "{f:?}");
    assert!(res.replicas[0].max_balance_error_mw < 1e-6);
}
