//! JSON payloads.
//!
//! Telemetry (device to twin, on `{org}/{asset}/{device}/{metric}`):
//!
//! ```json
//! {"ts": 1700000000000, "value": 81.5, "unit": "%", "quality": "good", "seq": 42}
//! ```
//!
//! - `ts`: the device's clock when measured, Unix time in **milliseconds**;
//! - `value`: a finite number in `unit`;
//! - `unit`: the unit string the binding expects (e.g. `%`, `kW`, `kWh`, `L`);
//! - `quality`: `good`, `uncertain` or `bad` (`bad` values are counted as
//!   rejected and not used);
//! - `seq`: a per-device-and-metric counter that increases by one per
//!   message; a jump shows lost messages, a repeat a duplicate.
//!
//! Command (twin to device, on `.../control/cmd`):
//!
//! ```json
//! {"id": "c-17", "ts": 1700000000000, "action": "set_power", "value": -120.0, "unit": "kW", "expires": 1700000030000}
//! ```
//!
//! `expires` is Unix milliseconds after which the device must not apply it.
//!
//! Acknowledgement (device to twin, on `.../control/ack`):
//!
//! ```json
//! {"id": "c-17", "status": "accepted", "reason": ""}
//! ```
//!
//! `status` is `accepted` (received and valid), `rejected` (not applied; the
//! reason says why), `done` (applied) or `failed` (applying it failed).
//! Unknown keys are rejected everywhere, so a misspelt field is an error.

use serde::{Deserialize, Serialize};

use crate::BridgeError;

/// Measurement quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Valid.
    Good,
    /// Usable with care.
    Uncertain,
    /// Not usable.
    Bad,
}

/// One telemetry sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Telemetry {
    /// Device time, Unix milliseconds.
    pub ts: i64,
    /// Value in `unit`.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Quality.
    pub quality: Quality,
    /// Sequence number (per device and metric).
    pub seq: u64,
}

/// A command to a device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandMsg {
    /// Unique id (echoed in the ack).
    pub id: String,
    /// Issue time, Unix milliseconds.
    pub ts: i64,
    /// Action name, from the binding (e.g. `set_power`).
    pub action: String,
    /// Value in `unit`.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Not to be applied after this time (Unix milliseconds).
    pub expires: i64,
}

/// Acknowledgement status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AckStatus {
    /// Received and valid.
    Accepted,
    /// Not applied.
    Rejected,
    /// Applied.
    Done,
    /// Applying failed.
    Failed,
}

/// A device's acknowledgement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ack {
    /// The command id.
    pub id: String,
    /// Outcome.
    pub status: AckStatus,
    /// Why (empty when there is nothing to say).
    #[serde(default)]
    pub reason: String,
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, BridgeError> {
    serde_json::from_slice(bytes)
        .map_err(|e| BridgeError::Payload(format!("bad {what} payload: {e}")))
}

impl Telemetry {
    /// Parses and checks a telemetry payload (finite value, non-negative
    /// time).
    ///
    /// # Errors
    /// [`BridgeError::Payload`] saying what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, BridgeError> {
        let t: Telemetry = parse("telemetry", bytes)?;
        if !t.value.is_finite() {
            return Err(BridgeError::Payload("telemetry value is not finite".into()));
        }
        if t.ts < 0 {
            return Err(BridgeError::Payload(format!(
                "telemetry ts {} is negative",
                t.ts
            )));
        }
        Ok(t)
    }
}

impl CommandMsg {
    /// Parses a command payload.
    ///
    /// # Errors
    /// [`BridgeError::Payload`] saying what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, BridgeError> {
        let c: CommandMsg = parse("command", bytes)?;
        if !c.value.is_finite() {
            return Err(BridgeError::Payload("command value is not finite".into()));
        }
        Ok(c)
    }
}

impl Ack {
    /// Parses an acknowledgement payload.
    ///
    /// # Errors
    /// [`BridgeError::Payload`] saying what is wrong.
    pub fn parse(bytes: &[u8]) -> Result<Self, BridgeError> {
        parse("ack", bytes)
    }
}

/// Serialises a payload to JSON bytes.
pub fn to_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising these plain structs cannot fail (no maps with non-string
    // keys, no custom serialisers); an empty payload would be counted as
    // garbage by the receiver rather than crash the sender.
    serde_json::to_vec(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telemetry_round_trip_and_errors() {
        let t = Telemetry {
            ts: 1_700_000_000_000,
            value: 81.5,
            unit: "%".into(),
            quality: Quality::Good,
            seq: 42,
        };
        let b = to_bytes(&t);
        assert_eq!(
            std::str::from_utf8(&b).expect("utf8"),
            r#"{"ts":1700000000000,"value":81.5,"unit":"%","quality":"good","seq":42}"#
        );
        assert_eq!(Telemetry::parse(&b).expect("parses"), t);
        let e =
            Telemetry::parse(br#"{"ts":1,"value":1,"unit":"%","quality":"good","seq":1,"x":2}"#)
                .expect_err("unknown key");
        assert!(e.to_string().contains("unknown field `x`"), "{e}");
        assert!(Telemetry::parse(b"\xff\x00garbage").is_err());
        assert!(
            Telemetry::parse(br#"{"ts":-5,"value":1,"unit":"%","quality":"good","seq":1}"#)
                .is_err()
        );
        assert!(
            Telemetry::parse(br#"{"ts":5,"value":1,"unit":"%","quality":"great","seq":1}"#)
                .is_err()
        );
    }

    #[test]
    fn ack_and_command() {
        let a = Ack::parse(br#"{"id":"c-1","status":"done"}"#).expect("parses");
        assert_eq!(a.status, AckStatus::Done);
        assert_eq!(a.reason, "");
        let c = CommandMsg::parse(
            br#"{"id":"c-1","ts":1,"action":"set_power","value":-5.5,"unit":"kW","expires":9}"#,
        )
        .expect("parses");
        assert_eq!(c.value, -5.5);
        assert!(Ack::parse(br#"{"id":"c-1","status":"maybe"}"#).is_err());
    }
}
