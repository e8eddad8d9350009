//! The SDK against the real `duet-server`, started in-process on 127.0.0.1 port 0 with a fresh
//! SQLite file: the cases of docs/signaling.md as two or three SDK clients live them.

use duet_callkit::{
    CallEvent, CallKit, CallKitConfig, CallKitError, CallParams, CallState, CallStatus, CallType,
    ContactState, ErrorCode, Presence,
};
use duet_testkit::{client, invited, record_status, start_server, wait_for_event, RawPeer};
use std::time::Duration;

#[tokio::test]
async fn a_normal_call_connects_ends_for_both_and_leaves_one_completed_record() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    let mut params = CallParams::new("bob", CallType::Video);
    params.attachment = serde_json::json!({"call": "testValue"});
    let call_id = alice.call(params).await.unwrap();
    assert_eq!(alice.call_status(), CallState::Calling);
    let invite = invited(&mut bob_events).await;
    assert_eq!(
        (invite.call_id.clone(), invite.caller.account.as_str()),
        (call_id.clone(), "alice")
    );
    assert_eq!(invite.attachment, serde_json::json!({"call": "testValue"}));
    bob.accept(&invite).await.unwrap();
    assert_eq!(bob.call_status(), CallState::InCall);
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    assert_eq!(alice.call_status(), CallState::InCall);

    bob.mute_local_audio(true).await.unwrap();
    let CallEvent::AudioAvailable { available, .. } =
        wait_for_event(&mut alice_events, "AUDIO_AVAILABLE").await
    else {
        unreachable!()
    };
    assert!(!available);
    alice.switch_call_type(CallType::Audio).await.unwrap();
    let CallEvent::CallTypeChange { call_type, .. } =
        wait_for_event(&mut bob_events, "CALL_TYPE_CHANGE").await
    else {
        unreachable!()
    };
    assert_eq!(call_type, CallType::Audio);

    alice.hangup().await.unwrap();
    let CallEvent::CallEnd { reason, .. } = wait_for_event(&mut bob_events, "CALL_END").await
    else {
        unreachable!()
    };
    assert_eq!(reason, duet_callkit::EndReason::UserHangup);
    wait_for_event(&mut alice_events, "CALL_END").await;
    assert_eq!(
        record_status(&mut alice_events).await,
        CallStatus::Completed
    );
    assert_eq!(record_status(&mut bob_events).await, CallStatus::Completed);
    assert_eq!(
        (alice.call_status(), bob.call_status()),
        (CallState::Idle, CallState::Idle)
    );
    let history = alice.history(None, None).await.unwrap();
    assert_eq!(history.records.len(), 1);
    assert_eq!(history.records[0].call_id, call_id);
}

#[tokio::test]
async fn a_declined_call_is_user_reject_and_a_rejected_record() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    alice
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    bob.reject(&invite).await.unwrap();
    wait_for_event(&mut alice_events, "USER_REJECT").await;
    assert_eq!(record_status(&mut alice_events).await, CallStatus::Rejected);
    assert_eq!(record_status(&mut bob_events).await, CallStatus::Rejected);
    assert_eq!(
        (alice.call_status(), bob.call_status()),
        (CallState::Idle, CallState::Idle)
    );
}

#[tokio::test]
async fn a_cancelled_call_is_user_cancel_and_a_canceled_record() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    invited(&mut bob_events).await;
    alice.cancel().await.unwrap();
    wait_for_event(&mut bob_events, "USER_CANCEL").await;
    assert_eq!(bob.call_status(), CallState::Idle);
    assert_eq!(record_status(&mut alice_events).await, CallStatus::Canceled);
    assert_eq!(alice.call_status(), CallState::Idle);
}

#[tokio::test]
async fn an_unanswered_call_times_out_for_both_with_an_unanswered_record() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    alice.set_call_timeout(Duration::from_millis(300)).unwrap();
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    invited(&mut bob_events).await;
    wait_for_event(&mut alice_events, "CALLING_TIMEOUT").await;
    wait_for_event(&mut bob_events, "CALLING_TIMEOUT").await;
    assert_eq!(
        record_status(&mut alice_events).await,
        CallStatus::Unanswered
    );
    assert_eq!(
        (alice.call_status(), bob.call_status()),
        (CallState::Idle, CallState::Idle)
    );
}

