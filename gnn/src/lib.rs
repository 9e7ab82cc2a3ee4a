//! Graph neural networks for blackstart, in [Burn](https://burn.dev).
//!
//! - [`model`]: a message-passing network over an edge list (gather along
//!   the source index, scatter-add to the destination index), written once
//!   for every Burn backend. The CPU backend (`Device::flex()`, pure Rust)
//!   is the default; the `wgpu` feature adds a GPU device.
//! - [`forecast`]: per-node net load 1..24 h ahead from the last week,
//!   calendar and clear-sky solar features, against persistence and
//!   seasonal-naive baselines, trained deterministically on CPU.
//! - [`data`]: the SimBench reader and the series format.
//! - [`planner`]: the learned planner (strategy `gnn`): imitation of the
//!   `optimal` planner, projected onto the feasible set.
//! - [`shipped`]: the trained forecaster and planner that ship with the crate.
//! - [`cli`]: the logic of `blackstart train forecast` and
//!   `blackstart eval forecast`.
//!
//! # The shipped forecaster and how it does
//!
//! Data: SimBench 1.6.3's 2016 profiles of `1-MV-semiurb--0-sw`,
//! `1-LV-rural1--0-sw` and `1-LV-rural1--2-sw` (the data pack in
//! `shared/data/grids`, read by [`data::load_simbench`]): 147 buses, 139
//! with load or generation, one disjoint graph over lines, transformers and
//! bus couplers. Net load per bus = load minus all distributed generation,
//! hourly, in per unit of the bus rating. Split ([`forecast::simbench_split`],
//! local time): forecasts whose targets lie in January-August train (5 664
//! origins), September validates (epoch selection, 696), October 1 -
//! December 30 tests (2 185); 35 of the 139 active buses (seed 7) are held
//! out of the loss entirely. Inputs: the last week of the bus's own net
//! load, its load/PV/wind/other shares, calendar (hour, day of year, day of
//! week with German holidays as Sunday) and clear-sky solar geometry at the
//! target hours. No observed or forecast weather: the pack's two weather
//! years are typical years at other sites (Italy, North Carolina), not
//! 2016 at the grids.
//!
//! Model: 2 rounds of message passing, 64-wide states, 20 epochs of Adam on
//! L1 loss, seed 7, epoch 16 kept (`cargo run --release -p gnn --example
//! train_forecaster`, about 6 minutes on 2 loaded cores); weights
//! `weights/forecaster.bpk`, 250 KB.
//!
//! Test period on the held-out buses, MAE in per unit of bus rating, MAPE
//! over points with |net load| >= 0.05 p.u.:
//!
//! | horizon (h) | MAE model | MAE persistence | MAE seasonal naive | MAPE model (%) | MAPE persistence | MAPE seasonal naive |
//! |---:|---:|---:|---:|---:|---:|---:|
//! | 1 | 0.01781 | 0.02239 | 0.03221 | 12.5 | 15.9 | 21.7 |
//! | 2 | 0.02228 | 0.03629 | 0.03222 | 15.8 | 26.1 | 21.7 |
//! | 3 | 0.02402 | 0.04785 | 0.03222 | 16.8 | 35.1 | 21.7 |
//! | 4 | 0.02538 | 0.05807 | 0.03223 | 17.6 | 43.2 | 21.7 |
//! | 5 | 0.02620 | 0.06631 | 0.03224 | 18.3 | 50.1 | 21.7 |
//! | 6 | 0.02653 | 0.07252 | 0.03225 | 18.4 | 55.4 | 21.7 |
//! | 7 | 0.02706 | 0.07668 | 0.03226 | 18.8 | 59.2 | 21.7 |
//! | 8 | 0.02766 | 0.07935 | 0.03226 | 18.8 | 61.8 | 21.7 |
//! | 9 | 0.02814 | 0.08110 | 0.03228 | 19.3 | 63.4 | 21.7 |
//! | 10 | 0.02753 | 0.08219 | 0.03228 | 18.8 | 64.4 | 21.7 |
//! | 11 | 0.02861 | 0.08297 | 0.03228 | 19.8 | 64.8 | 21.7 |
//! | 12 | 0.02789 | 0.08335 | 0.03229 | 19.1 | 64.7 | 21.7 |
//! | 13 | 0.02808 | 0.08307 | 0.03229 | 19.2 | 64.2 | 21.7 |
//! | 14 | 0.02807 | 0.08263 | 0.03230 | 19.0 | 63.6 | 21.7 |
//! | 15 | 0.02879 | 0.08190 | 0.03231 | 19.5 | 62.8 | 21.7 |
//! | 16 | 0.02864 | 0.08071 | 0.03232 | 19.1 | 61.9 | 21.7 |
//! | 17 | 0.02856 | 0.07855 | 0.03232 | 18.9 | 60.6 | 21.7 |
//! | 18 | 0.02920 | 0.07506 | 0.03232 | 19.7 | 58.0 | 21.7 |
//! | 19 | 0.02893 | 0.06990 | 0.03235 | 19.2 | 53.8 | 21.8 |
//! | 20 | 0.02934 | 0.06333 | 0.03238 | 19.4 | 48.2 | 21.8 |
//! | 21 | 0.02890 | 0.05538 | 0.03241 | 19.2 | 41.5 | 21.8 |
//! | 22 | 0.02900 | 0.04667 | 0.03243 | 19.1 | 33.9 | 21.8 |
//! | 23 | 0.02935 | 0.03792 | 0.03244 | 19.4 | 26.4 | 21.8 |
//! | 24 | 0.02959 | 0.03246 | 0.03246 | 19.6 | 21.9 | 21.9 |
//!
//! Mean over horizons: model 0.02731, persistence 0.06569, seasonal naive
//! 0.03231: **15.5 % below seasonal naive, short of the 20 % the issue
//! asks for**. The model beats both baselines at every horizon; the gap to
//! 20 % is at 8-24 h, where the remaining error is load noise and weather
//! that history and calendar do not carry. On the training buses over the
//! same test period: model 0.02842, seasonal naive 0.03373 (15.7 %).
//!
//! # The shipped planner and how it does
//!
//! [`planner`]: imitation of the `optimal` LP (teacher) on blackstart's own
//! simulations, output projected onto the feasible set (battery, diesel,
//! fuel, path and edge-capacity limits), registered as strategy `gnn` by
//! the `blackstart` facade. Trained by
//!
//! ```text
//! blackstart train planner --scenario examples/scenarios/kumamoto-2016.toml \
//!     --scenario examples/scenarios/hokkaido-2018.toml \
//!     --scenario examples/scenarios/faxai-2019.toml \
//!     --replicas 8 --synthetic 1500 --epochs 150 --seed 7 --out out/train-planner
//! ```
//!
//! (2 min on 2 loaded cores, data generation included; a rerun gives the
//! same losses and weights, only the parameter ids that Burn draws per
//! process in the file's header differ): 8 replicas (seed 7) of three presets plus 1 500 one-interval
//! synthetic communities of 4-31 microgrids ([`synth`]), 10 831 training and
//! 1 805 validation intervals; 3 rounds of message passing, 32-wide states,
//! epoch 87 of 150 kept; `weights/planner.bpk`, 68 KB.
//!
//! Held out: `blackstart eval planner --scenario P --seed 2026 --replicas 8`
//! (disasters not seen in training; Ahr 2021, a flood, is a preset never
//! seen at all). Objective ratio = priority-weighted served energy
//! (weights 100/10/1) of `gnn` / of `optimal` over the whole replicas;
//! planning time per interval inside the strategy, 4 microgrids:
//!
//! | preset | ratio | worst replica | `priority` / `optimal` | infeasible | optimal ms | gnn ms | speedup |
//! |---|---:|---:|---:|---:|---:|---:|---:|
//! | kumamoto-2016 | 0.9806 | 0.9336 | 0.8806 | 0 | 1.35 | 0.053 | 25x |
//! | hokkaido-2018 | 0.9999 | 0.9992 | 1.0216 | 0 | 1.03 | 0.090 | 11x |
//! | faxai-2019 | 0.9993 | 0.9985 | 0.9908 | 0 | 1.56 | 0.060 | 26x |
//! | ahr-2021 (unseen preset) | 0.9999 | 0.9997 | 1.0000 | 0 | 0.40 | 0.049 | 8x |
//!
//! (`priority` above 1 on Hokkaido: the LP keeps reserve for an outage
//! longer than the one sampled.) On the presets `optimal` almost never
//! transfers energy, so the synthetic communities carry the sharing
//! decisions. At 1 000 microgrids
//! (`cargo run --release -p gnn --example planner_speed -- 100 1000 10000`,
//! one sharing group, 2 loaded cores): `optimal` 4.6 s per interval, `gnn`
//! 4.7 ms (forward pass 2.4 ms): **about 990x**, 0 infeasible commands,
//! and the interval's priority-weighted served power 0.976 of the LP's;
//! 100 microgrids: 0.33 s vs 0.44 ms, ratio 0.971; 10 000 microgrids:
//! `gnn` 0.20 s (forward 24 ms; the rest is feature building and the
//! projection's routing), `optimal` not run.

pub mod cli;
pub mod data;
pub mod forecast;
pub mod graph;
pub mod model;
pub mod planner;
pub mod rng;
pub mod shipped;
pub mod synth;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input data missing or malformed.
    #[error("data: {0}")]
    Data(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Saving or loading weights.
    #[error("weights: {0}")]
    Weights(String),
    /// Encoding or decoding JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

/// The default compute device: Burn's pure-Rust CPU backend.
pub fn cpu() -> burn::prelude::Device {
    burn::prelude::Device::flex()
}
