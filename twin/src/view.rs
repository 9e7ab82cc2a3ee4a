//! The twin's live view: the state the running twin shares (asset table,
//! counters, latest alerts, the model's values of the bound assets), and a
//! plain-text rendering of it.
//!
//! The twin only updates the shared [`ViewState`]; drawing it (the
//! terminal view of `blackstart twin`, Python's `state()`) is the front
//! end's business.

use std::collections::BTreeMap;

use hw_bridge::TwinCountersSnapshot;

use super::{Alert, AssetRow};

/// Shared live view of the twin (for front ends and tests), updated by the
/// running twin at each tick and after each control step.
#[derive(Clone, Debug, Default)]
pub struct ViewState {
    /// Assets.
    pub assets: Vec<AssetRow>,
    /// Last alerts (newest last, at most 8).
    pub alerts: Vec<Alert>,
    /// Counters.
    pub counters: TwinCountersSnapshot,
    /// Simulated time (ms).
    pub now_ms: u64,
    /// Model values of the bound assets (asset -> quantity -> value).
    pub model: BTreeMap<String, BTreeMap<String, f64>>,
    /// How many times the twin has updated this view: 0 until the twin's
    /// model runs (while it connects, for instance).
    pub updates: u64,
}

/// The view as text: assets (live, stale, waiting or simulated), last
/// seen, values, counters and the latest alerts, one line each.
pub fn render_view(v: &ViewState) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "blackstart twin   t = {:.2} h (simulated)",
        v.now_ms as f64 / 3.6e6
    );
    let _ = writeln!(
        s,
        "{:<28} {:<8} {:<10} {:>10}  values (device | model)",
        "asset", "kind", "status", "seen (s)"
    );
    for a in &v.assets {
        let seen = a.last_seen_ms.map_or("-".to_string(), |t| {
            format!("{:.0}", (v.now_ms.saturating_sub(t)) as f64 / 1000.0)
        });
        let vals: Vec<String> = a
            .values
            .iter()
            .map(|(k, x)| format!("{k}={x:.3}"))
            .collect();
        let model: Vec<String> = v
            .model
            .get(&a.asset)
            .map(|m| m.iter().map(|(k, x)| format!("{k}={x:.3}")).collect())
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:<28} {:<8} {:<10} {:>10}  {} | {}",
            a.asset,
            format!("{:?}", a.kind).to_lowercase(),
            a.status,
            seen,
            vals.join(" "),
            model.join(" ")
        );
    }
    let c = &v.counters;
    let _ = writeln!(
        s,
        "telemetry {} ok, {} rejected, {} lost | commands {} sent, {} acked, {} refused, {} timed out | stale {} | reconnects {}",
        c.telemetry_received,
        c.telemetry_rejected,
        c.telemetry_lost,
        c.commands_sent,
        c.commands_acked,
        c.commands_refused,
        c.commands_timed_out,
        c.stale_events,
        c.reconnects
    );
    for a in &v.alerts {
        let _ = writeln!(
            s,
            "ALERT {:.2} h {} {}: {}",
            a.t_ms as f64 / 3.6e6,
            a.kind,
            a.subject,
            a.message
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_assets_counters_and_alerts() {
        let v = ViewState {
            assets: vec![AssetRow {
                asset: "bess-1".into(),
                kind: hw_bridge::AssetKind::Battery,
                device: "dev-1".into(),
                status: "live".into(),
                last_seen_ms: Some(1_000),
                last_device_ts: Some(0),
                values: BTreeMap::from([("soc".to_string(), 0.5)]),
            }],
            alerts: vec![Alert {
                t_ms: 3_600_000,
                kind: "soc_low".into(),
                subject: "bess-1".into(),
                message: "low".into(),
            }],
            now_ms: 7_200_000,
            model: BTreeMap::from([(
                "bess-1".to_string(),
                BTreeMap::from([("soc".to_string(), 0.25)]),
            )]),
            updates: 1,
            ..ViewState::default()
        };
        let s = render_view(&v);
        assert!(
            s.starts_with("blackstart twin   t = 2.00 h (simulated)\n"),
            "{s}"
        );
        assert!(s.contains("bess-1"), "{s}");
        assert!(s.contains("battery"), "{s}");
        assert!(s.contains("soc=0.500 | soc=0.250"), "{s}");
        assert!(s.contains("ALERT 1.00 h soc_low bess-1: low"), "{s}");
        assert!(!s.contains('\x1b'), "plain text: {s}");
    }
}
