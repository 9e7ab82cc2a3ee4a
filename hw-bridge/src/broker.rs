//! The embedded broker (rumqttd, MQTT 3.1.1) for the default set-up: a
//! newcomer runs `blackstart twin` with nothing installed.
//!
//! It listens on a loopback port only and lives until the process exits
//! (rumqttd has no shutdown). Sessions are kept in memory; for tests under
//! faults (broker restarts) use a real broker such as Mosquitto.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};

use crate::BridgeError;

/// A running embedded broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedBroker {
    /// Its address (127.0.0.1:port).
    pub addr: SocketAddr,
}

impl EmbeddedBroker {
    /// `mqtt://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("mqtt://{}", self.addr)
    }
}

/// A free loopback port (bound and released; a race with another process
/// taking it in between is possible but unlikely).
///
/// # Errors
/// [`BridgeError::Broker`] when no port can be bound.
pub fn free_port() -> Result<u16, BridgeError> {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| BridgeError::Broker(format!("cannot bind a loopback port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| BridgeError::Broker(format!("cannot read the bound port: {e}")))
}

/// Starts the embedded broker on `127.0.0.1:port` (`0`: a free port), with
/// optional user/password pairs (none: anyone may connect), and waits until
/// it accepts connections.
///
/// # Errors
/// [`BridgeError::Broker`] when it does not come up within 5 s.
pub fn start(port: u16, users: &[(String, String)]) -> Result<EmbeddedBroker, BridgeError> {
    let port = if port == 0 { free_port()? } else { port };
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let auth = if users.is_empty() {
        None
    } else {
        Some(users.iter().cloned().collect::<HashMap<_, _>>())
    };
    let server = ServerSettings {
        name: "v4-loopback".into(),
        listen: addr,
        tls: None,
        next_connection_delay_ms: 1,
        connections: ConnectionSettings {
            connection_timeout_ms: 60_000,
            max_payload_size: 1 << 20,
            max_inflight_count: 500,
            auth,
            external_auth: None,
            dynamic_filters: true,
        },
    };
    let config = Config {
        id: 0,
        router: RouterConfig {
            max_connections: 20_010,
            max_outgoing_packet_count: 200,
            max_segment_size: 100 * 1024 * 1024,
            max_segment_count: 10,
            ..Default::default()
        },
        v4: Some(HashMap::from([("v4-loopback".to_string(), server)])),
        ..Default::default()
    };
    let mut broker = Broker::new(config);
    std::thread::Builder::new()
        .name("embedded-broker".into())
        .spawn(move || {
            if let Err(e) = broker.start() {
                eprintln!("embedded broker stopped: {e}");
            }
        })
        .map_err(|e| BridgeError::Broker(format!("cannot start the broker thread: {e}")))?;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(EmbeddedBroker { addr });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(BridgeError::Broker(format!(
        "the embedded broker did not accept connections on {addr} within 5 s"
    )))
}
