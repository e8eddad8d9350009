//! Certificates for the lab's wss:// server: a CA that only the lab's clients are given, and a
//! server certificate it issued for the public address (an IP SAN), written as PEM files.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};

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
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Duet network lab CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().expect("a CA key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("the CA certificate");

        let mut params = CertificateParams::new(Vec::<String>::new()).expect("server params");
        params.subject_alt_names = vec![SanType::IpAddress(ip)];
        params
            .distinguished_name
            .push(DnType::CommonName, ip.to_string());
        let key = KeyPair::generate().expect("a server key");
        let cert = params.signed_by(&key, &ca).expect("the server certificate");

        let files = Certificates {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        };
        for (path, pem) in [
            (&files.ca, ca.pem()),
            (&files.cert, cert.pem()),
            (&files.key, key.serialize_pem()),
        ] {
            std::fs::write(path, pem)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        }
        files
    }
}
