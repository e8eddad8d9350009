//! `wss://` from the SDK to the real server: a certificate from a CA the device does not trust
//! fails login with `TlsUntrusted`, naming the host and the reason; given the CA, login works.

use duet_callkit::{CallKit, CallKitConfig, CallKitError, TlsProblem};
use duet_testkit::{add_user_named, start_server_with, TestCa};

#[tokio::test]
async fn an_untrusted_certificate_fails_login_with_tls_untrusted_and_the_ca_fixes_it() {
    let certs = tempfile::tempdir().unwrap();
    let (files, ca_path) = TestCa::new("Duet test CA").issue_loopback(certs.path());
    let (server, _dir) = start_server_with(|config| config.tls = Some(files)).await;
    let token = add_user_named(&server, "alice", "Alice").await;
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
