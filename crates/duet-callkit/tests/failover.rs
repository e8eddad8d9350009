//! Several servers of one service: the SDK given several URLs moves to the next one when its
//! server is lost, and when its server drains before a stop, without ending the call.
//!
//! The servers share one SQLite file (WAL mode works across connections), so accounts and login
//! tokens are the same on both. Without the cluster's message bus, a server learns the live calls
//! of the file only when it starts: the draining test starts the second server after the call is
//! answered and stored.

use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallParams, CallState, CallType};
use duet_server::RunningServer;
use duet_testkit::{
    add_user, answered_call, invited, record_status, server_config, wait_for_event,
    wait_for_event_where, Events, APP_KEY,
};
use futures_util::StreamExt;
use std::path::Path;
use std::time::Duration;

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(60);

async fn start_on(dir: &Path, tweak: impl FnOnce(&mut duet_server::ServerConfig)) -> RunningServer {
    let mut config = server_config(dir);
    tweak(&mut config);
    duet_server::start(config).await.expect("the server starts")
}

/// `account` (created with `token`) logged in with the SDK to `urls`, in order.
async fn sdk(urls: &[String], account: &str, token: &str) -> (CallKit, Events) {
    let mut config = CallKitConfig::new(&urls[0], APP_KEY, account, token);
    config.other_server_urls = urls[1..].to_vec();
    let kit = CallKit::new(config).expect("a valid SDK configuration");
    let events = kit.events().boxed();
    kit.login()
        .await
        .unwrap_or_else(|e| panic!("{account} cannot log in: {e}"));
    (kit, events)
}

/// Waits for the SDK's re-sync on the next server; a CALL_END before it fails the test.
async fn resynced_without_an_end(events: &mut Events) {
    wait_for_event_where(events, "a re-sync on the next server", |event| {
        assert_ne!(event.name(), "CALL_END", "the call must go on: {event:?}");
        event.name() == "RESYNCED"
    })
    .await;
}

/// A loopback port free now, for a server started later whose URL the clients need first.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("a bound address").port()
}

#[tokio::test]
async fn a_lost_server_sends_the_sdk_to_the_next_url_by_itself() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_on(dir.path(), |_| {}).await;
    let second = start_on(dir.path(), |_| {}).await;
    let alice_token = add_user(&first, "alice").await;
    let bob_token = add_user(&first, "bob").await;
    let urls = [first.ws_url(), second.ws_url()];
    let (_alice, mut alice_events) = sdk(&urls, "alice", &alice_token).await;

    first.shutdown().await.unwrap();
    wait_for_event(&mut alice_events, "onDisconnect").await;
    wait_for_event(&mut alice_events, "RESYNCED").await;

    // She is logged in on the second server: a call placed there rings her.
    let (bob, _bob_events) = sdk(&[second.ws_url()], "bob", &bob_token).await;
    let call_id = bob
        .call(CallParams::new("alice", CallType::Audio))
        .await
        .unwrap();
    assert_eq!(invited(&mut alice_events).await.call_id, call_id);
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_first_url_that_is_down_is_skipped_at_login() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_on(dir.path(), |_| {}).await;
    let token = add_user(&server, "alice").await;
    let down = format!("ws://127.0.0.1:{}/ws", free_port());
    let (alice, _events) = sdk(&[down, server.ws_url()], "alice", &token).await;
    assert_eq!(alice.call_status(), CallState::Idle);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_draining_server_moves_its_devices_and_their_call_goes_on_to_one_record() {
    let dir = tempfile::tempdir().unwrap();
    let first = start_on(dir.path(), |_| {}).await;
    let second_port = free_port();
    let urls = [first.ws_url(), format!("ws://127.0.0.1:{second_port}/ws")];
    let alice_token = add_user(&first, "alice").await;
    let bob_token = add_user(&first, "bob").await;
    let (alice, mut alice_events) = sdk(&urls, "alice", &alice_token).await;
    let (bob, mut bob_events) = sdk(&urls, "bob", &bob_token).await;
    let invite = answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    first.flush().await;
    let second = start_on(dir.path(), |config| {
        config.bind = ([127, 0, 0, 1], second_port).into();
    })
    .await;

    // Both devices are told to move, and re-sync on the second server; nothing ends the call.
    tokio::time::timeout(HANG_GUARD, async {
        tokio::join!(
            first.drain(Duration::from_secs(120)),
            resynced_without_an_end(&mut alice_events),
            resynced_without_an_end(&mut bob_events),
        )
    })
    .await
    .expect("both devices move and the drain ends when they have left");
    first.shutdown().await.unwrap();
    assert_eq!(alice.call_status(), CallState::InCall);
    assert_eq!(bob.call_status(), CallState::InCall);
    assert_eq!(
        alice.current_call().map(|call| call.call_id),
        Some(invite.call_id.clone())
    );

    // The call ends on the second server, in one record.
    bob.hangup().await.unwrap();
    let CallEvent::CallEnd { reason, .. } = wait_for_event(&mut alice_events, "CALL_END").await
    else {
        unreachable!()
    };
    assert_eq!(reason, duet_callkit::EndReason::UserHangup);
    assert_eq!(
        record_status(&mut alice_events).await,
        duet_callkit::CallStatus::Completed
    );
    second.flush().await;
    let alice_id = duet_protocol::AccountId::new("alice".to_owned()).unwrap();
    let records = second
        .store()
        .history(APP_KEY, &alice_id, None, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "exactly one record: {records:?}");
    assert!(second
        .store()
        .active_calls(APP_KEY)
        .await
        .unwrap()
        .is_empty());
    second.shutdown().await.unwrap();
}

