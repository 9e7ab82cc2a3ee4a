//! Recording and replay of a twin run (Parquet).
//!
//! A recording holds every event the twin handled, in handling order, with
//! the simulated time it was handled at. Columns: `kind` (`meta`, `msg` or
//! `tick`), `sim_ms` (u64), `topic` (string) and `payload_hex` (the payload
//! bytes as lowercase hex, so that garbage payloads survive exactly). The
//! first row (`meta`) holds the end time in `sim_ms`, the testbed path in
//! `topic` and `{"speed": .., "t0_unix_ms": ..}` (hex of JSON) in
//! `payload_hex`.
//!
//! Replay injects every event at its recorded time and runs the same model
//! on a virtual clock: the same recording gives the same output files, byte
//! for byte, every time.

use std::path::Path;

use polars::prelude::{Column, DataFrame, ParquetReader, ParquetWriter, SerReader};
use sim_core::time::SimTime;

use super::{TwinError, TwinIn};

/// One recorded row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// `meta`, `msg` or `tick`.
    pub kind: String,
    /// Simulated time handled (ms); the end time for `meta`.
    pub sim_ms: u64,
    /// Topic (`msg`), testbed path (`meta`).
    pub topic: String,
    /// Payload, hex.
    pub payload_hex: String,
}

fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Row {
    /// The row of an event handled at `t`.
    pub fn of(t: SimTime, ev: &TwinIn) -> Row {
        match ev {
            TwinIn::Message { topic, payload } => Row {
                kind: "msg".into(),
                sim_ms: t.as_millis(),
                topic: topic.clone(),
                payload_hex: hex(payload),
            },
            TwinIn::Tick => Row {
                kind: "tick".into(),
                sim_ms: t.as_millis(),
                topic: String::new(),
                payload_hex: String::new(),
            },
        }
    }

    /// The meta row.
    pub fn meta(speed: f64, end_ms: u64, t0_unix_ms: i64, testbed: &Path) -> Row {
        let j = serde_json::json!({"speed": speed, "t0_unix_ms": t0_unix_ms});
        Row {
            kind: "meta".into(),
            sim_ms: end_ms,
            topic: testbed.display().to_string(),
            payload_hex: hex(j.to_string().as_bytes()),
        }
    }

    /// The event to inject (None for the meta row).
    ///
    /// # Errors
    /// [`TwinError::Input`] for a malformed row.
    pub fn to_event(&self) -> Result<Option<(SimTime, TwinIn)>, TwinError> {
        let t = SimTime::from_millis(self.sim_ms);
        match self.kind.as_str() {
            "meta" => Ok(None),
            "tick" => Ok(Some((t, TwinIn::Tick))),
            "msg" => {
                let payload = unhex(&self.payload_hex).ok_or_else(|| {
                    TwinError::Input(format!(
                        "recording: row at {} ms: payload_hex is not hex",
                        self.sim_ms
                    ))
                })?;
                Ok(Some((
                    t,
                    TwinIn::Message {
                        topic: self.topic.clone(),
                        payload,
                    },
                )))
            }
            other => Err(TwinError::Input(format!(
                "recording: row at {} ms: unknown kind `{other}` (expected meta, msg or tick)",
                self.sim_ms
            ))),
        }
    }
}

fn meta_json(rows: &[Row]) -> Option<serde_json::Value> {
    let m = rows.iter().find(|r| r.kind == "meta")?;
    serde_json::from_slice(&unhex(&m.payload_hex)?).ok()
}

/// The recorded speed.
pub fn meta_speed(rows: &[Row]) -> Option<f64> {
    meta_json(rows)?.get("speed")?.as_f64()
}

/// The recorded Unix ms at simulation time 0.
pub fn meta_t0(rows: &[Row]) -> Option<i64> {
    meta_json(rows)?.get("t0_unix_ms")?.as_i64()
}

/// The recorded end time (ms).
pub fn meta_until(rows: &[Row]) -> Option<u64> {
    rows.iter().find(|r| r.kind == "meta").map(|r| r.sim_ms)
}

/// The recorded testbed path.
pub fn meta_testbed(rows: &[Row]) -> Option<String> {
    rows.iter()
        .find(|r| r.kind == "meta")
        .map(|r| r.topic.clone())
}

/// Writes rows to a Parquet file.
///
/// # Errors
/// [`TwinError::Io`].
pub fn write(path: &Path, rows: &[Row]) -> Result<(), TwinError> {
    let io = |e: String| TwinError::Io(format!("{}: {e}", path.display()));
    let kind: Vec<&str> = rows.iter().map(|r| r.kind.as_str()).collect();
    let t: Vec<u64> = rows.iter().map(|r| r.sim_ms).collect();
    let topic: Vec<&str> = rows.iter().map(|r| r.topic.as_str()).collect();
    let payload: Vec<&str> = rows.iter().map(|r| r.payload_hex.as_str()).collect();
    let mut df = DataFrame::new(
        rows.len(),
        vec![
            Column::new("kind".into(), kind),
            Column::new("sim_ms".into(), t),
            Column::new("topic".into(), topic),
            Column::new("payload_hex".into(), payload),
        ],
    )
    .map_err(|e| io(e.to_string()))?;
    let f = std::fs::File::create(path).map_err(|e| io(e.to_string()))?;
    ParquetWriter::new(f)
        .finish(&mut df)
        .map_err(|e| io(e.to_string()))?;
    Ok(())
}

/// Reads rows from a Parquet file.
///
/// # Errors
/// [`TwinError::Input`] saying what is wrong.
pub fn read(path: &Path) -> Result<Vec<Row>, TwinError> {
    let bad = |e: String| TwinError::Input(format!("{}: {e}", path.display()));
    let f = std::fs::File::open(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| bad(format!("not a readable Parquet file: {e}")))?;
    let col = |n: &str| {
        df.column(n)
            .map_err(|_| bad(format!("no column `{n}`: not a twin recording")))
    };
    let kind = col("kind")?.str().map_err(|e| bad(e.to_string()))?.clone();
    let t = col("sim_ms")?
        .u64()
        .map_err(|e| bad(e.to_string()))?
        .clone();
    let topic = col("topic")?.str().map_err(|e| bad(e.to_string()))?.clone();
    let payload = col("payload_hex")?
        .str()
        .map_err(|e| bad(e.to_string()))?
        .clone();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        rows.push(Row {
            kind: kind.get(i).unwrap_or_default().to_string(),
            sim_ms: t.get(i).unwrap_or_default(),
            topic: topic.get(i).unwrap_or_default().to_string(),
            payload_hex: payload.get(i).unwrap_or_default().to_string(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let b = vec![0u8, 1, 0xff, 0x80, b'{'];
        assert_eq!(unhex(&hex(&b)), Some(b));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
