//! Logging in: tokens that work, tokens that do not, and what happens to the connection.

use crate::support::{self, login_msg, Client};
use duet_protocol::{ClientMessage, ErrorCode, IceServer, ServerMessage};
use duet_server::login_token::{self, LoginClaims};
use duet_testkit::{add_user, start_server, start_server_with};
use std::time::Duration;

#[tokio::test]
async fn a_valid_token_logs_in_with_the_servers_settings() {
    let stun = IceServer {
        urls: vec!["stun:stun.example.org:3478".into()],
        username: None,
        credential: None,
    };
    let (server, _dir) = start_server_with(|config| config.ice_servers = vec![stun.clone()]).await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::connect(&server).await;
    let req = client.send(login_msg("demo", "alice", &token, "a1")).await;
    let ok = client.recv().await;
    assert_eq!(ok.req, Some(req));
    let ServerMessage::LoginOk {
        account,
        nick,
        device,
        heartbeat_ms,
        ice_servers,
        safe_mode,
        ..
    } = ok.msg
    else {
        panic!("expected login.ok, got {ok:?}");
    };
    assert_eq!(account.as_str(), "alice");
    assert_eq!(nick, "alice nick");
    assert_eq!(device.as_str(), "a1");
    assert_eq!(heartbeat_ms, 10_000);
    assert_eq!(ice_servers, vec![stun]);
    assert!(safe_mode, "apps are in safe mode by default");
    let resync = client.recv().await;
    assert_eq!(resync.msg, ServerMessage::Resync { calls: vec![] });
    client.assert_usable().await;
    server.shutdown().await.unwrap();
}

/// Sends `login` and expects the error `code` answering it, then the close; `case` names the
/// login in a failure.
async fn refused(
    server: &duet_server::RunningServer,
    case: &str,
    login: ClientMessage,
    code: ErrorCode,
) {
    let mut client = Client::connect(server).await;
    let req = client.send(login).await;
    assert_eq!(client.expect_error().await, (code, Some(req)), "{case}");
    client.expect_closed().await;
}

#[tokio::test]
async fn refused_logins_name_the_cause_and_close_the_connection() {
    let (server, _dir) = start_server().await;
    let admin = server.admin();
    let alice = add_user(&server, "alice").await;
    let bob = add_user(&server, "bob").await;

    // Expired a minute ago: a token expiring "now" could still be valid by the server's clock, which
    // may trail the wall clock by a millisecond of rounding.
    let secret = admin.apps().await.unwrap()[0].secret.clone();
    let expired = LoginClaims {
        app: "demo".into(),
        account: "alice".into(),
        iat: duet_server::wall_now_ms() - 120_000,
        exp: duet_server::wall_now_ms() - 60_000,
        jti: "e1".into(),
    };
    let expired = login_token::issue(&secret, &expired);
    let ghost = LoginClaims {
        app: "demo".into(),
        account: "ghost".into(),
        iat: duet_server::wall_now_ms(),
        exp: duet_server::wall_now_ms() + 60_000,
        jti: "g1".into(),
    };
    let ghost = login_token::issue(&secret, &ghost);
    let forged = format!("{}x", &alice[..alice.len() - 1]);
    let cases = [
        (
            "an unknown app",
            login_msg("nope", "alice", &alice, "a1"),
            ErrorCode::UnknownApp,
        ),
        (
            "a token that is not one",
            login_msg("demo", "alice", "dt1.garbage", "a1"),
            ErrorCode::BadToken,
        ),
        (
            "a forged signature",
            login_msg("demo", "alice", &forged, "a1"),
            ErrorCode::BadToken,
        ),
        (
            "another account's token",
            login_msg("demo", "alice", &bob, "a1"),
            ErrorCode::BadToken,
        ),
        (
            "an expired token",
            login_msg("demo", "alice", &expired, "a1"),
            ErrorCode::TokenExpired,
        ),
        (
            "a token for an account that does not exist",
            login_msg("demo", "ghost", &ghost, "g1"),
            ErrorCode::UnknownAccount,
        ),
    ];
    for (case, login, code) in cases {
        refused(&server, case, login, code).await;
    }

    admin.revoke_all("demo", "alice").await.unwrap();
    refused(
        &server,
        "a token revoked with all of its account's",
        login_msg("demo", "alice", &alice, "a1"),
        ErrorCode::TokenRevoked,
    )
    .await;
    let fresh = admin
        .issue_token("demo", "alice", Duration::from_secs(60))
        .await
        .unwrap();
    Client::login(&server, "alice", &fresh, "a1")
        .await
        .assert_usable()
        .await;

    admin.revoke_token("demo", &bob).await.unwrap();
    refused(
        &server,
        "a token revoked by itself",
        login_msg("demo", "bob", &bob, "b1"),
        ErrorCode::TokenRevoked,
    )
    .await;
    let other = admin
        .issue_token("demo", "bob", Duration::from_secs(60))
        .await
        .unwrap();
    Client::login(&server, "bob", &other, "b1")
        .await
        .assert_usable()
        .await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn requests_before_login_are_refused_without_closing() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::connect(&server).await;
    let req = client.send(ClientMessage::ContactsList).await;
    assert_eq!(
        client.expect_error().await,
        (ErrorCode::NotLoggedIn, Some(req))
    );
    client.send(login_msg("demo", "alice", &token, "a1")).await;
    let ok = client.recv().await;
    assert!(matches!(ok.msg, ServerMessage::LoginOk { .. }), "{ok:?}");
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_connection_that_never_logs_in_is_closed() {
    let (server, _dir) = start_server_with(|config| {
        config.login_timeout_ms = 100;
    })
    .await;
    let mut client = Client::connect(&server).await;
    assert_eq!(client.expect_error().await, (ErrorCode::NotLoggedIn, None));
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_new_login_of_the_same_device_replaces_the_old_connection_without_ending_its_call() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    support::answered_call(&mut alice, &mut bob, "c1").await;

    let (mut again, calls) = Client::login_with_resync(&server, "alice", &alice_token, "a1").await;
    assert_eq!(alice.expect_error().await.0, ErrorCode::AlreadyLoggedIn);
    alice.expect_closed().await;
    assert_eq!(
        calls.len(),
        1,
        "the new connection is re-synced into the call"
    );
    assert_eq!(calls[0].call_id.as_str(), "c1");

    // The peer saw nothing: its next frame answers its own ping.
    let req = bob.send(ClientMessage::Ping).await;
    let frame = bob.recv().await;
    assert_eq!((frame.req, frame.msg), (Some(req), ServerMessage::Pong));
    again.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn connections_over_the_limit_get_server_full() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.max_connections = 1;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let mut first = Client::login(&server, "alice", &token, "a1").await;
    let mut second = Client::connect(&server).await;
    assert_eq!(second.expect_error().await, (ErrorCode::ServerFull, None));
    second.expect_closed().await;
    first.assert_usable().await;
    server.shutdown().await.unwrap();
}
