//! The hardening findings, one test (or a few) each, named after the finding they fix. Each test
//! failed before its fix.

use crate::support::{answered_call, invite, login_msg, Client};
use duet_protocol::{
    CallAction, ErrorCode, ServerMessage, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_DEPTH,
};
use duet_server::RunningServer;
use duet_testkit::{add_user, start_server, start_server_with};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

/// Reads until the rate-limit error, counting the `invalid_message` answers before it.
async fn refusals_until_rate_limited(client: &mut Client) -> usize {
    let mut refused = 0;
    loop {
        match client.recv().await.msg {
            ServerMessage::Error {
                code: ErrorCode::InvalidMessage,
                ..
            } => refused += 1,
            ServerMessage::Error {
                code: ErrorCode::RateLimited,
                ..
            } => return refused,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn finding_3_binary_frames_count_against_the_rate_limit() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.message_burst = 5;
        config.limits.messages_per_second = 1;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    for _ in 0..20 {
        client.send_message(Message::binary(vec![0u8; 16])).await;
    }
    let refused = refusals_until_rate_limited(&mut client).await;
    assert!(refused < 20, "the limit hit after {refused} binary frames");
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_3_binary_frames_before_login_count_too() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.message_burst = 5;
        config.limits.messages_per_second = 1;
    })
    .await;
    let mut client = Client::connect(&server).await;
    for _ in 0..20 {
        client.send_message(Message::binary(vec![1u8; 16])).await;
    }
    let refused = refusals_until_rate_limited(&mut client).await;
    assert!(refused < 20, "the limit hit after {refused} binary frames");
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_3_websocket_pings_count_against_the_rate_limit() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.message_burst = 5;
        config.limits.messages_per_second = 1;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    for _ in 0..50 {
        client
            .send_message(Message::Ping(vec![7u8; 8].into()))
            .await;
    }
    // Pongs are control frames the client's reader skips; the first data frame is the refusal.
    assert_eq!(client.expect_error().await.0, ErrorCode::RateLimited);
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}

/// Logs `account` in once the server has a free connection slot (it answers `server_full`
/// until then); proves that whatever held the slot was let go.
async fn login_once_a_slot_frees(server: &RunningServer, account: &str, token: &str) -> Client {
    loop {
        let mut client = Client::connect(server).await;
        client.send(login_msg("demo", account, token, "x1")).await;
        match client.recv().await.msg {
            ServerMessage::LoginOk { .. } => return client,
            ServerMessage::Error {
                code: ErrorCode::ServerFull,
                ..
            } => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Reads raw frames until the server ends the connection; panics at the hang guard.
async fn drain_until_closed(client: &mut Client) {
    while client.next().await.is_some() {}
}

#[tokio::test]
async fn finding_2_a_client_that_stops_reading_is_dropped_and_frees_its_slot() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.max_connections = 2;
        config.limits.write_timeout_ms = 300;
        // Far beyond the test's guard: only the write timeout can drop alice.
        config.heartbeat_ms = 120_000;
        config.limits.message_burst = 10_000;
        config.limits.messages_per_second = 10_000;
    })
    .await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let carol_token = add_user(&server, "carol").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    let (_, bob_call_token) = answered_call(&mut alice, &mut bob, "c1").await;
    // Alice stops reading; Bob sends her far more than the socket buffers hold.
    let payload = serde_json::json!({ "sdp": "x".repeat(48 * 1024) });
    for seq in 2..400 {
        let signal = CallAction::Signal {
            to: None,
            payload: payload.clone(),
        };
        bob.call("c1", "b1", seq, Some(&bob_call_token), signal)
            .await;
    }
    // Alice's connection holds one of the two slots until the server gives up writing to her.
    let freed = login_once_a_slot_frees(&server, "carol", &carol_token);
    let mut carol = tokio::time::timeout(Duration::from_secs(20), freed)
        .await
        .expect("alice's connection was never dropped");
    drain_until_closed(&mut alice).await;
    carol.assert_usable().await;
    server.shutdown().await.unwrap();
}

