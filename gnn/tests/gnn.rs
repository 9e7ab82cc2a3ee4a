//! Behaviour of the message-passing network and its training loop.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use burn::prelude::*;
use gnn::data::{EDGE_DIM, synthetic};
use gnn::forecast::{
    Forecaster, HIST, HORIZON, IN_DIM, MIN_SCALE, Split, TrainOptions, build_batch, evaluate,
    hold_out_nodes, member_seed, predict, train, train_forecaster, valid_origin, window_stats,
};
use gnn::graph::Graph;
use gnn::model::GnnConfig;
use gnn::rng::SplitMix64;

fn split_all(data: &gnn::data::SeriesSet, seed: u64) -> Split {
    let origins: Vec<usize> = (0..data.t_len).filter(|&t| valid_origin(data, t)).collect();
    let k = origins.len() * 3 / 4;
    let (train_nodes, test_nodes) = hold_out_nodes(data, seed, 0.25);
    Split {
        train_origins: origins[..k].to_vec(),
        val_origins: origins[k..].to_vec(),
        test_origins: origins[k..].to_vec(),
        train_nodes,
        test_nodes,
    }
}

fn tiny_opts(epochs: usize, seed: u64) -> TrainOptions {
    TrainOptions {
        epochs,
        batch: 16,
        lr: 5e-3,
        seed,
        hidden: 16,
        layers: 1,
        members: 1,
    }
}

#[test]
fn tiny_model_overfits_tiny_dataset() {
    // 6 nodes, 10 days: 49 origins. The training loop must drive the
    // training error far below where it started and below both baselines.
    let data = synthetic(6, 10, 2, 1);
    let mut split = split_all(&data, 1);
    split.train_nodes = vec![true; 6];
    split.val_origins = split.train_origins.clone();
    let dev = gnn::cpu();
    let untrained = GnnConfig {
        in_dim: IN_DIM,
        hidden: 16,
        layers: 1,
        edge_dim: EDGE_DIM,
        out_dim: HORIZON,
    }
    .init(3, &dev);
    let all = vec![true; 6];
    let before = evaluate(&untrained.into(), &data, &split.train_origins, &all, &dev);
    let trained = train(&data, &split, &tiny_opts(60, 3), &dev, &mut |_| {}).expect("train");
    let after = evaluate(
        &trained.model.clone().into(),
        &data,
        &split.train_origins,
        &all,
        &dev,
    );
    let (b, a) = (before.model.mean_mae(), after.model.mean_mae());
    println!(
        "overfit: MAE {b:.4} -> {a:.4}; persistence {:.4}, seasonal naive {:.4}",
        after.persistence.mean_mae(),
        after.seasonal_naive.mean_mae()
    );
    assert!(a < 0.1 * b, "training MAE went from {b} to only {a}");
    assert!(a < 0.5 * after.seasonal_naive.mean_mae());
    assert!(a < 0.5 * after.persistence.mean_mae());
    let first = trained.history.first().expect("history").train_mae;
    let last = trained.history.last().expect("history").train_mae;
    assert!(last < 0.2 * first, "train loss {first} -> {last}");
}

