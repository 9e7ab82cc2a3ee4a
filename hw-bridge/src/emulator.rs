//! The device emulator: plays a testbed so that the twin can be seen (and
//! tested) working on one machine.
//!
//! Every device publishes each of its metrics at `rate` Hz (QoS 1, `seq`
//! increasing by one per message, `ts` its clock in Unix ms), obeys the
//! commands it receives on its command topic (a battery follows its power
//! setpoint and its SoC integrates it) and acknowledges each: `rejected`
//! (bad payload, unknown action, outside the device's limits, expired),
//! else `accepted` and then `done`.
//!
//! Devices are spread over `connections` MQTT connections and over each
//! period (device `j` of `n` publishes at `j / n` of it), so the load is
//! even. While a connection is down, messages queue in its client and go
//! out after the reconnection (persistent session, QoS 1).
//!
//! Faults (deterministic, per device):
//! - `drop`: every 10th message (seq ≡ 3 mod 10) is skipped; its `seq` is
//!   used up, so the twin sees a gap;
//! - `garbage`: every 10th period, one extra message of random-looking bytes
//!   on the device's first metric topic;
//! - `delay`: every 10th message (seq ≡ 7 mod 10) carries a timestamp 2 s
//!   old, as if held up on the way.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::BridgeError;
use crate::binding::{AssetKind, CommandMap, MetricMap};
use crate::counters::EmulatorReport;
use crate::mqtt::{ClientConfig, Link, LinkEvent, Publisher};
use crate::payload::{Ack, AckStatus, CommandMsg, Quality, Telemetry, to_bytes};
use crate::topic::{self, DeviceAddr, TopicKind};

/// Unix time now, in ms.
pub fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// One emulated metric.
#[derive(Clone, Debug, PartialEq)]
pub struct EmuMetric {
    /// Wire name.
    pub name: String,
    /// Conversion (and model quantity).
    pub map: MetricMap,
    /// Current value in model units.
    pub model_value: f64,
}

/// One emulated device.
#[derive(Clone, Debug, PartialEq)]
pub struct EmuDevice {
    /// Address.
    pub addr: DeviceAddr,
    /// Kind.
    pub kind: AssetKind,
    /// Metrics.
    pub metrics: Vec<EmuMetric>,
    /// Command it takes.
    pub command: Option<CommandMap>,
    /// Battery energy capacity (MWh), for the SoC integration.
    pub capacity_mwh: f64,
    /// Current setpoint (model units: MW, or fraction shed).
    pub setpoint: f64,
}

/// Faults to inject.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Skip every 10th message.
    pub drop: bool,
    /// An extra garbage message every 10th period.
    pub garbage: bool,
    /// Every 10th message stamped 2 s early.
    pub delay: bool,
}

impl std::str::FromStr for Faults {
    type Err = BridgeError;

    /// `drop,garbage,delay` (any subset; empty or `none`: no faults).
    fn from_str(s: &str) -> Result<Self, BridgeError> {
        let mut f = Faults::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "drop" => f.drop = true,
                "garbage" => f.garbage = true,
                "delay" => f.delay = true,
                "none" => {}
                other => {
                    return Err(BridgeError::Emulator(format!(
                        "unknown fault `{other}`: expected drop, garbage or delay"
                    )));
                }
            }
        }
        Ok(f)
    }
}

/// Emulator settings.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Connection settings; connection `i` uses client id `{client_id}-{i}`.
    pub client: ClientConfig,
    /// Organisation (topic prefix) whose command topics to follow.
    pub org: String,
    /// Devices.
    pub devices: Vec<EmuDevice>,
    /// Messages per second per device and metric.
    pub rate_hz: f64,
    /// Faults.
    pub faults: Faults,
    /// How long to run.
    pub duration: Duration,
    /// MQTT connections to spread the devices over.
    pub connections: usize,
}

struct DevState {
    dev: EmuDevice,
    seq: Vec<u64>,
}

