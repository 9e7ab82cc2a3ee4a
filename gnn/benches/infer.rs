//! Inference time of the shipped forecaster's shape (an ensemble of
//! [`TrainOptions::default`]`().members` networks) on graphs of 100, 1,000 and
//! 10,000 nodes (one snapshot, edges: a ring plus n/4 random chords, both
//! directions), on the CPU backend; with `--features wgpu` and
//! `GNN_BENCH_DEVICE=wgpu`, on the GPU.
//!
//! `cargo bench --workspace --bench infer`

use burn::prelude::*;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gnn::data::EDGE_DIM;
use gnn::forecast::{Forecaster, HORIZON, IN_DIM, TrainOptions};
use gnn::graph::Graph;
use gnn::model::GnnConfig;
use gnn::rng::SplitMix64;

fn device() -> Device {
    #[cfg(feature = "wgpu")]
    if std::env::var("GNN_BENCH_DEVICE").as_deref() == Ok("wgpu") {
        return Device::wgpu(DeviceKind::DiscreteGpu(0));
    }
    gnn::cpu()
}

fn bench(c: &mut Criterion) {
    let dev = device();
    let opts = TrainOptions::default();
    let cfg = GnnConfig {
        in_dim: IN_DIM,
        hidden: opts.hidden,
        layers: opts.layers,
        edge_dim: EDGE_DIM,
        out_dim: HORIZON,
    };
    let model = Forecaster {
        members: (0..opts.members)
            .map(|k| cfg.init(k as u64, &dev))
            .collect(),
    };
    let mut group = c.benchmark_group("gnn_forecast_inference");
    group.sample_size(20);
    for n in [100usize, 1_000, 10_000] {
        let mut rng = SplitMix64::new(n as u64);
        let mut edges: Vec<(usize, usize, Vec<f32>)> = (0..n)
            .map(|i| (i, (i + 1) % n, vec![1.0, 0.0, 0.0, 0.3]))
            .collect();
        for _ in 0..n / 4 {
            edges.push((rng.below(n), rng.below(n), vec![1.0, 0.0, 0.0, 1.0]));
        }
        let g = Graph::undirected(n, &edges, EDGE_DIM).to_tensors(&dev);
        let x: Vec<f32> = (0..n * IN_DIM).map(|_| rng.next_f64() as f32).collect();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let xt = Tensor::<3>::from_data(TensorData::new(x.clone(), [1, n, IN_DIM]), &dev);
                let y = model.forward(xt, &g);
                // Read the result back so the timing includes the computation.
                y.into_data().iter::<f32>().next()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
