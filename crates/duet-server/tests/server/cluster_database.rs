//! The cluster's database (PostgreSQL) down for 10 s: calls in progress go on, new calls are
//! refused with `store_unavailable` (a clear error, not a wait), nothing acknowledged is lost,
//! and everything recovers by itself.

use crate::support::{answered_call, hang_up, invite, Client};
use duet_protocol::{AccountId, CallEvent, ErrorCode, ServerMessage};
use duet_server::{ClusterSettings, RunningServer};
use duet_testkit::{server_config, TempPostgres, TempRedis};
use std::path::Path;
use std::time::{Duration, Instant};

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn node(database: &str, dir: &Path, redis: &TempRedis, name: &str) -> RunningServer {
    let mut config = server_config(dir);
    config.database = database.to_owned();
    // Short waits for the database, so that the outage is noticed within the test's 10 s.
    config.limits.store_wait_ms = 300;
    config.cluster = Some(ClusterSettings {
        bus: redis.url(),
        node_id: Some(name.to_owned()),
        lease: Duration::from_secs(1),
    });
    duet_server::start(config).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_seconds_without_the_database_refuse_new_calls_clearly_and_lose_nothing() {
    // Its own server: this test stops it.
    let postgres = tokio::task::spawn_blocking(TempPostgres::start)
        .await
        .unwrap();
    let database = postgres.new_database();
    let redis = TempRedis::start();
    let dir = tempfile::tempdir().unwrap();
    let hub_node = node(&database, dir.path(), &redis, "n1").await;
    let other = node(&database, dir.path(), &redis, "n2").await;
    let ttl = Duration::from_secs(3600);
    let mut tokens = Vec::new();
    for account in ["alice", "bob", "carol"] {
        tokens.push(
            hub_node
                .admin()
                .add_user("demo", account, account, ttl)
                .await
                .unwrap(),
        );
    }
    let mut alice = Client::login_url(&other.ws_url(), "alice", &tokens[0], "a1").await;
    let mut bob = Client::login_url(&hub_node.ws_url(), "bob", &tokens[1], "b1").await;
    let mut carol = Client::login_url(&other.ws_url(), "carol", &tokens[2], "k1").await;
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hub_node.flush().await;

    let postgres = std::sync::Arc::new(postgres);
    let stopped = postgres.clone();
    tokio::task::spawn_blocking(move || stopped.pause())
        .await
        .unwrap();
    let down_since = Instant::now();

    // New calls are refused with a reason once the node finds the database gone (a first call
    // may still be taken: its changes then wait in memory like every change made meanwhile).
    let mut refused = false;
    for n in 0.. {
        let id = format!("carol-{n}");
        carol.call(&id, "k1", 1, None, invite("bob")).await;
        let answer = carol
            .recv_until(|m| {
                matches!(
                    m,
                    ServerMessage::Error { .. } | ServerMessage::CallAck { .. }
                )
            })
            .await;
        match answer.msg {
            ServerMessage::Error { code, .. } => {
                assert_eq!(code, ErrorCode::StoreUnavailable, "{answer:?}");
                refused = true;
                break;
            }
            _ => {
                // Taken before the outage was noticed: cancel it, as the caller would.
                let cancel = duet_protocol::CallAction::Cancel;
                let token = match answer.msg {
                    ServerMessage::CallAck { call_token, .. } => call_token,
                    _ => unreachable!("filtered above"),
                };
                carol.call(&id, "k1", 2, token.as_deref(), cancel).await;
            }
        }
        assert!(
            down_since.elapsed() < HANG_GUARD,
            "new calls were never refused"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(refused);
    // The call in progress goes on: signaling between its two devices still works (a hang-up
    // is taken and both hear it), its record waits in memory.
    tokio::time::sleep(Duration::from_secs(10).saturating_sub(down_since.elapsed())).await;
    hang_up(&mut alice, &mut bob, "c1", &alice_token).await;

    let restarted = postgres.clone();
    tokio::task::spawn_blocking(move || restarted.resume())
        .await
        .unwrap();
    // Recovers by itself: the waiting record is written, and new calls are taken again.
    let started = Instant::now();
    loop {
        let history = other
            .store()
            .history("demo", &AccountId::new("alice").unwrap(), None, 100)
            .await;
        if let Ok(history) = history {
            let c1: Vec<_> = history
                .iter()
                .filter(|(_, r)| r.call_id.as_str() == "c1")
                .collect();
            if !c1.is_empty() {
                assert_eq!(c1.len(), 1, "one record: {history:?}");
                break;
            }
        }
        assert!(
            started.elapsed() < HANG_GUARD,
            "the record was never written"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both devices get the call's record once it is written.
    for client in [&mut alice, &mut bob] {
        client
            .recv_until(|m| {
                matches!(m, ServerMessage::Call { call_id, event: CallEvent::Record { .. }, .. }
                    if call_id.as_str() == "c1")
            })
            .await;
    }
    let (alice_token, _) = answered_call(&mut alice, &mut bob, "c2").await;
    hang_up(&mut alice, &mut bob, "c2", &alice_token).await;
    other.shutdown().await.unwrap();
    hub_node.shutdown().await.unwrap();
}
