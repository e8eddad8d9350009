//! Several nodes on one database and one Redis bus: a call between devices on different nodes
//! behaves as on one node, and a node leaving hands its apps' hubs to another without ending
//! their calls.

use crate::backends::{fresh_postgres_database, Backend};
use crate::support::{
    answered_call, hang_up, log_in_until_it_works, scrape, try_log_in, value, Client,
};
use duet_protocol::{
    CallAction, CallEvent, CallSnapshotPhase, CallStatus, EndReason, ErrorCode, ServerMessage,
};
use duet_server::{ClusterSettings, RunningServer, ServerConfig};
use duet_testkit::{server_config, TempRedis};
use std::path::Path;
use std::time::Duration;

/// Short, so that a lost node's apps move quickly in tests (the default is 3 s).
const LEASE: Duration = Duration::from_secs(1);

/// The database every node of a test shares: a SQLite file in `dir` (several processes may share
/// one on one machine), or a fresh PostgreSQL database.
pub(crate) async fn shared_database(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => dir.join("duet.sqlite").to_string_lossy().into_owned(),
        Backend::Postgres => fresh_postgres_database().await,
    }
}

async fn node(database: &str, dir: &Path, redis: &TempRedis, name: &str) -> RunningServer {
    node_with_lease(database, dir, redis, name, LEASE).await
}

/// Node `name` of the cluster on `database` and `redis`, its apps' leases lasting `lease`.
pub(crate) async fn node_with_lease(
    database: &str,
    dir: &Path,
    redis: &TempRedis,
    name: &str,
    lease: Duration,
) -> RunningServer {
    let config = node_config(database, dir, redis, name, lease);
    duet_server::start(config).await.unwrap()
}

/// The configuration of [`node_with_lease`], for a test to change before starting the node.
pub(crate) fn node_config(
    database: &str,
    dir: &Path,
    redis: &TempRedis,
    name: &str,
    lease: Duration,
) -> ServerConfig {
    let mut config = server_config(dir);
    config.database = database.to_owned();
    config.cluster = Some(ClusterSettings {
        bus: redis.url(),
        node_id: Some(name.to_owned()),
        lease,
    });
    config
}

/// Two nodes of one cluster on one database (see [`shared_database`]) and one Redis, with
/// `accounts` created. The first node, started first, takes the app's lease: its hub decides
/// every call of the app.
struct TwoNodes {
    redis: TempRedis,
    _dir: tempfile::TempDir,
    hub_node: RunningServer,
    other: RunningServer,
    /// The accounts' login tokens, in order.
    tokens: Vec<String>,
}

impl TwoNodes {
    async fn start(backend: Backend, accounts: &[&str]) -> TwoNodes {
        let redis = TempRedis::start();
        let dir = tempfile::tempdir().unwrap();
        let db = shared_database(backend, dir.path()).await;
        let hub_node = node(&db, dir.path(), &redis, "n1").await;
        let other = node(&db, dir.path(), &redis, "n2").await;
        let tokens = tokens(&hub_node, accounts).await;
        TwoNodes {
            redis,
            _dir: dir,
            hub_node,
            other,
            tokens,
        }
    }
}

/// Alice (a1, holding the caller's `alice_token`) hangs up the restored call `c1`; both hear
/// it end, and once the running `nodes` have committed, the database holds exactly one record of
/// it for each.
async fn hang_up_restored_call(
    alice: &mut Client,
    bob: &mut Client,
    alice_token: &str,
    nodes: &[&RunningServer],
) {
    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice.call("c1", "a1", 10, Some(alice_token), hangup).await;
    for client in [alice, bob] {
        let (id, _) = client.call_event().await;
        assert_eq!(id.as_str(), "c1");
    }
    for node in nodes {
        node.flush().await;
    }
    assert_eq!(records(nodes[0], "alice", "c1").await.len(), 1);
    assert_eq!(records(nodes[0], "bob", "c1").await.len(), 1);
}

