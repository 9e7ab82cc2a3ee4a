//! MQTT topics.
//!
//! | what | topic |
//! | --- | --- |
//! | telemetry | `{org}/{asset}/{device}/{metric}` |
//! | command (twin to device) | `{org}/{asset}/{device}/control/cmd` |
//! | acknowledgement (device to twin) | `{org}/{asset}/{device}/control/ack` |
//! | advisory command (control off) | `{org}/{asset}/{device}/control/advisory` |
//! | alerts (twin) | `{org}/_twin/alerts` |
//!
//! Each segment is non-empty and holds no `/`, `+` or `#`; the metric name
//! `control` is reserved for the command topics, and the asset name `_twin`
//! for the twin's own topics.

use serde::{Deserialize, Serialize};

use crate::BridgeError;

/// Which device a topic belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct DeviceAddr {
    /// Organisation (first topic level).
    pub org: String,
    /// Asset id in the model.
    pub asset: String,
    /// Device id.
    pub device: String,
}

/// What a topic carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicKind {
    /// Telemetry of one metric.
    Telemetry(String),
    /// A command to the device.
    Command,
    /// The device's acknowledgement of a command.
    Ack,
    /// A command published for information only (control is off).
    Advisory,
}

/// Checks one topic segment.
///
/// # Errors
/// [`BridgeError::Topic`] when it is empty or holds `/`, `+` or `#`.
pub fn check_segment(what: &str, s: &str) -> Result<(), BridgeError> {
    if s.is_empty() || s.contains(['/', '+', '#']) {
        return Err(BridgeError::Topic(format!(
            "{what} `{s}` must be non-empty and hold no `/`, `+` or `#`"
        )));
    }
    Ok(())
}

impl DeviceAddr {
    /// A checked address.
    ///
    /// # Errors
    /// [`BridgeError::Topic`] when a segment is invalid.
    pub fn new(org: &str, asset: &str, device: &str) -> Result<Self, BridgeError> {
        check_segment("org", org)?;
        check_segment("asset", asset)?;
        check_segment("device", device)?;
        if asset == "_twin" {
            return Err(BridgeError::Topic("asset name `_twin` is reserved".into()));
        }
        Ok(DeviceAddr {
            org: org.into(),
            asset: asset.into(),
            device: device.into(),
        })
    }

    /// `{org}/{asset}/{device}`.
    pub fn base(&self) -> String {
        format!("{}/{}/{}", self.org, self.asset, self.device)
    }

    /// Telemetry topic of `metric`.
    pub fn telemetry(&self, metric: &str) -> String {
        format!("{}/{metric}", self.base())
    }

    /// Command topic.
    pub fn command(&self) -> String {
        format!("{}/control/cmd", self.base())
    }

    /// Acknowledgement topic.
    pub fn ack(&self) -> String {
        format!("{}/control/ack", self.base())
    }

    /// Advisory topic.
    pub fn advisory(&self) -> String {
        format!("{}/control/advisory", self.base())
    }
}

/// The twin's alerts topic.
pub fn alerts(org: &str) -> String {
    format!("{org}/_twin/alerts")
}

/// Subscription filter for all telemetry of an organisation (metrics only;
/// command topics have one more level).
pub fn telemetry_filter(org: &str) -> String {
    format!("{org}/+/+/+")
}

/// Subscription filter for all acknowledgements of an organisation.
pub fn ack_filter(org: &str) -> String {
    format!("{org}/+/+/control/ack")
}

/// Subscription filter for all commands of an organisation.
pub fn command_filter(org: &str) -> String {
    format!("{org}/+/+/control/cmd")
}

/// Parses a topic.
///
/// # Errors
/// [`BridgeError::Topic`] when it has the wrong shape.
pub fn parse(topic: &str) -> Result<(DeviceAddr, TopicKind), BridgeError> {
    let parts: Vec<&str> = topic.split('/').collect();
    let bad = || {
        BridgeError::Topic(format!(
            "topic `{topic}` is not {{org}}/{{asset}}/{{device}}/{{metric}} or {{org}}/{{asset}}/{{device}}/control/cmd|ack|advisory"
        ))
    };
    let (addr, kind) = match parts.as_slice() {
        [o, a, d, m] if *m != "control" => (DeviceAddr::new(o, a, d)?, {
            check_segment("metric", m)?;
            TopicKind::Telemetry((*m).to_string())
        }),
        [o, a, d, "control", k] => (
            DeviceAddr::new(o, a, d)?,
            match *k {
                "cmd" => TopicKind::Command,
                "ack" => TopicKind::Ack,
                "advisory" => TopicKind::Advisory,
                _ => return Err(bad()),
            },
        ),
        _ => return Err(bad()),
    };
    Ok((addr, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let a = DeviceAddr::new("tb", "mg1_batt", "bms1").expect("valid");
        assert_eq!(a.telemetry("soc"), "tb/mg1_batt/bms1/soc");
        assert_eq!(
            parse(&a.telemetry("soc")).expect("parses"),
            (a.clone(), TopicKind::Telemetry("soc".into()))
        );
        assert_eq!(parse(&a.command()).expect("parses").1, TopicKind::Command);
        assert_eq!(parse(&a.ack()).expect("parses").1, TopicKind::Ack);
        assert_eq!(parse(&a.advisory()).expect("parses").1, TopicKind::Advisory);
    }

    #[test]
    fn rejects_bad_shapes() {
        for t in [
            "a/b/c",
            "a/b/c/control",
            "a//c/m",
            "a/b/c/control/x",
            "a/b/c/d/e/f",
            "a/_twin/x/y",
        ] {
            assert!(parse(t).is_err(), "{t} should be rejected");
        }
        assert!(DeviceAddr::new("o", "a+", "d").is_err());
    }
}
