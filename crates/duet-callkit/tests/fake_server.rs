//! The SDK against a scripted WebSocket server: event mapping, media lifecycle, request
//! timeouts, heartbeats, and reconnecting with backoff after a lost connection.

mod support;

use duet_callkit::{
    CallEvent, CallKit, CallKitConfig, CallKitError, CallParams, CallState, CallType, EndReason,
    ErrorCode, EventName,
};
use duet_testkit::{next_event, wait_for_event};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::fake_server::{event, invited, record, FakeConnection, FakeServer};
use support::recording_media::RecordingMedia;

fn config(url: &str) -> CallKitConfig {
    let mut config = CallKitConfig::new(url, "demo", "alice", "token");
    config.device_id = "alice-laptop".into();
    // Short reconnect delays keep the reconnect test quick; the backoff curve is unit-tested.
    config.min_reconnect_delay = Duration::from_millis(10);
    config.max_reconnect_delay = Duration::from_millis(40);
    config
}

async fn logged_in(
    media: RecordingMedia,
) -> (CallKit, support::fake_server::FakeConnection, FakeServer) {
    let mut server = FakeServer::start().await;
    let kit = CallKit::with_media(config(&server.url), Arc::new(media)).unwrap();
    let login = tokio::spawn({
        let kit = kit.clone();
        async move { kit.login().await }
    });
    let mut conn = server.accept().await;
    let frame = conn.login(10_000, json!([])).await;
    assert_eq!(
        (frame["account"].as_str(), frame["device"].as_str()),
        (Some("alice"), Some("alice-laptop"))
    );
    let session = login.await.unwrap().unwrap();
    assert!(session.safe_mode);
    (kit, conn, server)
}

#[tokio::test]
async fn incoming_call_events_map_to_seed_names_and_drive_callee_media() {
    let media = RecordingMedia::default();
    let (kit, mut conn, _server) = logged_in(media.clone()).await;
    let mut events = kit.events();
    conn.send(invited("c9", 1, "alice")).await;
    let CallEvent::Invited(invite) = next_event(&mut events).await else {
        panic!("expected INVITED")
    };
    assert_eq!(
        (invite.call_id.as_str(), invite.caller.account.as_str()),
        ("c9", "bob")
    );
    assert_eq!(kit.call_status(), CallState::Called);
    conn.send(invited("c9", 1, "alice")).await;
    conn.send(event("c9", 2, json!({"event": "canceled"})))
        .await;
    let cancel = next_event(&mut events).await;
    assert_eq!(
        cancel.name(),
        "USER_CANCEL",
        "the repeated invite was dropped by its seq"
    );
    conn.send(record("c9", 3, 2)).await;
    let CallEvent::MessageSent { record } = next_event(&mut events).await else {
        panic!("expected MESSAGE_SENT")
    };
    assert_eq!(u8::from(record.status), 2);
    assert_eq!(kit.call_status(), CallState::Idle);
    assert_eq!(media.log()[0], "start:Callee:1");
    assert_eq!(media.log().last().unwrap(), "close");
}

