//! A server restart with the database intact: answered calls go on, no record is lost or doubled.
//! On SQLite (the default) and on PostgreSQL.

use crate::backends::fresh_postgres_database;
use crate::support::{account, answered_call, Client};
use duet_protocol::{CallAction, CallEvent, CallSnapshotPhase, CallStatus, EndReason};
use duet_server::ServerConfig;
use duet_testkit::server_config;
use std::time::Duration;

#[tokio::test]
async fn a_call_answered_before_a_restart_survives_it_and_ends_in_one_record() {
    let dir = tempfile::tempdir().unwrap();
    survives_restarts(server_config(dir.path())).await;
}

#[tokio::test]
async fn on_postgres_a_call_answered_before_a_restart_survives_it_and_ends_in_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        database: fresh_postgres_database().await,
        ..server_config(dir.path())
    };
    assert!(duet_server::store::is_postgres(&config.database));
    survives_restarts(config).await;
}

/// Two clients, a call answered, the server restarted, the call hung up after it, and the
/// record read back after another restart.
async fn survives_restarts(config: ServerConfig) {
    let first = duet_server::start(config.clone()).await.unwrap();
    let ttl = Duration::from_secs(3600);
    let alice_token = first
        .admin()
        .add_user("demo", "alice", "Alice", ttl)
        .await
        .unwrap();
    let bob_token = first
        .admin()
        .add_user("demo", "bob", "Bob", ttl)
        .await
        .unwrap();
    let mut alice = Client::login(&first, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&first, "bob", &bob_token, "b1").await;
    answered_call(&mut alice, &mut bob, "c1").await;
    first.shutdown().await.unwrap();
    alice.expect_closed().await;
    bob.expect_closed().await;

    let second = duet_server::start(config.clone()).await.unwrap();
    let (mut alice, calls) = Client::login_with_resync(&second, "alice", &alice_token, "a1").await;
    assert_eq!(
        calls.len(),
        1,
        "the caller is re-synced into the call: {calls:?}"
    );
    assert_eq!(calls[0].call_id.as_str(), "c1");
    let CallSnapshotPhase::Active {
        callee_device,
        call_token,
        ..
    } = &calls[0].phase
    else {
        panic!("expected an answered call, got {:?}", calls[0].phase);
    };
    assert_eq!(callee_device.as_str(), "b1");
    let alice_call_token = call_token.clone();
    let (mut bob, calls) = Client::login_with_resync(&second, "bob", &bob_token, "b1").await;
    assert_eq!(
        calls.len(),
        1,
        "the callee is re-synced into the call: {calls:?}"
    );
    assert!(matches!(calls[0].phase, CallSnapshotPhase::Active { .. }));

    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice
        .call("c1", "a1", 10, Some(&alice_call_token), hangup)
        .await;
    let (_, ended) = bob.call_event().await;
    assert!(
        matches!(
            ended,
            CallEvent::Ended {
                reason: EndReason::UserHangup,
                ..
            }
        ),
        "{ended:?}"
    );
    second.shutdown().await.unwrap();

    // A third start finds the record once and nothing left to restore.
    let third = duet_server::start(config).await.unwrap();
    let records = third
        .store()
        .history("demo", &account("alice"), None, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "exactly one record: {records:?}");
    assert_eq!(records[0].1.status, CallStatus::Completed);
    assert!(third.store().active_calls("demo").await.unwrap().is_empty());
    let (_, calls) = Client::login_with_resync(&third, "alice", &alice_token, "a1").await;
    assert!(calls.is_empty(), "the ended call is gone: {calls:?}");
    third.shutdown().await.unwrap();
}