/// Runs the emulator until `duration` has passed or `stop` is set.
///
/// # Errors
/// [`BridgeError`] when the settings are invalid or a connection cannot be
/// made at the start (wrong credentials, no broker).
pub fn run(cfg: &EmulatorConfig, stop: &AtomicBool) -> Result<EmulatorReport, BridgeError> {
    if !(cfg.rate_hz.is_finite() && cfg.rate_hz > 0.0 && cfg.rate_hz <= 1000.0) {
        return Err(BridgeError::Emulator(format!(
            "rate must be in (0, 1000] Hz, got {}",
            cfg.rate_hz
        )));
    }
    let nconn = cfg.connections.clamp(1, 64).min(cfg.devices.len().max(1));
    let states: Arc<Vec<Mutex<DevState>>> = Arc::new(
        cfg.devices
            .iter()
            .map(|d| {
                Mutex::new(DevState {
                    seq: vec![0; d.metrics.len()],
                    dev: d.clone(),
                })
            })
            .collect(),
    );
    let received = Arc::new(AtomicU64::new(0));
    let acked = Arc::new(AtomicU64::new(0));
    let rejected = Arc::new(AtomicU64::new(0));
    // Connection 0 follows the command topics.
    let mut links = Vec::with_capacity(nconn);
    for i in 0..nconn {
        let mut cc = cfg.client.clone();
        cc.client_id = format!("{}-{i}", cfg.client.client_id);
        let filters = if i == 0 {
            vec![topic::command_filter(&cfg.org)]
        } else {
            Vec::new()
        };
        let (st, rc, ac, rj) = (
            states.clone(),
            received.clone(),
            acked.clone(),
            rejected.clone(),
        );
        let link = Link::connect(
            &cc,
            filters,
            move |ev, p: &Publisher| {
                if let LinkEvent::Message { topic, payload } = ev {
                    on_command(&st, &topic, &payload, p, &rc, &ac, &rj);
                }
            },
            Duration::from_secs(10),
        )?;
        links.push(link);
    }
    let publishers: Vec<Publisher> = links.iter().map(Link::publisher).collect();
    let period = Duration::from_secs_f64(1.0 / cfg.rate_hz);
    let start = Instant::now();
    let end = start + cfg.duration;
    let faults = cfg.faults;
    let n = cfg.devices.len();
    let mut handles = Vec::with_capacity(nconn);
    for (ci, publisher) in publishers.into_iter().enumerate() {
        let states = states.clone();
        let stop_ptr: &AtomicBool = stop;
        // The stop flag outlives the scope below (scoped threads).
        let _ = stop_ptr;
        handles.push((ci, publisher, states));
    }
    let totals = std::thread::scope(|s| {
        let mut joins = Vec::new();
        for (ci, publisher, states) in handles {
            joins.push(s.spawn(move || {
                let mut rep = EmulatorReport::default();
                let mut k: u64 = 0;
                'ticks: loop {
                    let tick0 = start + period.mul_f64(k as f64);
                    if tick0 >= end || stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let dt_h = period.as_secs_f64() / 3600.0;
                    for j in (ci..n).step_by(nconn) {
                        let due = tick0 + period.mul_f64(j as f64 / n as f64);
                        let now = Instant::now();
                        if due > now {
                            std::thread::sleep(due - now);
                        }
                        if stop.load(Ordering::Relaxed) {
                            break 'ticks;
                        }
                        let Ok(mut g) = states[j].lock() else {
                            continue;
                        };
                        let ds = &mut *g;
                        step_device(&mut ds.dev, dt_h);
                        let ts_now = unix_ms();
                        for (mi, m) in ds.dev.metrics.iter().enumerate() {
                            ds.seq[mi] += 1;
                            let seq = ds.seq[mi];
                            if faults.drop && seq % 10 == 3 {
                                rep.dropped += 1;
                                continue;
                            }
                            let mut ts = ts_now;
                            if faults.delay && seq % 10 == 7 {
                                ts -= 2000;
                                rep.delayed += 1;
                            }
                            let t = Telemetry {
                                ts,
                                value: m.map.to_wire(m.model_value),
                                unit: m.map.unit.clone(),
                                quality: Quality::Good,
                                seq,
                            };
                            if publisher
                                .publish(&ds.dev.addr.telemetry(&m.name), to_bytes(&t))
                                .is_ok()
                            {
                                rep.published += 1;
                            }
                        }
                        if faults.garbage
                            && k % 10 == 9
                            && let Some(m) = ds.dev.metrics.first()
                        {
                            let junk = garbage(k ^ (j as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                            if publisher
                                .publish(&ds.dev.addr.telemetry(&m.name), junk)
                                .is_ok()
                            {
                                rep.published += 1;
                                rep.garbage += 1;
                            }
                        }
                    }
                    k += 1;
                }
                rep
            }));
        }
        joins
            .into_iter()
            .map(|j| j.join().unwrap_or_default())
            .collect::<Vec<_>>()
    });
    // Let the queues drain: wait until the broker has acknowledged every
    // message (at most 10 s per link), then disconnect.
    for l in &links {
        l.wait_acked(Duration::from_secs(10));
    }
    let mut report = EmulatorReport {
        devices: n as u64,
        ..Default::default()
    };
    for r in totals {
        report.published += r.published;
        report.garbage += r.garbage;
        report.dropped += r.dropped;
        report.delayed += r.delayed;
    }
    for l in &mut links {
        report.reconnects += l.reconnects();
        l.close();
    }
    report.commands_received = received.load(Ordering::Relaxed);
    report.commands_acked = acked.load(Ordering::Relaxed);
    report.commands_rejected = rejected.load(Ordering::Relaxed);
    Ok(report)
}

/// Advances a device's physics by `dt_h` hours.
fn step_device(d: &mut EmuDevice, dt_h: f64) {
    if d.kind == AssetKind::Battery && d.capacity_mwh > 0.0 {
        let p = d.setpoint;
        for m in &mut d.metrics {
            match m.map.quantity.as_str() {
                "soc" => {
                    m.model_value = (m.model_value - p * dt_h / d.capacity_mwh).clamp(0.0, 1.0)
                }
                "p_mw" => m.model_value = p,
                _ => {}
            }
        }
    }
}

/// Bytes that are not a valid telemetry payload (a cheap deterministic
/// generator: some are not UTF-8, some are truncated JSON).
pub fn garbage(seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_add(0x2545_F491_4F6C_DD1D);
    let len = 1 + (x % 48) as usize;
    match seed % 3 {
        0 => br#"{"ts": 17, "value": "#.to_vec(),
        1 => format!("not json {seed}").into_bytes(),
        _ => (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x & 0xff) as u8 | 0x80
            })
            .collect(),
    }
}

