//! The live twin: the scenario model of `blackstart run`, paced by sim-core's
//! wall clock, with some assets bound to real (or emulated) devices over
//! MQTT.
//!
//! - Every message from the broker (telemetry and acknowledgements, valid or
//!   not) enters the replica as an injected event, stamped with its arrival
//!   time, and is handled by [`TwinHook`]: it is checked (topic, binding,
//!   payload schema, unit, quality, `seq`), counted, and a valid value goes
//!   into the twin's state table; the latency from the device's timestamp
//!   to that moment is kept.
//! - Before each control step a bound battery takes its SoC, and a bound
//!   diesel its fuel, from the latest fresh telemetry; unbound assets, and
//!   bound ones whose device is stale, keep the model's estimate.
//! - A device silent for longer than its stale timeout (wall seconds; in
//!   simulated time, timeout × speed) is flagged stale (an alert) and
//!   recovers at its next valid message.
//! - After each control step, the policy's commands for bound assets pass
//!   the safety gate ([`hw_bridge::safety`]) and go to the device (control
//!   on) or to the advisory topic; each one is acknowledged, retried or
//!   timed out, and every outcome is logged. Commands for unbound assets act
//!   on the model only (`commands_simulated`).
//! - Alerts (a critical load losing power, a device going stale, a battery's
//!   SoC below the threshold, a site damaged or the upstream grid lost) go
//!   to `{org}/_twin/alerts` and to the run's events.
//! - A timer injects a tick every 250 ms of wall time, for stale checks and
//!   command timeouts.
//!
//! Every event the hook handles is recorded (with its simulated time) when
//! asked, so that [`replay`](record) reproduces the run deterministically:
//! the recorded events are injected at their recorded times and the model
//! runs on a virtual clock.

pub mod record;
mod view;

pub use view::{ViewState, render_view};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use grid_model::network::Priority;
use grid_model::ops::Command;
use hw_bridge::counters::{SeqCheck, SeqTracker, inc, percentile};
use hw_bridge::emulator::unix_ms;
use hw_bridge::payload::to_bytes;
use hw_bridge::{
    Ack, AckStatus, AssetKind, ClientConfig, Link, LinkEvent, Publisher, Quality, Telemetry,
    Testbed, TopicKind, TwinCounters, TwinCountersSnapshot,
};
use serde::{Deserialize, Serialize};
use sim_core::time::{SimDuration, SimTime};

use engine::sim::{
    LiveEvent, LiveHook, LiveInbox, LiveInjector, LiveState, Prepared, ReplicaPlan, ReplicaResult,
    live_channel, run_replica_live,
};
use engine::{ReplicaRunner, RunOptions, RunResults};
use scenario::community::Community;
use scenario::{Loaded, ScenarioError};

/// Errors of the twin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TwinError {
    /// Bad input (testbed, scenario, recording, settings).
    #[error("{0}")]
    Input(String),
    /// The broker or the connection.
    #[error("{0}")]
    Bridge(#[from] hw_bridge::BridgeError),
    /// The scenario run failed.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// Reading or writing files.
    #[error("{0}")]
    Io(String),
}

impl TwinError {
    /// Whether the error is the caller's input (testbed, scenario,
    /// recording, settings, broker URL) rather than a failure of the run:
    /// front ends report these as bad input.
    pub fn is_bad_input(&self) -> bool {
        match self {
            TwinError::Input(_) => true,
            TwinError::Bridge(b) => matches!(
                b,
                hw_bridge::BridgeError::Url(_) | hw_bridge::BridgeError::Testbed(_)
            ),
            TwinError::Scenario(s) => s.is_input(),
            TwinError::Io(_) => false,
        }
    }
}

/// A twin's source reading the broker at `url` (`mqtt://[user:password@]host:port`
/// or `mqtts://...`, with the CA certificate `ca` for TLS) as MQTT client
/// `client_id`.
///
/// # Errors
/// [`TwinError::Bridge`] when the URL is malformed.
pub fn mqtt_source(url: &str, ca: Option<PathBuf>, client_id: &str) -> Result<Source, TwinError> {
    let url: hw_bridge::BrokerUrl = url.parse()?;
    let mut cc = ClientConfig::new(url, client_id);
    cc.ca_file = ca;
    Ok(Source::Mqtt(cc))
}

/// Starts the embedded broker (see [`hw_bridge::broker`]) on a free
/// loopback port and returns its URL; it lives until the process exits.
///
/// # Errors
/// [`TwinError::Bridge`] when it does not come up.
pub fn start_embedded_broker() -> Result<String, TwinError> {
    Ok(hw_bridge::broker::start(0, &[])?.url())
}

/// A testbed: its bindings and the scenario they bind.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The testbed file.
    pub testbed: Testbed,
    /// Where it was read from.
    pub testbed_path: PathBuf,
    /// The scenario.
    pub scenario: Loaded,
}

/// Reads a testbed file and its scenario, and checks that every binding
/// names an asset of the scenario of the right kind.
///
/// # Errors
/// [`TwinError::Input`] or [`TwinError::Bridge`] saying where and why.
pub fn load_setup(path: &Path) -> Result<Setup, TwinError> {
    let testbed = Testbed::load(path)?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let sc_path = dir.join(&testbed.twin.scenario);
    let scenario = scenario::load(&sc_path).map_err(|e| match e {
        ScenarioError::Io { path: p, source } => TwinError::Input(format!(
            "{}: [twin] scenario `{}`: cannot read {p}: {source}",
            path.display(),
            testbed.twin.scenario
        )),
        other => other.into(),
    })?;
    let community = scenario::community::build(&scenario.file, &|k| scenario.at(k))?;
    for b in &testbed.bindings {
        let found = find_asset(&community, &b.asset);
        match found {
            None => {
                return Err(TwinError::Input(format!(
                    "{}: binding `{}`: no asset with this id in {}",
                    path.display(),
                    b.asset,
                    sc_path.display()
                )));
            }
            Some((k, _)) if k != b.kind => {
                return Err(TwinError::Input(format!(
                    "{}: binding `{}`: the asset is a {k:?} in the scenario, not a {:?}",
                    path.display(),
                    b.asset,
                    b.kind
                )));
            }
            Some(_) => {}
        }
    }
    Ok(Setup {
        testbed,
        testbed_path: path.to_path_buf(),
        scenario,
    })
}

