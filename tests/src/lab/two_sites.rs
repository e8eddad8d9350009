//! The two-site lab most tests and benchmarks use: the internet of [`super::topology`], coturn
//! in its public namespace (STUN, and TURN with REST API credentials), a CA and server
//! certificate for wss://, and duet-server and duet-cli users placed in it.

use super::coturn::{Coturn, Lifetimes};
use super::nft::counters::*;
use super::server::{LabServer, LabUser};
use super::tls::Certificates;
use super::{Internet, Nat, PUBLIC_IP};

/// coturn's `static-auth-secret`, and duet-server's `--turn-secret`.
pub const TURN_SECRET: &str = "lab-turn-secret";

/// One lab: the internet, coturn in its public namespace, certificates, and a scratch dir.
pub struct Lab {
    pub coturn: Coturn,
    pub certs: Certificates,
    /// Holds the certificates' files for the lab's lifetime.
    _certs_dir: tempfile::TempDir,
    // Last: its drop kills whatever is left in the namespaces and deletes them.
    pub net: Internet,
}

impl Lab {
    pub fn new(nat_a: Nat, nat_b: Nat, lifetimes: Lifetimes) -> Lab {
        let net = Internet::build(nat_a, nat_b);
        let coturn = Coturn::start(&net.public, PUBLIC_IP, TURN_SECRET, lifetimes);
        let dir = tempfile::tempdir().expect("a temp dir");
        let certs = Certificates::generate(dir.path(), PUBLIC_IP.into());
        Lab {
            coturn,
            certs,
            _certs_dir: dir,
            net,
        }
    }

    /// duet-server on `port` with `extra` flags over wss:// with the lab's certificate.
    pub fn server(&self, port: u16, extra: &[String]) -> LabServer {
        LabServer::start(&self.net.public, PUBLIC_IP, port, &self.certs, extra)
    }

    /// Flags that hand out the lab's STUN server.
    pub fn stun_only(&self) -> Vec<String> {
        vec!["--ice-server".into(), self.coturn.stun_url()]
    }

    /// Flags that hand out STUN and TURN REST API credentials for coturn.
    pub fn with_turn(&self) -> Vec<String> {
        let mut flags = self.stun_only();
        flags.extend([
            "--turn-secret".into(),
            TURN_SECRET.into(),
            "--turn-url".into(),
            self.coturn.turn_url(),
        ]);
        flags
    }

    /// Alice in client namespace A and Bob in B, on `server`.
    pub fn users(&self, server: &LabServer) -> (LabUser, LabUser) {
        let ca = Some(self.certs.ca.clone());
        (
            server.user("alice", &self.net.a.client, ca.clone()),
            server.user("bob", &self.net.b.client, ca),
        )
    }

    pub fn counters(&self) -> Vec<(&'static str, u64)> {
        [
            A_TO_B, B_TO_A, RELAYED, A_TO_TURN, B_TO_TURN, A_TO_RELAY, B_TO_RELAY,
        ]
        .into_iter()
        .map(|name| (name, self.net.counter(name)))
        .collect()
    }
}