#[tokio::test]
async fn outgoing_call_starts_media_on_ack_relays_signals_and_releases_on_accept() {
    let media = RecordingMedia::default();
    let (kit, mut conn, _server) = logged_in(media.clone()).await;
    let mut events = kit.events();
    let placing = tokio::spawn({
        let kit = kit.clone();
        async move { kit.call(CallParams::new("bob", CallType::Video)).await }
    });
    let invite = conn.recv().await.unwrap();
    assert_eq!(
        (
            invite["action"].as_str(),
            invite["callee"].as_str(),
            invite["seq"].as_u64()
        ),
        (Some("invite"), Some("bob"), Some(1))
    );
    assert_eq!(invite["timeout_ms"], 30_000);
    let call_id = invite["call_id"].as_str().unwrap().to_owned();
    conn.send(json!({"v": 1, "type": "call.ack", "req": invite["req"], "call_id": call_id, "call_token": "ct-x"})).await;
    assert_eq!(placing.await.unwrap().unwrap().as_str(), call_id);
    assert_eq!(kit.call_status(), CallState::Calling);
    assert_eq!(media.log()[0], "start:Caller:1");

    media.emit_signal(json!({"kind": "offer"}));
    let signal = conn.recv().await.unwrap();
    assert_eq!(
        (signal["action"].as_str(), signal["call_token"].as_str()),
        (Some("signal"), Some("ct-x"))
    );
    assert_eq!(signal["payload"], json!({"kind": "offer"}));

    let accepted = json!({"event": "accepted", "call_type": 2, "callee": {"account": "bob", "device": "bob-desktop"}});
    conn.send(event(&call_id, 2, accepted)).await;
    assert_eq!(next_event(&mut events).await.name(), "USER_ACCEPT");
    assert_eq!(kit.call_status(), CallState::InCall);
    conn.send(event(
        &call_id,
        3,
        json!({"event": "signal", "from": "bob-desktop", "payload": {"kind": "answer"}}),
    ))
    .await;
    assert_eq!(next_event(&mut events).await.name(), "SIGNAL");
    conn.send(event(
        &call_id,
        4,
        json!({"event": "media", "audio": false, "video": true}),
    ))
    .await;
    let CallEvent::AudioAvailable { available, .. } = next_event(&mut events).await else {
        panic!("expected AUDIO_AVAILABLE")
    };
    assert!(!available);
    assert_eq!(next_event(&mut events).await.name(), "VIDEO_AVAILABLE");

    let muting = tokio::spawn({
        let kit = kit.clone();
        async move { kit.mute_local_audio(true).await }
    });
    let media_frame = conn.recv().await.unwrap();
    assert_eq!(
        (
            media_frame["action"].as_str(),
            media_frame["audio"].as_bool()
        ),
        (Some("media"), Some(false))
    );
    conn.send(json!({"v": 1, "type": "call.ack", "req": media_frame["req"], "call_id": call_id}))
        .await;
    muting.await.unwrap().unwrap();

    conn.send(event(
        &call_id,
        5,
        json!({"event": "ended", "reason": "user_hangup", "by": "bob"}),
    ))
    .await;
    let CallEvent::CallEnd { reason, .. } = next_event(&mut events).await else {
        panic!("expected CALL_END")
    };
    assert_eq!(reason, duet_callkit::EndReason::UserHangup);
    assert_eq!(kit.call_status(), CallState::Idle);
    let log = media.log();
    let release = log.iter().position(|l| l == "release").unwrap();
    assert!(log[release..].contains(&"remote:{\"kind\":\"answer\"}".to_owned()));
    assert_eq!(log.last().unwrap(), "close");
    assert!(log.contains(&"audio:false".to_owned()));
}

#[tokio::test]
async fn an_accept_answered_elsewhere_fails_and_converges_to_other_client_accept() {
    let (kit, mut conn, _server) = logged_in(RecordingMedia::default()).await;
    let mut events = kit.events();
    conn.send(invited("c9", 1, "alice")).await;
    let CallEvent::Invited(invite) = next_event(&mut events).await else {
        panic!("expected INVITED")
    };
    let accepting = tokio::spawn({
        let kit = kit.clone();
        async move { kit.accept(&invite).await }
    });
    let accept = conn.recv().await.unwrap();
    assert_eq!(
        (accept["action"].as_str(), accept["call_token"].as_str()),
        (Some("accept"), Some("tok-c9"))
    );
    conn.send(json!({"v": 1, "type": "error", "req": accept["req"], "call_id": "c9", "code": "answered_elsewhere", "message": "no"})).await;
    let error = accepting.await.unwrap().unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::AnsweredElsewhere));
    assert_eq!(next_event(&mut events).await.name(), "OTHER_CLIENT_ACCEPT");
    assert_eq!(kit.call_status(), CallState::Idle);
}

