//! The live twin against a real Mosquitto broker (started per test on a
//! free loopback port, with a password file and persistence in a temp dir).
//! Without mosquitto installed each test prints SKIP and passes, unless
//! `BLACKSTART_REQUIRE_MOSQUITTO=1` (as `.ci/run` sets), where it fails.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

mod twin_support;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blackstart::twin::{self, Source, TwinOptions, TwinOutcome};
use hw_bridge::emulator::{EmulatorConfig, Faults, garbage, unix_ms};
use hw_bridge::payload::to_bytes;
use hw_bridge::{BridgeError, ClientConfig, Link, Quality, Telemetry};
use sim_core::time::SimDuration;
use twin_support::*;

/// 15-min control steps at speed 900: one step per wall second.
const SPEED: f64 = 900.0;

fn cc(url: &str, id: &str) -> ClientConfig {
    ClientConfig::new(url.parse().expect("url"), id)
}

fn run_twin(setup: &twin::Setup, url: &str, wall_s: f64, allow: bool) -> TwinOutcome {
    let opts = TwinOptions {
        speed: SPEED,
        allow_control: allow,
        until: Some(SimDuration::from_millis((wall_s * 1000.0 * SPEED) as i64)),
        ..Default::default()
    };
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    twin::run(setup, &opts, Source::Mqtt(cc(url, "twin")), view).expect("twin runs")
}

fn emulator(setup: &twin::Setup, url: &str, secs: f64, rate: f64) -> EmulatorConfig {
    EmulatorConfig {
        client: cc(url, "emu"),
        org: setup.testbed.twin.org.clone(),
        devices: twin::emulated_devices(setup).expect("devices"),
        rate_hz: rate,
        faults: Faults::default(),
        duration: Duration::from_secs_f64(secs),
        connections: 1,
    }
}

#[test]
fn telemetry_mirrored_command_acked_and_over_limits_refused() {
    let Some((bin, pw)) = mosquitto("telemetry_mirrored_command_acked_and_over_limits_refused")
    else {
        return;
    };
    let dir = temp_dir("twin-ack");
    let broker = Mosquitto::start(&bin, &pw, &dir, &[("twin", "tw-pass"), ("emu", "emu-pass")]);
    let setup = twin::load_setup(&write_testbed(&dir, "", BATTERY_BINDINGS)).expect("testbed");
    let emu_cfg = emulator(&setup, &broker.url("emu", "emu-pass"), 7.0, 2.0);
    let emu =
        std::thread::spawn(move || hw_bridge::emulator::run(&emu_cfg, &AtomicBool::new(false)));
    let out = run_twin(&setup, &broker.url("twin", "tw-pass"), 6.0, true);
    let rep = emu.join().expect("emulator thread").expect("emulator runs");
    let r = &out.report;
    // Telemetry mirrored into the twin's state: the hall meter reports the
    // load's peak (300 kW) and the twin holds it in model units (MW).
    let hall = r
        .assets
        .iter()
        .find(|a| a.asset == "mashiki-town-hall")
        .expect("row");
    assert_eq!(hall.status, "live");
    assert!(
        (hall.values["p_mw"] - 0.3).abs() < 1e-12,
        "{:?}",
        hall.values
    );
    let bat = r
        .assets
        .iter()
        .find(|a| a.asset == "mashiki-battery")
        .expect("row");
    let soc = bat.values["soc"];
    assert!((0.0..=1.0).contains(&soc), "soc {soc}");
    assert!(r.counters.telemetry_received > 0);
    assert_eq!(r.counters.telemetry_rejected, 0);
    // A command acknowledged end to end.
    assert!(
        r.counters.commands_acked >= 1,
        "{:?} simulated {} steps {} alerts {:?}",
        r.counters,
        r.commands_simulated,
        r.steps,
        r.alerts
    );
    assert!(
        r.commands
            .iter()
            .any(|c| c.asset == "mashiki-battery" && c.outcome == "acked"),
        "{:?}",
        r.commands
    );
    assert!(rep.commands_acked >= 1 && rep.commands_received >= rep.commands_acked);
    // A command over limits (kiyama's device takes +-1 W) refused before it
    // leaves: the device never saw one.
    assert!(r.counters.commands_refused >= 1);
    let refused: Vec<_> = r
        .commands
        .iter()
        .filter(|c| c.outcome == "refused")
        .collect();
    assert!(
        refused
            .iter()
            .all(|c| c.asset == "kiyama-battery" && c.detail.contains("outside its limits"))
    );
    assert!(
        !r.commands
            .iter()
            .any(|c| c.asset == "kiyama-battery" && c.outcome != "refused")
    );
    // The run's outputs, as `blackstart run`.
    let od = dir.join("out");
    twin::write_outputs(&out, &od).expect("outputs");
    for f in [
        "timeseries.parquet",
        "events.parquet",
        "summary.json",
        "twin.json",
    ] {
        assert!(od.join(f).is_file(), "{f}");
    }
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(od.join("twin.json")).expect("read"))
            .expect("json");
    for k in [
        "telemetry_received",
        "telemetry_rejected",
        "telemetry_lost",
        "commands_sent",
        "commands_acked",
        "commands_refused",
        "commands_timed_out",
        "stale_events",
        "reconnects",
    ] {
        assert!(j["counters"][k].is_u64(), "{k}");
    }
}

