//! `wss://` from the SDK to the real server: a certificate from a CA the device does not trust
//! fails login with `TlsUntrusted`, naming the host and the reason; given the CA, login works.

use duet_callkit::{CallKit, CallKitConfig, CallKitError, TlsProblem};
use duet_server::{ServerConfig, TlsFiles};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use std::time::Duration;

/// Writes a CA and a certificate for 127.0.0.1 signed by it into `dir`; returns the server's
/// files and the CA's path.
fn issue(dir: &std::path::Path) -> (TlsFiles, std::path::PathBuf) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Duet test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let files = TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, cert.pem()).unwrap();
    std::fs::write(&files.key, key.serialize_pem()).unwrap();
    let ca_path = dir.join("ca.pem");
    std::fs::write(&ca_path, ca.pem()).unwrap();
    (files, ca_path)
}

#[tokio::test]
async fn an_untrusted_certificate_fails_login_with_tls_untrusted_and_the_ca_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (files, ca_path) = issue(dir.path());
    let config = ServerConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        database: dir.path().join("duet.sqlite").display().to_string(),
        tls: Some(files),
        ..ServerConfig::default()
    };
    let server = duet_server::start(config).await.unwrap();
    let token = server
        .admin()
        .add_user("demo", "alice", "Alice", Duration::from_secs(3600))
        .await
        .unwrap();
    let url = server.ws_url();
    assert!(url.starts_with("wss://"), "{url}");

    let untrusting = CallKit::new(CallKitConfig::new(&url, "demo", "alice", &token)).unwrap();
    let error = untrusting.login().await.unwrap_err();
    let CallKitError::TlsUntrusted {
        host,
        reason,
        problem,
    } = &error
    else {
        panic!("expected TlsUntrusted, got {error:?}");
    };
    assert_eq!(host, &format!("127.0.0.1:{}", server.local_addr().port()));
    assert!(reason.contains("certificate authority"), "{reason}");
    assert_eq!(*problem, TlsProblem::UnknownIssuer);
    assert!(error.to_string().starts_with("tls_untrusted: "), "{error}");

    let mut config = CallKitConfig::new(&url, "demo", "alice", &token);
    config.tls_ca_file = Some(ca_path);
    let trusting = CallKit::new(config).unwrap();
    trusting.login().await.unwrap();
    trusting.logout().await.unwrap();
    server.shutdown().await.unwrap();
}

#[test]
fn a_ca_file_that_is_not_pem_is_refused_when_the_sdk_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "hello").unwrap();
    let mut config = CallKitConfig::new("wss://127.0.0.1:1/ws", "demo", "alice", "t");
    config.tls_ca_file = Some(path);
    assert!(matches!(
        CallKit::new(config),
        Err(CallKitError::InvalidConfig(message)) if message.contains("ca.pem")
    ));
}
