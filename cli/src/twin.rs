//! `blackstart twin`, `blackstart device-emulator` and `blackstart replay`:
//! the live digital twin over MQTT (see the `twin` crate and the README's
//! "Live twin" section).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hw_bridge::emulator::{EmulatorConfig, Faults};
use hw_bridge::{BridgeError, BrokerUrl, ClientConfig};
use sim_core::time::SimDuration;
use twin::{Source, TwinError, TwinOptions};

use super::CliError;

/// Arguments of `blackstart twin`.
#[derive(Debug, clap::Args)]
pub struct TwinArgs {
    /// Testbed file (TOML with `[twin]` and `[[binding]]`, naming the
    /// scenario), or a plain scenario file (nothing bound).
    pub testbed: PathBuf,
    /// Broker, mqtt://[user:password@]host:port or mqtts://... (default: an
    /// embedded broker on a free loopback port).
    #[arg(long)]
    pub broker: Option<String>,
    /// CA certificate (PEM) for mqtts://.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Embedded broker port (0: a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Simulated seconds per wall second.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// Send commands to devices (without it they go to the advisory topic).
    #[arg(long)]
    pub allow_control: bool,
    /// Record every handled event to this Parquet file (for `replay`).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Wall-clock duration, e.g. 90s or 5min (default: the scenario's
    /// horizon at the given speed).
    #[arg(long)]
    pub duration: Option<String>,
    /// Output directory (the outputs of `blackstart run` and twin.json).
    #[arg(long, default_value = "out/twin")]
    pub out: PathBuf,
    /// No live terminal view.
    #[arg(long)]
    pub quiet: bool,
    /// Seed (overrides the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Arguments of `blackstart device-emulator`.
#[derive(Debug, clap::Args)]
pub struct EmulatorArgs {
    /// Testbed file whose bindings name the devices to play.
    #[arg(long)]
    pub scenario: PathBuf,
    /// Broker URL.
    #[arg(long)]
    pub broker: String,
    /// CA certificate (PEM) for mqtts://.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Play only the first N bound devices (default: all).
    #[arg(long)]
    pub devices: Option<usize>,
    /// Messages per second per device and metric.
    #[arg(long, default_value_t = 1.0)]
    pub rate: f64,
    /// Faults to inject: any of drop,garbage,delay.
    #[arg(long, default_value = "")]
    pub faults: String,
    /// How long to run (wall clock), e.g. 60s.
    #[arg(long, default_value = "60s")]
    pub duration: String,
    /// MQTT connections to spread the devices over.
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
    /// Write the counters (published, commands_received, commands_acked)
    /// to this JSON file.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// MQTT client id prefix.
    #[arg(long, default_value = "blackstart-emulator")]
    pub client_id: String,
}

/// Arguments of `blackstart replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A recording made with `blackstart twin --record FILE`.
    pub recording: PathBuf,
    /// Testbed file (default: the one named in the recording).
    #[arg(long)]
    pub testbed: Option<PathBuf>,
    /// Output directory.
    #[arg(long, default_value = "out/replay")]
    pub out: PathBuf,
}

fn map_err(e: TwinError) -> CliError {
    match e {
        TwinError::Input(_) => CliError::BadInput(e.to_string()),
        TwinError::Bridge(BridgeError::Url(_) | BridgeError::Testbed(_)) => {
            CliError::BadInput(e.to_string())
        }
        TwinError::Scenario(ref s) if s.is_input() => CliError::BadInput(e.to_string()),
        _ => CliError::Failed(e.to_string()),
    }
}

fn wall_duration(s: &str, flag: &str) -> Result<Duration, CliError> {
    let d: SimDuration = s.parse().map_err(|e| {
        CliError::BadInput(format!(
            "{flag} `{s}` is not a duration like 90s or 5min: {e}"
        ))
    })?;
    if d.as_millis() <= 0 {
        return Err(CliError::BadInput(format!(
            "{flag} must be positive, got `{s}`"
        )));
    }
    Ok(Duration::from_millis(d.as_millis() as u64))
}

fn client(url: &str, ca: &Option<PathBuf>, id: &str) -> Result<ClientConfig, CliError> {
    let url: BrokerUrl = url
        .parse()
        .map_err(|e: BridgeError| CliError::BadInput(e.to_string()))?;
    let mut cc = ClientConfig::new(url, id);
    cc.ca_file = ca.clone();
    Ok(cc)
}

/// Runs `run` (a twin updating `view`) while, when `show`, a thread
/// redraws the terminal view on stderr every second (the screen cleared,
/// then [`twin::render_view`]), from the twin's first update of `view`
/// until `run` returns.
fn with_terminal_view<T>(show: bool, view: &Mutex<twin::ViewState>, run: impl FnOnce() -> T) -> T {
    if !show {
        return run();
    }
    let (done, wait) = channel::<()>();
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = wait.recv_timeout(Duration::from_secs(1)) {
                let text = match view.lock() {
                    Ok(v) if v.updates > 0 => twin::render_view(&v),
                    _ => continue,
                };
                eprint!("\x1b[2J\x1b[H{text}");
            }
        });
        let out = run();
        drop(done);
        out
    })
}

