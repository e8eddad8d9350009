//! A connection that stops sending is dropped after three heartbeats, as if it were lost.

use crate::support::{account, Client};
use duet_protocol::{ClientMessage, Presence, ServerMessage};
use duet_testkit::{add_user, start_server_with};

#[tokio::test]
async fn a_silent_connection_is_dropped_and_its_account_goes_offline() {
    let (server, _dir) = start_server_with(|config| {
        // A tiny heartbeat instead of a long wait; nothing below asserts how long anything took.
        config.heartbeat_ms = 100;
    })
    .await;
    let silent_token = add_user(&server, "sam").await;
    let watcher_token = add_user(&server, "wendy").await;
    server
        .admin()
        .add_contact("demo", "wendy", "sam")
        .await
        .unwrap();

    let mut sam = Client::login(&server, "sam", &silent_token, "s1").await;
    sam.expect_closed().await;

    let mut wendy = Client::login(&server, "wendy", &watcher_token, "w1").await;
    wendy.send(ClientMessage::ContactsList).await;
    let ServerMessage::Contacts { contacts } = wendy.recv().await.msg else {
        panic!("expected the contact list");
    };
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].account, account("sam"));
    assert_eq!(
        contacts[0].presence,
        Presence::Offline,
        "the dropped connection left"
    );
    server.shutdown().await.unwrap();
}
