//! The learned planner: training loop, saved weights, equivariance,
//! reproducibility and the projection onto the feasible set.

#![allow(clippy::unwrap_used, missing_docs)]

use agents::plan::{PlanInput, Strategy};
use agents::roles::{Agent, DisasterAnalyzer, EnergyAnalyzer, GridAnalyzer};
use agents::{Observation, OptimalPlanner};
use burn::prelude::*;
use gnn::planner::{
    self, GnnPlanner, NODE_DIM, OUT_DIM, PlannerMeta, PlannerSample, PlannerTrainOptions,
};
use gnn::rng::SplitMix64;

/// Runs the analyzers and hands the plan input to `f`.
fn with_input<T>(obs: &Observation, f: impl FnOnce(&PlanInput<'_>) -> T) -> T {
    let dis = DisasterAnalyzer::default().run(obs);
    let en = EnergyAnalyzer.run(obs);
    let gr = GridAnalyzer.run(obs);
    f(&PlanInput {
        obs,
        disaster: &dis,
        energy: &en,
        grid: &gr,
    })
}

/// Teacher samples on small random communities.
fn tiny_dataset(k: usize) -> Vec<PlannerSample> {
    (0..k)
        .map(|s| {
            let obs = gnn::synth::community(5, s as u64, false, 0.0);
            with_input(&obs, |inp| {
                let plan = OptimalPlanner::default().plan(inp).unwrap();
                PlannerSample::new(inp, &plan)
            })
        })
        .collect()
}

fn tiny_opts(epochs: usize) -> PlannerTrainOptions {
    PlannerTrainOptions {
        seed: 3,
        epochs,
        batch: 4,
        hidden: 16,
        layers: 2,
        lr: 1e-2,
    }
}

#[test]
fn planner_overfits_a_tiny_dataset() {
    let data = tiny_dataset(8);
    let dev = gnn::cpu();
    let t = planner::train(&data, &[], &tiny_opts(150), &dev, &mut |_| {}).unwrap();
    let first = t.history[0].train_loss;
    let last = t.history.last().unwrap().train_loss;
    assert!(
        last < 0.1 * first,
        "training loss went from {first} to {last} only"
    );
}

#[test]
fn planner_training_is_reproducible_under_a_seed() {
    let data = tiny_dataset(4);
    let dev = gnn::cpu();
    let a = planner::train(&data, &[], &tiny_opts(3), &dev, &mut |_| {}).unwrap();
    let b = planner::train(&data, &[], &tiny_opts(3), &dev, &mut |_| {}).unwrap();
    let obs = gnn::synth::community(7, 99, false, 0.0);
    let (pa, pb) = with_input(&obs, |inp| {
        (
            planner::infer(&a.model, inp, &dev),
            planner::infer(&b.model, inp, &dev),
        )
    });
    assert_eq!(pa, pb);
    let la: Vec<f64> = a.history.iter().map(|e| e.train_loss).collect();
    let lb: Vec<f64> = b.history.iter().map(|e| e.train_loss).collect();
    assert_eq!(la, lb);
}

#[test]
fn planner_weights_reload_to_identical_predictions() {
    let data = tiny_dataset(4);
    let dev = gnn::cpu();
    let t = planner::train(&data, &[], &tiny_opts(2), &dev, &mut |_| {}).unwrap();
    let dir = std::env::temp_dir().join(format!("gnn-planner-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("planner.bpk");
    let meta = PlannerMeta {
        config: t.config,
        options: tiny_opts(2),
        data: "test".into(),
        best_epoch: t.best_epoch,
        history: t.history.clone(),
    };
    planner::save(&t.model, &meta, &path).unwrap();
    let (back, meta2) = planner::load(&path, &dev).unwrap();
    assert_eq!(meta, meta2);
    let obs = gnn::synth::community(9, 5, true, 0.2);
    let (a, b) = with_input(&obs, |inp| {
        (
            planner::infer(&t.model, inp, &dev),
            planner::infer(&back, inp, &dev),
        )
    });
    assert_eq!(a, b);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn planner_model_is_permutation_equivariant() {
    let dev = gnn::cpu();
    let cfg = gnn::model::GnnConfig {
        in_dim: NODE_DIM,
        hidden: 16,
        layers: 2,
        edge_dim: planner::EDGE_DIM,
        out_dim: OUT_DIM,
    };
    let model = cfg.init(11, &dev);
    let obs = gnn::synth::community(12, 4, false, 0.0);
    let (g, x, _) = with_input(&obs, planner::encode);
    let n = g.n;
    let mut perm: Vec<usize> = (0..n).collect();
    SplitMix64::new(8).shuffle(&mut perm);
    let mut xp = vec![0f32; x.len()];
    for i in 0..n {
        xp[perm[i] * NODE_DIM..(perm[i] + 1) * NODE_DIM]
            .copy_from_slice(&x[i * NODE_DIM..(i + 1) * NODE_DIM]);
    }
    let run = |g: &gnn::graph::Graph, x: Vec<f32>| -> Vec<f32> {
        let gt = g.to_tensors(&dev);
        let x = Tensor::<3>::from_data(TensorData::new(x, [1, n, NODE_DIM]), &dev);
        model.forward(x, &gt).into_data().iter::<f32>().collect()
    };
    let y = run(&g, x);
    let yp = run(&g.permuted(&perm), xp);
    for i in 0..n {
        for k in 0..OUT_DIM {
            let (a, b) = (y[i * OUT_DIM + k], yp[perm[i] * OUT_DIM + k]);
            assert!((a - b).abs() < 1e-4, "node {i} output {k}: {a} vs {b}");
        }
    }
}

#[test]
fn projection_never_yields_an_infeasible_command() {
    // Random communities (sizes, topologies, connected microgrids) and
    // random raw outputs, including huge, negative and non-finite values.
    let mut rng = SplitMix64::new(2026);
    for case in 0..300u64 {
        let n = 1 + rng.below(14);
        let obs = gnn::synth::community(
            n,
            case,
            case % 3 == 0,
            if case % 4 == 0 { 0.3 } else { 0.0 },
        );
        let raw: Vec<f32> = (0..(n + 1) * OUT_DIM)
            .map(|_| match rng.below(10) {
                0 => f32::NAN,
                1 => f32::INFINITY,
                2 => -1e6,
                3 => 1e6,
                _ => (rng.next_f64() * 6.0 - 3.0) as f32,
            })
            .collect();
        let bad = with_input(&obs, |inp| {
            let plan = planner::project(inp, &raw);
            planner::check(inp.obs, inp.grid, &plan)
        });
        assert!(bad.is_empty(), "case {case}: {bad:?}");
    }
}

#[test]
fn shipped_planner_plans_feasibly() {
    let mut p = GnnPlanner::shipped().unwrap();
    for s in 0..5 {
        let obs = gnn::synth::community(20, s, s % 2 == 0, 0.1);
        let bad = with_input(&obs, |inp| {
            let plan = p.plan(inp).unwrap();
            assert_eq!(plan.strategy, "gnn");
            planner::check(inp.obs, inp.grid, &plan)
        });
        assert!(bad.is_empty(), "{bad:?}");
    }
}
