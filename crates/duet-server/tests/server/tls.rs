//! `wss://`: the server's TLS port with a certificate from a test CA. A client that trusts the CA
//! logs in; a renewed certificate reaches new connections while old ones stay; garbage, plain
//! HTTP and a stalled handshake are dropped without disturbing anyone else.

use crate::support::login_msg;
use duet_protocol::{decode_server, encode, ClientFrame, ServerMessage};
use duet_server::{RunningServer, TlsFiles};
use duet_testkit::{add_user, poll_until, server_config, TestCa};
use futures_util::{SinkExt, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

/// Guards against a hung test; not an assertion on how fast anything is.
const GUARD: Duration = Duration::from_secs(30);

/// A server on `wss://` with a certificate for 127.0.0.1 from `ca`; its certificate files, to
/// renew.
async fn tls_server(ca: &TestCa, login_timeout_ms: u64) -> (RunningServer, TempDir, TlsFiles) {
    let dir = tempfile::tempdir().unwrap();
    let (files, _) = ca.issue_loopback(dir.path());
    let mut config = server_config(dir.path());
    config.tls = Some(files.clone());
    config.login_timeout_ms = login_timeout_ms;
    let server = duet_server::start(config).await.unwrap();
    (server, dir, files)
}

/// A root store that trusts only `ca`.
fn roots(ca: &TestCa) -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.der().into()).unwrap();
    roots
}

fn connector(ca: &TestCa) -> Connector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots(ca))
        .with_no_client_auth();
    Connector::Rustls(Arc::new(config))
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

async fn connect(
    server: &RunningServer,
    ca: &TestCa,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let connecting = tokio_tungstenite::connect_async_tls_with_config(
        server.ws_url(),
        None,
        true,
        Some(connector(ca)),
    );
    let (ws, _) = tokio::time::timeout(GUARD, connecting)
        .await
        .expect("guard")?;
    Ok(ws)
}

/// Logs `account` in over `ws` and returns the answer to the login.
async fn login(ws: &mut Ws, account: &str, token: &str) -> ServerMessage {
    let frame = ClientFrame::new(
        Some(1),
        login_msg("demo", account, token, &format!("{account}-pc")),
    );
    ws.send(Message::text(encode(&frame))).await.unwrap();
    recv(ws).await
}

async fn recv(ws: &mut Ws) -> ServerMessage {
    loop {
        let message = tokio::time::timeout(GUARD, ws.next())
            .await
            .expect("guard")
            .expect("the connection stays open")
            .unwrap();
        if let Message::Text(text) = message {
            return decode_server(text.as_str()).unwrap().msg;
        }
    }
}

/// Pings over `ws` and expects the pong: the connection still works.
async fn assert_usable(ws: &mut Ws) {
    let ping = ClientFrame::new(Some(7), duet_protocol::ClientMessage::Ping);
    ws.send(Message::text(encode(&ping))).await.unwrap();
    loop {
        if let ServerMessage::Pong = recv(ws).await {
            return;
        }
    }
}

#[tokio::test]
async fn a_client_that_trusts_the_ca_logs_in_over_wss() {
    let ca = TestCa::new("Duet test CA");
    let (server, _dir, _files) = tls_server(&ca, 10_000).await;
    assert!(
        server.ws_url().starts_with("wss://127.0.0.1:"),
        "{}",
        server.ws_url()
    );
    let token = add_user(&server, "alice").await;
    let mut ws = connect(&server, &ca).await.unwrap();
    let answer = login(&mut ws, "alice", &token).await;
    assert!(
        matches!(answer, ServerMessage::LoginOk { .. }),
        "{answer:?}"
    );

    let stranger = TestCa::new("Some other CA");
    let refused = connect(&server, &stranger).await;
    assert!(
        refused.is_err(),
        "a client that does not trust the CA must refuse the server"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_renewed_certificate_reaches_new_connections_and_open_ones_stay() {
    let (old_ca, new_ca) = (TestCa::new("Old CA"), TestCa::new("New CA"));
    let (server, _dir, files) = tls_server(&old_ca, 10_000).await;
    let token = add_user(&server, "alice").await;
    let mut open = connect(&server, &old_ca).await.unwrap();
    assert!(matches!(
        login(&mut open, "alice", &token).await,
        ServerMessage::LoginOk { .. }
    ));

    new_ca.issue_to("127.0.0.1", &files);
    // The files are polled: wait (bounded) until a client that trusts only the new CA gets in.
    let (server_ref, new_ca_ref) = (&server, &new_ca);
    poll_until(
        "the renewed certificate to be served",
        GUARD,
        || async move { connect(server_ref, new_ca_ref).await.ok() },
    )
    .await;
    assert_usable(&mut open).await;
    server.shutdown().await.unwrap();
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(GUARD, stream.read(&mut buffer))
            .await
            .expect("the server must drop the connection, not keep it");
        match read {
            Ok(0) | Err(_) => return received,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn garbage_plain_http_and_a_stalled_handshake_are_dropped_and_nobody_else_notices() {
    let ca = TestCa::new("Duet test CA");
    let (server, _dir, _files) = tls_server(&ca, 500).await;
    let token = add_user(&server, "alice").await;
    let mut alice = connect(&server, &ca).await.unwrap();
    assert!(matches!(
        login(&mut alice, "alice", &token).await,
        ServerMessage::LoginOk { .. }
    ));
    let addr = server.local_addr();

    let mut garbage = TcpStream::connect(addr).await.unwrap();
    garbage.write_all(&[0x5a; 512]).await.unwrap();
    let mut http = TcpStream::connect(addr).await.unwrap();
    http.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut half = TcpStream::connect(addr).await.unwrap();
    // A TLS record header that announces a ClientHello, then nothing more.
    half.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .await
        .unwrap();
    let mut silent = TcpStream::connect(addr).await.unwrap();

    for stream in [&mut garbage, &mut http, &mut half, &mut silent] {
        let answer = read_until_closed(stream).await;
        assert!(
            !answer.starts_with(b"HTTP/"),
            "nothing but TLS is spoken on the TLS port: {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_usable(&mut alice).await;
    let mut bob = connect(&server, &ca).await.unwrap();
    let bob_token = add_user(&server, "bob").await;
    assert!(matches!(
        login(&mut bob, "bob", &bob_token).await,
        ServerMessage::LoginOk { .. }
    ));
    server.shutdown().await.unwrap();
}
