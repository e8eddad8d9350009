//! Finding 7 of the hardening review: a store that stops taking writes must not freeze
//! signaling. The fault is real: another connection holds SQLite's write lock, as a backup tool
//! or a second process would, so every commit of the server fails after its busy wait.

use crate::support::{
    account, answered_call, hang_up, health, http_get, invite, wait_for_health, Client, WriteLock,
};
use duet_protocol::{ClientMessage, ErrorCode, ServerMessage};
use duet_server::RunningServer;
use duet_testkit::{add_user, server_config, start_server_with};
use std::time::Duration;
use tempfile::TempDir;

/// How long the server's statements wait for the lock in these tests, and requests for the store.
const STORE_WAIT_MS: u64 = 300;
/// A server whose statements wait only [`STORE_WAIT_MS`] for the lock, with alice (a1) and bob
/// (b1) logged in; alice's token too, to log in again.
async fn alice_and_bob() -> (RunningServer, TempDir, String, Client, Client) {
    let (server, dir) =
        start_server_with(|config| config.limits.store_wait_ms = STORE_WAIT_MS).await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let bob = Client::login(&server, "bob", &bob_token, "b1").await;
    (server, dir, alice_token, alice, bob)
}

async fn history_ids(client: &mut Client) -> Result<Vec<String>, ErrorCode> {
    let req = client
        .send(ClientMessage::HistoryList {
            before: None,
            limit: Some(50),
        })
        .await;
    let frame = client
        .recv_until(|m| {
            matches!(
                m,
                ServerMessage::History { .. } | ServerMessage::Error { .. }
            )
        })
        .await;
    assert_eq!(frame.req, Some(req));
    match frame.msg {
        ServerMessage::History { records, .. } => Ok(records
            .into_iter()
            .map(|r| r.call_id.as_str().to_owned())
            .collect()),
        ServerMessage::Error { code, .. } => Err(code),
        _ => unreachable!("filtered above"),
    }
}

#[tokio::test]
async fn finding_7_a_store_that_stops_taking_writes_keeps_signaling_going_and_loses_no_record() {
    let (server, dir, _, mut alice, mut bob) = alice_and_bob().await;
    assert_eq!(health(server.local_addr()).await, (200, "ok".to_owned()));

    let lock = WriteLock::take(&dir.path().join("duet.sqlite")).await;
    // A call answered and ended while nothing can be written: signaling goes on as usual.
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hang_up(&mut alice, &mut bob, "c1", &alice_call_token).await;

    let body = wait_for_health(server.local_addr(), 503).await;
    assert!(body.contains("store: database writes failing"), "{body}");
    // Not ready, but alive: a restart now would lose the changes waiting in memory.
    assert_eq!(
        http_get(server.local_addr(), "/healthz").await,
        (200, "ok".to_owned())
    );
    // Requests that need the store get a clear error instead of hanging.
    assert_eq!(
        history_ids(&mut alice).await,
        Err(ErrorCode::StoreUnavailable)
    );
    // A new call is refused: its record could not be kept.
    alice.call("c2", "a1", 1, None, invite("bob")).await;
    let refused = alice.recv().await;
    let ServerMessage::Error { code, call_id, .. } = refused.msg else {
        panic!("expected store_unavailable, got {refused:?}");
    };
    assert_eq!(code, ErrorCode::StoreUnavailable);
    assert_eq!(
        call_id.map(|c| c.as_str().to_owned()),
        Some("c2".to_owned())
    );
    // Everything else keeps working.
    alice.assert_usable().await;
    bob.assert_usable().await;

    lock.release().await;
    assert_eq!(wait_for_health(server.local_addr(), 200).await, "ok");
    // The record of the call that ended during the fault was kept, exactly once.
    assert_eq!(history_ids(&mut alice).await, Ok(vec!["c1".to_owned()]));
    assert_eq!(history_ids(&mut bob).await, Ok(vec!["c1".to_owned()]));
    // And calls start again by themselves.
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c3").await;
    hang_up(&mut alice, &mut bob, "c3", &alice_call_token).await;
    assert_eq!(
        history_ids(&mut bob).await,
        Ok(vec!["c3".to_owned(), "c1".to_owned()])
    );
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn finding_7_changes_made_while_the_store_fails_are_written_by_a_clean_shutdown_once_it_recovers(
) {
    let (server, dir, alice_token, mut alice, mut bob) = alice_and_bob().await;
    let path = dir.path().join("duet.sqlite");

    let lock = WriteLock::take(&path).await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hang_up(&mut alice, &mut bob, "c1", &alice_call_token).await;
    wait_for_health(server.local_addr(), 503).await;
    // The server is asked to stop while the store still fails; the store comes back meanwhile.
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(STORE_WAIT_MS)).await;
    lock.release().await;
    stopping.await.unwrap().unwrap();

    let server = duet_server::start(server_config(dir.path())).await.unwrap();
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    assert_eq!(history_ids(&mut alice).await, Ok(vec!["c1".to_owned()]));
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_call_id_that_has_a_record_cannot_be_used_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = duet_server::start(server_config(dir.path())).await.unwrap();
    let alice_token = add_user(&first, "alice").await;
    let bob_token = add_user(&first, "bob").await;
    let mut alice = Client::login(&first, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&first, "bob", &bob_token, "b1").await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    hang_up(&mut alice, &mut bob, "c1", &alice_call_token).await;
    first.shutdown().await.unwrap();

    // The new process has no memory of c1; the database does.
    let second = duet_server::start(server_config(dir.path())).await.unwrap();
    let mut alice = Client::login(&second, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&second, "bob", &bob_token, "b1").await;
    alice.call("c1", "a1", 1, None, invite("bob")).await;
    let (code, _) = alice.expect_error().await;
    assert_eq!(code, ErrorCode::CallEnded);
    // Bob was never rung, and the history keeps one call c1 with its first parties.
    bob.assert_usable().await;
    let records = second
        .store()
        .history("demo", &account("bob"), None, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].1.call_id.as_str(), "c1");
    second.shutdown().await.unwrap();
}
