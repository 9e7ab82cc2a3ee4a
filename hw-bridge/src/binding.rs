//! Bindings: which model asset a device stands for, which of its metrics
//! feed the model, which commands go to it, unit conversions and limits.
//!
//! A testbed file (TOML) names the scenario and lists the bindings:
//!
//! ```toml
//! [twin]
//! scenario = "../scenarios/kumamoto-2016.toml"  # relative to this file
//! org = "testbed"            # first topic level
//! stale_timeout_s = 30       # default for bindings that give none
//! command_timeout_s = 10     # no final ack after this: retry or time out
//! command_retries = 2        # re-sends before a command times out
//! soc_alert = 0.2            # alert when a battery's SoC falls below
//!
//! [[binding]]
//! asset = "mg1-batt"         # asset id in the scenario
//! kind = "battery"           # battery | diesel | load | pv | wind
//! device = "bms-1"
//! [binding.metrics.soc]      # wire metric name
//! quantity = "soc"           # model quantity it sets
//! unit = "%"                 # unit the device must send
//! scale = 0.01               # model = wire * scale + offset
//! [binding.command]
//! action = "set_power"       # wire action name
//! unit = "kW"
//! scale = 1000.0             # wire = model (MW) * scale
//! min = -500.0               # limits, in wire units
//! max = 500.0
//! ```
//!
//! Quantities a bound asset's state takes from telemetry: batteries `soc`
//! (fraction 0..1), diesels `fuel_l` (litres); any other quantity (e.g.
//! `p_mw`) is mirrored into the twin's state table and shown, but the model
//! keeps computing it. Commands in model units: batteries and diesels MW
//! setpoints (batteries positive when discharging), loads the fraction shed.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::BridgeError;
use crate::topic::{DeviceAddr, check_segment};

/// Asset kind of a binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    /// Battery (state: `soc`; command: MW setpoint).
    Battery,
    /// Diesel generator (state: `fuel_l`; command: MW setpoint).
    Diesel,
    /// Load (command: fraction shed).
    Load,
    /// PV system (metered only).
    Pv,
    /// Wind turbine (metered only).
    Wind,
}

/// One metric: wire value to model quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricMap {
    /// Model quantity (e.g. `soc`, `fuel_l`, `p_mw`).
    pub quantity: String,
    /// Unit the device must send.
    pub unit: String,
    /// model = wire * scale + offset.
    #[serde(default = "one")]
    pub scale: f64,
    /// See `scale`.
    #[serde(default)]
    pub offset: f64,
}

fn one() -> f64 {
    1.0
}

impl MetricMap {
    /// Converts a wire value to model units.
    pub fn to_model(&self, wire: f64) -> f64 {
        wire * self.scale + self.offset
    }

    /// Converts a model value to wire units (the emulator's direction).
    pub fn to_wire(&self, model: f64) -> f64 {
        (model - self.offset) / self.scale
    }
}

/// The command a device takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandMap {
    /// Wire action name.
    pub action: String,
    /// Wire unit.
    pub unit: String,
    /// wire = model * scale.
    #[serde(default = "one")]
    pub scale: f64,
    /// Lowest allowed wire value.
    pub min: f64,
    /// Highest allowed wire value.
    pub max: f64,
}

/// One binding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// Asset id in the scenario.
    pub asset: String,
    /// Asset kind.
    pub kind: AssetKind,
    /// Device id.
    pub device: String,
    /// Silence after which the device is stale (s); the testbed default if
    /// absent.
    #[serde(default)]
    pub stale_timeout_s: Option<f64>,
    /// Wire metric name to model quantity.
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricMap>,
    /// The command the device takes, if any.
    #[serde(default)]
    pub command: Option<CommandMap>,
}

