//! Columnar recording of time series and event logs, exported as polars
//! DataFrames, Parquet and CSV.
//!
//! A [`Recorder`] keeps typed column buffers:
//!
//! * time series: `time_ms: u64, replica: u32, entity: str, metric: str, value: f64`;
//! * event log: `time_ms: u64, replica: u32, entity: str, kind: str, detail: str`.
//!
//! Entity, metric and kind names are interned (stored once, rows hold a
//! `u32` id given in order of first use); ids never reach the output, which
//! holds the strings. Rows keep the order in which they were recorded, and
//! [`Recorder::concat`] appends recorders in the order given (replica
//! order), so the exported bytes depend only on what the model recorded.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, PolarsError, SerWriter};
use thiserror::Error;

use crate::time::SimTime;

/// A recorder error.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RecorderError {
    /// Polars failed to build or write a frame.
    #[error("polars: {0}")]
    Polars(#[from] PolarsError),
    /// A file could not be created or written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// An interned entity name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntityKey(u32);

/// An interned metric name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MetricKey(u32);

#[derive(Clone, Debug, Default)]
struct Interner {
    names: Vec<Box<str>>,
    // Used for look-ups only; never iterated.
    index: HashMap<Box<str>, u32>,
}

impl Interner {
    fn get(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        i
    }

    fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", |s| s)
    }
}

/// Typed columnar buffers for one replica (or several, after
/// [`concat`](Recorder::concat)).
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    replica: u32,
    entities: Interner,
    metrics: Interner,
    kinds: Interner,
    ts_time: Vec<u64>,
    ts_replica: Vec<u32>,
    ts_entity: Vec<u32>,
    ts_metric: Vec<u32>,
    ts_value: Vec<f64>,
    ev_time: Vec<u64>,
    ev_replica: Vec<u32>,
    ev_entity: Vec<u32>,
    ev_kind: Vec<u32>,
    ev_detail: Vec<String>,
}

impl Recorder {
    /// An empty recorder whose rows carry replica number `replica`.
    pub fn new(replica: u32) -> Self {
        Recorder {
            replica,
            ..Default::default()
        }
    }

    /// The replica number stamped on new rows.
    pub fn replica(&self) -> u32 {
        self.replica
    }

    /// Changes the replica number stamped on new rows.
    pub fn set_replica(&mut self, replica: u32) {
        self.replica = replica;
    }

    /// Interns an entity name (for [`record_key`](Self::record_key)).
    pub fn entity_key(&mut self, entity: &str) -> EntityKey {
        EntityKey(self.entities.get(entity))
    }

    /// Interns a metric name (for [`record_key`](Self::record_key)).
    pub fn metric_key(&mut self, metric: &str) -> MetricKey {
        MetricKey(self.metrics.get(metric))
    }

    /// Appends a time-series row.
    pub fn record(&mut self, time: SimTime, entity: &str, metric: &str, value: f64) {
        let e = self.entity_key(entity);
        let m = self.metric_key(metric);
        self.record_key(time, e, m, value);
    }

    /// Appends a time-series row with pre-interned names (the fast path).
    #[inline]
    pub fn record_key(&mut self, time: SimTime, entity: EntityKey, metric: MetricKey, value: f64) {
        self.ts_time.push(time.as_millis());
        self.ts_replica.push(self.replica);
        self.ts_entity.push(entity.0);
        self.ts_metric.push(metric.0);
        self.ts_value.push(value);
    }

    /// Appends an event-log row (`kind`: e.g. `"AssetFailed"`; `detail`:
    /// free text).
    pub fn log_event(
        &mut self,
        time: SimTime,
        entity: &str,
        kind: &str,
        detail: impl Into<String>,
    ) {
        let e = self.entities.get(entity);
        let k = self.kinds.get(kind);
        self.ev_time.push(time.as_millis());
        self.ev_replica.push(self.replica);
        self.ev_entity.push(e);
        self.ev_kind.push(k);
        self.ev_detail.push(detail.into());
    }

    /// Number of time-series rows.
    pub fn len(&self) -> usize {
        self.ts_time.len()
    }

    /// Whether no time-series row and no event row was recorded.
    pub fn is_empty(&self) -> bool {
        self.ts_time.is_empty() && self.ev_time.is_empty()
    }

    /// Number of event-log rows.
    pub fn events_len(&self) -> usize {
        self.ev_time.len()
    }

    /// Appends all rows of `other` after the rows of `self` (rows keep their
    /// replica numbers).
    pub fn append(&mut self, other: &Recorder) {
        let ent: Vec<u32> = other
            .entities
            .names
            .iter()
            .map(|n| self.entities.get(n))
            .collect();
        let met: Vec<u32> = other
            .metrics
            .names
            .iter()
            .map(|n| self.metrics.get(n))
            .collect();
        let kin: Vec<u32> = other
            .kinds
            .names
            .iter()
            .map(|n| self.kinds.get(n))
            .collect();
        let map = |v: &[u32], i: u32| v.get(i as usize).copied().unwrap_or(0);
        self.ts_time.extend_from_slice(&other.ts_time);
        self.ts_replica.extend_from_slice(&other.ts_replica);
        self.ts_entity
            .extend(other.ts_entity.iter().map(|&i| map(&ent, i)));
        self.ts_metric
            .extend(other.ts_metric.iter().map(|&i| map(&met, i)));
        self.ts_value.extend_from_slice(&other.ts_value);
        self.ev_time.extend_from_slice(&other.ev_time);
        self.ev_replica.extend_from_slice(&other.ev_replica);
        self.ev_entity
            .extend(other.ev_entity.iter().map(|&i| map(&ent, i)));
        self.ev_kind
            .extend(other.ev_kind.iter().map(|&i| map(&kin, i)));
        self.ev_detail.extend(other.ev_detail.iter().cloned());
    }

