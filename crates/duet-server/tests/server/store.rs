//! The store on real databases, every test on both backends (see backends.rs): contacts,
//! records and live calls, accounts, tokens and invites.

use crate::backends::{Backend, Db};
use duet_protocol::{AccountId, CallId, CallRecord, CallStatus, CallType, EndReason};
use duet_server::store::{CallWrite, Link, LinkPair};
use duet_server::App;

mod accounts;
mod calls;

crate::on_both_backends!(
    a_link_pair_is_written_both_ways_and_read_from_either_side,
    links_list_every_account_linked_either_way_with_nicks_and_count_pending_requests,
    a_search_leaves_out_accounts_that_blocked_the_searcher,
    a_search_takes_like_wildcards_literally,
    a_record_hidden_from_the_callee_is_in_the_callers_history_only,
    the_contact_policy_is_stored_per_app,
);

pub(crate) fn id(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

/// A fresh database with app `demo` and `accounts` in it (nick: "<account> nick").
pub(crate) async fn store_with(backend: Backend, accounts: &[&str]) -> Db {
    let db = Db::fresh(backend).await;
    let store = &db.store;
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
    db
}

fn pair(own: Option<Link>, theirs: Option<Link>) -> LinkPair {
    LinkPair { own, theirs }
}

async fn a_link_pair_is_written_both_ways_and_read_from_either_side(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = &db.store;
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

async fn links_list_every_account_linked_either_way_with_nicks_and_count_pending_requests(
    backend: Backend,
) {
    let db = store_with(backend, &["alice", "bob", "carol", "dave", "erin"]).await;
    let store = &db.store;
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

async fn a_search_leaves_out_accounts_that_blocked_the_searcher(backend: Backend) {
    let db = store_with(backend, &["alice", "bob", "bobby"]).await;
    let store = &db.store;
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
    let found = |searcher: &'static str| async move {
        store
            .search("demo", &id(searcher), "bo", 20)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.account.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(found("alice").await, ["bobby"]);
    assert_eq!(found("bobby").await, ["bob", "bobby"]);
}

async fn a_search_takes_like_wildcards_literally(backend: Backend) {
    let db = store_with(backend, &["ann_a", "annxa", "Ann"]).await;
    let found = |query: &'static str| {
        let store = db.store.clone();
        async move {
            store
                .search("demo", &id("ann_a"), query, 20)
                .await
                .unwrap()
                .into_iter()
                .map(|u| u.account.to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("n_a").await, ["ann_a"], "`_` is not a wildcard");
    assert_eq!(found("%").await, Vec::<String>::new(), "`%` is not either");
    assert_eq!(
        found("ANN").await,
        ["Ann", "ann_a", "annxa"],
        "case-insensitive, by account"
    );
}

async fn a_record_hidden_from_the_callee_is_in_the_callers_history_only(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = &db.store;
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

async fn the_contact_policy_is_stored_per_app(backend: Backend) {
    let db = store_with(backend, &[]).await;
    let store = &db.store;
    let policy = || async { store.app("demo").await.unwrap().unwrap().contacts };
    assert_eq!(policy().await, duet_protocol::ContactPolicy::Mutual);
    assert!(store
        .set_contact_policy("demo", duet_protocol::ContactPolicy::Open)
        .await
        .unwrap());
    assert_eq!(policy().await, duet_protocol::ContactPolicy::Open);
    assert!(!store
        .set_contact_policy("nope", duet_protocol::ContactPolicy::Open)
        .await
        .unwrap());
}
