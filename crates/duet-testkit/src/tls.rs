//! A test certificate authority: its certificate, and server certificates it issues for a host
//! name or IP address, written as PEM files.

use std::path::{Path, PathBuf};

use duet_server::TlsFiles;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// A certificate authority that only the test's clients are given.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl TestCa {
    /// A fresh CA whose certificate has the common name `name`.
    pub fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("a CA key");
        let issuer = CertifiedIssuer::self_signed(params, key).expect("the CA certificate");
        TestCa { issuer }
    }

    /// The CA certificate, PEM.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// The CA certificate, DER (for a client's root store).
    pub fn der(&self) -> Vec<u8> {
        self.issuer.der().to_vec()
    }

    /// Writes the CA certificate to `path` (what a client is given to trust).
    pub fn write_pem(&self, path: &Path) {
        write(path, &self.pem());
    }

    /// Issues a certificate for `host` (an IP address or a DNS name, put in the subject
    /// alternative names and the common name) and writes it and its key to `files`.
    pub fn issue_to(&self, host: &str, files: &TlsFiles) {
        let mut params = CertificateParams::new(vec![host.to_owned()]).expect("server parameters");
        params.distinguished_name.push(DnType::CommonName, host);
        let key = KeyPair::generate().expect("a server key");
        let cert = params
            .signed_by(&key, &self.issuer)
            .expect("the server certificate");
        write(&files.cert, &cert.pem());
        write(&files.key, &key.serialize_pem());
    }

    /// Issues a certificate for 127.0.0.1 into `cert.pem` and `key.pem` in `dir`, and writes the
    /// CA certificate to `ca.pem` there; returns the server's files and the CA's path.
    pub fn issue_loopback(&self, dir: &Path) -> (TlsFiles, PathBuf) {
        let files = TlsFiles {
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        };
        self.issue_to("127.0.0.1", &files);
        let ca = dir.join("ca.pem");
        self.write_pem(&ca);
        (files, ca)
    }
}

fn write(path: &Path, pem: &str) {
    std::fs::write(path, pem).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