fn telemetry(ts: i64, value: f64, seq: u64) -> Vec<u8> {
    to_bytes(&Telemetry {
        ts,
        value,
        unit: "kW".into(),
        quality: Quality::Good,
        seq,
    })
}

#[test]
fn stale_device_detected_and_recovered() {
    let Some((bin, pw)) = mosquitto("stale_device_detected_and_recovered") else {
        return;
    };
    let dir = temp_dir("twin-stale");
    let broker = Mosquitto::start(&bin, &pw, &dir, &[("twin", "tw"), ("dev", "dv")]);
    let setup = twin::load_setup(&write_testbed(
        &dir,
        "stale_timeout_s = 1.0",
        BATTERY_BINDINGS,
    ))
    .expect("testbed");
    let url = broker.url("dev", "dv");
    let dev = std::thread::spawn(move || {
        let link = Link::connect(&cc(&url, "dev"), vec![], |_, _| {}, Duration::from_secs(5))
            .expect("connect");
        let p = link.publisher();
        let topic = "t/mashiki-town-hall/hall-meter/power";
        let mut seq = 0;
        // 1.5 s of reports, 3 s of silence, then reports again.
        for phase in [15, 0, 20] {
            if phase == 0 {
                std::thread::sleep(Duration::from_secs(3));
                continue;
            }
            for _ in 0..phase {
                seq += 1;
                p.publish(topic, telemetry(unix_ms(), 120.0, seq))
                    .expect("publish");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        drop(link);
    });
    let out = run_twin(&setup, &broker.url("twin", "tw"), 6.5, false);
    dev.join().expect("device thread");
    let r = &out.report;
    assert!(r.counters.stale_events >= 1, "{:?}", r.counters);
    assert!(r.counters.recovered_events >= 1, "{:?}", r.counters);
    assert!(
        r.alerts
            .iter()
            .any(|a| a.kind == "device_stale" && a.subject == "mashiki-town-hall")
    );
    let hall = r
        .assets
        .iter()
        .find(|a| a.asset == "mashiki-town-hall")
        .expect("row");
    assert_eq!(hall.values["p_mw"], 0.12);
    assert_eq!(r.counters.telemetry_lost, 0);
    // Control off: commands for bound assets went to the advisory topic.
    assert_eq!(r.counters.commands_sent, 0);
}

#[test]
fn broker_restart_loses_no_telemetry_and_twin_reconnects() {
    let Some((bin, pw)) = mosquitto("broker_restart_loses_no_telemetry_and_twin_reconnects") else {
        return;
    };
    let dir = temp_dir("twin-restart");
    let mut broker = Mosquitto::start(&bin, &pw, &dir, &[("twin", "tw"), ("emu", "em")]);
    let setup = twin::load_setup(&write_testbed(
        &dir,
        "stale_timeout_s = 30.0",
        BATTERY_BINDINGS,
    ))
    .expect("testbed");
    let emu_cfg = emulator(&setup, &broker.url("emu", "em"), 8.0, 5.0);
    let twin_setup = setup.clone();
    let url = broker.url("twin", "tw");
    let tw = std::thread::spawn(move || run_twin(&twin_setup, &url, 17.5, false));
    // The twin subscribes first: a message published before its (new)
    // session exists is not for it, and would look like a loss here.
    std::thread::sleep(Duration::from_millis(1500));
    let emu =
        std::thread::spawn(move || hw_bridge::emulator::run(&emu_cfg, &AtomicBool::new(false)));
    std::thread::sleep(Duration::from_secs(3));
    broker.stop();
    std::thread::sleep(Duration::from_secs(2));
    broker.restart();
    let rep = emu.join().expect("emulator thread").expect("emulator runs");
    let out = tw.join().expect("twin thread");
    let c = &out.report.counters;
    assert!(c.reconnects >= 1, "{c:?}");
    assert!(rep.reconnects >= 1, "{rep:?}");
    assert_eq!(c.telemetry_lost, 0, "{c:?}");
    assert_eq!(c.telemetry_received, rep.published, "{c:?} {rep:?}");
}

#[test]
fn a_thousand_garbage_payloads_are_counted_and_not_fatal() {
    let Some((bin, pw)) = mosquitto("a_thousand_garbage_payloads_are_counted_and_not_fatal") else {
        return;
    };
    let dir = temp_dir("twin-garbage");
    let broker = Mosquitto::start(&bin, &pw, &dir, &[("twin", "tw"), ("dev", "dv")]);
    let setup = twin::load_setup(&write_testbed(&dir, "", BATTERY_BINDINGS)).expect("testbed");
    let url = broker.url("dev", "dv");
    let dev = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        let link = Link::connect(&cc(&url, "dev"), vec![], |_, _| {}, Duration::from_secs(5))
            .expect("connect");
        let p = link.publisher();
        for i in 0..1000u64 {
            // Bad payloads on a bound topic, and valid ones on unknown or
            // malformed topics.
            let (topic, payload) = match i % 4 {
                0 | 1 => (
                    "t/mashiki-town-hall/hall-meter/power".to_string(),
                    garbage(i),
                ),
                2 => (format!("t/nobody/x{i}/power"), telemetry(unix_ms(), 1.0, 1)),
                _ => (
                    "t/mashiki-town-hall/hall-meter/voltage".to_string(),
                    telemetry(unix_ms(), 1.0, i),
                ),
            };
            p.publish(&topic, payload).expect("publish");
        }
        p.publish(
            "t/mashiki-town-hall/hall-meter/power",
            telemetry(unix_ms(), 250.0, 1),
        )
        .expect("publish");
        std::thread::sleep(Duration::from_secs(1));
        drop(link);
    });
    let out = run_twin(&setup, &broker.url("twin", "tw"), 4.0, false);
    dev.join().expect("device thread");
    let c = &out.report.counters;
    assert_eq!(c.telemetry_rejected, 1000, "{c:?}");
    assert_eq!(c.telemetry_received, 1, "{c:?}");
    let hall = out
        .report
        .assets
        .iter()
        .find(|a| a.asset == "mashiki-town-hall")
        .expect("row");
    assert_eq!(hall.values["p_mw"], 0.25);
}

#[test]
fn wrong_credentials_are_refused_with_a_clear_error() {
    let Some((bin, pw)) = mosquitto("wrong_credentials_are_refused_with_a_clear_error") else {
        return;
    };
    let dir = temp_dir("twin-auth");
    let broker = Mosquitto::start(&bin, &pw, &dir, &[("twin", "right")]);
    let e = Link::connect(
        &cc(&broker.url("twin", "wrong"), "x"),
        vec![],
        |_, _| {},
        Duration::from_secs(5),
    )
    .expect_err("refused");
    assert!(matches!(e, BridgeError::Auth(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("refused the credentials of user `twin`"), "{m}");
    assert!(!m.contains("wrong"), "the password must not be shown: {m}");
    // The twin reports the same, and runs nothing.
    let setup = twin::load_setup(&write_testbed(&dir, "", BATTERY_BINDINGS)).expect("testbed");
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    let e = twin::run(
        &setup,
        &TwinOptions::default(),
        Source::Mqtt(cc(&broker.url("twin", "nope"), "t")),
        view,
    )
    .expect_err("refused");
    assert!(e.to_string().contains("refused the credentials"), "{e}");
}
