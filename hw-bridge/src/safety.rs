//! The safety gate: every command passes here before it leaves.
//!
//! In this order, a command is **refused** when its asset is not bound to a
//! device, when the binding takes no command, when its value (in wire
//! units) is outside the binding's limits, or when it has expired. A command
//! that passes goes to the device's command topic only if control is on
//! (`--allow-control`); otherwise it is published to the advisory topic.

use serde::{Deserialize, Serialize};

use crate::binding::Testbed;
use crate::payload::CommandMsg;
use crate::topic::DeviceAddr;

/// Why a command was refused.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// No binding for the asset.
    #[error("asset `{0}` is not bound to a device")]
    Unbound(String),
    /// The binding takes no command.
    #[error("the device of asset `{0}` takes no command")]
    NoCommand(String),
    /// Outside the limits.
    #[error(
        "{action} {value} {unit} for asset `{asset}` is outside its limits [{min}, {max}] {unit}"
    )]
    OutOfLimits {
        /// Asset.
        asset: String,
        /// Action.
        action: String,
        /// Wire value.
        value: f64,
        /// Unit.
        unit: String,
        /// Lower limit.
        min: f64,
        /// Upper limit.
        max: f64,
    },
    /// Expired before it left.
    #[error("command for asset `{asset}` expired at {expires} (now {now}, Unix ms)")]
    Expired {
        /// Asset.
        asset: String,
        /// Expiry (Unix ms).
        expires: i64,
        /// Now (Unix ms).
        now: i64,
    },
}

/// Where a command that passed goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Cleared {
    /// The device.
    pub addr: DeviceAddr,
    /// The payload.
    pub msg: CommandMsg,
    /// The topic: command (control on) or advisory (control off).
    pub topic: String,
    /// True when it goes to the device.
    pub control: bool,
}

/// Checks a command for `asset` with `model_value` (model units), issued at
/// `ts` and valid until `expires` (Unix ms), at time `now`.
///
/// # Errors
/// The [`Refusal`].
#[allow(clippy::too_many_arguments)]
pub fn check(
    tb: &Testbed,
    asset: &str,
    model_value: f64,
    id: String,
    ts: i64,
    expires: i64,
    now: i64,
    allow_control: bool,
) -> Result<Cleared, Refusal> {
    let b = tb
        .binding(asset)
        .ok_or_else(|| Refusal::Unbound(asset.into()))?;
    let c = b
        .command
        .as_ref()
        .ok_or_else(|| Refusal::NoCommand(asset.into()))?;
    let value = model_value * c.scale;
    if !(value.is_finite() && value >= c.min && value <= c.max) {
        return Err(Refusal::OutOfLimits {
            asset: asset.into(),
            action: c.action.clone(),
            value,
            unit: c.unit.clone(),
            min: c.min,
            max: c.max,
        });
    }
    if expires <= now {
        return Err(Refusal::Expired {
            asset: asset.into(),
            expires,
            now,
        });
    }
    let addr = tb.addr(b);
    let topic = if allow_control {
        addr.command()
    } else {
        addr.advisory()
    };
    Ok(Cleared {
        msg: CommandMsg {
            id,
            ts,
            action: c.action.clone(),
            value,
            unit: c.unit.clone(),
            expires,
        },
        addr,
        topic,
        control: allow_control,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tb() -> Testbed {
        Testbed::parse(
            r#"
[twin]
scenario = "s.toml"
org = "tb"
[[binding]]
asset = "b1"
kind = "battery"
device = "bms"
[binding.command]
action = "set_power"
unit = "kW"
scale = 1000.0
min = -100.0
max = 100.0
[[binding]]
asset = "pv1"
kind = "pv"
device = "inv"
"#,
            "t",
        )
        .expect("valid")
    }

    #[test]
    fn gate_order_and_topics() {
        let tb = tb();
        let ok = check(&tb, "b1", 0.05, "c1".into(), 0, 10, 5, true).expect("passes");
        assert_eq!(ok.topic, "tb/b1/bms/control/cmd");
        assert_eq!(ok.msg.value, 50.0);
        let adv = check(&tb, "b1", 0.05, "c1".into(), 0, 10, 5, false).expect("passes");
        assert_eq!(adv.topic, "tb/b1/bms/control/advisory");
        assert!(!adv.control);
        assert!(matches!(
            check(&tb, "b1", 0.2, "c".into(), 0, 10, 5, true),
            Err(Refusal::OutOfLimits { value, .. }) if value == 200.0
        ));
        assert!(matches!(
            check(&tb, "b1", 0.0, "c".into(), 0, 10, 10, true),
            Err(Refusal::Expired { .. })
        ));
        assert_eq!(
            check(&tb, "nope", 0.0, "c".into(), 0, 10, 1, true),
            Err(Refusal::Unbound("nope".into()))
        );
        assert_eq!(
            check(&tb, "pv1", 0.0, "c".into(), 0, 10, 1, true),
            Err(Refusal::NoCommand("pv1".into()))
        );
        // Limits are checked before control: a command over limits is
        // refused even with control off.
        assert!(check(&tb, "b1", 1.0, "c".into(), 0, 10, 1, false).is_err());
    }
}
