//! The MQTT link (rumqttc, synchronous API): broker URLs, credentials, TLS,
//! persistent sessions, automatic reconnection and a clear error for refused
//! credentials.
//!
//! A [`Link`] owns one connection. Its thread drives the client, hands every
//! incoming message to a handler, re-subscribes after each (re)connection
//! and reconnects by itself (every 200 ms to 1 s) after a lost connection,
//! counting [`Link::reconnects`]. Messages published while disconnected wait
//! in the client's queue (capacity [`ClientConfig::capacity`]); with
//! `clean_session = false` and QoS 1 the broker keeps the session, so nothing
//! published or subscribed is lost across a broker restart (when the broker
//! persists its sessions, as Mosquitto does with `persistence true`).

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{
    Client, ConnectReturnCode, ConnectionError, Event, MqttOptions, Outgoing, Packet, QoS,
    Transport,
};

use crate::BridgeError;

/// A broker address: `mqtt://[user[:password]@]host[:port]` (default port
/// 1883) or `mqtts://...` for TLS (default port 8883).
#[derive(Clone, PartialEq, Eq)]
pub struct BrokerUrl {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// TLS (rustls).
    pub tls: bool,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
}

impl std::fmt::Debug for BrokerUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

impl std::fmt::Display for BrokerUrl {
    /// The URL with the password hidden.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        match &self.username {
            Some(u) => write!(f, "{scheme}://{u}:***@{}:{}", self.host, self.port),
            None => write!(f, "{scheme}://{}:{}", self.host, self.port),
        }
    }
}

impl FromStr for BrokerUrl {
    type Err = BridgeError;

    fn from_str(s: &str) -> Result<Self, BridgeError> {
        let bad = |why: &str| {
            BridgeError::Url(format!(
                "broker URL `{s}`: {why} (expected mqtt://[user:password@]host:port or mqtts://...)"
            ))
        };
        let (tls, rest) = if let Some(r) = s.strip_prefix("mqtt://") {
            (false, r)
        } else if let Some(r) = s.strip_prefix("mqtts://") {
            (true, r)
        } else {
            return Err(bad("unknown scheme"));
        };
        let rest = rest.trim_end_matches('/');
        let (cred, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        let (username, password) = match cred {
            None => (None, None),
            Some(c) => match c.split_once(':') {
                Some((u, p)) => (Some(u.to_string()), Some(p.to_string())),
                None => (Some(c.to_string()), None),
            },
        };
        if username.as_deref() == Some("") {
            return Err(bad("empty user name"));
        }
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| bad("the port is not a number 1..65535"))?;
                (
                    h.trim_start_matches('[').trim_end_matches(']').to_string(),
                    port,
                )
            }
            _ => (hostport.to_string(), if tls { 8883 } else { 1883 }),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("no host"));
        }
        if port == 0 {
            return Err(bad("port 0"));
        }
        Ok(BrokerUrl {
            host,
            port,
            tls,
            username,
            password,
        })
    }
}

/// How to connect.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The broker.
    pub url: BrokerUrl,
    /// Client id (keep it stable for a persistent session).
    pub client_id: String,
    /// `false`: persistent session (the broker keeps subscriptions and
    /// queued QoS 1 messages while the client is away).
    pub clean_session: bool,
    /// CA certificate (PEM) for `mqtts://`.
    pub ca_file: Option<PathBuf>,
    /// Keep-alive (s).
    pub keep_alive_s: u64,
    /// Requests queued in the client (messages published while disconnected
    /// wait here).
    pub capacity: usize,
    /// QoS 1 messages in flight at once.
    pub inflight: u16,
}

impl ClientConfig {
    /// Defaults: persistent session, 5 s keep-alive, 100 000 queued
    /// requests, 100 in flight.
    pub fn new(url: BrokerUrl, client_id: &str) -> Self {
        ClientConfig {
            url,
            client_id: client_id.to_string(),
            clean_session: false,
            ca_file: None,
            keep_alive_s: 5,
            capacity: 100_000,
            inflight: 100,
        }
    }

    fn options(&self) -> Result<MqttOptions, BridgeError> {
        let mut o = MqttOptions::new(&self.client_id, &self.url.host, self.url.port);
        o.set_keep_alive(Duration::from_secs(self.keep_alive_s.max(1)));
        o.set_clean_session(self.clean_session);
        o.set_request_channel_capacity(self.capacity.max(10));
        o.set_inflight(self.inflight.max(1));
        o.set_max_packet_size(1 << 20, 1 << 20);
        if let Some(u) = &self.url.username {
            o.set_credentials(u, self.url.password.clone().unwrap_or_default());
        }
        if self.url.tls {
            let path = self.ca_file.as_ref().ok_or_else(|| {
                BridgeError::Url(format!(
                    "{}: TLS needs a CA certificate file (PEM, --ca FILE)",
                    self.url
                ))
            })?;
            let ca = std::fs::read(path).map_err(|e| {
                BridgeError::Url(format!("cannot read CA file {}: {e}", path.display()))
            })?;
            // rustls with the ring provider (the only one compiled in).
            let _ = rustls::crypto::ring::default_provider().install_default();
            o.set_transport(Transport::tls(ca, None, None));
        }
        Ok(o)
    }
}

