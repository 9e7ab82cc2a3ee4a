//! Saving and loading weights: Burn records (burnpack) with their metadata
//! as JSON beside them (`FILE.bpk` + `FILE.json`).

use std::path::Path;

use burn::module::Module;
use burn::prelude::*;
use burn::store::ModuleRecord;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::forecast::{Forecaster, HORIZON, IN_DIM, MemberReport, TrainOptions};
use crate::model::{Gnn, GnnConfig};

/// What a saved forecaster needs besides its weights: its shape, how it was
/// trained and which nodes it never trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecasterMeta {
    /// Model shape.
    pub config: GnnConfig,
    /// Training options.
    pub options: TrainOptions,
    /// Where the training data came from.
    pub data: String,
    /// Held-out nodes (names as in [`SeriesSet::node_names`]).
    pub held_out_nodes: Vec<String>,
    /// How each ensemble member trained (seed, epoch kept, per-epoch
    /// numbers); the weights file holds as many networks.
    pub members: Vec<MemberReport>,
}

/// Saves a model's parameters as a Burn record (burnpack) file.
///
/// # Errors
/// The file cannot be written.
pub fn save_model(model: &Gnn, path: &Path) -> Result<(), Error> {
    save_record(model, path)
}

fn save_record<M: Module>(model: &M, path: &Path) -> Result<(), Error> {
    model
        .clone()
        .into_record()
        .save(path)
        .map_err(|e| Error::Weights(format!("{}: {e}", path.display())))
}

/// Saves a forecaster (all its members) as one Burn record file.
///
/// # Errors
/// The file cannot be written.
pub fn save_forecaster(model: &Forecaster, path: &Path) -> Result<(), Error> {
    save_record(model, path)
}

/// Loads a forecaster from burnpack bytes into the shape and member count
/// that `meta` records.
///
/// # Errors
/// Weights of another input format, or bytes that are not a record of
/// this shape.
pub fn load_forecaster_bytes(
    bytes: &[u8],
    meta: &ForecasterMeta,
    device: &Device,
) -> Result<Forecaster, Error> {
    if meta.config.in_dim != IN_DIM || meta.config.out_dim != HORIZON {
        return Err(Error::Weights(format!(
            "a forecaster with {} inputs and {} outputs per node, but this version takes {} and gives {} (weights of an older input format: retrain with `blackstart train forecast`)",
            meta.config.in_dim, meta.config.out_dim, IN_DIM, HORIZON
        )));
    }
    if meta.members.is_empty() {
        return Err(Error::Weights("the forecaster lists no members".into()));
    }
    let rec = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| Error::Weights(e.to_string()))?;
    Forecaster::init(&meta.config, meta.members.len(), device)
        .try_load_record(rec)
        .map_err(|e| Error::Weights(e.to_string()))
}

/// Loads a model's weights from burnpack bytes into the shape `config`.
///
/// # Errors
/// Bytes that are not a record of this shape.
pub fn load_model_bytes(bytes: &[u8], config: &GnnConfig, device: &Device) -> Result<Gnn, Error> {
    let rec = ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes.to_vec()))
        .map_err(|e| Error::Weights(e.to_string()))?;
    config
        .init(0, device)
        .try_load_record(rec)
        .map_err(|e| Error::Weights(e.to_string()))
}

/// Loads `FILE.bpk` with its `FILE.json` ([`ForecasterMeta`]) beside it.
///
/// # Errors
/// Missing or mismatched files.
pub fn load_model_file(
    path: &Path,
    device: &Device,
) -> Result<(Forecaster, ForecasterMeta), Error> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::Io {
            path: p.display().to_string(),
            source,
        }
    };
    let meta_path = path.with_extension("json");
    let meta: ForecasterMeta =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).map_err(io(&meta_path))?)?;
    let bytes = std::fs::read(path).map_err(io(path))?;
    let model = load_forecaster_bytes(&bytes, &meta, device).map_err(|e| match e {
        Error::Weights(m) => Error::Weights(format!("{}: {m}", path.display())),
        other => other,
    })?;
    Ok((model, meta))
}
