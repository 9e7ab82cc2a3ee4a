//! The forecaster and planner that ship with the crate (forecaster trained by
//! `cargo run --release -p gnn --example train_forecaster`).

use burn::prelude::*;

use crate::Error;
use crate::forecast::Forecaster;
use crate::weights::{ForecasterMeta, load_forecaster_bytes};

/// Burn record (burnpack) of the shipped forecaster.
pub const FORECASTER_BPK: &[u8] = include_bytes!("../weights/forecaster.bpk");
/// Its [`ForecasterMeta`] as JSON.
pub const FORECASTER_JSON: &str = include_str!("../weights/forecaster.json");

/// The shipped forecaster on `device`, with its metadata.
///
/// # Errors
/// Only if the files in the crate are corrupt.
pub fn forecaster(device: &Device) -> Result<(Forecaster, ForecasterMeta), Error> {
    let meta: ForecasterMeta = serde_json::from_str(FORECASTER_JSON)?;
    Ok((load_forecaster_bytes(FORECASTER_BPK, &meta, device)?, meta))
}

/// Burn record (burnpack) of the shipped planner (trained by
/// `blackstart train planner`, see the crate docs).
pub const PLANNER_BPK: &[u8] = include_bytes!("../weights/planner.bpk");
/// Its `PlannerMeta` as JSON (decoded by `crate::planner::shipped_model`).
pub const PLANNER_JSON: &str = include_str!("../weights/planner.json");
