//! Record a live twin run (embedded broker, emulator with faults), then
//! replay the recording twice: the outputs are identical, byte for byte.
//! Also: the embedded broker serves the default set-up with nothing
//! installed.

// Test and example code: a failed expectation ends the run with its message.
#![allow(clippy::expect_used, clippy::panic)]

mod twin_support;

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blackstart::twin::{self, Source, TwinOptions};
use hw_bridge::ClientConfig;
use hw_bridge::emulator::{EmulatorConfig, Faults};
use sim_core::time::SimDuration;
use twin_support::*;

#[test]
fn replay_of_a_recording_gives_identical_outputs_twice() {
    let dir = temp_dir("twin-replay");
    let setup = twin::load_setup(&write_testbed(
        &dir,
        "stale_timeout_s = 1.0",
        BATTERY_BINDINGS,
    ))
    .expect("testbed");
    let broker = hw_bridge::broker::start(0, &[]).expect("embedded broker");
    let url = broker.url();
    let emu_cfg = EmulatorConfig {
        client: ClientConfig::new(url.parse().expect("url"), "emu"),
        org: "t".into(),
        devices: twin::emulated_devices(&setup).expect("devices"),
        rate_hz: 5.0,
        faults: "drop,garbage,delay".parse::<Faults>().expect("faults"),
        duration: Duration::from_secs(4),
        connections: 1,
    };
    let emu =
        std::thread::spawn(move || hw_bridge::emulator::run(&emu_cfg, &AtomicBool::new(false)));
    let rec = dir.join("rec.parquet");
    let speed = 900.0;
    let opts = TwinOptions {
        speed,
        allow_control: true,
        until: Some(SimDuration::from_millis((5.0 * 1000.0 * speed) as i64)),
        record: Some(rec.clone()),
        ..Default::default()
    };
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    let live = twin::run(
        &setup,
        &opts,
        Source::Mqtt(ClientConfig::new(url.parse().expect("url"), "twin")),
        view,
    )
    .expect("live run");
    let rep = emu.join().expect("emulator thread").expect("emulator runs");
    let c = &live.report.counters;
    assert!(c.telemetry_received > 0 && rep.published > 0);
    assert!(c.telemetry_rejected >= rep.garbage.min(1), "{c:?} {rep:?}");
    assert!(c.telemetry_lost >= 1, "drop fault leaves gaps: {c:?}");
    // Replay twice.
    let rows = twin::record::read(&rec).expect("recording");
    assert!(rows.len() > 10);
    let mut outs = Vec::new();
    for k in 0..2 {
        let view = Arc::new(Mutex::new(twin::ViewState::default()));
        let o = twin::run(
            &setup,
            &TwinOptions::default(),
            Source::Replay(rows.clone()),
            view,
        )
        .expect("replay");
        // The replay sees what the live run saw.
        assert_eq!(o.report.counters.telemetry_received, c.telemetry_received);
        assert_eq!(o.report.counters.telemetry_rejected, c.telemetry_rejected);
        assert_eq!(o.report.counters.telemetry_lost, c.telemetry_lost);
        let d = dir.join(format!("replay{k}"));
        twin::write_outputs(&o, &d).expect("outputs");
        outs.push(d);
    }
    let mut names: Vec<_> = std::fs::read_dir(&outs[0])
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for n in names {
        let a = std::fs::read(outs[0].join(&n)).expect("a");
        let b = std::fs::read(outs[1].join(&n)).expect("b");
        assert!(a == b, "{n:?} differs between two replays");
    }
}

#[test]
fn testbed_errors_say_where() {
    let dir = temp_dir("twin-bad");
    let p = write_testbed(
        &dir,
        "",
        &BATTERY_BINDINGS.replacen("mashiki-battery", "no-such-battery", 1),
    );
    let e = twin::load_setup(&p).expect_err("unknown asset");
    assert!(
        e.to_string()
            .contains("binding `no-such-battery`: no asset with this id"),
        "{e}"
    );
    let p = write_testbed(
        &dir,
        "",
        &BATTERY_BINDINGS.replacen("kind = \"load\"", "kind = \"battery\"", 1),
    );
    let e = twin::load_setup(&p).expect_err("wrong kind");
    assert!(e.to_string().contains("is a Load in the scenario"), "{e}");
}