/// What the link hands to its handler.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkEvent {
    /// Connected (first time or again).
    Connected {
        /// The broker still had this client's session.
        session_present: bool,
    },
    /// A message on a subscribed topic.
    Message {
        /// Topic.
        topic: String,
        /// Payload bytes.
        payload: Vec<u8>,
    },
    /// The connection was lost (the link reconnects by itself).
    Disconnected(String),
}

/// Publishes through a link (cheap to clone; usable from any thread).
#[derive(Clone)]
pub struct Publisher {
    client: Client,
    /// QoS 1 messages queued and not yet acknowledged by the broker.
    unacked: Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Publisher")
    }
}

impl Publisher {
    /// Queues a QoS 1 message; waits while the queue is full.
    ///
    /// # Errors
    /// [`BridgeError::Mqtt`] when the link is closed.
    pub fn publish(&self, topic: &str, payload: Vec<u8>) -> Result<(), BridgeError> {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload)
            .map_err(|e| BridgeError::Mqtt(format!("publish to {topic}: {e}")))?;
        self.unacked.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Queues a QoS 1 message without waiting.
    ///
    /// # Errors
    /// [`BridgeError::Mqtt`] when the queue is full or the link closed.
    pub fn try_publish(&self, topic: &str, payload: Vec<u8>) -> Result<(), BridgeError> {
        self.client
            .try_publish(topic, QoS::AtLeastOnce, false, payload)
            .map_err(|e| BridgeError::Mqtt(format!("publish to {topic}: {e}")))?;
        self.unacked.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }
}

#[derive(Default)]
struct Shared {
    connected: AtomicBool,
    reconnects: AtomicU64,
    stop: AtomicBool,
    last_error: Mutex<Option<String>>,
}

/// One MQTT connection with its driving thread.
pub struct Link {
    publisher: Publisher,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    url: BrokerUrl,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Link({})", self.url)
    }
}

fn refused_message(url: &BrokerUrl, code: ConnectReturnCode) -> String {
    match code {
        ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized => format!(
            "the broker at {url} refused the credentials of user `{}` ({code:?}): check the user name and password",
            url.username.as_deref().unwrap_or("(none)")
        ),
        other => format!("the broker at {url} refused the connection: {other:?}"),
    }
}

