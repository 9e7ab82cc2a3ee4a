//! Shared helpers of the live-twin tests (included with `#[path]`, not a
//! test target of its own: it has no tests).
#![allow(dead_code, missing_docs, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The test scenario: Kumamoto with the upstream grid lost for the whole
/// horizon (so the microgrids island and the policy dispatches batteries),
/// one replica.
pub fn write_testbed(dir: &Path, extra_twin: &str, bindings: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sc = std::fs::read_to_string(root.join("examples/scenarios/kumamoto-2016.toml"))
        .expect("kumamoto scenario");
    // A weak shake (M 4.0 instead of 7.0) so that the bound units survive;
    // the upstream grid is lost for the whole horizon, so each microgrid
    // islands and the policy dispatches its battery.
    let sc = sc.replacen("magnitude = 7.0", "magnitude = 4.0", 1);
    let sc = sc.replacen(
        "[policy]",
        "[upstream]\nblackout = true\nrestore_curve = [[1000.0, 0.0], [2000.0, 1.0]]\n\n[policy]",
        1,
    );
    std::fs::write(dir.join("scenario.toml"), sc).expect("write scenario");
    let tb = format!("[twin]\nscenario = \"scenario.toml\"\norg = \"t\"\n{extra_twin}\n{bindings}");
    let p = dir.join("testbed.toml");
    std::fs::write(&p, tb).expect("write testbed");
    p
}

pub const BATTERY_BINDINGS: &str = r#"
[[binding]]
asset = "mashiki-battery"
kind = "battery"
device = "mashiki-bms"
[binding.metrics.soc]
quantity = "soc"
unit = "%"
scale = 0.01
[binding.command]
action = "set_power"
unit = "kW"
scale = 1000.0
min = -300.0
max = 300.0

[[binding]]
asset = "kiyama-battery"
kind = "battery"
device = "kiyama-bms"
[binding.metrics.soc]
quantity = "soc"
unit = "%"
scale = 0.01
[binding.command]
action = "set_power"
unit = "kW"
scale = 1000.0
min = -0.001
max = 0.001

[[binding]]
asset = "mashiki-town-hall"
kind = "load"
device = "hall-meter"
[binding.metrics.power]
quantity = "p_mw"
unit = "kW"
scale = 0.001
"#;

pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blackstart-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn which(bin: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/sbin"].map(PathBuf::from));
    dirs.into_iter().map(|d| d.join(bin)).find(|p| p.is_file())
}

/// The mosquitto binaries, or None after printing SKIP (a failure when
/// `BLACKSTART_REQUIRE_MOSQUITTO=1`).
pub fn mosquitto(test: &str) -> Option<(PathBuf, PathBuf)> {
    match (which("mosquitto"), which("mosquitto_passwd")) {
        (Some(m), Some(p)) => Some((m, p)),
        _ => {
            if std::env::var("BLACKSTART_REQUIRE_MOSQUITTO").as_deref() == Ok("1") {
                panic!(
                    "{test}: mosquitto is required (BLACKSTART_REQUIRE_MOSQUITTO=1) but not installed"
                );
            }
            eprintln!("SKIP {test}: mosquitto not installed (apt-get install mosquitto)");
            None
        }
    }
}

/// A Mosquitto broker on a loopback port with a password file and
/// persistence in `dir`.
pub struct Mosquitto {
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    pub child: Option<Child>,
}

impl Mosquitto {
    pub fn start(bin: &Path, passwd: &Path, dir: &Path, users: &[(&str, &str)]) -> Mosquitto {
        let pw = dir.join("passwd");
        for (i, (u, p)) in users.iter().enumerate() {
            let mut c = Command::new(passwd);
            c.arg("-b");
            if i == 0 {
                c.arg("-c");
            }
            let st = c
                .arg(&pw)
                .arg(u)
                .arg(p)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            assert!(st.is_ok_and(|s| s.success()), "mosquitto_passwd failed");
        }
        let port = hw_bridge::broker::free_port().expect("free port");
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        let conf = format!(
            "listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {pw}\npersistence true\npersistence_location {dir}/\nmax_queued_messages 0\nmax_inflight_messages 100\nlog_dest file {dir}/mosquitto.log\nuser {user}\n",
            pw = pw.display(),
            dir = dir.display()
        );
        std::fs::write(dir.join("mosquitto.conf"), conf).expect("conf");
        let mut m = Mosquitto {
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            port,
            child: None,
        };
        m.restart();
        m
    }

    /// (Re)starts the process with the same config and port.
    pub fn restart(&mut self) {
        let child = Command::new(&self.bin)
            .arg("-c")
            .arg(self.dir.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn mosquitto");
        self.child = Some(child);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("mosquitto did not start on port {}", self.port);
    }

    /// Stops it with SIGTERM (it saves its sessions) and waits.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(10) {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn url(&self, user: &str, pass: &str) -> String {
        format!("mqtt://{user}:{pass}@127.0.0.1:{}", self.port)
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        self.stop();
    }
}