#[tokio::test]
async fn busy_by_decline_and_by_every_device_in_a_call() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    let (carol, mut carol_events) = client(&fx, "carol", Some("carol-pc")).await;
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    bob.reject_busy(&invite).await.unwrap();
    wait_for_event(&mut alice_events, "USER_BUSY").await;
    assert_eq!(record_status(&mut alice_events).await, CallStatus::Busy);

    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    bob.accept(&invited(&mut bob_events).await).await.unwrap();
    wait_for_event(&mut carol_events, "USER_ACCEPT").await;
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    wait_for_event(&mut alice_events, "USER_BUSY").await;
    assert_eq!(record_status(&mut alice_events).await, CallStatus::Busy);
    assert_eq!(
        bob.call_status(),
        CallState::InCall,
        "the busy call never rang bob"
    );
}

#[tokio::test]
async fn answered_on_one_of_two_devices_the_other_stops_ringing() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob_desk, mut desk_events) = client(&fx, "bob", Some("bob-desktop")).await;
    let (bob_phone, mut phone_events) = client(&fx, "bob", Some("bob-phone")).await;
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let on_desk = invited(&mut desk_events).await;
    let on_phone = invited(&mut phone_events).await;
    assert_eq!(on_desk.call_id, on_phone.call_id);
    bob_desk.accept(&on_desk).await.unwrap();
    wait_for_event(&mut phone_events, "OTHER_CLIENT_ACCEPT").await;
    assert_eq!(bob_phone.call_status(), CallState::Idle);
    let late = bob_phone.accept(&on_phone).await.unwrap_err();
    assert!(
        matches!(late, CallKitError::State(_)),
        "the invite stopped ringing here: {late:?}"
    );
    let CallEvent::UserAccept { peer_device, .. } =
        wait_for_event(&mut alice_events, "USER_ACCEPT").await
    else {
        unreachable!()
    };
    assert_eq!(peer_device.unwrap().as_str(), "bob-desktop");
    bob_desk.hangup().await.unwrap();
    assert_eq!(
        record_status(&mut phone_events).await,
        CallStatus::Completed
    );
}

#[tokio::test]
async fn glare_connects_both_callers_in_one_call() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let (bob, mut bob_events) = client(&fx, "bob", Some("bob-desktop")).await;
    let first = alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    invited(&mut bob_events).await;
    let merged = bob
        .call(CallParams::new("alice", CallType::Video))
        .await
        .unwrap();
    assert_eq!(merged, first, "bob's call merged into alice's");
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    wait_for_event(&mut bob_events, "USER_ACCEPT").await;
    assert_eq!(
        (alice.call_status(), bob.call_status()),
        (CallState::InCall, CallState::InCall)
    );
    bob.hangup().await.unwrap();
    wait_for_event(&mut alice_events, "CALL_END").await;
    assert_eq!(
        record_status(&mut alice_events).await,
        CallStatus::Completed
    );
}

#[tokio::test]
async fn a_contact_going_offline_and_online_reaches_the_watcher_as_presence() {
    let (fixture, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fixture, "alice", Some("a1")).await;
    let (bob, mut bob_events) = client(&fixture, "bob", Some("b1")).await;
    alice.add_contact("bob").await.unwrap();
    wait_for_event(&mut bob_events, "CONTACTS_CHANGED").await;
    bob.accept_contact("alice").await.unwrap();

    bob.logout().await.unwrap();
    let expect = |presence: &str| serde_json::json!({"event": "PRESENCE", "account": "bob", "presence": presence});
    let event = wait_for_event(&mut alice_events, "PRESENCE").await;
    assert_eq!(serde_json::to_value(&event).unwrap(), expect("offline"));

    bob.login().await.unwrap();
    let event = wait_for_event(&mut alice_events, "PRESENCE").await;
    assert_eq!(serde_json::to_value(&event).unwrap(), expect("online"));
}

/// The next CONTACTS_CHANGED event's account and entry state (`None`: left the list).
async fn contact_change(
    events: &mut (impl futures_util::Stream<Item = CallEvent> + Unpin),
) -> (String, Option<ContactState>) {
    match wait_for_event(events, "CONTACTS_CHANGED").await {
        CallEvent::ContactsChanged { account, contact } => {
            (account.to_string(), contact.map(|c| c.state))
        }
        other => unreachable!("named CONTACTS_CHANGED: {other:?}"),
    }
}