/// The kind and index of an asset id in the community.
pub fn find_asset(c: &Community, id: &str) -> Option<(AssetKind, usize)> {
    if let Some(i) = c.batteries.iter().position(|b| b.0.id == id) {
        return Some((AssetKind::Battery, i));
    }
    if let Some(i) = c.diesels.iter().position(|d| d.0.id == id) {
        return Some((AssetKind::Diesel, i));
    }
    if let Some(i) = c.loads.iter().position(|l| l.id == id) {
        return Some((AssetKind::Load, i));
    }
    if let Some(i) = c.pvs.iter().position(|p| p.id == id) {
        return Some((AssetKind::Pv, i));
    }
    c.winds
        .iter()
        .position(|w| w.id == id)
        .map(|i| (AssetKind::Wind, i))
}

/// What the twin reads from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A broker.
    Mqtt(ClientConfig),
    /// A recording (see [`record`]): events at their recorded times, on a
    /// virtual clock.
    Replay(Vec<record::Row>),
}

/// Settings of a twin run.
#[derive(Debug, Clone)]
pub struct TwinOptions {
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// Send commands to devices (otherwise: advisory topic only).
    pub allow_control: bool,
    /// Stop after this much simulated time (None: the horizon).
    pub until: Option<SimDuration>,
    /// Record every handled event to this Parquet file.
    pub record: Option<PathBuf>,
    /// Seed override.
    pub seed: Option<u64>,
    /// The strategies the scenario's policy is looked up in.
    pub strategies: agents::pipeline::Strategies,
}

impl Default for TwinOptions {
    fn default() -> Self {
        TwinOptions {
            speed: 60.0,
            allow_control: false,
            until: None,
            record: None,
            seed: None,
            strategies: agents::pipeline::Strategies::builtin(),
        }
    }
}

/// One asset of the twin's state table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssetRow {
    /// Asset id.
    pub asset: String,
    /// Kind.
    pub kind: AssetKind,
    /// Device id.
    pub device: String,
    /// `live` (fresh telemetry), `stale` or `waiting` (nothing yet).
    pub status: String,
    /// Simulated time of the last valid message (ms), if any.
    pub last_seen_ms: Option<u64>,
    /// Device time of the last valid message (Unix ms), if any.
    pub last_device_ts: Option<i64>,
    /// Latest values by model quantity (model units).
    pub values: BTreeMap<String, f64>,
}

/// An alert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Simulated time (ms).
    pub t_ms: u64,
    /// `critical_load_lost`, `device_stale`, `soc_low`, `disaster`.
    pub kind: String,
    /// Asset or site.
    pub subject: String,
    /// Text.
    pub message: String,
}

/// One command's outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandLog {
    /// Command id.
    pub id: String,
    /// Simulated time issued (ms).
    pub t_ms: u64,
    /// Asset.
    pub asset: String,
    /// Value (wire units; model units when refused before conversion).
    pub value: f64,
    /// `sent`, `advisory`, `refused`, `acked`, `failed`, `timed_out`.
    pub outcome: String,
    /// Why, or the device's reason.
    pub detail: String,
    /// Sends (1 + retries).
    pub tries: u32,
}

/// What the hook keeps, for `twin.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TwinReport {
    /// Counters.
    pub counters: TwinCountersSnapshot,
    /// Commands for unbound (simulated) assets, applied in the model only.
    pub commands_simulated: u64,
    /// Assets.
    pub assets: Vec<AssetRow>,
    /// Alerts.
    pub alerts: Vec<Alert>,
    /// Commands sent or refused, with their outcome.
    pub commands: Vec<CommandLog>,
    /// Latency from device timestamp to twin state, ms (live runs only).
    pub latency_ms: Option<Latency>,
    /// Events handled / injected and the largest pacing lag (live runs
    /// only).
    pub wallclock: Option<WallStats>,
    /// Simulated time at the end (ms).
    pub end_ms: u64,
    /// Control steps run.
    pub steps: usize,
}

/// Latency percentiles.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Samples.
    pub count: u64,
    /// Median (ms).
    pub p50: f64,
    /// 99th percentile (ms).
    pub p99: f64,
    /// Largest (ms).
    pub max: f64,
}

/// Wall-clock statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WallStats {
    /// Events handled.
    pub events: u64,
    /// Events injected.
    pub injected: u64,
    /// Largest pacing lag (ms).
    pub max_lag_ms: f64,
    /// Wall seconds.
    pub wall_seconds: f64,
}

/// An injected event.
#[derive(Debug, Clone)]
pub enum TwinIn {
    /// A message from the broker.
    Message {
        /// Topic.
        topic: String,
        /// Payload.
        payload: Vec<u8>,
    },
    /// Timer tick.
    Tick,
}

struct Pending {
    asset: String,
    topic: String,
    payload: Vec<u8>,
    sent_ms: u64,
    tries: u32,
    log: usize,
    accepted: bool,
}

/// The twin's [`LiveHook`].
pub struct TwinHook {
    tb: Testbed,
    speed: f64,
    allow_control: bool,
    live: bool,
    publisher: Option<Publisher>,
    counters: Arc<TwinCounters>,
    seq: SeqTracker,
    rows: Vec<AssetRow>,
    pending: BTreeMap<String, Pending>,
    report: TwinReport,
    latencies: Vec<f64>,
    recording: Option<Vec<record::Row>>,
    view: Arc<Mutex<ViewState>>,
    prev_interrupted: Vec<bool>,
    prev_failed: Vec<bool>,
    prev_upstream: bool,
    soc_low: Vec<bool>,
    /// Unix ms at simulation time 0 (live runs), for command timestamps.
    t0_unix: i64,
    /// (asset, device) -> binding index.
    index: BTreeMap<(String, String), usize>,
}

