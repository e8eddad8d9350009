//! Contact requests, blocks and the contact policies, between real clients.

use crate::contacts::{contacts, next_change, next_presence, ok};
use crate::support::{account, answered_call, Client};
use duet_protocol::{
    CallAction, CallEvent, CallRecord, CallStatus, ClientMessage, ContactPolicy, ContactState,
    EndReason, ErrorCode, Presence, ServerMessage,
};
use duet_testkit::{add_user, make_contacts, start_server};

/// Nothing arrives on `client` before the answer to a ping: nothing was pushed to it.
async fn nothing_pushed(client: &mut Client) {
    let req = client.send(ClientMessage::Ping).await;
    let frame = client.recv().await;
    assert_eq!(
        (frame.req, &frame.msg),
        (Some(req), &ServerMessage::Pong),
        "expected nothing before the pong, got {frame:?}"
    );
}

/// The first page of `client`'s call history.
async fn history(client: &mut Client) -> Vec<CallRecord> {
    client
        .send(ClientMessage::HistoryList {
            before: None,
            limit: None,
        })
        .await;
    match client
        .recv_until(|m| matches!(m, ServerMessage::History { .. }))
        .await
        .msg
    {
        ServerMessage::History { records, .. } => records,
        _ => unreachable!("filtered above"),
    }
}

/// `client`'s list as (account, state, presence), by account.
async fn listed(client: &mut Client) -> Vec<(String, ContactState, Presence)> {
    contacts(client)
        .await
        .into_iter()
        .map(|c| (c.account.to_string(), c.state, c.presence))
        .collect()
}

fn add(to: &str) -> ClientMessage {
    ClientMessage::ContactsAdd {
        account: account(to),
    }
}

/// The directory's accounts for `query`.
async fn search(client: &mut Client, query: &str) -> Vec<String> {
    client
        .send(ClientMessage::DirectorySearch {
            query: query.into(),
            limit: None,
        })
        .await;
    let frame = client
        .recv_until(|m| !matches!(m, ServerMessage::Presence { .. }))
        .await;
    let ServerMessage::Directory { users } = frame.msg else {
        panic!("expected a directory answer, got {frame:?}");
    };
    users.into_iter().map(|u| u.account.to_string()).collect()
}