#[tokio::test]
async fn a_request_the_server_never_answers_times_out() {
    let (kit, mut conn, _server) = logged_in(RecordingMedia::default()).await;
    // Virtual time from here: the 10 s request timeout passes as soon as everything waits.
    tokio::time::pause();
    let asking = tokio::spawn({
        let kit = kit.clone();
        async move { kit.contacts().await }
    });
    let frame = conn.recv().await.unwrap();
    assert_eq!(frame["type"], "contacts.list");
    assert_eq!(
        asking.await.unwrap().unwrap_err(),
        CallKitError::Timeout(Duration::from_secs(10))
    );
}

#[tokio::test]
async fn the_sdk_pings_every_heartbeat_and_gives_up_on_a_silent_server() {
    let mut server = FakeServer::start().await;
    let kit = CallKit::new(config(&server.url)).unwrap();
    let login = tokio::spawn({
        let kit = kit.clone();
        async move { kit.login().await }
    });
    let mut conn = server.accept().await;
    conn.login(1_000, json!([])).await;
    login.await.unwrap().unwrap();
    let mut events = kit.events();
    tokio::time::pause();
    // The server never answers: pings, then after three silent heartbeats the connection is lost.
    let mut pings = 0;
    while let Some(frame) = conn.recv_any().await {
        assert_eq!(frame["type"], "ping");
        pings += 1;
    }
    assert!(pings >= 1, "the SDK pinged before giving up");
    assert_eq!(next_event(&mut events).await.name(), "onDisconnect");
}

#[tokio::test]
async fn a_lost_connection_emits_on_disconnect_then_reconnects_and_resyncs() {
    let (kit, conn, mut server) = logged_in(RecordingMedia::default()).await;
    let mut events = kit.events();
    conn.drop_hard();
    assert_eq!(next_event(&mut events).await.name(), "onDisconnect");
    // The first retry fails: the server is reachable but closes at once; backoff applies.
    server.accept().await.drop_hard();
    let mut conn = server.accept().await;
    let ringing = json!([{
        "call_id": "c7", "caller": {"account": "bob", "device": "bob-desktop"}, "callee": "alice",
        "call_type": 1, "phase": "ringing", "expires_in_ms": 20000, "call_token": "tok-c7", "seq": 4
    }]);
    let login = conn.login(10_000, ringing).await;
    assert_eq!(
        login["device"], "alice-laptop",
        "the same device logs in again, so the server re-syncs it"
    );
    let CallEvent::Invited(invite) = next_event(&mut events).await else {
        panic!("expected INVITED")
    };
    assert_eq!(invite.call_id.as_str(), "c7");
    let CallEvent::Resynced {
        status, invites, ..
    } = wait_for_event(&mut events, "RESYNCED").await
    else {
        unreachable!()
    };
    assert_eq!((status, invites.len()), (CallState::Called, 1));
    conn.send(invited("c7", 3, "alice")).await;
    conn.send(event("c7", 5, json!({"event": "canceled"})))
        .await;
    assert_eq!(
        next_event(&mut events).await.name(),
        "USER_CANCEL",
        "events the resync covered are dropped"
    );
}

#[tokio::test]
async fn a_refused_login_is_reported_and_not_retried() {
    let mut server = FakeServer::start().await;
    let kit = CallKit::new(config(&server.url)).unwrap();
    let login = tokio::spawn({
        let kit = kit.clone();
        async move { kit.login().await }
    });
    let mut conn = server.accept().await;
    let frame = conn.recv().await.unwrap();
    conn.send(json!({"v": 1, "type": "error", "req": frame["req"], "code": "bad_token", "message": "forged"})).await;
    let error = login.await.unwrap().unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::BadToken));
    assert_eq!(kit.hangup().await.unwrap_err(), CallKitError::NotLoggedIn);
}

