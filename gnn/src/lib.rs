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
//! - [`train`]: the logic of `blackstart train forecast` and
//!   `blackstart eval forecast`.
//! - [`weights`]: saving and loading weights with their metadata.
//! - [`imitation`]: the planner's training data and evaluation from
//!   scenario runs (teacher `optimal`), through the `engine` crate.
//! - [`strategies`]: the strategy registry with `gnn` added.
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
//! Inputs are normalised per bus and origin by the week's mean and mean
//! absolute deviation, and the output is scaled back (reversible instance
//! normalisation, see [`forecast`]).
//!
//! Model: an ensemble ([`forecast::Forecaster`]) of 4 networks, each 2
//! rounds of message passing with 64-wide states, trained for 12 epochs of
//! Adam on L1 loss from its own seed (7 and three draws from it), the best
//! validation epoch of each kept (7, 9, 9, 8); the forecast is their mean.
//! `blackstart train forecast --seed 7 --out DIR` (the defaults) trains it
//! in about 6 minutes on 2 cores (members train in parallel); the shipped
//! `weights/forecaster.bpk` (1 MB, the four networks) and
//! `weights/forecaster.json` are that run's files.
//!
//! Test period on the held-out buses, MAE in per unit of bus rating, MAPE
//! over points with |net load| >= 0.05 p.u.:
//!
//! | horizon (h) | MAE model | MAE persistence | MAE seasonal naive | MAPE model (%) | MAPE persistence | MAPE seasonal naive |
//! |---:|---:|---:|---:|---:|---:|---:|
//! | 1 | 0.01578 | 0.02239 | 0.03221 | 10.8 | 15.9 | 21.7 |
//! | 2 | 0.01996 | 0.03629 | 0.03222 | 13.6 | 26.1 | 21.7 |
//! | 3 | 0.02175 | 0.04785 | 0.03222 | 14.7 | 35.1 | 21.7 |
//! | 4 | 0.02292 | 0.05807 | 0.03223 | 15.4 | 43.2 | 21.7 |
//! | 5 | 0.02368 | 0.06631 | 0.03224 | 15.9 | 50.1 | 21.7 |
//! | 6 | 0.02425 | 0.07252 | 0.03225 | 16.2 | 55.4 | 21.7 |
//! | 7 | 0.02460 | 0.07668 | 0.03226 | 16.4 | 59.2 | 21.7 |
//! | 8 | 0.02487 | 0.07935 | 0.03226 | 16.6 | 61.8 | 21.7 |
//! | 9 | 0.02513 | 0.08110 | 0.03228 | 16.7 | 63.4 | 21.7 |
//! | 10 | 0.02530 | 0.08219 | 0.03228 | 16.8 | 64.4 | 21.7 |
//! | 11 | 0.02538 | 0.08297 | 0.03228 | 16.8 | 64.8 | 21.7 |
//! | 12 | 0.02554 | 0.08335 | 0.03229 | 17.0 | 64.7 | 21.7 |
//! | 13 | 0.02567 | 0.08307 | 0.03229 | 17.0 | 64.2 | 21.7 |
//! | 14 | 0.02580 | 0.08263 | 0.03230 | 17.1 | 63.6 | 21.7 |
//! | 15 | 0.02595 | 0.08190 | 0.03231 | 17.2 | 62.8 | 21.7 |
//! | 16 | 0.02608 | 0.08071 | 0.03232 | 17.2 | 61.9 | 21.7 |
//! | 17 | 0.02620 | 0.07855 | 0.03232 | 17.3 | 60.6 | 21.7 |
//! | 18 | 0.02622 | 0.07506 | 0.03232 | 17.3 | 58.0 | 21.7 |
//! | 19 | 0.02633 | 0.06990 | 0.03235 | 17.4 | 53.8 | 21.8 |
//! | 20 | 0.02644 | 0.06333 | 0.03238 | 17.5 | 48.2 | 21.8 |
//! | 21 | 0.02650 | 0.05538 | 0.03241 | 17.5 | 41.5 | 21.8 |
//! | 22 | 0.02648 | 0.04667 | 0.03243 | 17.5 | 33.9 | 21.8 |
//! | 23 | 0.02648 | 0.03792 | 0.03244 | 17.5 | 26.4 | 21.8 |
//! | 24 | 0.02667 | 0.03246 | 0.03246 | 17.6 | 21.9 | 21.9 |
//!
//! Mean over horizons: model 0.02475, persistence 0.06569, seasonal naive
//! 0.03231: **23.4 % below seasonal naive** (the issue asks for 20 %);
//! MAPE 16.4 % against seasonal naive's 21.8 %. The model beats both
//! baselines at every horizon. On the training buses over the same test
//! period: model 0.02568, seasonal naive 0.03373 (23.9 %).
//!
//! How much of this is the choice of held-out buses: the seed also draws
//! which 35 buses are held out. With the same settings,
//!
//! | seed | held-out buses: model / seasonal naive | improvement | training buses, test period |
//! |---:|---:|---:|---:|
//! | 7 (shipped) | 0.02475 / 0.03231 | 23.4 % | 23.9 % |
//! | 8 | 0.02656 / 0.03337 | 20.4 % | 24.1 % |
//! | 9 | 0.02492 / 0.03227 | 22.8 % | 24.3 % |
//!
//! All three clear 20 %; the spread comes from which buses are held out
//! (seed 8 holds out `mv_semiurb_0/49`, whose rating is mostly a hydro
//! plant, the only hydro unit in the data).
//!
//! Steps that got here, each on seed 7's split: one network on raw
//! per-unit history, 15.5 %; predicting the correction to seasonal naive
//! instead, 13.5 %; window normalisation, 20.9 % (one network, 20 epochs;
//! 18.1 % and 20.2 % on seeds 8 and 9); the 4-network ensemble, 23.4 %.
//! What is left is mostly noise in the individual load profiles and weather
//! that history and calendar do not carry; and buses unlike any in
//! training: `mv_semiurb_0/49` (mostly hydro), held out under seed 8, is
//! forecast worse than by seasonal naive (MAE 0.034 against 0.028). The
//! example `forecast_breakdown` lists the error per held-out bus.
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

pub mod data;
pub mod forecast;
pub mod graph;
pub mod imitation;
pub mod model;
pub mod planner;
pub mod rng;
pub mod shipped;
pub mod synth;
pub mod train;
pub mod weights;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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

/// The strategies a run may use with this crate: the built-in ones and the
/// learned planner as `gnn` (the shipped weights, see [`planner`]).
pub fn strategies() -> agents::pipeline::Strategies {
    agents::pipeline::Strategies::builtin().with("gnn", planner::shipped_strategy)
}

/// The default compute device: Burn's pure-Rust CPU backend.
pub fn cpu() -> burn::prelude::Device {
    burn::prelude::Device::flex()
}