impl TwinHook {
    /// A hook for `tb`; `live`: a real run (latencies, wall timestamps),
    /// else a replay.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tb: Testbed,
        speed: f64,
        allow_control: bool,
        live: bool,
        publisher: Option<Publisher>,
        counters: Arc<TwinCounters>,
        record: bool,
        view: Arc<Mutex<ViewState>>,
        t0_unix: i64,
    ) -> Self {
        let rows = tb
            .bindings
            .iter()
            .map(|b| AssetRow {
                asset: b.asset.clone(),
                kind: b.kind,
                device: b.device.clone(),
                status: "waiting".into(),
                last_seen_ms: None,
                last_device_ts: None,
                values: BTreeMap::new(),
            })
            .collect();
        let index = tb
            .bindings
            .iter()
            .enumerate()
            .map(|(i, b)| ((b.asset.clone(), b.device.clone()), i))
            .collect();
        TwinHook {
            index,
            tb,
            speed,
            allow_control,
            live,
            publisher,
            counters,
            seq: SeqTracker::default(),
            rows,
            pending: BTreeMap::new(),
            report: TwinReport::default(),
            latencies: Vec::new(),
            recording: record.then(Vec::new),
            view,
            prev_interrupted: Vec::new(),
            prev_failed: Vec::new(),
            prev_upstream: true,
            soc_low: Vec::new(),
            t0_unix,
        }
    }

    /// Unix ms for simulation time `t` (deterministic in replays).
    fn unix_at(&self, t: SimTime) -> i64 {
        self.t0_unix + (t.as_millis() as f64 / self.speed) as i64
    }

    fn sim_ms_of_wall_s(&self, s: f64) -> u64 {
        (s * 1000.0 * self.speed) as u64
    }

    fn alert(&mut self, st: &mut LiveState<'_>, kind: &str, subject: &str, message: String) {
        inc(&self.counters.alerts);
        let a = Alert {
            t_ms: st.now.as_millis(),
            kind: kind.into(),
            subject: subject.into(),
            message,
        };
        st.recorder
            .log_event(st.now, subject, &format!("alert:{kind}"), &a.message);
        if let Some(p) = &self.publisher {
            let _ = p.try_publish(&hw_bridge::topic::alerts(&self.tb.twin.org), to_bytes(&a));
        }
        self.report.alerts.push(a);
    }

    fn on_message(&mut self, topic: &str, payload: &[u8], st: &mut LiveState<'_>) {
        let reject = |h: &mut Self| inc(&h.counters.telemetry_rejected);
        let Ok((addr, kind)) = hw_bridge::topic::parse(topic) else {
            return reject(self);
        };
        if addr.org != self.tb.twin.org {
            return reject(self);
        }
        let Some(&bi) = self.index.get(&(addr.asset.clone(), addr.device.clone())) else {
            return reject(self);
        };
        match kind {
            TopicKind::Telemetry(metric) => {
                let Some(map) = self.tb.bindings[bi].metrics.get(&metric).cloned() else {
                    return reject(self);
                };
                let Ok(t) = Telemetry::parse(payload) else {
                    return reject(self);
                };
                if t.unit != map.unit || t.quality == Quality::Bad {
                    return reject(self);
                }
                match self.seq.check(topic, t.seq) {
                    SeqCheck::Duplicate => {
                        inc(&self.counters.telemetry_duplicates);
                        return;
                    }
                    SeqCheck::Next { lost } => {
                        self.counters
                            .telemetry_lost
                            .fetch_add(lost, Ordering::Relaxed);
                    }
                    SeqCheck::First => {}
                }
                inc(&self.counters.telemetry_received);
                if self.live {
                    self.latencies.push((unix_ms() - t.ts) as f64);
                }
                let row = &mut self.rows[bi];
                if row.status == "stale" {
                    inc(&self.counters.recovered_events);
                    st.recorder.log_event(
                        st.now,
                        &row.asset,
                        "device_recovered",
                        format!("device `{}` reports again", row.device),
                    );
                }
                row.status = "live".into();
                row.last_seen_ms = Some(st.now.as_millis());
                row.last_device_ts = Some(t.ts);
                row.values
                    .insert(map.quantity.clone(), map.to_model(t.value));
            }
            TopicKind::Ack => {
                let Ok(a) = Ack::parse(payload) else {
                    return reject(self);
                };
                self.on_ack(&addr.asset, a);
            }
            // The twin's own outgoing topics echoed back: ignore.
            TopicKind::Command | TopicKind::Advisory => {}
        }
    }

    fn on_ack(&mut self, asset: &str, a: Ack) {
        let Some(p) = self.pending.get_mut(&a.id) else {
            return; // late ack of a finished command
        };
        if p.asset != asset {
            return;
        }
        let log = p.log;
        match a.status {
            AckStatus::Accepted => {
                p.accepted = true;
            }
            AckStatus::Done => {
                inc(&self.counters.commands_acked);
                self.report.commands[log].outcome = "acked".into();
                self.pending.remove(&a.id);
            }
            AckStatus::Rejected | AckStatus::Failed => {
                inc(&self.counters.commands_failed);
                self.report.commands[log].outcome = "failed".into();
                self.report.commands[log].detail = format!("{:?}: {}", a.status, a.reason);
                self.pending.remove(&a.id);
            }
        }
    }

    fn on_tick(&mut self, st: &mut LiveState<'_>) {
        let now = st.now.as_millis();
        // Stale devices.
        for i in 0..self.rows.len() {
            let timeout = self.sim_ms_of_wall_s(self.tb.stale_timeout_s(&self.tb.bindings[i]));
            let row = &self.rows[i];
            if row.status == "live"
                && let Some(seen) = row.last_seen_ms
                && now.saturating_sub(seen) > timeout
            {
                self.rows[i].status = "stale".into();
                inc(&self.counters.stale_events);
                let (asset, device) = (self.rows[i].asset.clone(), self.rows[i].device.clone());
                self.alert(
                    st,
                    "device_stale",
                    &asset,
                    format!(
                        "device `{device}` silent for more than {} s: using the model's estimate",
                        self.tb.stale_timeout_s(&self.tb.bindings[i])
                    ),
                );
            }
        }
        // Command timeouts and retries.
        let timeout = self.sim_ms_of_wall_s(self.tb.twin.command_timeout_s);
        let ids: Vec<String> = self
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_sub(p.sent_ms) > timeout)
            .map(|(k, _)| k.clone())
            .collect();
        for id in ids {
            let Some(p) = self.pending.get_mut(&id) else {
                continue;
            };
            if p.tries <= self.tb.twin.command_retries {
                p.tries += 1;
                p.sent_ms = now;
                inc(&self.counters.commands_retried);
                inc(&self.counters.commands_sent);
                self.report.commands[p.log].tries = p.tries;
                if let Some(pb) = &self.publisher {
                    let _ = pb.try_publish(&p.topic, p.payload.clone());
                }
            } else {
                inc(&self.counters.commands_timed_out);
                let (log, accepted) = (p.log, p.accepted);
                self.report.commands[log].outcome = "timed_out".into();
                self.report.commands[log].detail = format!(
                    "{} after {} tries",
                    if accepted {
                        "accepted but never done"
                    } else {
                        "no acknowledgement"
                    },
                    self.report.commands[log].tries
                );
                self.pending.remove(&id);
            }
        }
    }

    fn publish_view(&self, st: &LiveState<'_>) {
        if let Ok(mut v) = self.view.lock() {
            v.assets = self.rows.clone();
            v.counters = self.counters.snapshot();
            v.now_ms = st.now.as_millis();
            let n = self.report.alerts.len();
            v.alerts = self.report.alerts[n.saturating_sub(8)..].to_vec();
            v.updates += 1;
            v.model.clear();
            for b in &self.tb.bindings {
                let mut m = BTreeMap::new();
                match find_asset(st.community, &b.asset) {
                    Some((AssetKind::Battery, i)) => {
                        m.insert("soc".to_string(), st.batteries[i].soc);
                    }
                    Some((AssetKind::Diesel, i)) => {
                        m.insert("fuel_l".to_string(), st.diesels[i].fuel_l);
                    }
                    _ => {}
                }
                v.model.insert(b.asset.clone(), m);
            }
        }
    }

    /// Dispatches the control step's `n`th command: one for an unbound
    /// asset acts on the model only (`commands_simulated`); one for a bound
    /// asset goes to [`TwinHook::send`].
    fn dispatch(&mut self, n: usize, cmd: &Command, st: &mut LiveState<'_>) {
        let c = st.community;
        let (asset, value) = match cmd {
            Command::SetBattery { battery, p_mw } => {
                (c.batteries.get(*battery).map(|b| b.0.id.clone()), *p_mw)
            }
            Command::SetDiesel { diesel, p_mw } => {
                (c.diesels.get(*diesel).map(|d| d.0.id.clone()), *p_mw)
            }
            Command::ShedLoad { load, fraction } => {
                (c.loads.get(*load).map(|l| l.id.clone()), *fraction)
            }
            _ => (None, 0.0),
        };
        let Some(asset) = asset else {
            self.report.commands_simulated += 1;
            return;
        };
        if self.tb.binding(&asset).is_none() {
            self.report.commands_simulated += 1;
            return;
        }
        let id = format!("s{}-{n}-{asset}", st.step);
        self.send(id, asset, value, st);
    }

    /// Passes command `id` (`value` for the bound `asset`) through the
    /// safety gate, then sends it to the device (control on: it then
    /// awaits its acknowledgement) or to the advisory topic, or refuses it;
    /// logs the outcome.
    fn send(&mut self, id: String, asset: String, value: f64, st: &mut LiveState<'_>) {
        let ts = self.unix_at(st.now);
        let now = if self.live { unix_ms() } else { ts };
        let expires = ts + (self.tb.twin.command_validity_s * 1000.0) as i64;
        let gate = hw_bridge::safety::check(
            &self.tb,
            &asset,
            value,
            id.clone(),
            ts,
            expires,
            now,
            self.allow_control,
        );
        match gate {
            Err(r) => {
                inc(&self.counters.commands_refused);
                st.recorder
                    .log_event(st.now, &asset, "command_refused", r.to_string());
                self.report.commands.push(CommandLog {
                    id,
                    t_ms: st.now.as_millis(),
                    asset,
                    value,
                    outcome: "refused".into(),
                    detail: r.to_string(),
                    tries: 0,
                });
            }
            Ok(cl) => {
                let payload = to_bytes(&cl.msg);
                if let Some(p) = &self.publisher {
                    let _ = p.try_publish(&cl.topic, payload.clone());
                }
                let log = self.report.commands.len();
                self.report.commands.push(CommandLog {
                    id: id.clone(),
                    t_ms: st.now.as_millis(),
                    asset: asset.clone(),
                    value: cl.msg.value,
                    outcome: if cl.control { "sent" } else { "advisory" }.into(),
                    detail: format!("{} {} {}", cl.msg.action, cl.msg.value, cl.msg.unit),
                    tries: 1,
                });
                st.recorder.log_event(
                    st.now,
                    &asset,
                    if cl.control {
                        "command_sent"
                    } else {
                        "command_advisory"
                    },
                    format!("{} {} {}", cl.msg.action, cl.msg.value, cl.msg.unit),
                );
                if cl.control {
                    inc(&self.counters.commands_sent);
                    self.pending.insert(
                        id,
                        Pending {
                            asset,
                            topic: cl.topic,
                            payload,
                            sent_ms: st.now.as_millis(),
                            tries: 1,
                            log,
                            accepted: false,
                        },
                    );
                } else {
                    inc(&self.counters.commands_advisory);
                }
            }
        }
    }

    /// Raises the step's alerts: critical loads losing power, batteries'
    /// SoC falling below the threshold, sites damaged, the upstream grid
    /// lost (each when it happens, not while it lasts).
    fn raise_alerts(&mut self, st: &mut LiveState<'_>) {
        let c = st.community;
        if self.prev_interrupted.len() != st.interrupted.len() {
            self.prev_interrupted = vec![false; st.interrupted.len()];
        }
        for (i, l) in c.loads.iter().enumerate() {
            let out = st.interrupted[i];
            if out && !self.prev_interrupted[i] && l.priority == Priority::Critical {
                let id = l.id.clone();
                self.alert(
                    st,
                    "critical_load_lost",
                    &id,
                    format!("critical facility `{id}` lost power"),
                );
            }
            self.prev_interrupted[i] = out;
        }
        if self.soc_low.len() != st.batteries.len() {
            self.soc_low = vec![false; st.batteries.len()];
        }
        for k in 0..st.batteries.len() {
            let low = st.batteries[k].soc < self.tb.twin.soc_alert;
            if low && !self.soc_low[k] {
                let (id, soc) = (st.batteries[k].id.clone(), st.batteries[k].soc);
                self.alert(
                    st,
                    "soc_low",
                    &id,
                    format!(
                        "battery `{id}` SoC {soc:.3} below {}",
                        self.tb.twin.soc_alert
                    ),
                );
            }
            self.soc_low[k] = low;
        }
        if self.prev_failed.len() != st.failed_sites.len() {
            self.prev_failed = vec![false; st.failed_sites.len()];
        }
        for s in 0..st.failed_sites.len() {
            if st.failed_sites[s] && !self.prev_failed[s] {
                let id = c.sites[s].id.clone();
                self.alert(st, "disaster", &id, format!("site `{id}` damaged"));
            }
            self.prev_failed[s] = st.failed_sites[s];
        }
        if !st.upstream_up && self.prev_upstream {
            self.alert(st, "disaster", "upstream", "upstream grid lost".into());
        }
        self.prev_upstream = st.upstream_up;
    }

    /// The report so far (latency and wall-clock stats are added by
    /// [`run`]).
    fn finish(mut self) -> (TwinReport, Option<Vec<record::Row>>) {
        self.report.counters = self.counters.snapshot();
        self.report.assets = self.rows;
        if self.live && !self.latencies.is_empty() {
            let n = self.latencies.len() as u64;
            let max = self.latencies.iter().copied().fold(f64::MIN, f64::max);
            self.report.latency_ms = Some(Latency {
                count: n,
                p50: percentile(&mut self.latencies, 0.5).unwrap_or(f64::NAN),
                p99: percentile(&mut self.latencies, 0.99).unwrap_or(f64::NAN),
                max,
            });
        }
        (self.report, self.recording)
    }
}

