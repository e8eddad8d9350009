//! Contacts, presence pushes, directory search and history pages.

use crate::support::{self, account, answered_call, Client};
use duet_protocol::{
    CallAction, CallRecord, CallStatus, ClientMessage, Contact, ContactState, EndReason, ErrorCode,
    Presence, ServerMessage,
};
use duet_testkit::{add_user, server_config, start_server, start_server_with};
use std::time::Duration;

pub(crate) async fn contacts(client: &mut Client) -> Vec<Contact> {
    client.send(ClientMessage::ContactsList).await;
    match client
        .recv_until(|m| matches!(m, ServerMessage::Contacts { .. }))
        .await
        .msg
    {
        ServerMessage::Contacts { contacts } => contacts,
        _ => unreachable!("filtered above"),
    }
}

/// Sends `msg` and asserts that it is answered with `ok` (pushes met before it are skipped).
pub(crate) async fn ok(client: &mut Client, msg: ClientMessage) {
    let req = client.send(msg).await;
    let answer = client
        .recv_until(|m| {
            !matches!(
                m,
                ServerMessage::Presence { .. } | ServerMessage::ContactsChanged { .. }
            )
        })
        .await;
    assert_eq!((answer.req, answer.msg), (Some(req), ServerMessage::Ok));
}

/// The next `contacts.changed` push: the account it is about, and its entry (none: gone).
pub(crate) async fn next_change(client: &mut Client) -> (String, Option<Contact>) {
    match client
        .recv_until(|m| matches!(m, ServerMessage::ContactsChanged { .. }))
        .await
        .msg
    {
        ServerMessage::ContactsChanged { account, contact } => (account.to_string(), contact),
        _ => unreachable!("filtered above"),
    }
}

pub(crate) async fn next_presence(client: &mut Client) -> (String, Presence) {
    match client
        .recv_until(|m| matches!(m, ServerMessage::Presence { .. }))
        .await
        .msg
    {
        ServerMessage::Presence { account, presence } => (account.to_string(), presence),
        _ => unreachable!("filtered above"),
    }
}