#[test]
fn saved_weights_reload_to_identical_predictions() {
    let data = synthetic(7, 9, 3, 2);
    let split = split_all(&data, 2);
    let dev = gnn::cpu();
    let opts = TrainOptions {
        members: 2,
        ..tiny_opts(2, 5)
    };
    let trained = train_forecaster(&data, &split, &opts, &dev, &mut |_| {}).expect("train");
    let g = data.graph.to_tensors(&dev);
    let origins = &split.test_origins;
    let p0 = predict(&trained.model, &data, &g, origins, &dev);

    let dir = std::env::temp_dir().join(format!("gnn-weights-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("m.bpk");
    gnn::weights::save_forecaster(&trained.model, &path).expect("save");
    let meta = gnn::weights::ForecasterMeta {
        config: trained.config,
        options: opts,
        data: "synthetic".into(),
        held_out_nodes: vec![],
        members: trained.members.clone(),
    };
    std::fs::write(
        path.with_extension("json"),
        serde_json::to_string(&meta).expect("json"),
    )
    .expect("write meta");
    // A fresh model from another seed predicts differently ...
    let fresh = Forecaster::from(trained.config.init(99, &dev));
    let pf = predict(&fresh, &data, &g, origins, &dev);
    assert_ne!(p0, pf);
    // ... and the same after loading the record: bit for bit.
    let (loaded, m2) = gnn::weights::load_model_file(&path, &dev).expect("load");
    assert_eq!(m2, meta);
    assert_eq!(loaded.members.len(), 2);
    let p1 = predict(&loaded, &data, &g, origins, &dev);
    assert_eq!(p0.len(), origins.len() * 7 * HORIZON);
    assert_eq!(p0, p1);
    // A record of another shape is refused, not silently applied.
    let bytes = std::fs::read(&path).expect("read back");
    let mut other = meta.clone();
    other.config.hidden = 8;
    assert!(gnn::weights::load_forecaster_bytes(&bytes, &other, &dev).is_err());
    // So are weights of another input format, with the reason.
    let mut old = meta.clone();
    old.config.in_dim = IN_DIM - 2;
    let e = gnn::weights::load_forecaster_bytes(&bytes, &old, &dev).expect_err("old format");
    assert!(e.to_string().contains("older input format"), "{e}");
    // One network alone (the planner's format) round-trips as well.
    let one = &trained.model.members[0];
    gnn::weights::save_model(one, &path).expect("save one");
    let bytes = std::fs::read(&path).expect("read back");
    let back = gnn::weights::load_model_bytes(&bytes, &trained.config, &dev).expect("load one");
    assert_eq!(
        predict(&Forecaster::from(one.clone()), &data, &g, origins, &dev),
        predict(&Forecaster::from(back), &data, &g, origins, &dev)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ensemble_forecast_is_the_mean_of_its_members() {
    let data = synthetic(6, 9, 2, 5);
    let split = split_all(&data, 5);
    let dev = gnn::cpu();
    let opts = TrainOptions {
        members: 3,
        ..tiny_opts(2, 8)
    };
    let t = train_forecaster(&data, &split, &opts, &dev, &mut |_| {}).expect("train");
    assert_eq!(t.members.len(), 3);
    let seeds: Vec<u64> = t.members.iter().map(|m| m.seed).collect();
    assert_eq!(seeds, (0..3).map(|k| member_seed(8, k)).collect::<Vec<_>>());
    assert_eq!(seeds[0], 8, "the first member is the plain model's seed");
    let g = data.graph.to_tensors(&dev);
    let o = &split.test_origins;
    let each: Vec<Vec<f32>> = t
        .model
        .members
        .iter()
        .map(|m| predict(&Forecaster::from(m.clone()), &data, &g, o, &dev))
        .collect();
    assert_ne!(each[0], each[1], "members from different seeds differ");
    let mean = predict(&t.model, &data, &g, o, &dev);
    for (j, v) in mean.iter().enumerate() {
        let by_hand = (each[0][j] + each[1][j] + each[2][j]) / 3.0;
        assert!((v - by_hand).abs() <= 1e-6 * by_hand.abs().max(1.0));
    }
    // Member 0 is exactly what `train` gives under the plain seed.
    let plain = train(&data, &split, &tiny_opts(2, 8), &dev, &mut |_| {}).expect("train");
    assert_eq!(
        each[0],
        predict(&Forecaster::from(plain.model), &data, &g, o, &dev)
    );
}

#[test]
fn message_passing_is_permutation_equivariant() {
    let dev = gnn::cpu();
    let n = 40;
    let mut rng = SplitMix64::new(11);
    let mut edges = vec![];
    for _ in 0..90 {
        let f: Vec<f32> = (0..EDGE_DIM).map(|_| rng.next_f64() as f32).collect();
        edges.push((rng.below(n), rng.below(n), f));
    }
    let g = Graph::undirected(n, &edges, EDGE_DIM);
    let cfg = GnnConfig {
        in_dim: 10,
        hidden: 12,
        layers: 3,
        edge_dim: EDGE_DIM,
        out_dim: 5,
    };
    let model = cfg.init(4, &dev);
    let b = 2;
    let x: Vec<f32> = (0..b * n * 10)
        .map(|_| rng.next_f64() as f32 - 0.5)
        .collect();
    let run = |g: &Graph, x: &[f32]| -> Vec<f32> {
        let xt = Tensor::<3>::from_data(TensorData::new(x.to_vec(), [b, n, 10]), &dev);
        model
            .forward(xt, &g.to_tensors(&dev))
            .into_data()
            .iter::<f32>()
            .collect()
    };
    let y = run(&g, &x);
    // Node i becomes perm[i].
    let mut perm: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut perm);
    let gp = g.permuted(&perm);
    let mut xp = vec![0f32; x.len()];
    for s in 0..b {
        for i in 0..n {
            let (from, to) = ((s * n + i) * 10, (s * n + perm[i]) * 10);
            xp[to..to + 10].copy_from_slice(&x[from..from + 10]);
        }
    }
    let yp = run(&gp, &xp);
    let mut worst = 0f32;
    for s in 0..b {
        for i in 0..n {
            for k in 0..5 {
                let a = y[(s * n + i) * 5 + k];
                let c = yp[(s * n + perm[i]) * 5 + k];
                worst = worst.max((a - c).abs());
            }
        }
    }
    assert!(worst < 1e-5, "outputs differ by {worst} after renumbering");
    // The graph matters: without edges the output changes.
    let empty = Graph::undirected(n, &[], EDGE_DIM);
    let y0 = run(&empty, &x);
    assert!(y.iter().zip(&y0).any(|(a, c)| (a - c).abs() > 1e-4));
}

#[test]
fn training_is_reproducible_under_a_seed() {
    let data = synthetic(8, 9, 4, 3);
    let split = split_all(&data, 3);
    let dev = gnn::cpu();
    let g = data.graph.to_tensors(&dev);
    let origins: Vec<usize> = (0..data.t_len)
        .filter(|&t| valid_origin(&data, t))
        .collect();
    // Weights are compared through what they compute on every origin (the
    // record's bytes also hold parameter ids, which are fresh per model).
    let run = |seed, threads: usize| {
        let opts = TrainOptions {
            members: 2,
            ..tiny_opts(2, seed)
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let t = pool
            .install(|| train_forecaster(&data, &split, &opts, &dev, &mut |_| {}))
            .expect("train");
        let p = predict(&t.model, &data, &g, &origins, &dev);
        let h: Vec<Vec<f64>> = t
            .members
            .iter()
            .map(|m| m.history.iter().map(|e| e.train_mae).collect())
            .collect();
        (p, h)
    };
    let (w1, h1) = run(21, 2);
    let (w2, h2) = run(21, 1);
    let (w3, _) = run(22, 2);
    assert_eq!(
        h1, h2,
        "loss history differs between two runs with one seed (2 threads, then 1)"
    );
    assert!(
        w1 == w2,
        "predictions differ between two runs with one seed (2 threads, then 1)"
    );
    assert!(w1 != w3, "another seed gave the same predictions");
}

#[test]
fn batch_layout_matches_the_series() {
    let data = synthetic(3, 9, 0, 4);
    let t = 180;
    let batch = build_batch(&data, &[t]);
    let (x, y) = (&batch.x, &batch.y);
    assert_eq!(x.len(), 3 * IN_DIM);
    assert_eq!(y.len(), 3 * HORIZON);
    for i in 0..3 {
        // The window's level and scale, by hand: mean and mean absolute
        // deviation of the last week.
        let w: Vec<f32> = (t + 1 - HIST..=t).map(|tt| data.value(tt, i)).collect();
        let mu = w.iter().sum::<f32>() / HIST as f32;
        let sd = (w.iter().map(|v| (v - mu).abs()).sum::<f32>() / HIST as f32).max(MIN_SCALE);
        assert_eq!(window_stats(&data, t, i), (mu, sd));
        assert!(sd > MIN_SCALE, "synthetic series vary more than the floor");
        // last history value is y(t), normalised; first target is y(t+1), raw
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
        assert!(close(
            x[i * IN_DIM + HIST - 1],
            (data.value(t, i) - mu) / sd
        ));
        assert!(close(
            x[i * IN_DIM],
            (data.value(t + 1 - HIST, i) - mu) / sd
        ));
        // level and scale follow the history, as raw inputs
        assert_eq!(x[i * IN_DIM + HIST], mu);
        assert_eq!(x[i * IN_DIM + HIST + 1], sd);
        assert_eq!((batch.level[i], batch.scale[i]), (mu, sd));
        assert_eq!(y[i * HORIZON], data.value(t + 1, i));
        assert_eq!(y[i * HORIZON + 23], data.value(t + 24, i));
    }
}
