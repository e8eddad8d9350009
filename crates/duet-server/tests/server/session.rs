//! How sessions end on purpose (logout, token expiry), and the health endpoint.

use crate::support::{account, answered_call, Client};
use duet_protocol::{CallEvent, CallStatus, ClientMessage, EndReason, ErrorCode, ServerMessage};
use duet_testkit::{add_user, start_server};
use std::time::Duration;

#[tokio::test]
async fn logging_out_during_a_call_ends_it_for_the_peer_with_one_record() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    answered_call(&mut alice, &mut bob, "c1").await;

    let req = bob.send(ClientMessage::Logout).await;
    let frame = bob
        .recv_until(|m| !matches!(m, ServerMessage::Call { .. }))
        .await;
    assert_eq!((frame.req, frame.msg), (Some(req), ServerMessage::Ok));
    bob.expect_closed().await;

    let (_, ended) = alice.call_event().await;
    assert_eq!(
        ended,
        CallEvent::Ended {
            reason: EndReason::LoggedOut,
            by: Some(account("bob"))
        }
    );
    server.flush().await;
    let records = server
        .store()
        .history("demo", &account("alice"), None, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].1.status, records[0].1.reason),
        (CallStatus::Completed, EndReason::LoggedOut)
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_session_ends_when_its_login_token_expires() {
    let (server, _dir) = start_server().await;
    add_user(&server, "alice").await;
    // Short enough to expire while the test waits, long enough to log in first.
    let ttl = Duration::from_secs(2);
    let token = server
        .admin()
        .issue_token("demo", "alice", ttl)
        .await
        .unwrap();
    let mut alice = Client::login(&server, "alice", &token, "a1").await;
    assert_eq!(alice.expect_error().await.0, ErrorCode::TokenExpired);
    alice.expect_closed().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn healthz_and_readyz_answer_ok() {
    let (server, _dir) = start_server().await;
    for path in ["/healthz", "/readyz"] {
        assert_eq!(
            crate::support::http_get(server.local_addr(), path).await,
            (200, "ok".to_owned()),
            "{path}"
        );
    }
    server.shutdown().await.unwrap();
}
