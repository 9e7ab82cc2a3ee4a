//! The output files of a run: `timeseries.parquet`, `events.parquet`,
//! `decisions.parquet`, `summary.json`, `network.geojson`,
//! `scenario.resolved.toml` and the plots.

use std::path::{Path, PathBuf};

use engine::metrics;
use engine::{RunResults, ScenarioError};

use crate::plots;

/// The decision log of all replicas as a table: `replica`, `time_h`,
/// `agent`, `inputs`, `rationale`, `confidence`, `commands` (JSON),
/// `outcome` (what happened one interval later).
pub fn decisions_frame(res: &RunResults) -> Result<polars::prelude::DataFrame, ScenarioError> {
    use polars::prelude::{Column, DataFrame};
    let all: Vec<&agents::DecisionRecord> = res
        .replicas
        .iter()
        .flat_map(|r| r.decisions.iter())
        .collect();
    let col_s = |name: &str, f: &dyn Fn(&agents::DecisionRecord) -> &str| {
        Column::new(name.into(), all.iter().map(|d| f(d)).collect::<Vec<&str>>())
    };
    DataFrame::new(
        all.len(),
        vec![
            Column::new(
                "replica".into(),
                all.iter().map(|d| d.replica).collect::<Vec<u32>>(),
            ),
            Column::new(
                "time_h".into(),
                all.iter()
                    .map(|d| d.time_ms as f64 / 3.6e6)
                    .collect::<Vec<f64>>(),
            ),
            col_s("agent", &|d| d.agent.as_str()),
            col_s("inputs", &|d| d.inputs.as_str()),
            col_s("rationale", &|d| d.rationale.as_str()),
            Column::new(
                "confidence".into(),
                all.iter().map(|d| d.confidence).collect::<Vec<f64>>(),
            ),
            col_s("commands", &|d| d.commands.as_str()),
            col_s("outcome", &|d| d.outcome.as_str()),
        ],
    )
    .map_err(|e| ScenarioError::Output(e.to_string()))
}

/// The summary JSON: `{"scenario", "replicas_run", "complete",
/// "missing_replicas": [{"replica", "reason"}], "seed", "policy",
/// "aggregate": {METRIC: {mean, p5, p50, p95}}, "replicas": [{"replica",
/// METRIC: value}]}`.
pub fn summary_json(res: &RunResults) -> serde_json::Value {
    let mut agg = serde_json::Map::new();
    for m in metrics::METRICS {
        let v: Vec<f64> = res.replica_metrics.iter().map(|r| r[m]).collect();
        let s = metrics::summarise(&v);
        agg.insert(m.to_string(), serde_json::json!(s));
    }
    let reps: Vec<serde_json::Value> = res
        .replica_metrics
        .iter()
        .zip(res.replica_numbers())
        .map(|(m, r)| {
            let mut o = serde_json::json!(m);
            o["replica"] = serde_json::json!(r);
            o
        })
        .collect();
    serde_json::json!({
        "scenario": res.resolved.scenario.name,
        "replicas_run": res.replica_metrics.len(),
        "complete": res.missing.is_empty(),
        "missing_replicas": res.missing,
        "seed": res.resolved.scenario.seed,
        "policy": res.resolved.policy.kind,
        "aggregate": agg,
        "replicas": reps,
    })
}

/// Writes every output file into `dir`; returns the paths written.
pub fn write_outputs(res: &RunResults, dir: &Path) -> Result<Vec<PathBuf>, ScenarioError> {
    let o = |e: String| ScenarioError::Output(e);
    std::fs::create_dir_all(dir).map_err(|e| o(format!("{}: {e}", dir.display())))?;
    let mut written = Vec::new();
    let ts = dir.join("timeseries.parquet");
    res.recorder
        .write_parquet(&ts)
        .map_err(|e| o(e.to_string()))?;
    written.push(ts);
    let ev = dir.join("events.parquet");
    res.recorder
        .write_events_parquet(&ev)
        .map_err(|e| o(e.to_string()))?;
    written.push(ev);
    if res.resolved.policy.log_decisions {
        let dp = dir.join("decisions.parquet");
        let mut df = decisions_frame(res)?;
        let f = std::fs::File::create(&dp).map_err(|e| o(format!("{}: {e}", dp.display())))?;
        polars::prelude::ParquetWriter::new(f)
            .finish(&mut df)
            .map_err(|e| o(format!("{}: {e}", dp.display())))?;
        written.push(dp);
    }
    let sj = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&summary_json(res)).map_err(|e| o(e.to_string()))?;
    std::fs::write(&sj, text + "\n").map_err(|e| o(format!("{}: {e}", sj.display())))?;
    written.push(sj);
    let gj = dir.join("network.geojson");
    let geo = serde_json::to_string(&grid_model::export::to_geojson(&res.network))
        .map_err(|e| o(e.to_string()))?;
    std::fs::write(&gj, geo + "\n").map_err(|e| o(format!("{}: {e}", gj.display())))?;
    written.push(gj);
    let rs = dir.join("scenario.resolved.toml");
    let toml_text = toml::to_string_pretty(&res.resolved).map_err(|e| o(e.to_string()))?;
    std::fs::write(&rs, toml_text).map_err(|e| o(format!("{}: {e}", rs.display())))?;
    written.push(rs);
    let name = &res.resolved.scenario.name;
    plots::write_band_chart(
        dir,
        "resilience_curve",
        &format!("{name}: served load"),
        "served fraction of demand",
        &[
            (
                "all load",
                &res.served_band,
                plotters::style::RGBColor(31, 119, 180),
            ),
            (
                "critical load",
                &res.critical_band,
                plotters::style::RGBColor(214, 39, 40),
            ),
        ],
    )
    .map_err(o)?;
    written.push(dir.join("resilience_curve.png"));
    written.push(dir.join("resilience_curve.svg"));
    plots::write_band_chart(
        dir,
        "restoration_curve",
        &format!("{name}: restoration of damaged assets"),
        "fraction of damaged assets repaired",
        &[(
            "repaired",
            &res.restoration_band,
            plotters::style::RGBColor(44, 160, 44),
        )],
    )
    .map_err(o)?;
    written.push(dir.join("restoration_curve.png"));
    written.push(dir.join("restoration_curve.svg"));
    plots::write_map(
        dir,
        &format!("{name}: damage probability"),
        &res.map,
        &res.footprint,
    )
    .map_err(o)?;
    written.push(dir.join("damage_map.png"));
    written.push(dir.join("damage_map.svg"));
    Ok(written)
}