/// Opens a TCP connection and sends the start of an HTTP request, never its end.
async fn half_sent_headers(server: &RunningServer) -> TcpStream {
    let mut tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    tcp.write_all(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n")
        .await
        .unwrap();
    tcp
}

/// Waits until the server closes `tcp` (end of stream or reset).
async fn until_closed_by_server(tcp: &mut TcpStream) {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(Duration::from_secs(20), tcp.read(&mut buf))
            .await
            .expect("the server kept the socket open (hang guard)")
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn finding_2_half_sent_headers_are_closed_after_the_handshake_timeout() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.handshake_timeout_ms = 300;
    })
    .await;
    let mut tcp = half_sent_headers(&server).await;
    until_closed_by_server(&mut tcp).await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_2_sockets_still_in_their_handshake_count_against_their_address() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.max_connections_per_address = 2;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let first = half_sent_headers(&server).await;
    let _second = half_sent_headers(&server).await;
    // A third socket from the same address is closed at accept, before any HTTP.
    let refused = Client::try_connect(&server).await;
    assert!(refused.is_none(), "the third socket was served");
    drop(first);
    let mut client = login_once_a_slot_frees_per_address(&server, "alice", &token).await;
    client.assert_usable().await;
    server.shutdown().await.unwrap();
}

/// Logs `account` in once its address may open a socket again.
async fn login_once_a_slot_frees_per_address(
    server: &RunningServer,
    account: &str,
    token: &str,
) -> Client {
    loop {
        match Client::try_connect(server).await {
            Some(mut client) => {
                client.send(login_msg("demo", account, token, "a1")).await;
                let ok = client.recv().await;
                assert!(matches!(ok.msg, ServerMessage::LoginOk { .. }), "{ok:?}");
                return client;
            }
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A WebSocket request to the server sent as a browser page of `origin` would send it.
async fn connect_from_page(
    server: &RunningServer,
    origin: &str,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = server.ws_url().into_client_request().unwrap();
    request
        .headers_mut()
        .insert("Origin", origin.parse().unwrap());
    tokio_tungstenite::connect_async(request).await.map(|_| ())
}

#[tokio::test]
async fn finding_12_web_pages_from_origins_not_allowed_are_refused() {
    let (server, _dir) = start_server_with(|config| {
        config.allowed_origins = vec!["https://app.example.com".into()];
    })
    .await;
    match connect_from_page(&server, "https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    connect_from_page(&server, "https://app.example.com")
        .await
        .expect("an allowed origin connects");
    // Clients that are not browsers send no Origin.
    let token = add_user(&server, "alice").await;
    Client::login(&server, "alice", &token, "a1")
        .await
        .assert_usable()
        .await;
    server.shutdown().await.unwrap();
}

/// A video invite to `callee` carrying `attachment`.
fn invite_with(callee: &str, attachment: serde_json::Value) -> CallAction {
    let CallAction::Invite {
        callee,
        call_type,
        timeout_ms,
        nick,
        ..
    } = invite(callee)
    else {
        unreachable!("invite() builds an invite")
    };
    CallAction::Invite {
        callee,
        call_type,
        attachment,
        timeout_ms,
        nick,
    }
}

#[tokio::test]
async fn finding_1_attachments_too_large_or_too_deep_are_refused() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let too_large = serde_json::json!("x".repeat(MAX_ATTACHMENT_BYTES));
    let too_deep =
        (0..=MAX_ATTACHMENT_DEPTH).fold(serde_json::json!(1), |v, _| serde_json::json!([v]));
    for (id, attachment) in [("c1", too_large), ("c2", too_deep)] {
        alice
            .call(id, "a1", 1, None, invite_with("bob", attachment))
            .await;
        assert_eq!(alice.expect_error().await.0, ErrorCode::InvalidMessage);
    }
    alice.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_1_a_callee_rung_by_many_full_attachments_still_logs_in() {
    let (server, _dir) = start_server().await;
    let victim_token = add_user(&server, "victim").await;
    let callers = 32; // the default `max_pending_invites`
    let attachment = serde_json::json!("x".repeat(MAX_ATTACHMENT_BYTES - 2));
    let mut held = Vec::new();
    for i in 0..callers {
        let name = format!("caller{i}");
        let token = add_user(&server, &name).await;
        let mut caller = Client::login(&server, &name, &token, "d1").await;
        let id = format!("call-{i}");
        caller
            .call(
                &id,
                "d1",
                1,
                None,
                invite_with("victim", attachment.clone()),
            )
            .await;
        caller.ack_token().await;
        held.push(caller);
    }
    // Every frame the victim gets decodes (the test client panics otherwise) and the resync
    // lists every ringing call.
    let (mut victim, calls) =
        Client::login_with_resync(&server, "victim", &victim_token, "v1").await;
    assert_eq!(calls.len(), callers);
    assert!(
        calls.iter().any(|c| c.attachment_omitted),
        "the resync was trimmed to fit"
    );
    assert!(
        calls.last().is_some_and(|c| c.attachment == attachment),
        "the newest keep theirs"
    );
    victim.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_4_revoking_every_token_ends_the_live_sessions() {
    let (server, _dir) = start_server_with(|config| config.revocation_poll_ms = 50).await;
    let token = add_user(&server, "alice").await;
    let mut laptop = Client::login(&server, "alice", &token, "a1").await;
    let mut phone = Client::login(&server, "alice", &token, "a2").await;
    server.admin().revoke_all("demo", "alice").await.unwrap();
    for device in [&mut laptop, &mut phone] {
        assert_eq!(device.expect_error().await.0, ErrorCode::TokenRevoked);
        device.expect_closed().await;
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_4_revoking_one_token_ends_only_its_sessions() {
    let (server, _dir) = start_server_with(|config| config.revocation_poll_ms = 50).await;
    let laptop_token = add_user(&server, "alice").await;
    let phone_token = server
        .admin()
        .issue_token("demo", "alice", Duration::from_secs(3600))
        .await
        .unwrap();
    let mut laptop = Client::login(&server, "alice", &laptop_token, "a1").await;
    let mut phone = Client::login(&server, "alice", &phone_token, "a2").await;
    server
        .admin()
        .revoke_token("demo", &phone_token)
        .await
        .unwrap();
    assert_eq!(phone.expect_error().await.0, ErrorCode::TokenRevoked);
    phone.expect_closed().await;
    laptop.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_6_an_account_may_have_only_so_many_devices_online() {
    let (server, _dir) = start_server_with(|config| config.calls.max_devices_per_account = 2).await;
    let token = add_user(&server, "alice").await;
    let _laptop = Client::login(&server, "alice", &token, "a1").await;
    let mut phone = Client::login(&server, "alice", &token, "a2").await;
    let mut third = Client::connect(&server).await;
    third.send(login_msg("demo", "alice", &token, "a3")).await;
    assert_eq!(third.expect_error().await.0, ErrorCode::TooManyDevices);
    third.expect_closed().await;
    // A device already online may log in again (a reconnect), and others keep working.
    let _laptop_again = Client::login(&server, "alice", &token, "a1").await;
    phone.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_9_old_records_and_expired_revocations_are_deleted() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    let hangup = CallAction::Hangup {
        reason: duet_protocol::EndReason::UserHangup,
    };
    alice
        .call("c1", "a1", 2, Some(&alice_call_token), hangup)
        .await;
    bob.recv_until(|m| {
        matches!(
            m,
            ServerMessage::Call {
                event: duet_protocol::CallEvent::Record { .. },
                ..
            }
        )
    })
    .await;
    server.flush().await;
    server
        .admin()
        .revoke_token("demo", &bob_token)
        .await
        .unwrap();
    let store = server.store();
    let now = duet_server::wall_now_ms();
    const YEAR_MS: u64 = 365 * 24 * 3600 * 1000;
    // Nothing is due yet with the default retention of a year: the record is new and the token
    // has not expired. (A cutoff of `now - 1` made this depend on the call having ended within
    // the last millisecond, which a loaded machine does not promise.)
    assert_eq!(store.prune(now, Some(now - YEAR_MS)).await.unwrap(), 0);
    // A year and a day later.
    let later = now + 366 * 24 * 3600 * 1000;
    let deleted = store.prune(later, Some(later - YEAR_MS)).await.unwrap();
    assert_eq!(
        deleted, 3,
        "the record, the revoked token and its log entry"
    );
    let account = duet_protocol::AccountId::new("alice").unwrap();
    let history = store.history("demo", &account, None, 10).await.unwrap();
    assert!(history.is_empty(), "{history:?}");
    server.shutdown().await.unwrap();
}