/// Runs `blackstart twin`.
pub fn run_twin(args: TwinArgs) -> Result<ExitCode, CliError> {
    let setup = twin::load_setup_or_scenario(&args.testbed).map_err(map_err)?;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(CliError::BadInput(format!(
            "--speed must be a positive number, got {}",
            args.speed
        )));
    }
    let until = match &args.duration {
        Some(d) => {
            let w = wall_duration(d, "--duration")?;
            Some(SimDuration::from_millis(
                (w.as_millis() as f64 * args.speed) as i64,
            ))
        }
        None => None,
    };
    let url = match &args.broker {
        Some(u) => u.clone(),
        None => {
            let b = hw_bridge::broker::start(args.port, &[])
                .map_err(|e| CliError::Failed(e.to_string()))?;
            eprintln!("embedded broker on {}", b.url());
            b.url()
        }
    };
    let org = setup.testbed.twin.org.clone();
    let cc = client(&url, &args.ca, &format!("blackstart-twin-{org}"))?;
    let opts = TwinOptions {
        speed: args.speed,
        allow_control: args.allow_control,
        until,
        record: args.record.clone(),
        seed: args.seed,
        strategies: gnn::strategies(),
    };
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    let out = with_terminal_view(!args.quiet, &view, || {
        twin::run(&setup, &opts, Source::Mqtt(cc), view.clone())
    })
    .map_err(map_err)?;
    let written = twin::write_outputs(&out, &args.out).map_err(map_err)?;
    let c = &out.report.counters;
    println!(
        "twin: {} control steps; telemetry {} received, {} rejected, {} lost; commands {} sent, {} acked, {} refused, {} timed out; {} stale events, {} reconnects",
        out.report.steps,
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
    if let Some(l) = &out.report.latency_ms {
        println!(
            "latency device -> twin state: p50 {:.1} ms, p99 {:.1} ms ({} samples)",
            l.p50, l.p99, l.count
        );
    }
    println!("wrote {} files to {}", written.len(), args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs `blackstart device-emulator`.
pub fn run_emulator(args: EmulatorArgs) -> Result<ExitCode, CliError> {
    let setup = twin::load_setup(&args.scenario).map_err(map_err)?;
    let mut devices = twin::emulated_devices(&setup).map_err(map_err)?;
    if let Some(n) = args.devices {
        if n == 0 || n > devices.len() {
            return Err(CliError::BadInput(format!(
                "--devices {n}: the testbed binds {} devices",
                devices.len()
            )));
        }
        devices.truncate(n);
    }
    let faults: Faults = args
        .faults
        .parse()
        .map_err(|e: BridgeError| CliError::BadInput(e.to_string()))?;
    let cfg = EmulatorConfig {
        client: client(&args.broker, &args.ca, &args.client_id)?,
        org: setup.testbed.twin.org.clone(),
        devices,
        rate_hz: args.rate,
        faults,
        duration: wall_duration(&args.duration, "--duration")?,
        connections: args.connections,
    };
    let stop = AtomicBool::new(false);
    let rep = hw_bridge::emulator::run(&cfg, &stop).map_err(|e| match e {
        BridgeError::Emulator(_) | BridgeError::Url(_) => CliError::BadInput(e.to_string()),
        _ => CliError::Failed(e.to_string()),
    })?;
    println!(
        "emulator: {} devices, {} published, {} commands received, {} acked",
        rep.devices, rep.published, rep.commands_received, rep.commands_acked
    );
    if let Some(p) = &args.report {
        let text =
            serde_json::to_string_pretty(&rep).map_err(|e| CliError::Failed(e.to_string()))?;
        std::fs::write(p, text + "\n")
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", p.display())))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `blackstart replay`.
pub fn run_replay(args: ReplayArgs) -> Result<ExitCode, CliError> {
    let rows = twin::record::read(&args.recording).map_err(map_err)?;
    let tb_path = match &args.testbed {
        Some(p) => p.clone(),
        None => PathBuf::from(twin::record::meta_testbed(&rows).ok_or_else(|| {
            CliError::BadInput(format!(
                "{}: no meta row naming the testbed; give --testbed",
                args.recording.display()
            ))
        })?),
    };
    let setup = twin::load_setup_or_scenario(&tb_path).map_err(map_err)?;
    let view = Arc::new(Mutex::new(twin::ViewState::default()));
    let out = twin::run(
        &setup,
        &TwinOptions {
            strategies: gnn::strategies(),
            ..TwinOptions::default()
        },
        Source::Replay(rows),
        view,
    )
    .map_err(map_err)?;
    let written = twin::write_outputs(&out, &args.out).map_err(map_err)?;
    println!(
        "replay: {} control steps, {} telemetry received; wrote {} files to {}",
        out.report.steps,
        out.report.counters.telemetry_received,
        written.len(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
