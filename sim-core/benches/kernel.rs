//! Criterion benchmarks of the kernel: PHOLD (1,000 LPs) and raw queue
//! operations.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sim_core::phold::{PholdConfig, build};
use sim_core::prelude::*;
use std::hint::black_box;

fn phold(c: &mut Criterion) {
    let mut g = c.benchmark_group("phold");
    let events = 200_000u64;
    g.throughput(Throughput::Elements(events));
    g.sample_size(20);
    for lps in [100u32, 1_000, 10_000] {
        let cfg = PholdConfig {
            lps,
            events,
            ..PholdConfig::default()
        };
        g.bench_with_input(BenchmarkId::new("lps", lps), &cfg, |b, cfg| {
            b.iter_batched(
                || build(cfg).expect("build"),
                |mut sim| black_box(sim.run_events(cfg.events).expect("run")),
                criterion::BatchSize::LargeInput,
            );
        });
    }
    g.finish();
}

fn queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue");
    let n = 100_000u64;
    g.throughput(Throughput::Elements(n));
    g.bench_function("schedule_then_drain_100k", |b| {
        b.iter(|| {
            let mut sim = Simulation::from_fn(|_s: &mut Scheduler<u64>, e: u64| {
                black_box(e);
                Ok(())
            });
            let mut x = 0x9e37_79b9_7f4a_7c15u64;
            for i in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                sim.schedule_at(SimTime::from_millis(x % 1_000_000), (x % 4) as u16, i)
                    .expect("schedule");
            }
            black_box(sim.run().expect("run"))
        });
    });
    g.bench_function("cancel_half_100k", |b| {
        b.iter(|| {
            let mut sim = Simulation::from_fn(|_s: &mut Scheduler<u64>, e: u64| {
                black_box(e);
                Ok(())
            });
            let ids: Vec<_> = (0..n)
                .map(|i| {
                    sim.schedule_at(SimTime::from_millis((i * 7919) % 100_000), 0, i)
                        .expect("schedule")
                })
                .collect();
            for id in ids.iter().step_by(2) {
                sim.cancel(*id);
            }
            black_box(sim.run().expect("run"))
        });
    });
    g.finish();
}

criterion_group!(benches, phold, queue);
criterion_main!(benches);