impl LiveHook for TwinHook {
    fn on_event(&mut self, ev: LiveEvent, st: &mut LiveState<'_>) {
        let Some(ev) = ev.downcast_ref::<TwinIn>() else {
            return;
        };
        if let Some(rec) = &mut self.recording {
            rec.push(record::Row::of(st.now, ev));
        }
        match ev {
            TwinIn::Message { topic, payload } => self.on_message(topic, payload, st),
            TwinIn::Tick => self.on_tick(st),
        }
        if matches!(ev, TwinIn::Tick) {
            self.publish_view(st);
        }
    }

    fn before_control(&mut self, st: &mut LiveState<'_>) {
        self.on_tick(st);
        for (i, b) in self.tb.bindings.iter().enumerate() {
            let row = &self.rows[i];
            if row.status != "live" {
                continue; // waiting or stale: the model's estimate
            }
            match find_asset(st.community, &b.asset) {
                Some((AssetKind::Battery, k)) => {
                    if let Some(&soc) = row.values.get("soc") {
                        let bt = &mut st.batteries[k];
                        bt.soc = soc.clamp(bt.soc_min, bt.soc_max);
                    }
                }
                Some((AssetKind::Diesel, k)) => {
                    if let Some(&f) = row.values.get("fuel_l") {
                        st.diesels[k].fuel_l = f.max(0.0);
                    }
                }
                _ => {}
            }
        }
    }

