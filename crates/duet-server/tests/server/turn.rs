//! TURN REST API credentials: handed out at login, per account, and pushed again before they
//! expire.

use crate::support::{login_msg, Client};
use duet_protocol::{IceServer, ServerMessage};
use duet_server::turn_credentials::password;
use duet_server::TurnSettings;
use duet_testkit::{add_user, start_server, start_server_with};
use std::time::Duration;

fn turn_entry(servers: &[IceServer]) -> &IceServer {
    servers
        .iter()
        .find(|s| s.username.is_some())
        .expect("an entry with a TURN credential")
}

#[tokio::test]
async fn each_login_gets_its_own_turn_credential_and_a_fresh_one_before_expiry() {
    let (server, _dir) = start_server_with(|config| {
        config.ice_servers = vec![IceServer {
            urls: vec!["stun:198.51.100.7:3478".into()],
            username: None,
            credential: None,
        }];
        config.turn = Some(TurnSettings {
            secret: "north".into(),
            urls: vec!["turn:198.51.100.7:3478?transport=udp".into()],
            ttl: Duration::from_secs(2),
        });
    })
    .await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;

    let mut alice = Client::connect(&server).await;
    alice
        .send(login_msg("demo", "alice", &alice_token, "alice-pc"))
        .await;
    let ServerMessage::LoginOk {
        ice_servers,
        ice_expires_at_ms: Some(expires),
        ..
    } = alice.recv().await.msg
    else {
        panic!("login.ok with an expiry expected");
    };
    assert_eq!(
        ice_servers[0].urls,
        ["stun:198.51.100.7:3478"],
        "static servers first"
    );
    let turn = turn_entry(&ice_servers);
    let username = turn.username.clone().unwrap();
    assert_eq!(username, format!("{}:alice", expires / 1000));
    assert_eq!(
        turn.credential.as_deref(),
        Some(password("north", &username).as_str())
    );

    let mut bob = Client::connect(&server).await;
    bob.send(login_msg("demo", "bob", &bob_token, "bob-pc"))
        .await;
    let ServerMessage::LoginOk {
        ice_servers: bobs, ..
    } = bob.recv().await.msg
    else {
        panic!("login.ok expected");
    };
    assert!(turn_entry(&bobs)
        .username
        .as_deref()
        .unwrap()
        .ends_with(":bob"));
    assert_ne!(turn_entry(&bobs).credential, turn.credential);

    // At 3/4 of the 2 s lifetime the server pushes a fresh credential on its own.
    let push = alice
        .recv_until(|msg| matches!(msg, ServerMessage::IceServers { .. }))
        .await;
    let ServerMessage::IceServers {
        ice_servers: fresh,
        ice_expires_at_ms,
    } = push.msg
    else {
        unreachable!("recv_until returns the awaited message");
    };
    assert!(
        ice_expires_at_ms > expires,
        "the fresh credential outlives the first"
    );
    let fresh_turn = turn_entry(&fresh);
    let fresh_name = fresh_turn.username.clone().unwrap();
    assert_eq!(fresh_name, format!("{}:alice", ice_expires_at_ms / 1000));
    assert_eq!(
        fresh_turn.credential.as_deref(),
        Some(password("north", &fresh_name).as_str())
    );
    alice.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_turn_there_is_no_expiry_and_no_push() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut alice = Client::connect(&server).await;
    alice
        .send(login_msg("demo", "alice", &token, "alice-pc"))
        .await;
    let ServerMessage::LoginOk {
        ice_servers,
        ice_expires_at_ms,
        ..
    } = alice.recv().await.msg
    else {
        panic!("login.ok expected");
    };
    assert!(ice_servers.is_empty(), "no STUN or TURN server is built in");
    assert_eq!(ice_expires_at_ms, None);
    server.shutdown().await.unwrap();
}
