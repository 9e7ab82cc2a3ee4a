//! blackstart hw-bridge: MQTT device bindings, the live twin's building
//! blocks (payload schemas, topics, the safety gate, counters), the MQTT
//! link, an embedded broker and a device emulator.
//!
//! The twin runtime itself (the scenario model paced by sim-core's wall
//! clock) lives in the facade crate (`blackstart::twin`), since it runs the
//! scenario model; this crate knows devices and MQTT, not scenarios.

pub mod binding;
pub mod broker;
pub mod counters;
pub mod emulator;
pub mod mqtt;
pub mod payload;
pub mod safety;
pub mod topic;

pub use binding::{AssetKind, Binding, CommandMap, MetricMap, Testbed, TwinSettings};
pub use counters::{EmulatorReport, TwinCounters, TwinCountersSnapshot};
pub use mqtt::{BrokerUrl, ClientConfig, Link, LinkEvent, Publisher};
pub use payload::{Ack, AckStatus, CommandMsg, Quality, Telemetry};
pub use topic::{DeviceAddr, TopicKind};

/// Errors of the bridge.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BridgeError {
    /// A malformed topic or topic segment.
    #[error("{0}")]
    Topic(String),
    /// A payload that does not match its schema.
    #[error("{0}")]
    Payload(String),
    /// An invalid testbed (bindings) file.
    #[error("{0}")]
    Testbed(String),
    /// An invalid broker URL or TLS setting.
    #[error("{0}")]
    Url(String),
    /// The broker refused the credentials.
    #[error("{0}")]
    Auth(String),
    /// An MQTT connection problem.
    #[error("{0}")]
    Mqtt(String),
    /// The embedded broker failed.
    #[error("{0}")]
    Broker(String),
    /// Invalid emulator settings.
    #[error("{0}")]
    Emulator(String),
}
