//! The `blackstart` binary: outputs, exit statuses and messages.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blackstart"))
}

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn tmp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blackstart-cli-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn pf_writes_the_reference_csv_formats() {
    let out = tmp("pf");
    let st = bin()
        .args(["pf", "grid-model/tests/data/case9.m", "--out"])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let bus = std::fs::read_to_string(out.join("bus.csv")).unwrap();
    assert!(
        bus.starts_with("bus_id,vm_pu,va_deg\n1,1.04,0.0\n"),
        "{bus}"
    );
    let gen_csv = std::fs::read_to_string(out.join("gen.csv")).unwrap();
    assert!(
        gen_csv.starts_with("gen,bus,pg_mw,qg_mvar\n1,1,71.64"),
        "{gen_csv}"
    );
    let br = std::fs::read_to_string(out.join("branch.csv")).unwrap();
    assert!(
        br.starts_with("branch,f_bus,t_bus,pf_mw,qf_mvar,pt_mw,qt_mvar\n1,1,4,71.64"),
        "{br}"
    );
    assert_eq!(br.lines().count(), 10);
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn pf_json_has_the_documented_keys() {
    let st = bin()
        .args([
            "pf",
            "grid-model/tests/data/case118.m",
            "--json",
            "--repeat",
            "3",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(st.status.success());
    let v: serde_json::Value = serde_json::from_slice(&st.stdout).unwrap();
    for k in [
        "converged",
        "iterations",
        "max_mismatch_pu",
        "losses_mw",
        "buses",
        "solve_ms_min",
        "solve_ms_median",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["converged"], true);
    assert_eq!(v["buses"], 118);
    // MATPOWER: case118 losses 132.863 MW.
    assert!((v["losses_mw"].as_f64().unwrap() - 132.862871889).abs() < 1e-4);
}

#[test]
fn dc_pf_writes_angles_only() {
    let out = tmp("dc");
    let st = bin()
        .args(["pf", "grid-model/tests/data/case9.m", "--dc", "--out"])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(st.status.success());
    let bus = std::fs::read_to_string(out.join("bus.csv")).unwrap();
    assert!(bus.starts_with("bus_id,va_deg\n"), "{bus}");
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn bad_input_exits_2_with_the_place() {
    let dir = tmp("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("bad.m");
    std::fs::write(
        &f,
        "mpc.baseMVA = 100;\nmpc.bus = [\n1 3 0 0 0 0 1 1 0 345 1 1.1 0.9;\n",
    )
    .unwrap();
    let st = bin().arg("pf").arg(&f).output().unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("bad.m:3: matrix mpc.bus started on line 2 is not closed"),
        "{err}"
    );
    let st = bin()
        .args(["pf", "grid-model/tests/data/case9.m", "--tol", "-1"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let st = bin().args(["pf", "no/such/file.m"]).output().unwrap();
    assert_eq!(st.status.code(), Some(2));
    let st = bin()
        .args(["run", "no/such/scenario.toml"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("cannot read no/such/scenario.toml"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn non_convergence_exits_3() {
    let dir = tmp("nc");
    std::fs::create_dir_all(&dir).unwrap();
    // case9 with every load multiplied by 10: no solution.
    let text = std::fs::read_to_string(root().join("grid-model/tests/data/case9.m")).unwrap();
    let text = text
        .replace("\t5\t1\t90\t30\t", "\t5\t1\t900\t300\t")
        .replace("\t7\t1\t100\t35\t", "\t7\t1\t1000\t350\t")
        .replace("\t9\t1\t125\t50\t", "\t9\t1\t1250\t500\t");
    let f = dir.join("heavy.m");
    std::fs::write(&f, text).unwrap();
    let st = bin().arg("pf").arg(&f).output().unwrap();
    assert_eq!(
        st.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&st.stdout)
    );
    assert!(String::from_utf8_lossy(&st.stdout).contains("DID NOT CONVERGE"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn run_writes_every_output_and_a_summary() {
    let out = tmp("run");
    let st = bin()
        .args([
            "run",
            "examples/scenarios/hokkaido-2018.toml",
            "--replicas",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    for f in [
        "timeseries.parquet",
        "events.parquet",
        "summary.json",
        "scenario.resolved.toml",
        "network.geojson",
        "resilience_curve.png",
        "resilience_curve.svg",
        "restoration_curve.png",
        "damage_map.png",
        "damage_map.svg",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let g: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("network.geojson")).unwrap()).unwrap();
    assert_eq!(g["type"], "FeatureCollection");
    assert!(g["features"].as_array().unwrap().len() > 10);
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for m in [
        "energy_not_served_mwh",
        "critical_served_fraction",
        "customer_hours_lost",
        "saifi",
        "saidi_h",
        "caidi_h",
        "t90_restore_h",
        "t99_restore_h",
        "panteli_phi_per_h",
        "panteli_lambda",
        "panteli_e_h",
        "panteli_pi_per_h",
    ] {
        for k in ["mean", "p5", "p50", "p95"] {
            assert!(s["aggregate"][m][k].is_number(), "{m}.{k}");
        }
    }
    assert_eq!(s["replicas"].as_array().unwrap().len(), 3);
    // The resolved scenario runs again to the same summary.
    let out2 = tmp("run2");
    let st = bin()
        .arg("run")
        .arg(out.join("scenario.resolved.toml"))
        .args(["--quiet", "--out"])
        .arg(&out2)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(
        std::fs::read(out.join("summary.json")).unwrap(),
        std::fs::read(out2.join("summary.json")).unwrap()
    );
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_dir_all(out2);
}

#[test]
fn resolved_scenario_with_a_track_file_runs_from_its_output_folder() {
    let out = tmp("faxai");
    let st = bin()
        .args([
            "run",
            "examples/scenarios/faxai-2019.toml",
            "--replicas",
            "2",
            "--quiet",
            "--system-only",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let out2 = tmp("faxai2");
    let st = bin()
        .arg("run")
        .arg("scenario.resolved.toml")
        .args(["--quiet", "--system-only", "--out"])
        .arg(&out2)
        .current_dir(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert_eq!(
        std::fs::read(out.join("summary.json")).unwrap(),
        std::fs::read(out2.join("summary.json")).unwrap()
    );
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::remove_dir_all(out2);
}

#[test]
fn hazard_fragility_prints_the_hazus_worked_values() {
    let st = bin()
        .args(["hazard", "fragility", "--class", "ESS1", "--pga", "0.3"])
        .output()
        .unwrap();
    assert!(st.status.success());
    let out = String::from_utf8_lossy(&st.stdout);
    for line in [
        "slight,0.8390",
        "moderate,0.5246",
        "extensive,0.1838",
        "complete,0.0073",
    ] {
        assert!(out.contains(line), "{out}");
    }
    let st = bin()
        .args(["hazard", "fragility", "--class", "NOPE", "--pga", "0.3"])
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("unknown fragility class `NOPE`"));
}

#[test]
fn hazard_gmpe_csv_round_trip_and_bad_rows() {
    let dir = tmp("gmpe");
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.csv");
    std::fs::write(
        &input,
        "rup_mag,rup_rake,rup_hypo_depth,dist_rrup,dist_rjb,site_vs30\n7.0,180,10,20,19,760\n6.0,0,8,50,49,400\n",
    )
    .unwrap();
    let out = dir.join("out.csv");
    let st = bin()
        .args(["hazard", "gmpe", "--model", "bssa14", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    for col in [
        "pga_g",
        "pga_sigma_total_ln",
        "pga_sigma_inter_ln",
        "pga_sigma_intra_ln",
        "pgv_cms",
        "pgv_sigma_total_ln",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert_eq!(lines.count(), 2);
    // A non-numeric cell is reported with its place.
    std::fs::write(
        &input,
        "rup_mag,rup_rake,rup_hypo_depth,dist_rrup,dist_rjb,site_vs30\n7.0,180,10,twenty,19,760\n",
    )
    .unwrap();
    let st = bin()
        .args(["hazard", "gmpe", "--model", "bssa14", "--input"])
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    let err = String::from_utf8_lossy(&st.stderr);
    assert!(
        err.contains("in.csv") && err.contains(":2") && err.contains("twenty"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn hazard_wind_reproduces_climada_from_the_raw_track() {
    let data = root().join("disaster-scenarios/tests/data/tc_wind");
    let dir = tmp("wind");
    std::fs::create_dir_all(&dir).unwrap();
    let expected =
        std::fs::read_to_string(data.join("climada_brb_windfield_all_centroids.csv")).unwrap();
    let mut sites = String::from("id,lat,lon\n");
    let mut want = Vec::new();
    for l in expected.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        sites.push_str(&format!("{},{},{}\n", f[0], f[1], f[2]));
        want.push(f[3].parse::<f64>().unwrap());
    }
    std::fs::write(dir.join("sites.csv"), sites).unwrap();
    let out = dir.join("out.csv");
    let st = bin()
        .args(["hazard", "wind", "--model", "h08", "--track"])
        .arg(data.join("climada_trac_brb_test.csv"))
        .arg("--sites")
        .arg(dir.join("sites.csv"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().unwrap(), "id,lat,lon,max_wind_ms");
    let got: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(got.len(), 296);
    for (g, w) in got.iter().zip(&want) {
        // CLIMADA (climada 6.1.0) end to end from the raw track: 1e-3 m/s.
        assert!((g - w).abs() < 1e-3, "{g} vs {w}");
    }
    let _ = std::fs::remove_dir_all(dir);
}