    /// One recorder holding the rows of `recorders` in the order given
    /// (pass them in replica order).
    pub fn concat<'a, I>(recorders: I) -> Recorder
    where
        I: IntoIterator<Item = &'a Recorder>,
    {
        let mut out = Recorder::new(0);
        for r in recorders {
            out.append(r);
        }
        out
    }

    /// The time series as a DataFrame with columns
    /// `time_ms (u64), replica (u32), entity (str), metric (str), value (f64)`.
    ///
    /// # Errors
    /// A polars error (not expected for well-formed buffers).
    pub fn to_dataframe(&self) -> Result<DataFrame, RecorderError> {
        let entity: Vec<&str> = self
            .ts_entity
            .iter()
            .map(|&i| self.entities.name(i))
            .collect();
        let metric: Vec<&str> = self
            .ts_metric
            .iter()
            .map(|&i| self.metrics.name(i))
            .collect();
        let df = DataFrame::new(
            self.ts_time.len(),
            vec![
                Column::new("time_ms".into(), self.ts_time.as_slice()),
                Column::new("replica".into(), self.ts_replica.as_slice()),
                Column::new("entity".into(), entity),
                Column::new("metric".into(), metric),
                Column::new("value".into(), self.ts_value.as_slice()),
            ],
        )?;
        Ok(df)
    }

    /// The event log as a DataFrame with columns
    /// `time_ms (u64), replica (u32), entity (str), kind (str), detail (str)`.
    ///
    /// # Errors
    /// A polars error (not expected for well-formed buffers).
    pub fn events_to_dataframe(&self) -> Result<DataFrame, RecorderError> {
        let entity: Vec<&str> = self
            .ev_entity
            .iter()
            .map(|&i| self.entities.name(i))
            .collect();
        let kind: Vec<&str> = self.ev_kind.iter().map(|&i| self.kinds.name(i)).collect();
        let detail: Vec<&str> = self.ev_detail.iter().map(String::as_str).collect();
        let df = DataFrame::new(
            self.ev_time.len(),
            vec![
                Column::new("time_ms".into(), self.ev_time.as_slice()),
                Column::new("replica".into(), self.ev_replica.as_slice()),
                Column::new("entity".into(), entity),
                Column::new("kind".into(), kind),
                Column::new("detail".into(), detail),
            ],
        )?;
        Ok(df)
    }

    /// Writes the time series as Parquet to `path`.
    ///
    /// # Errors
    /// I/O or polars errors.
    pub fn write_parquet(&self, path: impl AsRef<Path>) -> Result<(), RecorderError> {
        let mut df = self.to_dataframe()?;
        write_file(path.as_ref(), |w| write_parquet_df(&mut df, w))
    }

    /// Writes the time series as CSV (with a header) to `path`.
    ///
    /// # Errors
    /// I/O or polars errors.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<(), RecorderError> {
        let mut df = self.to_dataframe()?;
        write_file(path.as_ref(), |w| write_csv_df(&mut df, w))
    }

    /// Writes the event log as Parquet to `path`.
    ///
    /// # Errors
    /// I/O or polars errors.
    pub fn write_events_parquet(&self, path: impl AsRef<Path>) -> Result<(), RecorderError> {
        let mut df = self.events_to_dataframe()?;
        write_file(path.as_ref(), |w| write_parquet_df(&mut df, w))
    }

    /// Writes the event log as CSV (with a header) to `path`.
    ///
    /// # Errors
    /// I/O or polars errors.
    pub fn write_events_csv(&self, path: impl AsRef<Path>) -> Result<(), RecorderError> {
        let mut df = self.events_to_dataframe()?;
        write_file(path.as_ref(), |w| write_csv_df(&mut df, w))
    }

    /// Writes the time series as Parquet to any writer.
    ///
    /// # Errors
    /// Polars errors (including the writer's I/O errors).
    pub fn write_parquet_to<W: Write>(&self, writer: W) -> Result<(), RecorderError> {
        let mut df = self.to_dataframe()?;
        write_parquet_df(&mut df, writer)
    }

    /// Writes the time series as CSV to any writer.
    ///
    /// # Errors
    /// Polars errors (including the writer's I/O errors).
    pub fn write_csv_to<W: Write>(&self, writer: W) -> Result<(), RecorderError> {
        let mut df = self.to_dataframe()?;
        write_csv_df(&mut df, writer)
    }

    /// Writes the event log as CSV to any writer.
    ///
    /// # Errors
    /// Polars errors (including the writer's I/O errors).
    pub fn write_events_csv_to<W: Write>(&self, writer: W) -> Result<(), RecorderError> {
        let mut df = self.events_to_dataframe()?;
        write_csv_df(&mut df, writer)
    }

    /// Writes the event log as Parquet to any writer.
    ///
    /// # Errors
    /// Polars errors (including the writer's I/O errors).
    pub fn write_events_parquet_to<W: Write>(&self, writer: W) -> Result<(), RecorderError> {
        let mut df = self.events_to_dataframe()?;
        write_parquet_df(&mut df, writer)
    }
}

fn write_parquet_df<W: Write>(df: &mut DataFrame, w: W) -> Result<(), RecorderError> {
    ParquetWriter::new(w).finish(df)?;
    Ok(())
}

fn write_csv_df<W: Write>(df: &mut DataFrame, w: W) -> Result<(), RecorderError> {
    CsvWriter::new(w).include_header(true).finish(df)?;
    Ok(())
}

fn write_file<F>(path: &Path, f: F) -> Result<(), RecorderError>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), RecorderError>,
{
    let io = |source| RecorderError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    let mut w = BufWriter::new(file);
    f(&mut w)?;
    w.flush().map_err(io)?;
    Ok(())
}