/// Creates `accounts` in app `demo`: their login tokens, in order.
pub(crate) async fn tokens(server: &RunningServer, accounts: &[&str]) -> Vec<String> {
    let mut tokens = Vec::new();
    for account in accounts {
        let ttl = Duration::from_secs(3600);
        let token = server.admin().add_user("demo", account, account, ttl);
        tokens.push(token.await.unwrap());
    }
    tokens
}

/// The records of call `id` in `account`'s history.
pub(crate) async fn records(
    server: &RunningServer,
    account: &str,
    id: &str,
) -> Vec<duet_protocol::CallRecord> {
    let account = duet_protocol::AccountId::new(account).unwrap();
    let history = server.store().history("demo", &account, None, 100);
    let history = history.await.unwrap();
    history
        .into_iter()
        .map(|(_, record)| record)
        .filter(|r| r.call_id.as_str() == id)
        .collect()
}

async fn a_call_between_devices_on_two_nodes_rings_is_answered_and_ends_in_one_record(
    backend: Backend,
) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;

    // Alice's device is on the node without the hub; Bob's on the hub's node.
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hang_up(&mut alice, &mut bob, "c1", &alice_token).await;

    hub_node.flush().await;
    let kept = records(&other, "alice", "c1").await;
    assert_eq!(kept.len(), 1, "one record: {kept:?}");
    assert_eq!(kept[0].status, CallStatus::Completed);
    assert_eq!(records(&other, "bob", "c1").await.len(), 1);
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn busy_is_decided_across_nodes_by_the_one_hub(backend: Backend) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob", "carol"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&other.ws_url(), "bob", &t[1], "b1").await;
    answered_call(&mut alice, &mut bob, "c1").await;

    // Carol, on the other node, calls Bob, who is in a call: busy, as on one node.
    let mut carol = Client::login_url(&hub_node.ws_url(), "carol", &t[2], "k1").await;
    carol
        .call("c2", "k1", 1, None, crate::support::invite("bob"))
        .await;
    carol.ack_token().await;
    let (id, event) = carol.call_event().await;
    assert_eq!(id.as_str(), "c2");
    assert_eq!(
        event,
        CallEvent::Busy,
        "the callee is in a call on the other node"
    );
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn the_hubs_node_leaving_hands_its_live_call_to_another_node_and_the_call_goes_on(
    backend: Backend,
) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;

    hub_node.shutdown().await.unwrap();
    // Bob's node is gone; Alice's connection was routed to its hub, so it closes too.
    bob.expect_closed().await;
    alice.expect_closed().await;

    // Both reconnect to the remaining node, which takes the app and restores the call.
    let (mut alice, calls) =
        Client::login_with_resync_url(&other.ws_url(), "alice", &t[0], "a1").await;
    assert_eq!(calls.len(), 1, "the call is restored: {calls:?}");
    assert!(matches!(calls[0].phase, CallSnapshotPhase::Active { .. }));
    let (mut bob, calls) = Client::login_with_resync_url(&other.ws_url(), "bob", &t[1], "b1").await;
    assert_eq!(calls.len(), 1, "the call is restored: {calls:?}");

    hang_up_restored_call(&mut alice, &mut bob, &alice_token, &[&other]).await;
    other.shutdown().await.unwrap();
}