/// `[twin]` settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwinSettings {
    /// The scenario file (relative to the testbed file).
    pub scenario: String,
    /// Organisation (first topic level).
    #[serde(default = "default_org")]
    pub org: String,
    /// Default stale timeout (s).
    #[serde(default = "default_stale")]
    pub stale_timeout_s: f64,
    /// Command acknowledgement timeout (s).
    #[serde(default = "default_cmd_timeout")]
    pub command_timeout_s: f64,
    /// Re-sends of a command before it times out.
    #[serde(default = "default_retries")]
    pub command_retries: u32,
    /// Battery SoC alert threshold (fraction).
    #[serde(default = "default_soc_alert")]
    pub soc_alert: f64,
    /// Command validity after issue (s): `expires = ts + this`.
    #[serde(default = "default_validity")]
    pub command_validity_s: f64,
}

fn default_org() -> String {
    "blackstart".into()
}
fn default_stale() -> f64 {
    30.0
}
fn default_cmd_timeout() -> f64 {
    10.0
}
fn default_retries() -> u32 {
    2
}
fn default_soc_alert() -> f64 {
    0.2
}
fn default_validity() -> f64 {
    60.0
}

/// A testbed file: settings and bindings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Testbed {
    /// Settings.
    pub twin: TwinSettings,
    /// Bindings.
    #[serde(rename = "binding", default)]
    pub bindings: Vec<Binding>,
}

impl Testbed {
    /// Parses and checks testbed text; `name` is used in messages.
    ///
    /// # Errors
    /// [`BridgeError::Testbed`] with `name:line:col` and what is wrong.
    pub fn parse(text: &str, name: &str) -> Result<Self, BridgeError> {
        let tb: Testbed = toml::from_str(text).map_err(|e| {
            let (l, c) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            BridgeError::Testbed(format!("{name}:{l}:{c}: {}", e.message().trim()))
        })?;
        tb.check(name)?;
        Ok(tb)
    }

