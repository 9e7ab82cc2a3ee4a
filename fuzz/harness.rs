//! The fuzzed entry points, shared by the cargo-fuzz targets (`fuzz_targets/`)
//! and by the mutation test that runs in CI (`tests/parser_mutations.rs`).
//! Each function takes arbitrary bytes and must return without panicking.

#![allow(dead_code)]

use disaster_scenarios::flood::{AsciiGrid, FloodModel, GridKind};
use disaster_scenarios::formats::{ibtracs, quakeml::QuakeMlEvent, shakemap::ShakeMapGrid};
use disaster_scenarios::gmpe::{csvio, model_by_name};
use disaster_scenarios::wind::track::Track;
use engine::RunOptions;
use grid_model::pf::{Init, PfOptions, PowerFlow};
use ontology::{KnowledgeGraph, OutputFormat, QueryOptions};
use scenario::profiles;
use sim_core::time::SimDuration;
use sim_core::time::SimTime;
use std::path::Path;

/// Where fuzzed scenarios pretend to live: `examples/scenarios/` of the
/// repository (this file is compiled both from `fuzz/` and from the root).
fn scenario_name() -> String {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = if here.ends_with("fuzz") {
        here.parent().unwrap_or(here)
    } else {
        here
    };
    root.join("examples/scenarios/fuzz.toml")
        .display()
        .to_string()
}

/// MATPOWER `.m` reader, then topology and both power flows on whatever
/// network it accepts: no input may panic, hang or exhaust memory.
pub fn matpower(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(net) = grid_model::matpower::parse_str(text, "fuzz.m") else {
        return;
    };
    // Bound the work per input (the reader itself is not bounded here).
    if net.buses.len() > 400 {
        return;
    }
    if let Ok(mut pf) = PowerFlow::new(&net) {
        let _ = pf.solve_dc();
        for init in [Init::Case, Init::Flat] {
            let _ = pf.solve_ac(&PfOptions {
                init,
                tol: 1e-8,
                max_iter: 20,
            });
        }
    }
}

/// Scenario files: TOML parsing, then the whole run (community, hazard,
/// profiles, damage, one replica of operation with the agents) on whatever
/// parses, as `blackstart run` does.
///
/// The scenario is placed in `examples/scenarios/`, so it can name the files
/// there (the typhoon track); inputs naming files in other folders are
/// skipped (reading `/dev/zero` as a profile is not a parser bug). Runs
/// longer than 700 control steps are skipped to keep executions fast.
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(l) = scenario::parse(text, &scenario_name()) else {
        return;
    };
    let f = &l.file;
    let mut files: Vec<&str> = Vec::new();
    if let scenario::schema::HazardSpec::Typhoon(t) = &f.hazard {
        files.push(&t.track);
    }
    for mg in &f.microgrids {
        files.extend(mg.loads.iter().filter_map(|ld| ld.profile.as_deref()));
        files.extend(mg.winds.iter().map(|w| w.wind_profile.as_str()));
    }
    if files.iter().any(|p| p.contains('/') || p.contains('\\')) {
        return;
    }
    let m = &l.file.scenario;
    let (Ok(h), Ok(i)) = (
        m.horizon.parse::<SimDuration>(),
        m.control_interval.parse::<SimDuration>(),
    ) else {
        return;
    };
    if i.as_millis() <= 0 || h.as_millis() / i.as_millis() > 700 {
        return;
    }
    let opts = RunOptions {
        replicas: Some(1),
        seed: None,
        threads: 0,
        detail: false,
        ..RunOptions::default()
    };
    let _ = engine::run(&l, &opts);
}

/// Profile files of a scenario: CSV (`time,<value>`) and Parquet (a
/// datetime column and a value column). Byte 0 picks the format.
pub fn profile(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel % 2 == 0 {
        if let Ok(text) = std::str::from_utf8(rest)
            && let Ok(s) = profiles::parse_profile(text, "fuzz.csv", "kw")
        {
            let t0 = s[0].0 as f64;
            let _ = profiles::value_at(&s, t0 + 1800.0);
            let _ = profiles::into_profile_year(&s, t0 + 4e7);
        }
    } else {
        let _ = profiles::parse_parquet_profile(rest, "fuzz.parquet", "kw");
    }
}

