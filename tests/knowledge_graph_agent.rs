//! The disaster analyzer asking the scenario's knowledge graph which
//! critical loads are without power (`[policy] knowledge_graph = true`):
//! the graph's answers against states whose answer is known by hand, and a
//! whole run with the graph against the same run without it.

#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use agents::{ImpactGraph, MicrogridState, Observation};
use blackstart::engine::kg::KgImpact;
use blackstart::engine::{self, RunOptions};
use blackstart::scenario;
use blackstart::scenario::community::{self, Community};
use grid_model::Priority;

fn kumamoto_text() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios/kumamoto-2016.toml"),
    )
    .unwrap()
}

fn community() -> Community {
    let l = scenario::parse(&kumamoto_text(), "kumamoto-2016.toml").unwrap();
    community::build(&l.file, &|k| l.at(k)).unwrap()
}

/// An observation of the community: the upstream grid up or down, the
/// listed sites damaged, and batteries/diesels as built when `storage`
/// (otherwise none in service); no PV output.
fn observe(c: &Community, upstream_up: bool, damaged: &[&str], storage: bool) -> Observation {
    let is_damaged = |id: &str| damaged.contains(&id);
    let sub_ok = !is_damaged(&c.sites[0].id);
    let microgrids = c
        .microgrids
        .iter()
        .enumerate()
        .map(|(m, mg)| {
            let feeder_ok = !is_damaged(&format!("{}-feeder", mg.name));
            MicrogridState {
                name: mg.name.clone(),
                lat: mg.lat,
                lon: mg.lon,
                upstream_connected: upstream_up && sub_ok && feeder_ok,
                import_limit_mw: 10.0,
                loads: Vec::new(),
                renewable_mw: 0.0,
                batteries: c
                    .batteries
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| storage && b.2 == m)
                    .map(|(i, b)| (i, b.0.clone()))
                    .collect(),
                diesels: c
                    .diesels
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| storage && d.2 == m && d.0.can_form_grid())
                    .map(|(i, d)| (i, d.0.clone()))
                    .collect(),
                losses_mw: 0.0,
                demand_forecast_mw: Vec::new(),
                renewable_forecast_mw: Vec::new(),
                damaged_sites: (0, 0),
            }
        })
        .collect();
    Observation {
        time_ms: 0,
        replica: 0,
        dt_h: 0.25,
        periods_h: vec![0.25],
        microgrids,
        edges: Vec::new(),
        hazard: agents::HazardState {
            kind: "earthquake".into(),
            severity: 2,
            hours_since_event: 1.0,
            upstream_up,
            substation_ok: sub_ok,
            damaged: c
                .sites
                .iter()
                .filter(|s| is_damaged(&s.id))
                .map(|s| (s.id.clone(), s.lat, s.lon))
                .collect(),
        },
    }
}

/// The critical loads of the microgrids `pred` selects, per microgrid, sorted.
fn critical_of(c: &Community, pred: impl Fn(usize) -> bool) -> Vec<Vec<String>> {
    (0..c.microgrids.len())
        .map(|m| {
            let mut v: Vec<String> = c
                .loads
                .iter()
                .filter(|l| l.microgrid == m && l.priority == Priority::Critical && pred(m))
                .map(|l| l.id.clone())
                .collect();
            v.sort();
            v
        })
        .collect()
}

/// Whether microgrid `m` has a battery or a (fixed) diesel as built.
fn has_storage(c: &Community, m: usize) -> bool {
    c.batteries.iter().any(|b| b.2 == m)
        || c.diesels.iter().any(|d| d.2 == m && d.0.can_form_grid())
}

