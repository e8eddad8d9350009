//! Call waiting against the real `duet-server`: a device that opted in is rung during a call,
//! softly (the invite says `waiting`), and "end and answer" moves it to the new call.

mod support;

use duet_callkit::{
    CallEvent, CallKit, CallKitConfig, CallKitError, CallParams, CallState, CallStatus, CallType,
    EndReason,
};
use duet_server::RunningServer;
use duet_testkit::{
    add_user, answered_call, client, client_with, invited, make_contacts, record_status,
    start_server, wait_for_event, Events, APP_KEY,
};
use futures_util::StreamExt;
use std::sync::Arc;
use support::recording_media::RecordingMedia;

/// Bob's desktop with call waiting on.
async fn bob_waiting(fx: &RunningServer) -> (CallKit, Events) {
    client_with(fx, "bob", |mut config| {
        config.device_id = "bob-desktop".into();
        config.call_waiting = true;
        CallKit::new(config).expect("a valid SDK configuration")
    })
    .await
}

#[tokio::test]
async fn a_call_during_a_call_rings_as_waiting_and_end_and_answer_moves_to_it() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = bob_waiting(&fx).await;
    let (carol, mut carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;

    let waiting_call = carol
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    assert_eq!(invite.call_id, waiting_call);
    assert!(invite.waiting, "rung during a call: a waiting invite");
    assert_eq!(bob.call_status(), CallState::InCall, "the call goes on");
    assert_eq!(
        carol.call_status(),
        CallState::Calling,
        "carol hears it ring"
    );
    // A plain accept is refused: the call must end first.
    assert!(matches!(
        bob.accept(&invite).await,
        Err(CallKitError::State(_))
    ));

    bob.end_call_and_accept(&invite).await.unwrap();
    let CallEvent::CallEnd { reason, .. } = wait_for_event(&mut alice_events, "CALL_END").await
    else {
        unreachable!()
    };
    assert_eq!(reason, EndReason::UserHangup);
    wait_for_event(&mut carol_events, "USER_ACCEPT").await;
    let current = bob.current_call().expect("bob is in carol's call");
    assert_eq!(current.call_id, waiting_call);
    assert_eq!(bob.call_status(), CallState::InCall);
    assert!(bob.invites().is_empty());
    assert_eq!(
        record_status(&mut alice_events).await,
        CallStatus::Completed
    );
}

#[tokio::test]
async fn declining_a_waiting_call_is_busy_for_the_caller_and_the_call_goes_on() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = bob_waiting(&fx).await;
    let (carol, mut carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    bob.reject_busy(&invite).await.unwrap();
    wait_for_event(&mut carol_events, "USER_BUSY").await;
    assert_eq!(record_status(&mut carol_events).await, CallStatus::Busy);
    assert_eq!(bob.call_status(), CallState::InCall);
    assert_eq!(
        bob.current_call().map(|c| c.peer.as_str().to_owned()),
        Some("alice".to_owned())
    );
}

#[tokio::test]
async fn without_call_waiting_a_device_in_a_call_is_busy_at_once() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    let (carol, mut carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    wait_for_event(&mut carol_events, "USER_BUSY").await;
    assert!(bob.invites().is_empty(), "nothing rang bob");
}

#[tokio::test]
async fn end_and_answer_of_a_call_that_stopped_ringing_is_refused_and_the_call_goes_on() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = bob_waiting(&fx).await;
    let (carol, _carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    carol.cancel().await.unwrap();
    wait_for_event(&mut bob_events, "USER_CANCEL").await;

    // Known gone here: refused before anything is sent.
    let refused = bob.end_call_and_accept(&invite).await.unwrap_err();
    assert!(matches!(refused, CallKitError::State(_)), "{refused}");
    assert_eq!(bob.call_status(), CallState::InCall);
    assert_eq!(
        bob.current_call().map(|c| c.peer.as_str().to_owned()),
        Some("alice".to_owned())
    );
    alice.hangup().await.unwrap();
    wait_for_event(&mut bob_events, "CALL_END").await;
}

#[tokio::test]
async fn a_waiting_calls_media_starts_only_when_it_is_answered() {
    let (fx, _dir) = start_server().await;
    let media = RecordingMedia::default();
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (carol, mut carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    // A contact's call would pre-connect its media while it rings; not during another call.
    let token = add_user(&fx, "bob").await;
    make_contacts(&fx, "bob", "carol").await;
    let mut config = CallKitConfig::new(&fx.ws_url(), APP_KEY, "bob", &token);
    config.call_waiting = true;
    let bob = CallKit::with_media(config, Arc::new(media.clone())).unwrap();
    let mut bob_events = bob.events().boxed();
    bob.login().await.unwrap();
    bob.call(CallParams::new("alice", CallType::Audio))
        .await
        .unwrap();
    alice
        .accept(&invited(&mut alice_events).await)
        .await
        .unwrap();
    wait_for_event(&mut bob_events, "USER_ACCEPT").await;
    let starts = |log: &[String]| log.iter().filter(|l| l.starts_with("start:")).count();
    assert_eq!(starts(&media.log()), 1, "{:?}", media.log());

    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    assert!(invite.waiting);
    assert_eq!(
        starts(&media.log()),
        1,
        "no media for the waiting call while the other runs: {:?}",
        media.log()
    );

    bob.end_call_and_accept(&invite).await.unwrap();
    wait_for_event(&mut carol_events, "USER_ACCEPT").await;
    let log = media.log();
    assert_eq!(starts(&log), 2, "{log:?}");
    assert!(
        log.iter().any(|line| line.starts_with("start:Callee")),
        "{log:?}"
    );
}