    fn after_control(&mut self, commands: &[Command], st: &mut LiveState<'_>) {
        self.report.steps = st.step + 1;
        for (n, cmd) in commands.iter().enumerate() {
            self.dispatch(n, cmd, st);
        }
        self.raise_alerts(st);
        self.publish_view(st);
    }
}

/// Everything a twin run produces.
#[derive(Debug)]
pub struct TwinOutcome {
    /// The same results as `blackstart run` (one replica).
    pub results: RunResults,
    /// The twin's report (`twin.json`).
    pub report: TwinReport,
}

/// Ends a running twin early from another thread (see [`run_with_stop`]).
///
/// Clones share the request; a stop asked before the run has started ends
/// it at its start.
#[derive(Clone, Debug, Default)]
pub struct TwinStop {
    /// (stop asked, the running twin's injector).
    inner: Arc<Mutex<(bool, Option<engine::sim::LiveInjector>)>>,
}

impl TwinStop {
    /// A handle with no stop asked.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the twin to stop after the event it is handling: the run ends
    /// as at its time limit, its outputs covering the simulated time so far.
    pub fn stop(&self) {
        if let Ok(mut g) = self.inner.lock() {
            g.0 = true;
            if let Some(inj) = &g.1 {
                let _ = inj.stop();
            }
        }
    }

    /// Whether a stop was asked.
    pub fn is_stopped(&self) -> bool {
        self.inner.lock().is_ok_and(|g| g.0)
    }

    fn attach(&self, injector: &engine::sim::LiveInjector) {
        if let Ok(mut g) = self.inner.lock() {
            if g.0 {
                let _ = injector.stop();
            }
            g.1 = Some(injector.clone());
        }
    }
}

/// Runs the twin on `setup` from `source`.
///
/// # Errors
/// Bad settings, a connection that cannot be made (wrong credentials, no
/// broker) or a model failure.
pub fn run(
    setup: &Setup,
    opts: &TwinOptions,
    source: Source,
    view: Arc<Mutex<ViewState>>,
) -> Result<TwinOutcome, TwinError> {
    run_with_stop(setup, opts, source, view, &TwinStop::new())
}

/// [`run`], ended early when `stop` is asked ([`TwinStop::stop`], from any
/// thread).
///
/// The run goes through named phases: `check_options`, `Pacing::of` and
/// `scenario_until` (nothing has started yet); `open_source` (the broker
/// link and ticker of a live run, or a replay's events injected up front);
/// the model run by the engine with a `ReplicaJob` as its replica runner;
/// `LiveFeed::close` (the ticker joined, the link closed); and the outcome
/// assembled from what the job handed back (`results_of_run`,
/// `Handback::into_report`, `save_recording`).
///
/// # Errors
/// As [`run`].
pub fn run_with_stop(
    setup: &Setup,
    opts: &TwinOptions,
    source: Source,
    view: Arc<Mutex<ViewState>>,
    stop_handle: &TwinStop,
) -> Result<TwinOutcome, TwinError> {
    check_options(opts)?;
    let pacing = Pacing::of(opts, &source);
    let scenario = scenario_until(&setup.scenario, pacing.until)?;
    let (injector, inbox) = live_channel();
    stop_handle.attach(&injector);
    let feed = open_source(&source, &setup.testbed.twin.org, &injector)?;
    let handback = Handback::default();
    let runner = ReplicaJob {
        tb: setup.testbed.clone(),
        pacing,
        allow_control: opts.allow_control,
        record: opts.record.is_some(),
        publisher: feed.as_ref().map(LiveFeed::publisher),
        counters: Arc::new(TwinCounters::default()),
        view,
        inbox: Mutex::new(Some(inbox)),
        handback: handback.clone(),
    }
    .into_runner();
    let ropts = run_options(opts);
    let res = engine::run_with_runner(&scenario, &ropts, Some(&runner));
    drop(injector);
    let reconnects = feed.map_or(0, LiveFeed::close);
    let results = results_of_run(res, &handback.cut, &scenario, &ropts)?;
    let (report, recording) = handback.into_report(reconnects)?;
    if let Some(path) = &opts.record {
        save_recording(path, recording, &pacing, report.end_ms, setup)?;
    }
    Ok(TwinOutcome { results, report })
}