#[tokio::test]
async fn contacts_carry_presence_and_watchers_get_every_change() {
    let (server, _dir) = start_server().await;
    let watcher_token = add_user(&server, "wendy").await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut wendy = Client::login(&server, "wendy", &watcher_token, "w1").await;

    let req = wendy
        .send(ClientMessage::ContactsAdd {
            account: account("ghost"),
        })
        .await;
    assert_eq!(
        wendy.expect_error().await,
        (ErrorCode::UnknownAccount, Some(req))
    );
    ok(
        &mut wendy,
        ClientMessage::ContactsAdd {
            account: account("alice"),
        },
    )
    .await;
    let listed = contacts(&mut wendy).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (
            listed[0].account.as_str(),
            listed[0].nick.as_str(),
            listed[0].presence,
            listed[0].state
        ),
        (
            "alice",
            "alice nick",
            Presence::Offline,
            ContactState::Outgoing
        )
    );

    // alice answers the request once she is online; from then on wendy sees her presence.
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    ok(
        &mut alice,
        ClientMessage::ContactsAccept {
            account: account("wendy"),
        },
    )
    .await;
    let (changed, entry) = next_change(&mut wendy).await;
    let entry = entry.expect("alice is in wendy's list");
    assert_eq!(
        (changed.as_str(), entry.state, entry.presence),
        ("alice", ContactState::Accepted, Presence::Online)
    );
    assert_eq!(contacts(&mut wendy).await[0].presence, Presence::Online);

    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "call-1").await;
    assert_eq!(
        next_presence(&mut wendy).await,
        ("alice".into(), Presence::InCall)
    );
    assert_eq!(contacts(&mut wendy).await[0].presence, Presence::InCall);

    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice
        .call("call-1", "a1", 2, Some(&alice_call_token), hangup)
        .await;
    assert_eq!(
        next_presence(&mut wendy).await,
        ("alice".into(), Presence::Online)
    );

    drop(alice);
    assert_eq!(
        next_presence(&mut wendy).await,
        ("alice".into(), Presence::Offline)
    );

    let req = wendy
        .send(ClientMessage::ContactsRemove {
            account: account("alice"),
        })
        .await;
    let ok = wendy
        .recv_until(|m| !matches!(m, ServerMessage::Presence { .. }))
        .await;
    assert_eq!((ok.req, ok.msg), (Some(req), ServerMessage::Ok));
    assert!(contacts(&mut wendy).await.is_empty());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn directory_search_finds_accounts_and_nicknames_of_the_same_app_only() {
    let (server, _dir) = start_server().await;
    let admin = server.admin();
    let ttl = Duration::from_secs(60);
    let token = admin
        .add_user("demo", "alice", "Alice Liddell", ttl)
        .await
        .unwrap();
    admin.add_user("demo", "albert", "Bert", ttl).await.unwrap();
    admin.add_user("demo", "zed", "Zalia", ttl).await.unwrap();
    admin.add_app("other", true).await.unwrap();
    admin
        .add_user("other", "alicia", "Alicia", ttl)
        .await
        .unwrap();
    let mut client = Client::login(&server, "alice", &token, "a1").await;

    let search = |query: &str| ClientMessage::DirectorySearch {
        query: query.into(),
        limit: None,
    };
    client.send(search("AL")).await;
    let ServerMessage::Directory { users } = client.recv().await.msg else {
        panic!("expected a directory answer");
    };
    let found: Vec<&str> = users.iter().map(|u| u.account.as_str()).collect();
    assert_eq!(
        found,
        ["albert", "alice", "zed"],
        "by account or nickname, never another app's"
    );

    client.send(search("liddell")).await;
    let ServerMessage::Directory { users } = client.recv().await.msg else {
        panic!("expected a directory answer");
    };
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].account.as_str(), users[0].nick.as_str()),
        ("alice", "Alice Liddell")
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_8_directory_search_needs_two_characters() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    add_user(&server, "bob").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    for query in ["", " ", " b ", "%"] {
        let req = client
            .send(ClientMessage::DirectorySearch {
                query: query.into(),
                limit: None,
            })
            .await;
        assert_eq!(
            client.expect_error().await,
            (ErrorCode::QueryTooShort, Some(req)),
            "query {query:?} would list every account"
        );
    }
    client.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn directory_search_is_rate_limited() {
    let (server, _dir) = start_server_with(|config| {
        // No refill within the test: only the burst counts.
        config.limits.directory_refill_ms = 3_600_000;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    let search = ClientMessage::DirectorySearch {
        query: "bob".into(),
        limit: None,
    };
    let burst = server_config(std::path::Path::new("."))
        .limits
        .directory_burst;
    for _ in 0..burst {
        client.send(search.clone()).await;
        let frame = client.recv().await;
        assert!(
            matches!(frame.msg, ServerMessage::Directory { .. }),
            "{frame:?}"
        );
    }
    let req = client.send(search).await;
    assert_eq!(
        client.expect_error().await,
        (ErrorCode::RateLimited, Some(req))
    );
    client.assert_usable().await;
    server.shutdown().await.unwrap();
}

async fn history_page(
    client: &mut Client,
    before: Option<String>,
) -> (Vec<CallRecord>, Option<String>) {
    client
        .send(ClientMessage::HistoryList {
            before,
            limit: Some(2),
        })
        .await;
    match client
        .recv_until(|m| matches!(m, ServerMessage::History { .. }))
        .await
        .msg
    {
        ServerMessage::History { records, next } => (records, next),
        _ => unreachable!("filtered above"),
    }
}

#[tokio::test]
async fn history_comes_in_pages_newest_first() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    for n in 1..=5 {
        let id = format!("h{n}");
        alice.call(&id, "a1", 1, None, support::invite("bob")).await;
        let token = alice.ack_token().await;
        alice
            .call(&id, "a1", 2, Some(&token), CallAction::Cancel)
            .await;
        alice
            .recv_until(|m| {
                matches!(
                    m,
                    ServerMessage::Call {
                        event: duet_protocol::CallEvent::Record { .. },
                        ..
                    }
                )
            })
            .await;
    }
    server.flush().await;

    let (first, next) = history_page(&mut alice, None).await;
    let ids = |records: &[CallRecord]| {
        records
            .iter()
            .map(|r| r.call_id.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&first), ["h5", "h4"]);
    assert!(first
        .iter()
        .all(|r| r.status == CallStatus::Canceled && r.from.as_str() == "alice"));
    let (second, next) = history_page(&mut alice, next).await;
    assert_eq!(ids(&second), ["h3", "h2"]);
    let (third, next) = history_page(&mut alice, next).await;
    assert_eq!(ids(&third), ["h1"]);
    assert_eq!(next, None, "the last page has no `next`");
    server.shutdown().await.unwrap();
}
