//! A UDP relay that sits between two loopback sessions and drops a share of the packets, to
//! test the loss paths (NACK, PLI, FEC/PLC, bitrate back-off) over a real socket path.
//!
//! Each side's host candidate is rewritten to a relay port; the relay forwards what it gets on
//! one side's port to the other side's real address, from the port that stands for the sender,
//! so each peer sees the other at its rewritten (relayed) address.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;

/// Relay state shared by both directions.
pub struct LossyRelay {
    /// Real address -> relay socket standing for it.
    fronts: Mutex<HashMap<SocketAddr, Arc<UdpSocket>>>,
    /// Relay port -> real address it stands for.
    backs: Mutex<HashMap<u16, SocketAddr>>,
    loss_per_mille: u64,
    seed: AtomicU64,
    /// Packets dropped so far.
    pub dropped: AtomicU64,
}

impl LossyRelay {
    /// A relay dropping `loss_per_mille` / 1000 of the packets.
    pub fn new(loss_per_mille: u64) -> Arc<Self> {
        Arc::new(Self {
            fronts: Mutex::default(),
            backs: Mutex::default(),
            loss_per_mille,
            seed: AtomicU64::new(0x9E37_79B9_7F4A_7C15),
            dropped: AtomicU64::new(0),
        })
    }

    fn drop_this(&self) -> bool {
        let x = self
            .seed
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_mul(0xBF58_476D_1CE4_E5B9);
        (x >> 33) % 1000 < self.loss_per_mille
    }

    /// Rewrites a candidate line so it points at the relay; non-UDP-host lines pass unchanged.
    pub async fn rewrite(self: &Arc<Self>, candidate: &str) -> String {
        let fields: Vec<&str> = candidate.split(' ').collect();
        if fields.len() < 8 || !fields[2].eq_ignore_ascii_case("udp") {
            return candidate.to_owned();
        }
        let Ok(real) = format!("{}:{}", fields[4], fields[5]).parse::<SocketAddr>() else {
            return candidate.to_owned();
        };
        let front = self.front_for(real);
        let port = front.local_addr().unwrap().port();
        let mut out: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
        out[5] = port.to_string();
        out.join(" ")
    }

    /// The relay socket standing for `real`, created on first use (needs a tokio runtime).
    fn front_for(self: &Arc<Self>, real: SocketAddr) -> Arc<UdpSocket> {
        if let Some(front) = self.fronts.lock().unwrap().get(&real).cloned() {
            return front;
        }
        let std_socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        std_socket.set_nonblocking(true).unwrap();
        let front = Arc::new(UdpSocket::from_std(std_socket).unwrap());
        let port = front.local_addr().unwrap().port();
        self.fronts.lock().unwrap().insert(real, front.clone());
        self.backs.lock().unwrap().insert(port, real);
        let relay = self.clone();
        let socket = front.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            // Packets arriving here are for `real`, sent by some peer `from`: forward them
            // from the socket that stands for `from`.
            while let Ok((n, from)) = socket.recv_from(&mut buf).await {
                if relay.drop_this() {
                    relay.dropped.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                let sender_front = relay.front_for(from);
                let _ = sender_front.send_to(&buf[..n], real).await;
            }
        });
        front
    }
}