/// Checks the options before anything starts: the speed must be a
/// positive number (front ends check and word their own flags first).
///
/// # Errors
/// [`TwinError::Input`].
fn check_options(opts: &TwinOptions) -> Result<(), TwinError> {
    if !(opts.speed.is_finite() && opts.speed > 0.0) {
        return Err(TwinError::Input(format!(
            "speed must be a positive number, got {}",
            opts.speed
        )));
    }
    Ok(())
}

/// How a run is paced: from the options for a live run, from the
/// recording's meta row (falling back on the options) for a replay.
#[derive(Clone, Copy, Debug)]
struct Pacing {
    /// Simulated seconds per wall second.
    speed: f64,
    /// Simulated time the run stops at ([`SimTime::MAX`]: the horizon).
    until: SimTime,
    /// Unix ms at simulated time 0 (command timestamps).
    t0_unix: i64,
    /// A replay, on a virtual clock (else live, on the real clock).
    replay: bool,
}

impl Pacing {
    /// The pacing of a run of `source` with `opts`.
    fn of(opts: &TwinOptions, source: &Source) -> Pacing {
        let until = opts
            .until
            .map(|d| SimTime::from_millis(d.as_millis().max(0) as u64));
        match source {
            Source::Replay(rows) => Pacing {
                speed: record::meta_speed(rows).unwrap_or(opts.speed),
                until: record::meta_until(rows)
                    .map(SimTime::from_millis)
                    .or(until)
                    .unwrap_or(SimTime::MAX),
                t0_unix: record::meta_t0(rows).unwrap_or(0),
                replay: true,
            },
            Source::Mqtt(_) => Pacing {
                speed: opts.speed,
                until: until.unwrap_or(SimTime::MAX),
                t0_unix: unix_ms(),
                replay: false,
            },
        }
    }
}

/// The scenario the twin runs: `scenario`, with its horizon shortened to
/// `until` rounded up to whole control intervals (at least one) so that
/// the run's outputs cover the twin's run; unchanged when `until` is
/// [`SimTime::MAX`].
///
/// # Errors
/// [`TwinError::Input`] when the control interval is not a duration.
fn scenario_until(scenario: &Loaded, until: SimTime) -> Result<Loaded, TwinError> {
    let mut scenario = scenario.clone();
    if until != SimTime::MAX {
        let iv: SimDuration = scenario
            .file
            .scenario
            .control_interval
            .parse()
            .map_err(|e| TwinError::Input(format!("{}: control_interval: {e}", scenario.name)))?;
        let iv_ms = iv.as_millis().max(60_000) as u64;
        let steps = until.as_millis().div_ceil(iv_ms).max(1);
        scenario.file.scenario.horizon = format!("{}s", steps * iv_ms / 1000);
    }
    Ok(scenario)
}

/// Opens the run's source: connects to the broker and starts the ticker
/// (live: the returned [`LiveFeed`]), or injects every recorded event at
/// its recorded time (replay: nothing to hold).
///
/// # Errors
/// [`TwinError::Bridge`] when the broker cannot be reached,
/// [`TwinError::Input`] for a malformed recording.
fn open_source(
    source: &Source,
    org: &str,
    injector: &LiveInjector,
) -> Result<Option<LiveFeed>, TwinError> {
    match source {
        Source::Mqtt(cc) => LiveFeed::connect(cc, org, injector).map(Some),
        Source::Replay(rows) => {
            for r in rows {
                if let Some((t, ev)) = r.to_event()? {
                    let _ = injector.inject_at(t, Arc::new(ev));
                }
            }
            Ok(None)
        }
    }
}

/// What feeds a live run while it runs: the broker link, whose messages
/// (telemetry and acknowledgements) are injected as they arrive, and the
/// ticker thread, which injects a [`TwinIn::Tick`] every 250 ms of wall
/// time.
struct LiveFeed {
    /// The link to the broker.
    link: Link,
    /// Set to end the ticker.
    stop: Arc<AtomicBool>,
    /// The ticker thread.
    ticker: std::thread::JoinHandle<()>,
}

impl LiveFeed {
    /// Connects to the broker (waiting at most 10 s), subscribes to the
    /// org's telemetry and acknowledgements and starts the ticker.
    ///
    /// # Errors
    /// [`TwinError::Bridge`] when the connection cannot be made.
    fn connect(
        cc: &ClientConfig,
        org: &str,
        injector: &LiveInjector,
    ) -> Result<LiveFeed, TwinError> {
        let inj = injector.clone();
        let link = Link::connect(
            cc,
            vec![
                hw_bridge::topic::telemetry_filter(org),
                hw_bridge::topic::ack_filter(org),
            ],
            move |ev, _p| {
                if let LinkEvent::Message { topic, payload } = ev {
                    let _ = inj.inject(Arc::new(TwinIn::Message { topic, payload }));
                }
            },
            Duration::from_secs(10),
        )?;
        let stop = Arc::new(AtomicBool::new(false));
        let (inj, st) = (injector.clone(), stop.clone());
        let ticker = std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                if inj.inject(Arc::new(TwinIn::Tick)).is_err() {
                    break;
                }
            }
        });
        Ok(LiveFeed { link, stop, ticker })
    }

    /// The link's publisher (alerts, commands).
    fn publisher(&self) -> Publisher {
        self.link.publisher()
    }

    /// Ends the ticker, closes the link and returns the reconnections it
    /// made.
    fn close(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.ticker.join();
        let reconnects = self.link.reconnects();
        self.link.close();
        reconnects
    }
}