#[tokio::test]
async fn on_and_off_register_handlers_by_event_name() {
    let (kit, mut conn, _server) = logged_in(RecordingMedia::default()).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let id = kit.on(EventName::Invited, {
        let seen = seen.clone();
        move |e: &CallEvent| seen.lock().unwrap().push(e.name())
    });
    let mut events = kit.events();
    conn.send(invited("c1", 1, "alice")).await;
    wait_for_event(&mut events, "INVITED").await;
    assert!(kit.off(id));
    assert!(!kit.off(id));
    conn.send(invited("c2", 1, "alice")).await;
    wait_for_event(&mut events, "INVITED").await;
    assert_eq!(*seen.lock().unwrap(), ["INVITED"]);
}

#[tokio::test]
async fn off_with_an_event_name_removes_every_handler_of_that_name_only() {
    let (kit, mut conn, _server) = logged_in(RecordingMedia::default()).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = |label: &'static str| {
        let seen = seen.clone();
        move |e: &CallEvent| seen.lock().unwrap().push(format!("{label}:{}", e.name()))
    };
    kit.on(EventName::Invited, record("first"));
    kit.on(EventName::Invited, record("second"));
    kit.on(EventName::UserCancel, record("cancel"));
    kit.on(EventName::All, record("all"));
    let mut events = kit.events();
    conn.send(invited("c1", 1, "alice")).await;
    wait_for_event(&mut events, "INVITED").await;
    assert_eq!(
        *seen.lock().unwrap(),
        ["first:INVITED", "second:INVITED", "all:INVITED"]
    );

    // nertc-call's `off(EVENT.INVITED)`: both INVITED handlers go, the others stay.
    assert!(kit.off(EventName::Invited));
    assert!(!kit.off(EventName::Invited));
    seen.lock().unwrap().clear();
    conn.send(invited("c2", 1, "alice")).await;
    wait_for_event(&mut events, "INVITED").await;
    conn.send(event("c2", 2, json!({"event": "canceled"})))
        .await;
    wait_for_event(&mut events, "USER_CANCEL").await;
    assert_eq!(
        *seen.lock().unwrap(),
        ["all:INVITED", "cancel:USER_CANCEL", "all:USER_CANCEL"]
    );

    // `All` names the handlers registered for every event, not every handler.
    assert!(kit.off(EventName::All));
    seen.lock().unwrap().clear();
    conn.send(invited("c3", 1, "alice")).await;
    wait_for_event(&mut events, "INVITED").await;
    conn.send(event("c3", 2, json!({"event": "canceled"})))
        .await;
    wait_for_event(&mut events, "USER_CANCEL").await;
    assert_eq!(*seen.lock().unwrap(), ["cancel:USER_CANCEL"]);
}

#[test]
fn set_call_timeout_refuses_more_than_120_seconds() {
    let kit = CallKit::new(config("ws://127.0.0.1:9/ws")).unwrap();
    assert!(kit.set_call_timeout(Duration::from_secs(120)).is_ok());
    let error = kit.set_call_timeout(Duration::from_secs(121)).unwrap_err();
    assert!(matches!(error, CallKitError::InvalidArgument(ref m) if m.contains("120")));
}

#[test]
fn bad_configuration_is_refused_with_a_reason() {
    let mut bad = config("http://127.0.0.1:1/ws");
    assert!(
        matches!(CallKit::new(bad.clone()), Err(CallKitError::InvalidConfig(m)) if m.contains("ws://"))
    );
    bad.server_url = "ws://127.0.0.1:1/ws".into();
    bad.beauty_level = 10;
    assert!(
        matches!(CallKit::new(bad.clone()), Err(CallKitError::InvalidConfig(m)) if m.contains("0..=9"))
    );
    bad.beauty_level = 0;
    bad.video_width = Some(321);
    bad.video_height = Some(240);
    assert!(
        matches!(CallKit::new(bad), Err(CallKitError::InvalidConfig(m)) if m.contains("321x240"))
    );
}