    /// Reads a testbed file.
    ///
    /// # Errors
    /// [`BridgeError::Testbed`] when unreadable or invalid.
    pub fn load(path: &Path) -> Result<Self, BridgeError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| BridgeError::Testbed(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text, &path.display().to_string())
    }

    fn check(&self, name: &str) -> Result<(), BridgeError> {
        let bad = |m: String| BridgeError::Testbed(format!("{name}: {m}"));
        check_segment("org", &self.twin.org).map_err(|e| bad(e.to_string()))?;
        let t = &self.twin;
        for (k, v) in [
            ("stale_timeout_s", t.stale_timeout_s),
            ("command_timeout_s", t.command_timeout_s),
            ("command_validity_s", t.command_validity_s),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(bad(format!(
                    "[twin] {k} must be a positive number of seconds, got {v}"
                )));
            }
        }
        if !(0.0..=1.0).contains(&t.soc_alert) {
            return Err(bad(format!(
                "[twin] soc_alert must be in 0..1, got {}",
                t.soc_alert
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for b in &self.bindings {
            let at = format!("binding `{}`", b.asset);
            DeviceAddr::new(&t.org, &b.asset, &b.device).map_err(|e| bad(format!("{at}: {e}")))?;
            if !seen.insert((b.asset.clone(), b.device.clone())) {
                return Err(bad(format!("{at}: device `{}` is bound twice", b.device)));
            }
            if b.command.is_some()
                && self
                    .bindings
                    .iter()
                    .filter(|x| x.asset == b.asset && x.command.is_some())
                    .count()
                    > 1
            {
                return Err(bad(format!(
                    "{at}: more than one device takes this asset's commands"
                )));
            }
            if let Some(s) = b.stale_timeout_s
                && !(s.is_finite() && s > 0.0)
            {
                return Err(bad(format!(
                    "{at}: stale_timeout_s must be positive, got {s}"
                )));
            }
            for (m, mm) in &b.metrics {
                check_segment("metric", m).map_err(|e| bad(format!("{at}: {e}")))?;
                if m == "control" {
                    return Err(bad(format!("{at}: metric name `control` is reserved")));
                }
                if !(mm.scale.is_finite() && mm.scale != 0.0 && mm.offset.is_finite()) {
                    return Err(bad(format!(
                        "{at}: metric `{m}`: scale must be finite and non-zero, offset finite"
                    )));
                }
                let allowed: &[&str] = match b.kind {
                    AssetKind::Battery => &["soc", "p_mw"],
                    AssetKind::Diesel => &["fuel_l", "p_mw"],
                    AssetKind::Load | AssetKind::Pv | AssetKind::Wind => &["p_mw"],
                };
                if !allowed.contains(&mm.quantity.as_str()) {
                    return Err(bad(format!(
                        "{at}: metric `{m}`: quantity `{}` is not one of {allowed:?} for a {:?}",
                        mm.quantity, b.kind
                    )));
                }
            }
            if let Some(c) = &b.command {
                if matches!(b.kind, AssetKind::Pv | AssetKind::Wind) {
                    return Err(bad(format!("{at}: a {:?} takes no command", b.kind)));
                }
                check_segment("action", &c.action).map_err(|e| bad(format!("{at}: {e}")))?;
                if !(c.scale.is_finite()
                    && c.scale != 0.0
                    && c.min.is_finite()
                    && c.max.is_finite()
                    && c.min <= c.max)
                {
                    return Err(bad(format!(
                        "{at}: command: scale must be finite and non-zero and min <= max"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The binding of `asset` that takes its commands, else its first
    /// binding; None if unbound. (Several meters may watch one asset; at
    /// most one device takes its commands.)
    pub fn binding(&self, asset: &str) -> Option<&Binding> {
        self.bindings
            .iter()
            .find(|b| b.asset == asset && b.command.is_some())
            .or_else(|| self.bindings.iter().find(|b| b.asset == asset))
    }

    /// The device address of a binding.
    pub fn addr(&self, b: &Binding) -> DeviceAddr {
        DeviceAddr {
            org: self.twin.org.clone(),
            asset: b.asset.clone(),
            device: b.device.clone(),
        }
    }

    /// The stale timeout of a binding (s).
    pub fn stale_timeout_s(&self, b: &Binding) -> f64 {
        b.stale_timeout_s.unwrap_or(self.twin.stale_timeout_s)
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |p| offset - p - 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TB: &str = r#"
[twin]
scenario = "s.toml"
org = "tb"

[[binding]]
asset = "b1"
kind = "battery"
device = "bms"
[binding.metrics.soc]
quantity = "soc"
unit = "%"
scale = 0.01
[binding.command]
action = "set_power"
unit = "kW"
scale = 1000.0
min = -100.0
max = 100.0
"#;

    #[test]
    fn parses_and_converts() {
        let tb = Testbed::parse(TB, "tb.toml").expect("valid");
        let b = tb.binding("b1").expect("bound");
        assert_eq!(b.metrics["soc"].to_model(55.0), 0.55);
        assert!((b.metrics["soc"].to_wire(0.55) - 55.0).abs() < 1e-12);
        assert_eq!(tb.stale_timeout_s(b), 30.0);
        assert_eq!(tb.addr(b).command(), "tb/b1/bms/control/cmd");
    }

    #[test]
    fn errors_say_where() {
        let e = Testbed::parse(
            &TB.replace("kind = \"battery\"", "kind = \"toaster\""),
            "tb.toml",
        )
        .expect_err("bad kind");
        assert!(e.to_string().starts_with("tb.toml:8:"), "{e}");
        let e = Testbed::parse(
            &TB.replace("quantity = \"soc\"", "quantity = \"fuel_l\""),
            "tb.toml",
        )
        .expect_err("bad quantity");
        assert!(e.to_string().contains("quantity `fuel_l`"), "{e}");
        let e = Testbed::parse(&TB.replace("min = -100.0", "min = 200.0"), "tb.toml")
            .expect_err("min > max");
        assert!(e.to_string().contains("min <= max"), "{e}");
    }
}