/// Hazard input files: the GMPE site table (CSV), tropical-cyclone tracks
/// (blackstart CSV and IBTrACS CSV), ESRI ASCII flood grids, QuakeML and
/// ShakeMap grid.xml. Byte 0 picks the format; accepted inputs go one step
/// further (ground motion, wind field, flood depth) so the numbers that a
/// malformed-but-accepted file produces are exercised too.
pub fn hazard_inputs(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 6 {
        0 => {
            if let Ok(table) = csvio::read_table(rest, "fuzz.csv", Some(400.0)) {
                for name in ["sm99-crustal", "bssa14"] {
                    if let Ok(m) = model_by_name(name, "japan") {
                        let _ = csvio::compute_rows(m.as_ref(), &table, "fuzz.csv");
                    }
                }
            }
        }
        1 => {
            if let Ok(t) = Track::from_csv_reader(rest, "fuzz.csv")
                && let Ok(si) = t.to_si()
            {
                let f = disaster_scenarios::wind::holland::WindField::new(
                    si,
                    disaster_scenarios::wind::holland::WindModel::H1980,
                );
                let _ = f.max_wind(&[(33.0, 131.0), (35.6, 139.8)], 0.0);
            }
        }
        2 => {
            let _ = ibtracs::read_ibtracs_from(rest, "fuzz.csv", "2019246N14155");
        }
        3 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            if let Ok(g) = AsciiGrid::parse(text, "fuzz.asc") {
                // Keep the per-input work bounded.
                if g.ncols.saturating_mul(g.nrows) > 1 << 16 {
                    return;
                }
                if let Ok(m) = FloodModel::from_grids(vec![(SimTime::ZERO, g)], GridKind::Depth) {
                    let _ = m.depth_at(50.5, 7.0, 100.0, SimTime::from_millis(3_600_000));
                }
            }
        }
        4 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = QuakeMlEvent::parse(text, "fuzz.xml");
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = ShakeMapGrid::parse(text, "grid.xml");
            }
        }
    }
}

/// The live twin's wire inputs: MQTT topics, telemetry / command / ack JSON
/// payloads, and the testbed binding file (TOML).
pub fn mqtt_payloads(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 5 {
        0 => {
            let _ = hw_bridge::Telemetry::parse(rest);
        }
        1 => {
            let _ = hw_bridge::CommandMsg::parse(rest);
        }
        2 => {
            let _ = hw_bridge::Ack::parse(rest);
        }
        3 => {
            if let Ok(t) = std::str::from_utf8(rest) {
                let _ = hw_bridge::topic::parse(t);
            }
        }
        _ => {
            if let Ok(t) = std::str::from_utf8(rest) {
                let _ = hw_bridge::Testbed::parse(t, "fuzz.toml");
            }
        }
    }
}

/// The entry points of `blackstart query`: RDF in four syntaxes, then a
/// SPARQL query (GeoSPARQL functions registered, read-only) over a small
/// graph.
///
/// Input layout: byte 0 picks the RDF syntax; the rest is split at the first
/// `\0` into RDF data and a SPARQL query.
pub fn rdf_sparql(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    // The formats `blackstart query --data` picks by file extension.
    let ext = ["ttl", "nt", "rdf", "jsonld"][usize::from(sel % 4)];
    let Some(format) = ontology::graph::format_for_path(Path::new(&format!("data.{ext}"))) else {
        return;
    };
    let (rdf, query) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let Ok(g) = KnowledgeGraph::new() else {
        return;
    };
    let _ = g.load_bytes(rdf, format, "fuzz", Some("http://example.org/"));
    // Small graphs only: evaluation cost grows with the data.
    if g.len().unwrap_or(usize::MAX) > 64 {
        return;
    }
    if let Ok(q) = std::str::from_utf8(query) {
        let mut out = Vec::new();
        let before = g.len().ok();
        let r = g.run(
            q,
            QueryOptions {
                allow_update: false,
                geo_rewrite: sel & 4 != 0,
            },
            OutputFormat::Json,
            &mut out,
        );
        // Read-only unless asked: a query never changes the store.
        assert_eq!(before, g.len().ok(), "query modified the store: {r:?}");
    }
}