/// Rings alice with bob's call c9 and has her accept it (acked with the token `tok-c9`).
async fn answer_c9(
    kit: &CallKit,
    conn: &mut FakeConnection,
    events: &mut (impl futures_util::Stream<Item = CallEvent> + Unpin),
) {
    conn.send(invited("c9", 1, "alice")).await;
    let CallEvent::Invited(invite) = next_event(events).await else {
        panic!("expected INVITED")
    };
    let accepting = tokio::spawn({
        let kit = kit.clone();
        async move { kit.accept(&invite).await }
    });
    let accept = conn.recv().await.unwrap();
    conn.send(json!({"v": 1, "type": "call.ack", "req": accept["req"], "call_id": "c9", "call_token": "tok-c9"}))
        .await;
    accepting.await.unwrap().unwrap();
}

/// The resync's `calls` listing bob's call c9 as answered on alice's laptop.
fn c9_answered_in_resync() -> serde_json::Value {
    json!([{
        "call_id": "c9", "caller": {"account": "bob", "device": "bob-desktop"}, "callee": "alice",
        "call_type": 2, "phase": "active", "callee_device": "alice-laptop", "answered_at_ms": 5,
        "call_token": "tok-c9", "seq": 6
    }])
}

#[tokio::test]
async fn an_answered_call_survives_a_reconnect_that_the_resync_confirms() {
    let media = RecordingMedia::default();
    let (kit, mut conn, mut server) = logged_in(media.clone()).await;
    let mut events = kit.events();
    answer_c9(&kit, &mut conn, &mut events).await;
    assert_eq!(kit.call_status(), CallState::InCall);

    conn.drop_hard();
    assert_eq!(next_event(&mut events).await.name(), "onDisconnect");
    assert_eq!(
        kit.call_status(),
        CallState::InCall,
        "media may outlive a signaling drop"
    );
    let mut conn = server.accept().await;
    let active = c9_answered_in_resync();
    conn.login(10_000, active).await;
    let CallEvent::Resynced { status, gone, .. } = wait_for_event(&mut events, "RESYNCED").await
    else {
        unreachable!()
    };
    assert_eq!((status, gone.len()), (CallState::InCall, 0));
    let hanging_up = tokio::spawn({
        let kit = kit.clone();
        async move { kit.hangup().await }
    });
    let hangup = conn.recv().await.unwrap();
    assert_eq!(
        (hangup["action"].as_str(), hangup["call_token"].as_str()),
        (Some("hangup"), Some("tok-c9"))
    );
    conn.send(json!({"v": 1, "type": "call.ack", "req": hangup["req"], "call_id": "c9"}))
        .await;
    hanging_up.await.unwrap().unwrap();
    assert!(
        !media.log().contains(&"close".to_owned()),
        "the reconnect did not tear media down"
    );
}