/// What the replica runner hands back to [`run_with_stop`] besides the
/// replica's results.
#[derive(Clone, Default)]
struct Handback {
    /// The hook's report and recording.
    outcome: SharedOutcome,
    /// Wall-clock statistics (live runs).
    wall: Arc<Mutex<Option<WallStats>>>,
    /// The replica's results when it was stopped before the horizon.
    cut: CutShort,
}

impl Handback {
    /// The twin's report, completed with the link's `reconnects` and the
    /// wall-clock statistics, and its recording (when asked).
    ///
    /// # Errors
    /// [`TwinError::Io`] when the replica handed back no report (it never
    /// ran).
    fn into_report(
        self,
        reconnects: u64,
    ) -> Result<(TwinReport, Option<Vec<record::Row>>), TwinError> {
        let (mut report, rec) = self
            .outcome
            .lock()
            .ok()
            .and_then(|mut g| g.take())
            .ok_or_else(|| TwinError::Io("the twin produced no report".into()))?;
        report.counters.reconnects = reconnects;
        report.wallclock = self.wall.lock().ok().and_then(|mut g| g.take());
        Ok((report, rec))
    }
}

/// Everything the engine's replica runner needs to run the twin's one
/// replica (see [`ReplicaJob::run`]).
struct ReplicaJob {
    /// The testbed.
    tb: Testbed,
    /// The pacing.
    pacing: Pacing,
    /// Send commands to devices.
    allow_control: bool,
    /// Record the events handled.
    record: bool,
    /// The link's publisher (live runs).
    publisher: Option<Publisher>,
    /// The twin's counters.
    counters: Arc<TwinCounters>,
    /// The shared view the hook updates.
    view: Arc<Mutex<ViewState>>,
    /// The injected events; taken by the (only) replica.
    inbox: Mutex<Option<LiveInbox>>,
    /// Where the replica's report, statistics and short results go.
    handback: Handback,
}

impl ReplicaJob {
    /// The engine's replica runner running this job.
    fn into_runner(self) -> ReplicaRunner {
        ReplicaRunner(Arc::new(move |prep, plan, r| self.run(prep, plan, r)))
    }

    /// Runs the replica with a [`TwinHook`], on the real clock (live) or a
    /// virtual one (replay), until the pacing's `until`, the horizon or a
    /// stop; hands the hook's report and recording, the wall-clock
    /// statistics and, when stopped before the horizon, the short results
    /// back through [`Handback`].
    ///
    /// # Errors
    /// A model failure; a second replica; a run stopped before the horizon
    /// (its results are then in [`Handback::cut`]).
    fn run(
        &self,
        prep: &Prepared,
        plan: &ReplicaPlan,
        r: u32,
    ) -> Result<ReplicaResult, ScenarioError> {
        let Some(inbox) = self.inbox.lock().ok().and_then(|mut g| g.take()) else {
            return Err(ScenarioError::Sim("the twin runs one replica".into()));
        };
        let p = self.pacing;
        let mut hook = TwinHook::new(
            self.tb.clone(),
            p.speed,
            self.allow_control,
            !p.replay,
            self.publisher.clone(),
            self.counters.clone(),
            self.record,
            self.view.clone(),
            p.t0_unix,
        );
        let (hook_ref, until) = (&mut hook, p.until);
        let (result, wc) = if p.replay {
            let clock = &mut sim_core::wallclock::VirtualClock::new();
            run_replica_live(prep, plan, r, hook_ref, p.speed, until, &inbox, clock)
        } else {
            let clock = &mut sim_core::wallclock::RealClock::new();
            run_replica_live(prep, plan, r, hook_ref, p.speed, until, &inbox, clock)
        }
        .map_err(|e| ScenarioError::Sim(e.to_string()))?;
        let (mut rep, rec) = hook.finish();
        rep.end_ms = wc.end.as_millis();
        if !p.replay
            && let Ok(mut g) = self.handback.wall.lock()
        {
            *g = Some(WallStats {
                events: wc.events,
                injected: wc.injected,
                max_lag_ms: wc.max_lag_ms,
                wall_seconds: wc.wall_seconds,
            });
        }
        if let Ok(mut g) = self.handback.outcome.lock() {
            *g = Some((rep, rec));
        }
        if result.served_fraction.len() < prep.steps {
            // Stopped before the horizon ([`TwinStop`]): the results are
            // gathered over the steps run (see `results_of_cut_run`).
            let iv_ms = prep.interval.as_millis().max(1) as u64;
            if let Ok(mut g) = self.handback.cut.lock() {
                *g = Some((result, iv_ms));
            }
            return Err(ScenarioError::Sim("the twin was stopped early".into()));
        }
        Ok(result)
    }
}

/// The engine's options for the twin's run: one replica on one thread,
/// with the detail outputs.
fn run_options(opts: &TwinOptions) -> RunOptions {
    RunOptions {
        replicas: Some(1),
        seed: opts.seed,
        threads: 1,
        detail: true,
        strategies: opts.strategies.clone(),
    }
}

/// The run's results: the engine's, or, when the replica was stopped
/// before the horizon (`cut`), those of the steps it ran.
///
/// # Errors
/// The engine's error, or as [`results_of_cut_run`].
fn results_of_run(
    res: Result<RunResults, ScenarioError>,
    cut: &CutShort,
    scenario: &Loaded,
    ropts: &RunOptions,
) -> Result<RunResults, TwinError> {
    match (res, cut.lock().ok().and_then(|mut g| g.take())) {
        (Err(_), Some((short, iv_ms))) => results_of_cut_run(scenario, ropts, short, iv_ms),
        (res, _) => Ok(res?),
    }
}

/// Writes the recording to `path`: the meta row (speed, end time, Unix ms
/// at time 0, testbed path) then the events handled; nothing when the run
/// recorded nothing.
///
/// # Errors
/// [`TwinError::Io`] when the file cannot be written.
fn save_recording(
    path: &Path,
    recording: Option<Vec<record::Row>>,
    pacing: &Pacing,
    end_ms: u64,
    setup: &Setup,
) -> Result<(), TwinError> {
    let Some(mut rows) = recording else {
        return Ok(());
    };
    rows.insert(
        0,
        record::Row::meta(pacing.speed, end_ms, pacing.t0_unix, &setup.testbed_path),
    );
    record::write(path, &rows)
}

