//! Policies compared on the presets with common random numbers.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use blackstart::engine::{self, RunOptions};
use blackstart::reports::{self, compare};
use blackstart::scenario;

const PRESETS: [&str; 4] = ["kumamoto-2016", "hokkaido-2018", "faxai-2019", "ahr-2021"];

fn preset(name: &str) -> scenario::Loaded {
    let path = format!(
        "{}/examples/scenarios/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    scenario::load(&path).expect("preset loads")
}

/// The guarantee, on every preset at 12 replicas: `optimal` serves
/// at least as much critical energy as `none` in every replica (common
/// random numbers: the same damage, repairs and weather), and more on
/// average where storage would otherwise drain on normal load (Kumamoto).
#[test]
fn optimal_never_serves_less_critical_energy_than_none_on_any_preset() {
    let policies = vec!["none".to_string(), "optimal".to_string()];
    for name in PRESETS {
        let l = preset(name);
        let opts = RunOptions {
            replicas: Some(12),
            threads: 0,
            ..RunOptions::default()
        };
        let cmp = compare::compare(&l, &policies, &opts).expect("compare runs");
        let crit = |k: usize| -> Vec<f64> {
            cmp.runs[k]
                .1
                .replica_metrics
                .iter()
                .map(|m| m["critical_served_mwh"])
                .collect()
        };
        let (none, opt) = (crit(0), crit(1));
        assert_eq!(none.len(), 12);
        for (r, (a, b)) in none.iter().zip(&opt).enumerate() {
            assert!(
                *b >= a - 1e-9 * a.abs().max(1.0),
                "{name} replica {r}: optimal {b} < none {a} MWh critical"
            );
        }
        let d = cmp.differences["optimal"]["critical_served_mwh"];
        assert!(d.mean >= 0.0, "{name}: {d:?}");
        if name == "kumamoto-2016" {
            assert!(d.mean > 1.0, "{name}: {d:?}");
        }
        println!(
            "{name}: critical MWh none {:.2}, optimal {:+.2} (mean over 12 replicas)",
            none.iter().sum::<f64>() / 12.0,
            d.mean
        );
    }
}

/// Common random numbers for every policy on every preset: the damage
/// sampled in a replica is the same whatever the policy.
#[test]
fn policies_see_the_same_damage_on_every_preset() {
    let policies: Vec<String> = ["none", "priority", "optimal", "market"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for name in PRESETS {
        let l = preset(name);
        let opts = RunOptions {
            replicas: Some(2),
            threads: 0,
            ..RunOptions::default()
        };
        let cmp = compare::compare(&l, &policies, &opts).expect("compare runs");
        let base = &cmp.runs[0].1;
        assert!(
            base.damages.iter().any(|d| !d.is_empty()),
            "{name}: no damage"
        );
        for (p, r) in &cmp.runs[1..] {
            assert_eq!(r.damages, base.damages, "{name}: {p} saw other damage");
        }
    }
}

#[test]
fn compare_json_has_the_documented_shape_and_paired_differences() {
    let l = preset("hokkaido-2018");
    let policies = vec!["none".to_string(), "priority".to_string()];
    let opts = RunOptions {
        replicas: Some(3),
        ..RunOptions::default()
    };
    let cmp = compare::compare(&l, &policies, &opts).unwrap();
    let j = cmp.to_json();
    assert_eq!(j["baseline"], "none");
    assert!(j["policies"]["none"]["aggregate"]["critical_served_fraction"].is_object());
    assert!(j["policies"]["priority"]["replicas"].is_array());
    let d = &j["differences"]["priority"]["served_energy_fraction"];
    // The mean difference is the mean of the per-replica differences.
    let per = |k: usize| -> Vec<f64> {
        cmp.runs[k]
            .1
            .replica_metrics
            .iter()
            .map(|m| m["served_energy_fraction"])
            .collect()
    };
    let (a, b) = (per(0), per(1));
    let mean = a.iter().zip(&b).map(|(x, y)| y - x).sum::<f64>() / 3.0;
    assert!((d["mean"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(d["ci95_low"].as_f64().unwrap() <= mean);
    assert!(d["ci95_high"].as_f64().unwrap() >= mean);
    // Unknown and repeated policies are refused with the list of known ones.
    let bad = compare::compare(&l, &["none".into(), "greedy".into()], &opts).unwrap_err();
    assert!(
        bad.to_string().contains("none, priority, optimal, market"),
        "{bad}"
    );
    let twice = compare::compare(&l, &["none".into(), "none".into()], &opts).unwrap_err();
    assert!(twice.to_string().contains("twice"));
}

#[test]
fn t_quantiles_match_the_table_and_the_normal_limit() {
    assert_eq!(reports::paired::t975(1), 12.706);
    assert_eq!(reports::paired::t975(30), 2.042);
    // df = 40: 2.021, df = 120: 1.980 (statistics tables).
    assert!((reports::paired::t975(40) - 2.021).abs() < 1e-3);
    assert!((reports::paired::t975(120) - 1.980).abs() < 1e-3);
}

#[test]
fn the_decision_log_explains_each_command_and_its_outcome() {
    let l = preset("hokkaido-2018");
    let opts = RunOptions {
        replicas: Some(2),
        ..RunOptions::default()
    };
    let res = engine::run(&l, &opts).unwrap();
    let df = reports::decisions_frame(&res).unwrap();
    assert!(df.height() > 0);
    let rationale = df.column("rationale").unwrap().str().unwrap();
    let commands = df.column("commands").unwrap().str().unwrap();
    let outcome = df.column("outcome").unwrap().str().unwrap();
    let agent = df.column("agent").unwrap().str().unwrap();
    let mut with_transfer = 0;
    for i in 0..df.height() {
        assert!(!rationale.get(i).unwrap().is_empty());
        if agent.get(i) == Some("decision_maker") {
            // Every decision gets its outcome one interval later (the last
            // interval's decision has none to get).
            let c = commands.get(i).unwrap();
            if c.contains("transfer") {
                with_transfer += 1;
                assert!(
                    rationale.get(i).unwrap().contains("cannot cover"),
                    "{}",
                    rationale.get(i).unwrap()
                );
            }
            let last =
                df.column("time_h").unwrap().f64().unwrap().get(i).unwrap() >= 24.0 * 4.0 - 0.25;
            assert!(last || outcome.get(i).unwrap().contains("served critical"));
        }
    }
    assert!(
        with_transfer > 0,
        "the priority preset shares energy in Hokkaido"
    );
}
