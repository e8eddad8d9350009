//! coturn (`/usr/bin/turnserver`, apt package `coturn`) in the public namespace, started with its
//! own generated config: TURN REST API credentials (`use-auth-secret`), UDP only, logging to a
//! file in its own temp dir, killed when dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::topology::{RELAY_PORTS, TURN_PORT};
use super::{netns, stun};
use crate::GUARD;

/// coturn's STUN/TURN port.
pub const PORT: u16 = TURN_PORT;
/// The realm in the config (the credentials do not depend on it).
pub const REALM: &str = "duet.lab";

/// Lifetimes coturn grants (seconds); `None` keeps coturn's default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Lifetimes {
    /// `max-allocate-lifetime`: clients refresh their allocation at half of it.
    pub max_allocate: Option<u32>,
    /// `permission-lifetime`.
    pub permission: Option<u32>,
    /// `channel-lifetime`.
    pub channel: Option<u32>,
}

/// A running coturn.
pub struct Coturn {
    child: Child,
    dir: tempfile::TempDir,
    /// The shared secret of its `static-auth-secret`.
    pub secret: String,
    /// Where it listens (the public address, port 3478).
    pub addr: SocketAddr,
}

impl Coturn {
    /// Starts coturn in `ns` on `ip`, relaying from `ip` too, and waits until it answers a
    /// STUN Binding.
    pub fn start(ns: &str, ip: Ipv4Addr, secret: &str, lifetimes: Lifetimes) -> Coturn {
        let dir = tempfile::tempdir().expect("a temp dir");
        let config = dir.path().join("turnserver.conf");
        std::fs::write(&config, config_text(dir.path(), ip, secret, lifetimes))
            .expect("the coturn config is written");
        let child = netns::command_in(ns, "turnserver")
            .args(["-c", &config.display().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("turnserver starts (apt package coturn)");
        let mut coturn = Coturn {
            child,
            dir,
            secret: secret.to_owned(),
            addr: SocketAddr::from((ip, PORT)),
        };
        coturn.wait_ready(ns);
        coturn
    }

    fn wait_ready(&mut self, ns: &str) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("turnserver exited ({status}); log:\n{}", self.log());
            }
            let addr = self.addr;
            if netns::in_netns(ns, move || stun::binding(addr)).is_some() {
                return;
            }
            assert!(
                started.elapsed() < GUARD,
                "coturn never answered STUN; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// coturn's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("turn.log")).unwrap_or_default()
    }

    /// A `turn:` URL for duet-server's `--turn-url`.
    pub fn turn_url(&self) -> String {
        format!("turn:{}?transport=udp", self.addr)
    }

    /// A `stun:` URL for duet-server's `--ice-server`.
    pub fn stun_url(&self) -> String {
        format!("stun:{}", self.addr)
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config_text(dir: &Path, ip: Ipv4Addr, secret: &str, lifetimes: Lifetimes) -> String {
    let mut lines = vec![
        format!("listening-ip={ip}"),
        format!("listening-port={PORT}"),
        format!("relay-ip={ip}"),
        format!("min-port={}", RELAY_PORTS.0),
        format!("max-port={}", RELAY_PORTS.1),
        "use-auth-secret".into(),
        format!("static-auth-secret={secret}"),
        format!("realm={REALM}"),
        "fingerprint".into(),
        "no-cli".into(),
        "no-tls".into(),
        "no-dtls".into(),
        "no-tcp-relay".into(),
        "no-multicast-peers".into(),
        // The peers here are the NATs' WAN addresses and coturn's own relay addresses, all in
        // documentation ranges; allowed explicitly in case a default deny list covers them.
        "allowed-peer-ip=198.51.100.0-198.51.100.255".into(),
        "allowed-peer-ip=203.0.113.0-203.0.113.255".into(),
        // Its own files, never the system's (/var/lib/turn, /var/log, /var/run).
        format!("userdb={}", dir.join("turndb").display()),
        format!("pidfile={}", dir.join("turnserver.pid").display()),
        format!("log-file={}", dir.join("turn.log").display()),
        "simple-log".into(),
        "verbose".into(),
    ];
    if let Some(s) = lifetimes.max_allocate {
        lines.push(format!("max-allocate-lifetime={s}"));
    }
    if let Some(s) = lifetimes.permission {
        lines.push(format!("permission-lifetime={s}"));
    }
    if let Some(s) = lifetimes.channel {
        lines.push(format!("channel-lifetime={s}"));
    }
    lines.join("\n") + "\n"
}