/// Writes the run's outputs (as `blackstart run`) and `DIR/twin.json`.
///
/// # Errors
/// [`TwinError::Io`] when a file cannot be written.
pub fn write_outputs(o: &TwinOutcome, dir: &Path) -> Result<Vec<PathBuf>, TwinError> {
    let mut written = reports::write_outputs(&o.results, dir)?;
    let p = dir.join("twin.json");
    let text = serde_json::to_string_pretty(&o.report).map_err(|e| TwinError::Io(e.to_string()))?;
    std::fs::write(&p, text + "\n").map_err(|e| TwinError::Io(format!("{}: {e}", p.display())))?;
    written.push(p);
    Ok(written)
}

/// The emulated devices of a testbed: one per binding, starting from the
/// scenario's initial state (battery SoC and energy, diesel fuel, load peak
/// demand; PV and wind at 0), in the binding's units.
///
/// # Errors
/// [`TwinError`] when the scenario cannot be built.
pub fn emulated_devices(setup: &Setup) -> Result<Vec<hw_bridge::emulator::EmuDevice>, TwinError> {
    use hw_bridge::emulator::{EmuDevice, EmuMetric};
    let sc = &setup.scenario;
    let c = scenario::community::build(&sc.file, &|k| sc.at(k))?;
    let tb = &setup.testbed;
    let mut out = Vec::with_capacity(tb.bindings.len());
    for b in &tb.bindings {
        let found = find_asset(&c, &b.asset);
        let (capacity, soc, fuel, p) = match found {
            Some((AssetKind::Battery, i)) => {
                (c.batteries[i].0.energy_mwh, c.batteries[i].0.soc, 0.0, 0.0)
            }
            Some((AssetKind::Diesel, i)) => (0.0, 0.0, c.diesels[i].0.fuel_l, 0.0),
            Some((AssetKind::Load, i)) => (0.0, 0.0, 0.0, c.loads[i].peak_mw),
            _ => (0.0, 0.0, 0.0, 0.0),
        };
        let metrics = b
            .metrics
            .iter()
            .map(|(name, map)| EmuMetric {
                name: name.clone(),
                map: map.clone(),
                model_value: match map.quantity.as_str() {
                    "soc" => soc,
                    "fuel_l" => fuel,
                    _ => p,
                },
            })
            .collect();
        out.push(EmuDevice {
            addr: tb.addr(b),
            kind: b.kind,
            metrics,
            command: b.command.clone(),
            capacity_mwh: capacity,
            setpoint: 0.0,
        });
    }
    Ok(out)
}

/// Reads a testbed file, or a plain scenario file (no `[twin]` table: a
/// twin with no bound device, everything simulated).
///
/// # Errors
/// [`TwinError`] saying where and why.
pub fn load_setup_or_scenario(path: &Path) -> Result<Setup, TwinError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| TwinError::Input(format!("cannot read {}: {e}", path.display())))?;
    let is_testbed = text
        .parse::<toml::Table>()
        .is_ok_and(|t| t.contains_key("twin"));
    if is_testbed {
        return load_setup(path);
    }
    let scenario = scenario::parse(&text, &path.display().to_string())?;
    let testbed = Testbed {
        twin: toml::from_str(&format!(
            "scenario = {:?}",
            path.file_name()
                .map(|f| f.to_string_lossy().to_string())
                .unwrap_or_default()
        ))
        .map_err(|e| TwinError::Input(e.to_string()))?,
        bindings: Vec::new(),
    };
    Ok(Setup {
        testbed,
        testbed_path: path.to_path_buf(),
        scenario,
    })
}

/// The results of a replica stopped before the horizon, and the control
/// interval (ms).
type CutShort = Arc<Mutex<Option<(engine::sim::ReplicaResult, u64)>>>;

/// The run's results when the twin was stopped before the horizon: the
/// replica's series end at the stop, so they are gathered as a run whose
/// horizon is the control steps it ran (as a time limit shortens it).
fn results_of_cut_run(
    scenario: &Loaded,
    ropts: &RunOptions,
    short: engine::sim::ReplicaResult,
    iv_ms: u64,
) -> Result<RunResults, TwinError> {
    let steps = short.served_fraction.len() as u64;
    if steps == 0 {
        return Err(TwinError::Io(
            "the twin was stopped before its first control step: no results".into(),
        ));
    }
    let mut sc = scenario.clone();
    sc.file.scenario.horizon = format!("{}s", steps * iv_ms / 1000);
    let slot = Mutex::new(Some(short));
    let runner = ReplicaRunner(Arc::new(move |_, _, _| {
        slot.lock()
            .ok()
            .and_then(|mut g| g.take())
            .ok_or_else(|| ScenarioError::Sim("the twin runs one replica".into()))
    }));
    Ok(engine::run_with_runner(&sc, ropts, Some(&runner))?)
}

/// The twin's report and recording, handed back from the model's thread.
type SharedOutcome = Arc<Mutex<Option<(TwinReport, Option<Vec<record::Row>>)>>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_check_names_no_flag() {
        for speed in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            let opts = TwinOptions {
                speed,
                ..TwinOptions::default()
            };
            let e = check_options(&opts).expect_err("bad speed");
            assert!(e.is_bad_input());
            assert_eq!(
                e.to_string(),
                format!("speed must be a positive number, got {speed}")
            );
        }
        assert!(check_options(&TwinOptions::default()).is_ok());
    }

    #[test]
    fn replay_pacing_comes_from_the_recording() {
        let meta = record::Row::meta(900.0, 4_500_000, 1_700_000_000_000, Path::new("tb.toml"));
        let opts = TwinOptions::default();
        let p = Pacing::of(&opts, &Source::Replay(vec![meta]));
        assert!(p.replay);
        assert_eq!(p.speed, 900.0);
        assert_eq!(p.until, SimTime::from_millis(4_500_000));
        assert_eq!(p.t0_unix, 1_700_000_000_000);
        let p = Pacing::of(&opts, &Source::Replay(Vec::new()));
        assert_eq!((p.speed, p.until, p.t0_unix), (60.0, SimTime::MAX, 0));
    }
}
