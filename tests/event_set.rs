//! Stochastic event sets: every replica samples its own event.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use blackstart::engine::{self, RunOptions};
use blackstart::scenario;

fn with_event_set(preset: &str, table: &str) -> scenario::Loaded {
    let path = format!(
        "{}/examples/scenarios/{preset}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).expect("preset readable");
    let text = format!("{text}\n[event_set]\n{table}\n");
    scenario::parse(&text, &path).expect("scenario with an event set parses")
}

fn events(res: &engine::RunResults) -> Vec<(u32, String)> {
    let df = res.recorder.events_to_dataframe().expect("events table");
    let kind = df
        .column("kind")
        .and_then(|c| c.str().cloned())
        .expect("kind");
    let detail = df
        .column("detail")
        .and_then(|c| c.str().cloned())
        .expect("detail");
    let rep = df
        .column("replica")
        .and_then(|c| c.u32().cloned())
        .expect("replica");
    (0..df.height())
        .filter(|&i| kind.get(i) == Some("event_set"))
        .map(|i| {
            (
                rep.get(i).unwrap_or(u32::MAX),
                detail.get(i).unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn earthquake_sets_sample_one_event_per_replica_deterministically() {
    let l = with_event_set(
        "kumamoto-2016",
        "b_value = 1.0\nm_min = 6.0\nm_max = 7.3\nradius_km = 20.0\nstrike_sigma_deg = 15.0",
    );
    let opts = RunOptions {
        replicas: Some(6),
        ..RunOptions::default()
    };
    let a = engine::run(&l, &opts).unwrap();
    let ev = events(&a);
    assert_eq!(ev.len(), 6, "{ev:?}");
    // Different events in different replicas, all within the magnitude range.
    let mags: Vec<f64> = ev
        .iter()
        .map(|(_, d)| d.split_whitespace().nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(mags.iter().all(|m| (6.0..=7.3).contains(m)), "{mags:?}");
    assert!(mags.windows(2).any(|w| w[0] != w[1]));
    // The same seed gives the same events and damage, whatever the threads.
    let b = engine::run(
        &l,
        &RunOptions {
            replicas: Some(6),
            threads: 1,
            ..RunOptions::default()
        },
    )
    .unwrap();
    assert_eq!(events(&b), ev);
    assert_eq!(a.damages, b.damages);
    // And it differs from the fixed-event run's damage.
    let fixed = engine::run(
        &scenario::load(format!(
            "{}/examples/scenarios/kumamoto-2016.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap(),
        &opts,
    )
    .unwrap();
    assert_ne!(fixed.damages, a.damages);
}

#[test]
fn typhoon_sets_shift_the_track_and_floods_are_refused() {
    let l = with_event_set(
        "faxai-2019",
        "cross_track_sigma_km = 40.0\nalong_track_sigma_km = 20.0\nintensity_sigma = 0.1",
    );
    let res = engine::run(
        &l,
        &RunOptions {
            replicas: Some(3),
            ..RunOptions::default()
        },
    )
    .unwrap();
    let ev = events(&res);
    assert_eq!(ev.len(), 3);
    assert!(
        ev.iter().all(|(_, d)| d.starts_with("track shifted")),
        "{ev:?}"
    );
    let path = format!(
        "{}/examples/scenarios/ahr-2021.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap() + "\n[event_set]\nradius_km = 5.0\n";
    let l = scenario::parse(&text, &path).unwrap();
    let err = engine::run(&l, &RunOptions::default()).unwrap_err();
    assert!(
        err.to_string()
            .contains("earthquake and typhoon hazards only"),
        "{err}"
    );
}
