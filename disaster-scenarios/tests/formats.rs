//! Readers for QuakeML, ShakeMap grid.xml and IBTrACS CSV.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use disaster_scenarios::formats::ibtracs::read_ibtracs_from;
use disaster_scenarios::formats::quakeml::QuakeMlEvent;
use disaster_scenarios::formats::shakemap::ShakeMapGrid;

/// A QuakeML event in the USGS layout, Kumamoto 2016 mainshock with
/// illustrative values (hypocentre from events.md, flagged [M] there).
const QUAKEML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<q:quakeml xmlns="http://quakeml.org/xmlns/bed/1.2" xmlns:q="http://quakeml.org/xmlns/quakeml/1.2">
 <eventParameters publicID="quakeml:test/ep">
  <event publicID="quakeml:test/event/kumamoto2016">
   <preferredOriginID>quakeml:test/origin/1</preferredOriginID>
   <preferredMagnitudeID>quakeml:test/magnitude/1</preferredMagnitudeID>
   <origin publicID="quakeml:test/origin/0">
    <time><value>2016-04-15T00:00:00Z</value></time>
    <latitude><value>0</value></latitude><longitude><value>0</value></longitude><depth><value>0</value></depth>
   </origin>
   <origin publicID="quakeml:test/origin/1">
    <time><value>2016-04-15T16:25:05Z</value></time>
    <latitude><value>32.754</value></latitude>
    <longitude><value>130.763</value></longitude>
    <depth><value>12000</value></depth>
   </origin>
   <magnitude publicID="quakeml:test/magnitude/1">
    <mag><value>7.0</value></mag><type>Mww</type>
   </magnitude>
   <focalMechanism publicID="quakeml:test/fm/1">
    <nodalPlanes>
     <nodalPlane1><strike><value>224</value></strike><dip><value>65</value></dip><rake><value>-142</value></rake></nodalPlane1>
     <nodalPlane2><strike><value>117</value></strike><dip><value>56</value></dip><rake><value>-30</value></rake></nodalPlane2>
    </nodalPlanes>
   </focalMechanism>
  </event>
 </eventParameters>
</q:quakeml>"#;

#[test]
fn quakeml_event_and_finite_fault() {
    let ev = QuakeMlEvent::parse(QUAKEML, "k.xml").expect("quakeml");
    assert_eq!(ev.lat, 32.754);
    assert_eq!(ev.depth_km, 12.0);
    assert_eq!(ev.mag, 7.0);
    assert_eq!(ev.mag_type, "Mww");
    assert_eq!(ev.nodal_planes.len(), 2);
    let r = ev.rupture().expect("rupture");
    // A finite fault: a site 20 km along strike from the epicentre is much
    // closer to the rupture than to the hypocentre.
    let (rrup, rjb) = r.distances(32.754 - 0.13, 130.763 - 0.13);
    assert!(rjb < 5.0, "rjb {rjb}");
    assert!(rrup < 15.0, "rrup {rrup}");
    let bad = QUAKEML.replace("<value>32.754</value>", "<value>north</value>");
    let e = QuakeMlEvent::parse(&bad, "k.xml")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("k.xml") && e.contains("latitude") && e.contains("north"),
        "{e}"
    );
    let broken = QUAKEML.replace("</origin>", "");
    assert!(QuakeMlEvent::parse(&broken, "k.xml").is_err());
}

const GRID: &str = r#"<?xml version="1.0" encoding="US-ASCII" standalone="yes"?>
<shakemap_grid xmlns="http://earthquake.usgs.gov/eqcenter/shakemap" event_id="test" shakemap_id="test">
<event event_id="test" magnitude="7.0" depth="12" lat="32.75" lon="130.76" />
<grid_specification lon_min="130.0" lat_min="32.0" lon_max="131.0" lat_max="33.0" nominal_lon_spacing="1.0" nominal_lat_spacing="1.0" nlon="2" nlat="2" />
<grid_field index="1" name="LON" units="dd" />
<grid_field index="2" name="LAT" units="dd" />
<grid_field index="3" name="PGA" units="pctg" />
<grid_field index="4" name="PGV" units="cms" />
<grid_data>
130.0 33.0 10.0 5.0
131.0 33.0 20.0 6.0
130.0 32.0 30.0 7.0
131.0 32.0 40.0 8.0
</grid_data>
</shakemap_grid>"#;

#[test]
fn shakemap_grid_pga() {
    let g = ShakeMapGrid::parse(GRID, "grid.xml").expect("grid");
    assert_eq!(g.fields, ["LON", "LAT", "PGA", "PGV"]);
    assert_eq!(g.magnitude, Some(7.0));
    assert!((g.pga_g(33.0, 130.0).expect("pga") - 0.10).abs() < 1e-12);
    assert!((g.pga_g(32.5, 130.5).expect("pga") - 0.25).abs() < 1e-12);
    assert_eq!(g.pga_g(34.0, 130.5), None);
    let bad = GRID.replace("131.0 32.0 40.0 8.0", "131.0 32.0 forty 8.0");
    let e = ShakeMapGrid::parse(&bad, "grid.xml")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        e.contains("grid.xml") && e.contains("row 4 column 3"),
        "{e}"
    );
}

#[test]
fn ibtracs_v04_csv() {
    let text = "SID,SEASON,NAME,ISO_TIME,LAT,LON,WMO_WIND,WMO_PRES,USA_WIND,USA_PRES,USA_RMW,USA_POCI\n\
                ,Year,,,degrees_north,degrees_east,kts,mb,kts,mb,nmile,mb\n\
                2019245N16141,2019,FAXAI,2019-09-08 12:00:00,33.9,139.9,85,955,95,950,15,1004\n\
                OTHER,2019,X,2019-09-08 12:00:00,0,0,10,1000,,,,\n\
                2019245N16141,2019,FAXAI,2019-09-08 18:00:00,35.0,140.0,80,960, , , ,\n";
    let t = read_ibtracs_from(text.as_bytes(), "ib.csv", "2019245N16141").expect("track");
    assert_eq!(t.len(), 2);
    assert_eq!(t.vmax_kn, [95.0, 80.0]);
    assert_eq!(t.pcen_hpa, [950.0, 960.0]);
    assert_eq!(t.penv_hpa, [1004.0, 1010.0]);
    assert_eq!(t.rmax_nm, [15.0, 0.0]);
    let bad = text.replace("35.0,140.0", "35.0,east");
    let e = read_ibtracs_from(bad.as_bytes(), "ib.csv", "2019245N16141")
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        e.as_deref(),
        Some("ib.csv:5: field `LON`: `east` is not a number")
    );
}