/// The user hangs up while the SDK waits to reconnect: `hangup` returns at once, the call ends
/// here (CALL_END, user_hangup, media closed), and the hang-up reaches the server after the
/// reconnect, once its resync lists the call. It used to fail with `ConnectionLost`, leaving the
/// peer in the call until the server's reconnect grace ran out.
#[tokio::test]
async fn a_hang_up_while_reconnecting_ends_the_call_and_reaches_the_server_after_the_resync() {
    let media = RecordingMedia::default();
    let (kit, mut conn, mut server) = logged_in(media.clone()).await;
    let mut events = kit.events();
    answer_c9(&kit, &mut conn, &mut events).await;

    conn.drop_hard();
    assert_eq!(next_event(&mut events).await.name(), "onDisconnect");
    // The first reconnect fails too, so the SDK waits out its back-off, offline.
    server.accept().await.drop_hard();
    kit.hangup().await.expect("a hang-up offline is taken");
    let CallEvent::CallEnd {
        call_id,
        reason,
        by,
    } = wait_for_event(&mut events, "CALL_END").await
    else {
        unreachable!()
    };
    assert_eq!(
        (call_id.as_str(), reason, by.as_ref().map(|a| a.as_str())),
        ("c9", EndReason::UserHangup, Some("alice"))
    );
    assert_eq!(kit.call_status(), CallState::Idle);
    assert!(media.log().contains(&"close".to_owned()), "media closed");

    let mut conn = server.accept().await;
    let active = c9_answered_in_resync();
    conn.login_only(10_000, active).await;
    // Sent as the resync is read, before the login's contact list request.
    let hangup = conn.recv().await.expect("the hang-up after the resync");
    assert_eq!(
        (
            hangup["call_id"].as_str(),
            hangup["action"].as_str(),
            hangup["call_token"].as_str()
        ),
        (Some("c9"), Some("hangup"), Some("tok-c9"))
    );
    let list = conn.recv().await.expect("then the contact list request");
    assert_eq!(list["type"], "contacts.list");
    assert_eq!(
        kit.call_status(),
        CallState::Idle,
        "the call does not come back"
    );
}

#[tokio::test]
async fn a_non_contact_rings_without_media_until_answered() {
    let media = RecordingMedia::default();
    let mut server = FakeServer::start().await;
    let kit = CallKit::with_media(config(&server.url), Arc::new(media.clone())).unwrap();
    let login = tokio::spawn({
        let kit = kit.clone();
        async move { kit.login().await }
    });
    let mut conn = server.accept().await;
    conn.login_with_contacts(10_000, json!([]), json!([])).await;
    login.await.unwrap().unwrap();
    let mut events = kit.events();

    conn.send(invited("c3", 1, "alice")).await;
    let CallEvent::Invited(invite) = next_event(&mut events).await else {
        panic!("expected INVITED")
    };
    let offer = json!({"event": "signal", "from": "bob-desktop", "payload": {"kind": "offer"}});
    conn.send(event("c3", 2, offer)).await;
    let candidate =
        json!({"event": "signal", "from": "bob-desktop", "payload": {"kind": "candidate"}});
    conn.send(event("c3", 3, candidate)).await;
    wait_for_event(&mut events, "SIGNAL").await;
    wait_for_event(&mut events, "SIGNAL").await;
    assert!(
        media.log().is_empty(),
        "no media (no device, no candidate) before the answer: {:?}",
        media.log()
    );

    let accepting = tokio::spawn({
        let kit = kit.clone();
        async move { kit.accept(&invite).await }
    });
    let accept = conn.recv().await.unwrap();
    assert_eq!(accept["action"], "accept");
    conn.send(json!({"v": 1, "type": "call.ack", "req": accept["req"], "call_id": "c3", "call_token": "tok-c3"}))
        .await;
    accepting.await.unwrap().unwrap();
    let log = media.log();
    let started = log
        .iter()
        .position(|l| l == "start:Callee:1")
        .expect("started on answer");
    let after: Vec<&str> = log[started + 1..]
        .iter()
        .map(String::as_str)
        .filter(|l| l.starts_with("remote:") || *l == "release")
        .collect();
    assert_eq!(
        after,
        [
            r#"remote:{"kind":"offer"}"#,
            r#"remote:{"kind":"candidate"}"#,
            "release"
        ],
        "the negotiation that arrived while ringing is replayed in order, then media flows"
    );
}