#[tokio::test]
async fn finding_8_presence_goes_only_to_accepted_contacts() {
    let (server, _dir) = start_server().await;
    let wendy_token = add_user(&server, "wendy").await;
    let alice_token = add_user(&server, "alice").await;
    let carol_token = add_user(&server, "carol").await;
    make_contacts(&server, "wendy", "alice").await;
    let mut wendy = Client::login(&server, "wendy", &wendy_token, "w1").await;
    ok(&mut wendy, add("carol")).await;
    next_change(&mut wendy).await;

    let _carol = Client::login(&server, "carol", &carol_token, "c1").await;
    nothing_pushed(&mut wendy).await;
    let _alice = Client::login(&server, "alice", &alice_token, "a1").await;
    assert_eq!(
        next_presence(&mut wendy).await,
        ("alice".into(), Presence::Online)
    );
    assert_eq!(
        listed(&mut wendy).await,
        [
            ("alice".into(), ContactState::Accepted, Presence::Online),
            ("carol".into(), ContactState::Outgoing, Presence::Offline),
        ],
        "a pending request shows its account offline"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_request_is_accepted_and_both_see_presence() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;

    ok(&mut alice, add("bob")).await;
    let (about, entry) = next_change(&mut alice).await;
    assert_eq!(
        (about.as_str(), entry.map(|c| c.state)),
        ("bob", Some(ContactState::Outgoing))
    );
    let (about, entry) = next_change(&mut bob).await;
    let entry = entry.expect("the request is in bob's list");
    assert_eq!(
        (
            about.as_str(),
            entry.nick.as_str(),
            entry.state,
            entry.presence
        ),
        (
            "alice",
            "alice nick",
            ContactState::Incoming,
            Presence::Offline
        ),
        "a request shows its sender offline"
    );

    ok(
        &mut bob,
        ClientMessage::ContactsAccept {
            account: account("alice"),
        },
    )
    .await;
    for (client, other) in [(&mut alice, "bob"), (&mut bob, "alice")] {
        let (about, entry) = next_change(client).await;
        let entry = entry.expect("still in the list");
        assert_eq!(
            (about.as_str(), entry.state, entry.presence),
            (other, ContactState::Accepted, Presence::Online)
        );
    }
    assert_eq!(
        listed(&mut alice).await,
        [("bob".into(), ContactState::Accepted, Presence::Online)]
    );

    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "call-1").await;
    assert_eq!(
        next_presence(&mut alice).await,
        ("bob".into(), Presence::InCall)
    );
    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice
        .call("call-1", "a1", 2, Some(&alice_call_token), hangup)
        .await;
    assert_eq!(
        next_presence(&mut alice).await,
        ("bob".into(), Presence::Online)
    );
    drop(bob);
    assert_eq!(
        next_presence(&mut alice).await,
        ("bob".into(), Presence::Offline)
    );

    // Removing ends it on both sides.
    let mut bob = Client::login(&server, "bob", &bob_token, "b2").await;
    ok(
        &mut alice,
        ClientMessage::ContactsRemove {
            account: account("bob"),
        },
    )
    .await;
    assert_eq!(next_change(&mut bob).await, ("alice".into(), None));
    assert!(listed(&mut bob).await.is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_ignored_request_is_not_delivered_again() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    ok(&mut alice, add("bob")).await;
    next_change(&mut alice).await;
    next_change(&mut bob).await;

    ok(
        &mut bob,
        ClientMessage::ContactsIgnore {
            account: account("alice"),
        },
    )
    .await;
    assert_eq!(next_change(&mut bob).await, ("alice".into(), None));
    nothing_pushed(&mut alice).await;
    assert_eq!(
        listed(&mut alice).await,
        [("bob".into(), ContactState::Outgoing, Presence::Offline)],
        "the sender is not told"
    );

    ok(&mut alice, add("bob")).await;
    nothing_pushed(&mut bob).await;
    assert!(listed(&mut bob).await.is_empty());
    let mut bob_again = Client::login(&server, "bob", &bob_token, "b2").await;
    assert!(
        listed(&mut bob_again).await.is_empty(),
        "not after a new login either"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_blocked_caller_gets_busy_and_the_blocker_sees_nothing() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    make_contacts(&server, "alice", "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut alice_phone = Client::login(&server, "alice", &alice_token, "a2").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    next_presence(&mut alice).await;

    ok(
        &mut bob,
        ClientMessage::ContactsBlock {
            account: account("alice"),
        },
    )
    .await;
    let (about, entry) = next_change(&mut bob).await;
    assert_eq!(
        (about.as_str(), entry.map(|c| (c.state, c.presence))),
        ("alice", Some((ContactState::Blocked, Presence::Offline)))
    );
    assert_eq!(
        next_change(&mut alice).await,
        ("bob".into(), None),
        "to alice a block looks like a removal"
    );

    alice
        .call("c-blocked", "a1", 1, None, crate::support::invite("bob"))
        .await;
    let token = alice.ack_token().await;
    assert!(token.starts_with("ct1."), "the ack carries a call token");
    let (_, busy) = alice.call_event().await;
    assert_eq!(busy, CallEvent::Busy);
    for client in [&mut alice, &mut alice_phone] {
        let (_, record) = client.call_event().await;
        let CallEvent::Record { record } = record else {
            panic!("expected the record, got {record:?}");
        };
        assert_eq!(
            (record.status, record.from.as_str(), record.to.as_str()),
            (CallStatus::Busy, "alice", "bob")
        );
    }
    nothing_pushed(&mut bob).await;

    server.flush().await;
    let alice_history = history(&mut alice).await;
    assert_eq!(alice_history.len(), 1, "the caller keeps its busy call");
    assert_eq!(alice_history[0].status, CallStatus::Busy);
    assert!(
        history(&mut bob).await.is_empty(),
        "no missed call for the blocker"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_blocked_account_sees_the_blocker_offline_and_cannot_find_them() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    assert_eq!(search(&mut alice, "bo").await, ["bob"]);

    ok(
        &mut bob,
        ClientMessage::ContactsBlock {
            account: account("alice"),
        },
    )
    .await;
    next_change(&mut bob).await;
    assert!(search(&mut alice, "bo").await.is_empty());
    assert_eq!(
        search(&mut bob, "al").await,
        ["alice"],
        "the blocker still finds them"
    );

    ok(&mut alice, add("bob")).await;
    next_change(&mut alice).await;
    assert_eq!(
        listed(&mut alice).await,
        [("bob".into(), ContactState::Outgoing, Presence::Offline)],
        "accepted silently: bob is online, alice sees him offline"
    );
    nothing_pushed(&mut bob).await;
    assert_eq!(
        listed(&mut bob).await,
        [("alice".into(), ContactState::Blocked, Presence::Offline)]
    );
    let req = bob.send(add("alice")).await;
    assert_eq!(
        bob.expect_error().await,
        (ErrorCode::InvalidState, Some(req)),
        "adding a blocked account needs an unblock first"
    );

    ok(
        &mut bob,
        ClientMessage::ContactsUnblock {
            account: account("alice"),
        },
    )
    .await;
    assert_eq!(next_change(&mut bob).await, ("alice".into(), None));
    assert!(
        listed(&mut bob).await.is_empty(),
        "unblocking restores nothing, and the request made meanwhile never arrives"
    );
    assert_eq!(search(&mut alice, "bo").await, ["bob"]);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_open_policy_keeps_one_way_contacts() {
    let (server, _dir) = start_server().await;
    server
        .admin()
        .set_contact_policy("demo", ContactPolicy::Open)
        .await
        .unwrap();
    let wendy_token = add_user(&server, "wendy").await;
    let alice_token = add_user(&server, "alice").await;
    let mut wendy = Client::login(&server, "wendy", &wendy_token, "w1").await;
    ok(&mut wendy, add("alice")).await;
    assert_eq!(
        listed(&mut wendy).await,
        [("alice".into(), ContactState::Accepted, Presence::Offline)]
    );
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    assert_eq!(
        next_presence(&mut wendy).await,
        ("alice".into(), Presence::Online),
        "without alice's yes"
    );
    assert!(
        listed(&mut alice).await.is_empty(),
        "alice is not asked and does not see wendy"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn requests_waiting_for_an_answer_are_limited() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    for n in 0..100 {
        let name = format!("user{n}");
        add_user(&server, &name).await;
        ok(&mut alice, add(&name)).await;
    }
    add_user(&server, "one-more").await;
    let req = alice.send(add("one-more")).await;
    let error = alice
        .recv_until(|m| !matches!(m, ServerMessage::ContactsChanged { .. }))
        .await;
    assert!(
        matches!(
            error.msg,
            ServerMessage::Error {
                code: ErrorCode::TooManyPending,
                ..
            }
        ) && error.req == Some(req),
        "{error:?}"
    );
    ok(
        &mut alice,
        ClientMessage::ContactsRemove {
            account: account("user0"),
        },
    )
    .await;
    ok(&mut alice, add("one-more")).await;
    server.shutdown().await.unwrap();
}