#[test]
fn graph_answers_match_states_known_by_hand() {
    let c = community();
    let mut g = KgImpact::new(&c).unwrap();
    let none = vec![Vec::<String>::new(); c.microgrids.len()];
    // Grid up, nothing damaged: every critical load has power.
    assert_eq!(
        g.critical_without_power(&observe(&c, true, &[], true))
            .unwrap(),
        none
    );
    // Grid down, no storage anywhere: every critical load is dark.
    let all = critical_of(&c, |_| true);
    assert!(
        all.iter().map(Vec::len).sum::<usize>() > 0,
        "the preset has critical loads"
    );
    assert_eq!(
        g.critical_without_power(&observe(&c, false, &[], false))
            .unwrap(),
        all
    );
    // Grid down, storage as built: dark exactly where no battery or diesel.
    let want = critical_of(&c, |m| !has_storage(&c, m));
    assert_eq!(
        g.critical_without_power(&observe(&c, false, &[], true))
            .unwrap(),
        want
    );
    assert_ne!(want, all, "some microgrid of the preset has storage");
    // Grid up but the substation damaged, no storage: all dark again; then
    // repaired: all powered (the state is updated in place, not rebuilt).
    let sub = c.sites[0].id.clone();
    assert_eq!(
        g.critical_without_power(&observe(&c, true, &[&sub], false))
            .unwrap(),
        all
    );
    assert_eq!(
        g.critical_without_power(&observe(&c, true, &[], false))
            .unwrap(),
        none
    );
    // One microgrid's feeder damaged, no storage: only that one is dark.
    let is_tie = |i: usize| c.ties.iter().any(|t| t.site == i);
    let (m, feeder) = c
        .sites
        .iter()
        .enumerate()
        .find_map(|(i, s)| match (s.kind, s.microgrid) {
            (community::SiteKind::Feeder(_), Some(m))
                if !is_tie(i) && !critical_of(&c, |_| true)[m].is_empty() =>
            {
                Some((m, s.id.clone()))
            }
            _ => None,
        })
        .unwrap();
    // A damaged tie line (normally open) darkens nothing.
    if let Some(t) = c.ties.first() {
        let tie = c.sites[t.site].id.clone();
        assert_eq!(
            g.critical_without_power(&observe(&c, true, &[&tie], false))
                .unwrap(),
            none
        );
    }
    assert_eq!(
        g.critical_without_power(&observe(&c, true, &[&feeder], false))
            .unwrap(),
        critical_of(&c, |k| k == m)
    );
    // The state is in the graph: SPARQL sees the damaged feeder.
    let q = "PREFIX bs: <https://blackstart-sim.github.io/ontology#> \
             SELECT ?s WHERE { ?s bs:isDamaged true }";
    let mut out = Vec::new();
    g.graph()
        .run(
            q,
            ontology::QueryOptions::default(),
            ontology::OutputFormat::Csv,
            &mut out,
        )
        .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text.lines().count(),
        2,
        "header and one damaged site: {text}"
    );
}

#[test]
fn a_run_with_the_graph_logs_its_answers_and_decides_the_same() {
    let base = kumamoto_text();
    assert!(base.contains("[policy]\nkind = \"priority\"\n"));
    let with = base.replace(
        "[policy]\nkind = \"priority\"\n",
        "[policy]\nkind = \"priority\"\nknowledge_graph = true\n",
    );
    let opts = RunOptions {
        replicas: Some(2),
        threads: 2,
        detail: true,
        ..Default::default()
    };
    let a = engine::run(&scenario::parse(&base, "k.toml").unwrap(), &opts).unwrap();
    let b = engine::run(&scenario::parse(&with, "k.toml").unwrap(), &opts).unwrap();
    // The graph informs the analyzer's report and log, not the dispatch.
    assert_eq!(a.replica_metrics, b.replica_metrics);
    for (ra, rb) in a.replicas.iter().zip(&b.replicas) {
        assert_eq!(ra.served_fraction, rb.served_fraction);
        assert_eq!(ra.critical_fraction, rb.critical_fraction);
        let kg: Vec<_> = rb
            .decisions
            .iter()
            .filter(|d| {
                d.agent == "disaster_analyzer" && d.rationale.starts_with("knowledge graph:")
            })
            .collect();
        assert!(
            ra.decisions
                .iter()
                .all(|d| !d.rationale.starts_with("knowledge graph:")),
            "no graph, no graph records"
        );
        // Kumamoto cuts the upstream grid at the event: the graph reports
        // critical loads without power at some point of every replica.
        assert!(
            kg.iter()
                .any(|d| d.rationale.contains("critical load(s) without power")),
            "replica {}: {:?}",
            rb.served_fraction.len(),
            kg.iter().map(|d| &d.rationale).collect::<Vec<_>>()
        );
        // The other records are the same ones.
        let others = |r: &blackstart::engine::sim::ReplicaResult| {
            r.decisions
                .iter()
                .filter(|d| !d.rationale.starts_with("knowledge graph:"))
                .map(|d| (d.time_ms, d.agent.clone(), d.rationale.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(others(ra), others(rb));
    }
}