#[tokio::test]
async fn contact_requests_arrive_as_events_and_every_answer_is_a_method() {
    let (fixture, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fixture, "alice", Some("a1")).await;
    let (bob, mut bob_events) = client(&fixture, "bob", Some("b1")).await;
    let (carol, _carol_events) = client(&fixture, "carol", Some("c1")).await;

    alice.add_contact("bob").await.unwrap();
    assert_eq!(
        contact_change(&mut alice_events).await,
        ("bob".into(), Some(ContactState::Outgoing))
    );
    assert_eq!(
        contact_change(&mut bob_events).await,
        ("alice".into(), Some(ContactState::Incoming))
    );
    bob.accept_contact("alice").await.unwrap();
    assert_eq!(
        contact_change(&mut alice_events).await,
        ("bob".into(), Some(ContactState::Accepted))
    );
    assert_eq!(
        contact_change(&mut bob_events).await,
        ("alice".into(), Some(ContactState::Accepted)),
        "the accepting device hears it too"
    );
    let states = |list: Vec<duet_callkit::Contact>| {
        list.into_iter()
            .map(|c| (c.account.to_string(), c.state, c.presence))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        states(alice.contacts().await.unwrap()),
        [("bob".into(), ContactState::Accepted, Presence::Online)]
    );

    carol.add_contact("alice").await.unwrap();
    assert_eq!(
        contact_change(&mut alice_events).await,
        ("carol".into(), Some(ContactState::Incoming))
    );
    alice.ignore_contact("carol").await.unwrap();
    assert_eq!(
        contact_change(&mut alice_events).await,
        ("carol".into(), None)
    );

    alice.block_contact("bob").await.unwrap();
    assert_eq!(
        contact_change(&mut bob_events).await,
        ("alice".into(), None)
    );
    alice.unblock_contact("bob").await.unwrap();
    alice.remove_contact("carol").await.unwrap();
    assert!(alice.contacts().await.unwrap().is_empty());
    assert_eq!(
        states(carol.contacts().await.unwrap()),
        [("alice".into(), ContactState::Outgoing, Presence::Offline)],
        "carol was not told she was ignored"
    );
    assert!(matches!(
        alice.accept_contact("bob").await,
        Err(CallKitError::Server {
            code: ErrorCode::InvalidState,
            ..
        })
    ));
}

#[tokio::test]
async fn beauty_levels_outside_0_to_9_are_refused_without_a_connection() {
    let config = CallKitConfig::new("ws://127.0.0.1:9/ws", "demo", "alice", "token");
    let kit = CallKit::new(config).unwrap();
    for level in 0..=9 {
        assert_eq!(kit.set_beauty_level(level), Ok(()));
        assert_eq!(kit.set_whiteness_level(level), Ok(()));
    }
    assert!(matches!(
        kit.set_beauty_level(10),
        Err(CallKitError::InvalidArgument(_))
    ));
    assert!(matches!(
        kit.set_whiteness_level(255),
        Err(CallKitError::InvalidArgument(_))
    ));
}

#[tokio::test]
async fn a_raw_peers_call_media_is_reported_and_a_switch_made_while_ringing_reaches_it() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", Some("alice-laptop")).await;
    let mut bob = RawPeer::login(&fx, "bob", "bob-desktop").await;
    let call_id = alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invited = bob.until(|f| f["event"] == "invited").await;
    // Turned off while it rings: nothing is sent now, the answer carries it.
    alice.enable_local_video(false).await.unwrap();
    let token = invited["call_token"].clone();
    bob.send(
        serde_json::json!({"v": 1, "type": "call", "action": "accept", "req": 2,
        "call_id": call_id.as_str(), "device": "bob-desktop", "seq": 1, "call_token": token}),
    )
    .await;
    let media = bob.until(|f| f["event"] == "media").await;
    assert_eq!(
        (&media["audio"], &media["video"]),
        (&true.into(), &false.into())
    );

    bob.send(
        serde_json::json!({"v": 1, "type": "call", "action": "media", "req": 3,
        "call_id": call_id.as_str(), "device": "bob-desktop", "seq": 2, "call_token": token,
        "audio": false, "video": true}),
    )
    .await;
    let CallEvent::AudioAvailable { available, .. } =
        wait_for_event(&mut alice_events, "AUDIO_AVAILABLE").await
    else {
        unreachable!()
    };
    assert!(!available);
    let CallEvent::VideoAvailable { available, .. } =
        wait_for_event(&mut alice_events, "VIDEO_AVAILABLE").await
    else {
        unreachable!()
    };
    assert!(available);
    alice.hangup().await.unwrap();
}
