//! The store's contact queries on a real SQLite file.

use duet_protocol::{AccountId, CallId, CallRecord, CallStatus, CallType, EndReason};
use duet_server::store::{CallWrite, Link, LinkPair};
use duet_server::{App, SqliteStore, Store};

fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

async fn store_with(accounts: &[&str]) -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite");
    let store = SqliteStore::open(path.to_str().unwrap()).await.unwrap();
    let app = App {
        app_key: "demo".into(),
        secret: "s".into(),
        safe_mode: true,
        registration: Default::default(),
        contacts: Default::default(),
    };
    assert!(store.create_app(&app, 1).await.unwrap());
    for account in accounts {
        let nick = format!("{account} nick");
        store
            .upsert_account("demo", &id(account), &nick, 1)
            .await
            .unwrap();
    }
    (store, dir)
}

fn pair(own: Option<Link>, theirs: Option<Link>) -> LinkPair {
    LinkPair { own, theirs }
}

#[tokio::test]
async fn a_link_pair_is_written_both_ways_and_read_from_either_side() {
    let (store, _dir) = store_with(&["alice", "bob"]).await;
    let (alice, bob) = (id("alice"), id("bob"));
    let asked = pair(Some(Link::Requested), None);
    store
        .set_link_pair("demo", &alice, &bob, asked, 5)
        .await
        .unwrap();
    assert_eq!(store.link_pair("demo", &alice, &bob).await.unwrap(), asked);
    assert_eq!(
        store.link_pair("demo", &bob, &alice).await.unwrap(),
        asked.flipped()
    );
    let blocked = pair(Some(Link::Blocked), Some(Link::Ignored));
    store
        .set_link_pair("demo", &alice, &bob, blocked, 6)
        .await
        .unwrap();
    assert_eq!(
        store.link_pair("demo", &alice, &bob).await.unwrap(),
        blocked
    );
    store
        .set_link_pair("demo", &alice, &bob, LinkPair::default(), 7)
        .await
        .unwrap();
    assert_eq!(
        store.link_pair("demo", &alice, &bob).await.unwrap(),
        LinkPair::default(),
        "`None` deletes"
    );
}

#[tokio::test]
async fn links_list_every_account_linked_either_way_with_nicks_and_count_pending_requests() {
    let (store, _dir) = store_with(&["alice", "bob", "carol", "dave", "erin"]).await;
    let alice = id("alice");
    let links = [
        ("bob", pair(Some(Link::Accepted), Some(Link::Accepted))),
        ("carol", pair(None, Some(Link::Requested))),
        ("dave", pair(Some(Link::Requested), None)),
        ("erin", pair(Some(Link::Ignored), Some(Link::Blocked))),
    ];
    for (other, links) in links {
        store
            .set_link_pair("demo", &alice, &id(other), links, 1)
            .await
            .unwrap();
    }
    let listed: Vec<(String, String, LinkPair)> = store
        .links("demo", &alice)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.user.account.to_string(), l.user.nick, l.links))
        .collect();
    let expected: Vec<(String, String, LinkPair)> = links
        .iter()
        .map(|(other, links)| (other.to_string(), format!("{other} nick"), *links))
        .collect();
    assert_eq!(listed, expected);
    assert_eq!(
        store.pending_requests("demo", &alice).await.unwrap(),
        2,
        "requested and ignored"
    );
    assert_eq!(
        store.pending_requests("demo", &id("carol")).await.unwrap(),
        1
    );
}

#[tokio::test]
async fn a_search_leaves_out_accounts_that_blocked_the_searcher() {
    let (store, _dir) = store_with(&["alice", "bob", "bobby"]).await;
    store
        .set_link_pair(
            "demo",
            &id("bob"),
            &id("alice"),
            pair(Some(Link::Blocked), None),
            1,
        )
        .await
        .unwrap();
    let found = |searcher: &'static str| {
        let store = store.clone();
        async move {
            store
                .search("demo", &id(searcher), "bo", 20)
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.account.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("alice").await, ["bobby"]);
    assert_eq!(found("bobby").await, ["bob", "bobby"]);
}

#[tokio::test]
async fn a_record_hidden_from_the_callee_is_in_the_callers_history_only() {
    let (store, _dir) = store_with(&["alice", "bob"]).await;
    let record = CallRecord {
        call_id: CallId::new("c-1").unwrap(),
        from: id("alice"),
        to: id("bob"),
        call_type: CallType::Audio,
        status: CallStatus::Busy,
        reason: EndReason::UserBusy,
        started_at_ms: 1,
        answered_at_ms: None,
        ended_at_ms: 1,
        duration_ms: 0,
    };
    let write = CallWrite::Ended {
        app_key: "demo".into(),
        record,
        hidden_from_callee: true,
    };
    store.apply(&[write]).await.unwrap();
    assert_eq!(
        store
            .history("demo", &id("alice"), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(store
        .history("demo", &id("bob"), None, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn the_contact_policy_is_stored_per_app() {
    let (store, _dir) = store_with(&[]).await;
    let policy = |store: &SqliteStore| {
        let store = store.clone();
        async move { store.app("demo").await.unwrap().unwrap().contacts }
    };
    assert_eq!(policy(&store).await, duet_protocol::ContactPolicy::Mutual);
    assert!(store
        .set_contact_policy("demo", duet_protocol::ContactPolicy::Open)
        .await
        .unwrap());
    assert_eq!(policy(&store).await, duet_protocol::ContactPolicy::Open);
    assert!(!store
        .set_contact_policy("nope", duet_protocol::ContactPolicy::Open)
        .await
        .unwrap());
}
