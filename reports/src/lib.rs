//! # reports: what a run leaves behind
//!
//! The last stage of blackstart's data flow
//! (file → scenario → replica engine → **results**; see `ARCHITECTURE.md`):
//!
//! - [`outputs`]: the files of `blackstart run` (Parquet tables, the
//!   summary, the network, the resolved scenario, the plots);
//! - [`plots`]: resilience and restoration bands, the damage map, paired
//!   differences (plotters, PNG and SVG);
//! - [`compare`]: several policies on the same replicas (common random
//!   numbers) with [`paired`] differences and 95 % confidence intervals.

pub mod compare;
pub mod outputs;
pub mod paired;
pub mod plots;

pub use compare::{Comparison, compare};
pub use outputs::{decisions_frame, summary_json, write_outputs};
