//! Recorder: columns, DataFrames, Parquet and CSV files, merge order.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

use polars::prelude::{DataType, ParquetReader, SerReader};
use sim_core::prelude::*;

fn sample(replica: u32) -> Recorder {
    let mut r = Recorder::new(replica);
    let bus = r.entity_key("bus-1");
    let v = r.metric_key("voltage_pu");
    for i in 0..5u64 {
        r.record_key(SimTime::from_secs(i * 60), bus, v, 1.0 - 0.01 * i as f64);
        r.record(
            SimTime::from_secs(i * 60),
            "pv-2",
            "p_mw",
            0.5 * f64::from(replica) + i as f64,
        );
    }
    r.log_event(SimTime::from_secs(90), "line-3", "AssetFailed", "pga=0.42g");
    r.log_event(SimTime::from_secs(300), "line-3", "AssetRepaired", "crew 1");
    r
}

#[test]
fn dataframe_has_typed_columns_in_record_order() {
    let r = sample(3);
    assert_eq!(r.len(), 10);
    assert_eq!(r.events_len(), 2);
    let df = r.to_dataframe().expect("df");
    assert_eq!(df.height(), 10);
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, ["time_ms", "replica", "entity", "metric", "value"]);
    let dtypes = df.dtypes();
    assert_eq!(
        dtypes,
        [
            DataType::UInt64,
            DataType::UInt32,
            DataType::String,
            DataType::String,
            DataType::Float64
        ]
    );
    let entity = df
        .column("entity")
        .expect("entity")
        .str()
        .expect("str")
        .get(1)
        .map(str::to_owned);
    assert_eq!(entity.as_deref(), Some("pv-2"));
    let ev = r.events_to_dataframe().expect("events");
    let names: Vec<String> = ev
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, ["time_ms", "replica", "entity", "kind", "detail"]);
    assert_eq!(ev.height(), 2);
}

#[test]
fn concat_keeps_replica_order_and_names() {
    let all = Recorder::concat(&[sample(0), sample(1), sample(2)]);
    assert_eq!(all.len(), 30);
    let df = all.to_dataframe().expect("df");
    let rep: Vec<u32> = df
        .column("replica")
        .expect("c")
        .u32()
        .expect("u32")
        .into_no_null_iter()
        .collect();
    let mut sorted = rep.clone();
    sorted.sort();
    assert_eq!(rep, sorted, "rows in replica order");
    let metric = df
        .column("metric")
        .expect("c")
        .str()
        .expect("str")
        .get(29)
        .map(str::to_owned);
    assert_eq!(metric.as_deref(), Some("p_mw"));
}

#[test]
fn writes_parquet_and_csv_files() {
    let dir = std::env::temp_dir().join(format!("sim-core-recorder-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let r = Recorder::concat(&[sample(0), sample(1)]);
    let pq = dir.join("ts.parquet");
    let csv = dir.join("ts.csv");
    r.write_parquet(&pq).expect("parquet");
    r.write_csv(&csv).expect("csv");
    r.write_events_parquet(dir.join("ev.parquet"))
        .expect("events parquet");
    r.write_events_csv(dir.join("ev.csv")).expect("events csv");

    let file = std::fs::File::open(&pq).expect("open");
    let back = ParquetReader::new(file).finish().expect("read parquet");
    assert!(
        back.equals(&r.to_dataframe().expect("df")),
        "parquet round trip"
    );

    let text = std::fs::read_to_string(&csv).expect("csv text");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("time_ms,replica,entity,metric,value"));
    assert_eq!(lines.next(), Some("0,0,bus-1,voltage_pu,1.0"));
    let ev = std::fs::read_to_string(dir.join("ev.csv")).expect("ev csv");
    assert!(
        ev.starts_with(
            "time_ms,replica,entity,kind,detail\n90000,0,line-3,AssetFailed,pga=0.42g\n"
        ),
        "{ev}"
    );

    let bad = dir.join("no-such-dir").join("x.parquet");
    assert!(
        r.write_parquet(&bad).is_err(),
        "I/O errors are returned, not panics"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