fn on_command(
    states: &[Mutex<DevState>],
    topic_name: &str,
    payload: &[u8],
    p: &Publisher,
    received: &AtomicU64,
    acked: &AtomicU64,
    rejected: &AtomicU64,
) {
    let Ok((addr, TopicKind::Command)) = topic::parse(topic_name) else {
        return;
    };
    received.fetch_add(1, Ordering::Relaxed);
    let reply = |id: String, status: AckStatus, reason: String| {
        let _ = p.try_publish(&addr.ack(), to_bytes(&Ack { id, status, reason }));
    };
    let msg = match CommandMsg::parse(payload) {
        Ok(m) => m,
        Err(e) => {
            rejected.fetch_add(1, Ordering::Relaxed);
            reply(String::new(), AckStatus::Rejected, e.to_string());
            return;
        }
    };
    let Some(state) = states
        .iter()
        .find(|s| s.lock().is_ok_and(|g| g.dev.addr == addr))
    else {
        rejected.fetch_add(1, Ordering::Relaxed);
        reply(msg.id, AckStatus::Rejected, "no such device".into());
        return;
    };
    let Ok(mut g) = state.lock() else {
        return;
    };
    let verdict = match &g.dev.command {
        None => Err("this device takes no command".to_string()),
        Some(c) if c.action != msg.action => Err(format!("unknown action `{}`", msg.action)),
        Some(c) if c.unit != msg.unit => Err(format!("unit `{}`, expected `{}`", msg.unit, c.unit)),
        Some(c) if msg.value < c.min || msg.value > c.max => Err(format!(
            "{} outside the device's limits [{}, {}]",
            msg.value, c.min, c.max
        )),
        Some(_) if msg.expires <= unix_ms() => Err("expired".to_string()),
        Some(c) => Ok(msg.value / c.scale),
    };
    match verdict {
        Ok(v) => {
            g.dev.setpoint = v;
            reply(msg.id.clone(), AckStatus::Accepted, String::new());
            reply(msg.id, AckStatus::Done, String::new());
            acked.fetch_add(1, Ordering::Relaxed);
        }
        Err(why) => {
            rejected.fetch_add(1, Ordering::Relaxed);
            reply(msg.id, AckStatus::Rejected, why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_parse() {
        let f: Faults = "drop,garbage".parse().expect("valid");
        assert!(f.drop && f.garbage && !f.delay);
        assert_eq!("".parse::<Faults>().expect("valid"), Faults::default());
        assert!("drop,fire".parse::<Faults>().is_err());
    }

    #[test]
    fn garbage_is_never_valid_telemetry() {
        for s in 0..300 {
            assert!(Telemetry::parse(&garbage(s)).is_err(), "seed {s}");
        }
    }

    #[test]
    fn battery_soc_integrates_the_setpoint() {
        let mut d = EmuDevice {
            addr: DeviceAddr::new("o", "b", "d").expect("valid"),
            kind: AssetKind::Battery,
            metrics: vec![EmuMetric {
                name: "soc".into(),
                map: MetricMap {
                    quantity: "soc".into(),
                    unit: "%".into(),
                    scale: 0.01,
                    offset: 0.0,
                },
                model_value: 0.5,
            }],
            command: None,
            capacity_mwh: 2.0,
            setpoint: 1.0,
        };
        step_device(&mut d, 0.5);
        assert!((d.metrics[0].model_value - 0.25).abs() < 1e-12);
    }
}