async fn a_call_outlives_the_bus_going_down_and_ends_in_one_record_once_it_is_back(
    backend: Backend,
) {
    let TwoNodes {
        mut redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hub_node.flush().await;

    redis.stop();
    // Without the bus no node can keep a lease: the hub stops before its lease could have
    // expired, and its connections close (the clients' media would go on, peer to peer).
    bob.expect_closed().await;
    let mut attempts = 0;
    let refused = loop {
        match try_log_in(&other.ws_url(), "bob", &t[1], "b1").await {
            Ok(_) => panic!("a login worked while the bus was down"),
            Err(Some(code)) => break code,
            Err(None) => {}
        }
        attempts += 1;
        assert!(
            attempts < 200,
            "a login during the outage was never refused"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        refused,
        ErrorCode::Internal,
        "refused with a reason, not left hanging"
    );
    // Down for three leases.
    tokio::time::sleep(LEASE * 3).await;

    redis.resume();
    // Back: a node takes the app, restores the call, and both devices resync into it.
    let (mut alice, alice_calls) =
        log_in_until_it_works(&other.ws_url(), "alice", &t[0], "a1").await;
    let (mut bob, bob_calls) = log_in_until_it_works(&other.ws_url(), "bob", &t[1], "b1").await;
    for calls in [&alice_calls, &bob_calls] {
        assert_eq!(calls.len(), 1, "the call outlived the outage: {calls:?}");
        assert!(matches!(calls[0].phase, CallSnapshotPhase::Active { .. }));
    }
    hang_up_restored_call(&mut alice, &mut bob, &alice_token, &[&other, &hub_node]).await;
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn an_answer_on_one_node_tells_the_callees_device_on_the_other_node(backend: Backend) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    // Bob's desktop on one node, his laptop on the other: both ring.
    let mut desktop = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let mut laptop = Client::login_url(&other.ws_url(), "bob", &t[1], "b2").await;
    alice
        .call("c1", "a1", 1, None, crate::support::invite("bob"))
        .await;
    alice.ack_token().await;
    let mut laptop_token = String::new();
    for (device, token) in [
        (&mut desktop, &mut String::new()),
        (&mut laptop, &mut laptop_token),
    ] {
        let (id, event) = device.call_event().await;
        assert_eq!(id.as_str(), "c1");
        let CallEvent::Invited { call_token, .. } = event else {
            panic!("expected invited, got {event:?}");
        };
        *token = call_token;
    }
    let accept = CallAction::Accept { call_type: None };
    laptop
        .call("c1", "b2", 1, Some(&laptop_token), accept)
        .await;
    laptop.ack_token().await;
    let (_, event) = alice.call_event().await;
    assert!(matches!(event, CallEvent::Accepted { .. }), "{event:?}");
    let (_, event) = desktop.call_event().await;
    assert!(
        matches!(event, CallEvent::OtherDevice { .. }),
        "the desktop hears it was answered elsewhere: {event:?}"
    );
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn crossing_invites_from_two_nodes_are_merged_into_one_call(backend: Backend) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    // Both invite each other before either hears of the other's call.
    alice
        .call("ca", "a1", 1, None, crate::support::invite("bob"))
        .await;
    bob.call("cb", "b1", 1, None, crate::support::invite("alice"))
        .await;
    // The hub decides which came first: that call goes on, answered; the other is merged into it.
    let mut merged = 0;
    let mut answered = 0;
    for client in [&mut alice, &mut bob] {
        let frame = client
            .recv_until(|m| {
                matches!(
                    m,
                    ServerMessage::Call {
                        event: CallEvent::Merged { .. } | CallEvent::Accepted { .. },
                        ..
                    }
                )
            })
            .await;
        match frame.msg {
            ServerMessage::Call {
                event: CallEvent::Merged { .. },
                ..
            } => merged += 1,
            _ => answered += 1,
        }
    }
    assert_eq!(
        (merged, answered),
        (1, 1),
        "one side merged, the other answered"
    );
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn presence_of_a_contact_on_another_node_is_pushed(backend: Backend) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    hub_node
        .admin()
        .add_contact("demo", "alice", "bob")
        .await
        .unwrap();
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let frame = alice
        .recv_until(|m| matches!(m, ServerMessage::Presence { .. }))
        .await;
    let ServerMessage::Presence { account, presence } = frame.msg else {
        unreachable!("filtered above")
    };
    assert_eq!(account.as_str(), "bob");
    assert_eq!(presence, duet_protocol::Presence::Online);
    drop(bob);
    let frame = alice
        .recv_until(|m| matches!(m, ServerMessage::Presence { .. }))
        .await;
    assert!(
        matches!(frame.msg, ServerMessage::Presence { presence, .. } if presence != duet_protocol::Presence::Online),
        "{frame:?}"
    );
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

async fn draining_the_hubs_node_hands_its_call_to_another_node_and_the_call_goes_on(
    backend: Backend,
) {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(backend, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;

    // A rolling restart's first step: the hub's node drains. It hands the app's hub over first
    // (its last changes committed, its lease given up), so both devices, moving to the other
    // node, find the call there.
    let moved = async {
        bob.expect_closed().await;
        alice.expect_closed().await;
        let (alice, alice_calls) =
            log_in_until_it_works(&other.ws_url(), "alice", &t[0], "a1").await;
        let (bob, bob_calls) = log_in_until_it_works(&other.ws_url(), "bob", &t[1], "b1").await;
        (alice, alice_calls, bob, bob_calls)
    };
    let ((), (mut alice, alice_calls, mut bob, bob_calls)) =
        tokio::join!(hub_node.drain(Duration::from_secs(20)), moved);
    for calls in [&alice_calls, &bob_calls] {
        assert_eq!(calls.len(), 1, "the call went on: {calls:?}");
        assert!(matches!(calls[0].phase, CallSnapshotPhase::Active { .. }));
    }
    hub_node.shutdown().await.unwrap();

    hang_up_restored_call(&mut alice, &mut bob, &alice_token, &[&other]).await;
    other.shutdown().await.unwrap();
}

#[tokio::test]
async fn each_node_times_its_bus_publishes_and_its_round_trips_to_another_nodes_hub() {
    let TwoNodes {
        redis: _redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(Backend::Sqlite, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hang_up(&mut alice, &mut bob, "c1", &alice_token).await;

    // Alice's node forwarded her actions to the hub; the hub's node sent her frames back.
    for node in [&other, &hub_node] {
        let text = scrape(node.local_addr()).await;
        let count = value(&text, "duet_bus_publish_seconds_count");
        assert!(count > 0.0, "{text}");
        let all = value(&text, r#"duet_bus_publish_seconds_bucket{le="+Inf"}"#);
        assert_eq!(all, count, "{text}");
        assert_eq!(value(&text, "duet_bus_publish_failures_total"), 0.0);
    }
    // Alice's login was admitted by the hub on the other node: one round trip, timed there.
    let text = scrape(other.local_addr()).await;
    let trips = value(&text, "duet_hub_round_trip_seconds_count");
    assert!(trips >= 1.0, "{text}");
    let all = value(&text, r#"duet_hub_round_trip_seconds_bucket{le="+Inf"}"#);
    assert_eq!(all, trips, "{text}");
    let text = scrape(hub_node.local_addr()).await;
    assert_eq!(
        value(&text, "duet_hub_round_trip_seconds_count"),
        0.0,
        "{text}"
    );
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_message_the_bus_does_not_take_is_counted_in_the_metrics() {
    let TwoNodes {
        mut redis,
        _dir,
        hub_node,
        other,
        tokens: t,
    } = TwoNodes::start(Backend::Sqlite, &["alice", "bob"]).await;
    let mut alice = Client::login_url(&other.ws_url(), "alice", &t[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &t[1], "b1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    let text = scrape(other.local_addr()).await;
    assert_eq!(value(&text, "duet_bus_publish_failures_total"), 0.0);

    redis.stop();
    // Alice's hang-up must go to the hub's node over the bus, which is down.
    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice.call("c1", "a1", 2, Some(&alice_token), hangup).await;
    let mut polls = 0;
    while value(
        &scrape(other.local_addr()).await,
        "duet_bus_publish_failures_total",
    ) < 1.0
    {
        polls += 1;
        assert!(polls < 200, "the failed publish was never counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    redis.resume();
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}

crate::on_both_backends!(
    draining_the_hubs_node_hands_its_call_to_another_node_and_the_call_goes_on,
    a_call_between_devices_on_two_nodes_rings_is_answered_and_ends_in_one_record,
    busy_is_decided_across_nodes_by_the_one_hub,
    the_hubs_node_leaving_hands_its_live_call_to_another_node_and_the_call_goes_on,
    a_call_outlives_the_bus_going_down_and_ends_in_one_record_once_it_is_back,
    an_answer_on_one_node_tells_the_callees_device_on_the_other_node,
    crossing_invites_from_two_nodes_are_merged_into_one_call,
    presence_of_a_contact_on_another_node_is_pushed,
);