/// The user hangs up while the server is away: the call ends on her device at once, and when the
/// server is back her SDK hangs it up there, so the call ends by her hang-up (not at the
/// reconnect grace, as `connection_lost`) in one record that says so. Bob's device hears it so
/// whichever of the two is back first: as it happens, or, back after it, before its resync.
#[tokio::test]
async fn a_hang_up_while_the_server_is_away_ends_the_peers_call_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bind = |config: &mut duet_server::ServerConfig| {
        config.bind = ([127, 0, 0, 1], port).into();
    };
    let server = start_on(dir.path(), bind).await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let urls = [server.ws_url()];
    let (alice, mut alice_events) = sdk(&urls, "alice", &alice_token).await;
    let (bob, mut bob_events) = sdk(&urls, "bob", &bob_token).await;
    let invite = answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;

    // Stopped, the server keeps its live calls for the next start.
    server.shutdown().await.unwrap();
    wait_for_event(&mut alice_events, "onDisconnect").await;
    wait_for_event(&mut bob_events, "onDisconnect").await;
    tokio::time::timeout(HANG_GUARD, alice.hangup())
        .await
        .expect("a hang-up offline does not wait for the server")
        .expect("a hang-up offline is taken");
    let CallEvent::CallEnd { reason, by, .. } = wait_for_event(&mut alice_events, "CALL_END").await
    else {
        unreachable!()
    };
    assert_eq!(reason, duet_callkit::EndReason::UserHangup);
    assert_eq!(by.as_ref().map(|a| a.as_str()), Some("alice"));
    assert_eq!(alice.call_status(), CallState::Idle);
    assert_eq!(
        bob.call_status(),
        CallState::InCall,
        "bob has not heard yet"
    );

    let server = start_on(dir.path(), bind).await;
    let CallEvent::CallEnd { reason, by, .. } =
        tokio::time::timeout(HANG_GUARD, wait_for_event(&mut bob_events, "CALL_END"))
            .await
            .expect("bob's call ends once alice is back")
    else {
        unreachable!()
    };
    assert_eq!(
        (reason, by.as_ref().map(|a| a.as_str())),
        (duet_callkit::EndReason::UserHangup, Some("alice")),
        "bob hears alice's hang-up, not a lost connection"
    );
    assert_eq!(
        record_status(&mut bob_events).await,
        duet_callkit::CallStatus::Completed
    );
    assert_eq!(bob.call_status(), CallState::Idle);
    let CallEvent::MessageSent { record } = wait_for_event(&mut alice_events, "MESSAGE_SENT").await
    else {
        unreachable!()
    };
    assert_eq!(
        (record.call_id, record.reason),
        (invite.call_id, duet_callkit::EndReason::UserHangup)
    );
    server.flush().await;
    let alice_id = duet_protocol::AccountId::new("alice".to_owned()).unwrap();
    let records = server
        .store()
        .history(APP_KEY, &alice_id, None, 10)
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "exactly one record: {records:?}");
    assert_eq!(
        (records[0].1.reason, records[0].1.status),
        (
            duet_callkit::EndReason::UserHangup,
            duet_callkit::CallStatus::Completed
        ),
        "ended by alice's hang-up, not by the reconnect grace"
    );
    assert_eq!(
        alice.call_status(),
        CallState::Idle,
        "the call does not come back"
    );
    server.shutdown().await.unwrap();
}
