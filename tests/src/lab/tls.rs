//! Certificates for the lab's wss:// server: a CA that only the lab's clients are given, and a
//! server certificate it issued for the public address (an IP SAN), written as PEM files.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use duet_server::TlsFiles;
use duet_testkit::TestCa;

/// PEM files of one lab's CA and server certificate.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA certificate (what `duet-cli --ca` gets).
    pub ca: PathBuf,
    /// The server's certificate (`duet-server --tls-cert`).
    pub cert: PathBuf,
    /// The server's private key (`duet-server --tls-key`).
    pub key: PathBuf,
}

impl Certificates {
    /// Makes a fresh CA and a server certificate for `ip`, written into `dir`.
    pub fn generate(dir: &Path, ip: IpAddr) -> Certificates {
        let files = Certificates {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        let ca = TestCa::new("Duet network lab CA");
        ca.write_pem(&files.ca);
        let server = TlsFiles {
            cert: files.cert.clone(),
            key: files.key.clone(),
        };
        ca.issue_to(&ip.to_string(), &server);
        files
    }
}
