//! The forecaster that ships with the crate (trained by
//! `cargo run --release -p gnn --example train_forecaster`).

use burn::prelude::*;

use crate::Error;
use crate::cli::{ForecasterMeta, load_model_bytes};
use crate::model::Gnn;

/// Burn record (burnpack) of the shipped forecaster.
pub const FORECASTER_BPK: &[u8] = include_bytes!("../weights/forecaster.bpk");
/// Its [`ForecasterMeta`] as JSON.
pub const FORECASTER_JSON: &str = include_str!("../weights/forecaster.json");

/// The shipped forecaster on `device`, with its metadata.
///
/// # Errors
/// Only if the files in the crate are corrupt.
pub fn forecaster(device: &Device) -> Result<(Gnn, ForecasterMeta), Error> {
    let meta: ForecasterMeta = serde_json::from_str(FORECASTER_JSON)?;
    Ok((
        load_model_bytes(FORECASTER_BPK, &meta.config, device)?,
        meta,
    ))
}
