//! Reproduces CLIMADA's Holland wind fields at the 296 Barbados test
//! centroids (see tests/data/README.md).

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use disaster_scenarios::wind::{CLIMADA_INTENSITY_THRESHOLD, SiTrack, Track, WindField, WindModel};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/tc_wind")
        .join(name)
}

/// (lat, lon) of the centroids and the expected H08 and H1980 intensities.
fn expected() -> (Vec<(f64, f64)>, Vec<f64>, Vec<f64>) {
    let mut rdr = csv::Reader::from_path(data("climada_brb_windfield_all_centroids.csv"))
        .expect("expected winds");
    let h = rdr.headers().expect("header").clone();
    let col = |n: &str| h.iter().position(|x| x == n).expect(n);
    let (ilat, ilon, i08, i80) = (col("lat"), col("lon"), col("vmax_H08"), col("vmax_H1980"));
    let (mut sites, mut h08, mut h80) = (vec![], vec![], vec![]);
    for r in rdr.records() {
        let r = r.expect("record");
        let f = |i: usize| r[i].parse::<f64>().expect("number");
        sites.push((f(ilat), f(ilon)));
        h08.push(f(i08));
        h80.push(f(i80));
    }
    (sites, h08, h80)
}

fn compare(name: &str, got: &[f64], want: &[f64], tol: f64) -> f64 {
    assert_eq!(got.len(), want.len());
    let mut worst: f64 = 0.0;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let d = (g - w).abs();
        assert!(
            d <= tol,
            "{name}: centroid {i}: got {g}, CLIMADA {w} (diff {d:.3e})"
        );
        worst = worst.max(d);
    }
    println!(
        "{name}: {} centroids, max |diff| {worst:.3e} m/s",
        got.len()
    );
    worst
}

#[test]
fn hourly_si_track_matches_climada() {
    let track =
        SiTrack::read_csv(&data("climada_trac_brb_test_interpolated_1h_si.csv")).expect("si track");
    assert_eq!(track.len(), 223);
    let (sites, h08, h80) = expected();
    assert_eq!(sites.len(), 296);
    let w08 =
        WindField::new(track.clone(), WindModel::H08).max_wind(&sites, CLIMADA_INTENSITY_THRESHOLD);
    compare("H08 (1h SI track)", &w08, &h08, 1e-5);
    assert_eq!(w08.iter().filter(|v| **v > 0.0).count(), 255);
    let w80 = WindField::new(track, WindModel::H1980).max_wind(&sites, CLIMADA_INTENSITY_THRESHOLD);
    compare("H1980 (1h SI track)", &w80, &h80, 1e-5);
}

#[test]
fn raw_track_end_to_end_matches_climada() {
    let raw = Track::read_csv(&data("climada_trac_brb_test.csv")).expect("raw track");
    assert_eq!(raw.len(), 38);
    let si = raw.resample(1.0).expect("resample").to_si().expect("si");
    // The resampled track agrees with CLIMADA's.
    let reference =
        SiTrack::read_csv(&data("climada_trac_brb_test_interpolated_1h_si.csv")).expect("si track");
    assert_eq!(si.len(), reference.len());
    let mut dpos: f64 = 0.0;
    for i in 0..si.len() {
        dpos = dpos
            .max((si.lat[i] - reference.lat[i]).abs())
            .max((si.lon[i] - reference.lon[i]).abs());
        assert!((si.cen_pa[i] - reference.cen_pa[i]).abs() < 1e-6, "cen {i}");
        assert!((si.rmw_m[i] - reference.rmw_m[i]).abs() < 1e-4, "rmw {i}");
        assert!(
            (si.vtrans_norm[i] - reference.vtrans_norm[i]).abs() < 1e-6,
            "vtrans {i}"
        );
    }
    println!("max |position diff| {dpos:.3e} deg");
    assert!(dpos < 1e-9);
    let (sites, h08, h80) = expected();
    let w08 =
        WindField::new(si.clone(), WindModel::H08).max_wind(&sites, CLIMADA_INTENSITY_THRESHOLD);
    compare("H08 (raw track)", &w08, &h08, 1e-3);
    let w80 = WindField::new(si, WindModel::H1980).max_wind(&sites, CLIMADA_INTENSITY_THRESHOLD);
    compare("H1980 (raw track)", &w80, &h80, 1e-3);
}

#[test]
fn bad_track_file_reports_line_and_field() {
    let text = "cgps_lat,cgps_lon,isotime,pcen,penv,rmax,tint,vmax\n\
                12.3,-25.6,1951082706,-999,1010,0,6,25\n\
                12.3,x,1951082712,-999,1010,0,6,25\n";
    let e = Track::from_csv_reader(text.as_bytes(), "t.csv")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("t.csv:3: field `cgps_lon`: `x` is not a number")
    );
}
