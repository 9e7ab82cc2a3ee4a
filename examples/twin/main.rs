//! Load test of the live twin (not part of the default test run):
//! N emulated devices (default 10,000) each publishing one message per
//! second for D seconds (default 60) over loopback, to a broker (default:
//! the embedded one; or `BROKER=mqtt://user:pass@127.0.0.1:PORT`), and the
//! twin mirroring them. Prints throughput, messages lost and the latency
//! from device timestamp to twin state (p50/p99).
//!
//! ```text
//! cargo run --release --example twin -- [DEVICES] [SECONDS] [CONNECTIONS]
//! ```

use std::fmt::Write as _;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use blackstart::twin::{self, Source, TwinOptions};
use hw_bridge::ClientConfig;
use hw_bridge::emulator::{EmulatorConfig, Faults};
use sim_core::time::SimDuration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(Ok(10_000), |s| s.parse())?;
    let secs: f64 = args.get(2).map_or(Ok(60.0), |s| s.parse())?;
    let conns: usize = args.get(3).map_or(Ok(8), |s| s.parse())?;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("blackstart-twin-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // N meters spread over the scenario's loads.
    let loads = [
        "mashiki-town-hall",
        "mashiki-gym-shelter",
        "mashiki-homes-north",
        "mashiki-homes-south",
        "kumamoto-red-cross-hospital",
        "hospital-district-shops",
        "kiyama-water-pumps",
        "kiyama-homes",
        "nishihara-school-shelter",
        "nishihara-homes",
    ];
    let mut tb = format!(
        "[twin]\nscenario = {:?}\norg = \"load\"\nstale_timeout_s = 30\n",
        root.join("examples/scenarios/kumamoto-2016.toml")
            .display()
            .to_string()
    );
    for i in 0..n {
        let _ = write!(
            tb,
            "\n[[binding]]\nasset = \"{}\"\nkind = \"load\"\ndevice = \"m{i}\"\n[binding.metrics.p]\nquantity = \"p_mw\"\nunit = \"kW\"\nscale = 0.001\n",
            loads[i % loads.len()]
        );
    }
    let tb_path = dir.join("testbed.toml");
    std::fs::write(&tb_path, tb)?;
    let setup = twin::load_setup(&tb_path)?;
    let url = match std::env::var("BROKER") {
        Ok(u) => u,
        Err(_) => hw_bridge::broker::start(0, &[])?.url(),
    };
    eprintln!("broker {url}, {n} devices, {secs} s, {conns} connections");
    let mut client = ClientConfig::new(url.parse()?, "load-emu");
    client.capacity = 1_000_000;
    client.inflight = 1000;
    let emu_cfg = EmulatorConfig {
        client,
        org: "load".into(),
        devices: twin::emulated_devices(&setup)?,
        rate_hz: 1.0,
        faults: Faults::default(),
        duration: Duration::from_secs_f64(secs),
        connections: conns,
    };
    let speed = 900.0;
    let mut tc = ClientConfig::new(url.parse()?, "load-twin");
    tc.capacity = 1_000_000;
    tc.inflight = 1000;
    let opts = TwinOptions {
        speed,
        until: Some(SimDuration::from_millis(
            ((secs + 8.0) * 1000.0 * speed) as i64,
        )),
        ..Default::default()
    };
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    let t = std::thread::spawn(move || twin::run(&setup, &opts, Source::Mqtt(tc), view));
    std::thread::sleep(Duration::from_millis(500));
    let t0 = Instant::now();
    let rep = hw_bridge::emulator::run(&emu_cfg, &AtomicBool::new(false))?;
    let emu_s = t0.elapsed().as_secs_f64();
    let out = t.join().map_err(|_| "twin thread panicked")??;
    let c = &out.report.counters;
    println!("published        {}", rep.published);
    println!("received by twin {}", c.telemetry_received);
    println!(
        "lost (seq gaps)  {}  missing at the end {}",
        c.telemetry_lost,
        rep.published.saturating_sub(c.telemetry_received)
    );
    println!("duplicates       {}", c.telemetry_duplicates);
    println!(
        "throughput       {:.0} msg/s (published over {:.1} s)",
        rep.published as f64 / emu_s,
        emu_s
    );
    if let Some(l) = &out.report.latency_ms {
        println!(
            "latency device ts -> twin state: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} samples)",
            l.p50, l.p99, l.max, l.count
        );
    }
    if let Some(w) = &out.report.wallclock {
        println!(
            "twin events {} (injected {}), max pacing lag {:.1} ms",
            w.events, w.injected, w.max_lag_ms
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