impl Link {
    /// Connects, subscribes to `filters` (QoS 1) and starts the link's
    /// thread; returns once the first connection is up.
    ///
    /// # Errors
    /// [`BridgeError::Auth`] when the broker refuses the credentials,
    /// [`BridgeError::Mqtt`] when no connection is made within `timeout`.
    pub fn connect<H>(
        cfg: &ClientConfig,
        filters: Vec<String>,
        mut handler: H,
        timeout: Duration,
    ) -> Result<Link, BridgeError>
    where
        H: FnMut(LinkEvent, &Publisher) + Send + 'static,
    {
        let opts = cfg.options()?;
        let (client, mut conn) = Client::new(opts, cfg.capacity.max(10));
        let publisher = Publisher {
            client,
            unacked: Arc::new(std::sync::atomic::AtomicI64::new(0)),
        };
        let shared = Arc::new(Shared::default());
        let (first_tx, first_rx) = mpsc::channel::<Result<(), BridgeError>>();
        let th_shared = shared.clone();
        let th_pub = publisher.clone();
        let url = cfg.url.clone();
        let th_url = url.clone();
        let thread = std::thread::Builder::new()
            .name(format!("mqtt-{}", cfg.client_id))
            .spawn(move || {
                let mut first = Some(first_tx);
                let mut ever = false;
                let mut backoff = Duration::from_millis(200);
                loop {
                    let ev = match conn.recv() {
                        Ok(ev) => ev,
                        Err(_) => break, // every client handle dropped
                    };
                    match ev {
                        Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                            backoff = Duration::from_millis(200);
                            if ever {
                                th_shared.reconnects.fetch_add(1, Ordering::Relaxed);
                            }
                            ever = true;
                            th_shared.connected.store(true, Ordering::Release);
                            for f in &filters {
                                let _ = th_pub.client.try_subscribe(f.as_str(), QoS::AtLeastOnce);
                            }
                            handler(
                                LinkEvent::Connected {
                                    session_present: ack.session_present,
                                },
                                &th_pub,
                            );
                            if let Some(tx) = first.take() {
                                let _ = tx.send(Ok(()));
                            }
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) => {
                            handler(
                                LinkEvent::Message {
                                    topic: p.topic.clone(),
                                    payload: p.payload.to_vec(),
                                },
                                &th_pub,
                            );
                        }
                        Ok(Event::Incoming(Packet::PubAck(_))) => {
                            th_pub.unacked.fetch_sub(1, Ordering::AcqRel);
                        }
                        Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                            if th_shared.stop.load(Ordering::Acquire) {
                                break;
                            }
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let was = th_shared.connected.swap(false, Ordering::AcqRel);
                            let msg = match &e {
                                ConnectionError::ConnectionRefused(code) => {
                                    let m = refused_message(&th_url, *code);
                                    if matches!(
                                        code,
                                        ConnectReturnCode::BadUserNamePassword
                                            | ConnectReturnCode::NotAuthorized
                                    ) && let Some(tx) = first.take()
                                    {
                                        let _ = tx.send(Err(BridgeError::Auth(m)));
                                        break;
                                    }
                                    m
                                }
                                other => format!("connection to {th_url} lost: {other}"),
                            };
                            if let Ok(mut g) = th_shared.last_error.lock() {
                                *g = Some(msg.clone());
                            }
                            if was {
                                handler(LinkEvent::Disconnected(msg), &th_pub);
                            }
                            if th_shared.stop.load(Ordering::Acquire) {
                                break;
                            }
                            std::thread::sleep(backoff);
                            backoff = (backoff * 2).min(Duration::from_secs(1));
                            if th_shared.stop.load(Ordering::Acquire) {
                                break;
                            }
                        }
                    }
                }
                th_shared.connected.store(false, Ordering::Release);
            })
            .map_err(|e| BridgeError::Mqtt(format!("cannot start the MQTT thread: {e}")))?;
        let mut link = Link {
            publisher,
            shared,
            thread: Some(thread),
            url,
        };
        match first_rx.recv_timeout(timeout) {
            Ok(Ok(())) => Ok(link),
            Ok(Err(e)) => {
                link.close();
                Err(e)
            }
            Err(_) => {
                let last = link
                    .shared
                    .last_error
                    .lock()
                    .ok()
                    .and_then(|g| g.clone())
                    .unwrap_or_else(|| "no answer".into());
                link.close();
                Err(BridgeError::Mqtt(format!(
                    "no connection to {} within {:.1} s: {last}",
                    link.url,
                    timeout.as_secs_f64()
                )))
            }
        }
    }

    /// A publisher for this link.
    pub fn publisher(&self) -> Publisher {
        self.publisher.clone()
    }

    /// Reconnections after a lost connection so far.
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// Waits until every QoS 1 message published through this link has been
    /// acknowledged by the broker (messages queued while disconnected are
    /// sent on reconnection), at most `timeout`; true when all were.
    pub fn wait_acked(&self, timeout: Duration) -> bool {
        let start = Instant::now();
        while self.publisher.unacked.load(Ordering::Acquire) > 0 {
            if start.elapsed() >= timeout {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// Whether the link is connected now.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Acquire)
    }

    /// Disconnects cleanly (queued messages are sent first when connected)
    /// and stops the thread (waits at most about 3 s).
    pub fn close(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        let _ = self.publisher.client.try_disconnect();
        if let Some(t) = self.thread.take() {
            let start = Instant::now();
            while !t.is_finished() && start.elapsed() < Duration::from_secs(3) {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u: BrokerUrl = "mqtt://alice:s3cret@127.0.0.1:1884".parse().expect("valid");
        assert_eq!((u.host.as_str(), u.port, u.tls), ("127.0.0.1", 1884, false));
        assert_eq!(u.password.as_deref(), Some("s3cret"));
        assert_eq!(u.to_string(), "mqtt://alice:***@127.0.0.1:1884");
        let u: BrokerUrl = "mqtts://broker.local".parse().expect("valid");
        assert_eq!((u.port, u.tls), (8883, true));
        let u: BrokerUrl = "mqtt://localhost".parse().expect("valid");
        assert_eq!(u.port, 1883);
        for bad in [
            "http://x:1",
            "mqtt://:1883",
            "mqtt://h:99999",
            "mqtt://h:0",
            "mqtt://@h:1",
        ] {
            assert!(bad.parse::<BrokerUrl>().is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_needs_a_ca() {
        let u: BrokerUrl = "mqtts://h:8883".parse().expect("valid");
        let e = ClientConfig::new(u, "c").options().expect_err("no CA");
        assert!(e.to_string().contains("CA certificate"), "{e}");
    }
}