#[tokio::test]
async fn media_that_finds_no_path_ends_the_answered_call_with_ice_failed() {
    let media = RecordingMedia::default();
    let (kit, mut conn, _server) = logged_in(media.clone()).await;
    let mut events = kit.events();
    conn.send(invited("c4", 1, "alice")).await;
    let CallEvent::Invited(invite) = next_event(&mut events).await else {
        panic!("expected INVITED")
    };
    // ICE gives up while it still rings: the SDK waits for the answer, then hangs up.
    media.fail_ice();
    let failed = wait_for_event(&mut events, "MEDIA_FAILED").await;
    let CallEvent::MediaFailed { what, reason, .. } = failed else {
        unreachable!()
    };
    assert_eq!(
        (what.as_str(), reason.as_str()),
        ("connection", "ice_failed")
    );
    let accepting = tokio::spawn({
        let kit = kit.clone();
        async move { kit.accept(&invite).await }
    });
    let accept = conn.recv().await.unwrap();
    conn.send(json!({"v": 1, "type": "call.ack", "req": accept["req"], "call_id": "c4", "call_token": "tok-c4"}))
        .await;
    accepting.await.unwrap().unwrap();
    let hangup = conn.recv().await.unwrap();
    assert_eq!(
        (hangup["action"].as_str(), hangup["reason"].as_str()),
        (Some("hangup"), Some("ice_failed"))
    );
}

/// Logs in against a server whose resync is `resync` (raw text); returns whether login
/// succeeded and the connection, which then serves an incoming call.
async fn login_with_raw_resync(resync: String) {
    let mut server = FakeServer::start().await;
    let kit =
        CallKit::with_media(config(&server.url), Arc::new(RecordingMedia::default())).unwrap();
    let login = tokio::spawn({
        let kit = kit.clone();
        async move { kit.login().await }
    });
    let mut conn = server.accept().await;
    let frame = conn.recv().await.expect("the client logs in first");
    conn.send(json!({
        "v": 1, "type": "login.ok", "req": frame["req"], "account": "alice", "nick": "Alice",
        "device": "alice-laptop", "heartbeat_ms": 10_000, "ice_servers": [],
        "safe_mode": true, "server_time_ms": 1_764_115_200_000u64
    }))
    .await;
    conn.send_text(resync).await;
    let list = conn
        .recv()
        .await
        .expect("the SDK goes on to ask for contacts");
    assert_eq!(list["type"], "contacts.list");
    login
        .await
        .unwrap()
        .expect("login does not stall on a resync it cannot read");
    // The session works: a call rings.
    let mut events = kit.events();
    conn.send(invited("c9", 1, "alice")).await;
    assert!(matches!(
        next_event(&mut events).await,
        CallEvent::Invited(_)
    ));
}

#[tokio::test]
async fn finding_1_a_resync_over_the_frame_limit_does_not_stall_login() {
    let huge = "x".repeat(duet_protocol::MAX_FRAME_BYTES);
    let call = json!({
        "call_id": "c1", "caller": {"account": "bob", "device": "b1"}, "callee": "alice",
        "call_type": 2, "attachment": huge, "phase": "ringing", "expires_in_ms": 30_000,
        "call_token": "t", "seq": 1
    });
    login_with_raw_resync(json!({"v": 1, "type": "resync", "calls": [call]}).to_string()).await;
}

#[tokio::test]
async fn finding_1_a_resync_nested_past_json_readers_does_not_stall_login() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let resync = format!(
        r#"{{"v":1,"type":"resync","calls":[{{"call_id":"c1","caller":{{"account":"bob","device":"b1"}},"callee":"alice","call_type":2,"attachment":{deep},"phase":"ringing","expires_in_ms":30000,"call_token":"t","seq":1}}]}}"#
    );
    login_with_raw_resync(resync).await;
}

#[tokio::test]
async fn finding_1_the_sdk_refuses_an_attachment_over_the_limit_before_sending() {
    let (kit, _conn, _server) = logged_in(RecordingMedia::default()).await;
    let mut params = CallParams::new("bob", CallType::Video);
    params.attachment = json!("x".repeat(duet_protocol::MAX_ATTACHMENT_BYTES));
    match kit.call(params).await {
        Err(CallKitError::InvalidArgument(message)) => assert!(message.contains("attachment")),
        other => panic!("expected an invalid argument, got {other:?}"),
    }
}
