//! One test per transition of the client mirror, in virtual time (`now_ms` is just a number).

use super::*;
use duet_protocol::{
    AccountId, CallAction, CallEvent, CallRecord, CallSnapshot, CallSnapshotPhase, CallStatus,
    CallType, ClientMessage, DeviceId, EndReason, ErrorCode, OtherDeviceAction, Party, ServerFrame,
    ServerMessage, VideoOffReason,
};
use serde_json::json;

const T0: u64 = 1_000_000;

fn id(s: &str) -> CallId {
    CallId::new(s).unwrap()
}

fn party(account: &str, device: &str) -> Party {
    Party {
        account: AccountId::new(account).unwrap(),
        device: DeviceId::new(device).unwrap(),
        nick: String::new(),
    }
}

fn frame(req: Option<u64>, msg: ServerMessage) -> ServerFrame {
    ServerFrame::new(req, msg)
}

fn event(call: &str, seq: u64, event: CallEvent) -> ServerFrame {
    frame(
        None,
        ServerMessage::Call {
            call_id: id(call),
            seq,
            event,
        },
    )
}

fn ack(req: u64, call: &str, token: Option<&str>) -> ServerFrame {
    frame(
        Some(req),
        ServerMessage::CallAck {
            call_id: id(call),
            call_token: token.map(str::to_owned),
        },
    )
}

fn error(req: u64, call: &str, code: ErrorCode) -> ServerFrame {
    let msg = ServerMessage::Error {
        code,
        message: "refused".into(),
        call_id: Some(id(call)),
    };
    frame(Some(req), msg)
}

fn invited(call: &str, from: &str, from_device: &str, expires_in_ms: u64) -> CallEvent {
    CallEvent::Invited {
        caller: party(from, from_device),
        callee: AccountId::new("alice").unwrap(),
        call_type: CallType::Video,
        attachment: json!({"k": 1}),
        expires_in_ms,
        call_token: format!("tok-{call}"),
        waiting: false,
    }
}

fn record(call: &str, status: CallStatus) -> CallEvent {
    CallEvent::Record {
        record: CallRecord {
            call_id: id(call),
            from: AccountId::new("alice").unwrap(),
            to: AccountId::new("bob").unwrap(),
            call_type: CallType::Video,
            status,
            reason: EndReason::Canceled,
            started_at_ms: T0,
            answered_at_ms: None,
            ended_at_ms: T0,
            duration_ms: 0,
        },
    }
}

/// A logged-in mirror for alice's laptop, with outputs and events drained.
fn logged_in() -> ClientMirror {
    let config = ClientConfig::new(
        AccountId::new("alice").unwrap(),
        DeviceId::new("alice-laptop").unwrap(),
    );
    let mut m = ClientMirror::new(config);
    m.handle_connected(T0);
    let login = ClientMessage::Login {
        app_key: "demo".into(),
        account: AccountId::new("alice").unwrap(),
        token: "t".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        call_waiting: false,
    };
    let req = m.request(login, T0).unwrap();
    let ok = ServerMessage::LoginOk {
        account: AccountId::new("alice").unwrap(),
        nick: "Alice".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        heartbeat_ms: 10_000,
        ice_servers: vec![],
        ice_expires_at_ms: None,
        safe_mode: true,
        server_time_ms: T0,
    };
    m.handle_frame(frame(Some(req), ok), T0);
    m.handle_frame(frame(None, ServerMessage::Resync { calls: vec![] }), T0);
    drain(&mut m);
    m
}

fn drain(m: &mut ClientMirror) -> (Vec<ClientOutput>, Vec<ClientEvent>) {
    let outputs = std::iter::from_fn(|| m.poll_output()).collect();
    let events = std::iter::from_fn(|| m.poll_event()).collect();
    (outputs, events)
}

fn names(events: &[ClientEvent]) -> Vec<&'static str> {
    events.iter().map(ClientEvent::name).collect()
}

fn sent(outputs: &[ClientOutput]) -> Vec<ClientMessage> {
    outputs
        .iter()
        .filter_map(|o| match o {
            ClientOutput::Send(f) => Some(f.msg.clone()),
            _ => None,
        })
        .collect()
}

fn media(outputs: &[ClientOutput]) -> Vec<MediaAction> {
    outputs
        .iter()
        .filter_map(|o| match o {
            ClientOutput::Media(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn action_of(msg: &ClientMessage) -> (&CallAction, u64, Option<&str>) {
    match msg {
        ClientMessage::Call {
            action,
            seq,
            call_token,
            ..
        } => (action, *seq, call_token.as_deref()),
        other => panic!("expected a call message, got {other:?}"),
    }
}

/// Alice calls bob with call c1; the invite is acked with token `ct-a`. Returns the invite's req.
fn calling(m: &mut ClientMirror) -> u64 {
    let req = m
        .call(
            id("c1"),
            AccountId::new("bob").unwrap(),
            CallType::Video,
            json!(null),
            30_000,
            T0,
        )
        .unwrap();
    m.handle_frame(ack(req, "c1", Some("ct-a")), T0 + 10);
    drain(m);
    req
}

/// Bob's call c9 rings alice. Returns the mirror's view of the invite.
fn ringing(m: &mut ClientMirror) {
    m.handle_frame(
        event("c9", 1, invited("c9", "bob", "bob-desktop", 30_000)),
        T0,
    );
    drain(m);
}

/// Found by the client_mirror fuzz target (fuzz/, scripts/fuzz.sh): ben's device got
/// `login.ok`, placed a call, and then the `resync` sent right after `login.ok` (before the
/// server saw the invite, so not listing it) ended that call here with CALL_END, while the server
/// went on ringing it. The mirror now takes actions only once the resync is in.
#[test]
fn a_call_placed_before_the_login_resync_is_refused_not_lost() {
    let config = ClientConfig::new(
        AccountId::new("alice").unwrap(),
        DeviceId::new("alice-laptop").unwrap(),
    );
    let mut m = ClientMirror::new(config);
    m.handle_connected(T0);
    let login = ClientMessage::Login {
        app_key: "demo".into(),
        account: AccountId::new("alice").unwrap(),
        token: "t".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        call_waiting: false,
    };
    let req = m.request(login, T0).unwrap();
    let ok = ServerMessage::LoginOk {
        account: AccountId::new("alice").unwrap(),
        nick: "Alice".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        heartbeat_ms: 10_000,
        ice_servers: vec![],
        ice_expires_at_ms: None,
        safe_mode: true,
        server_time_ms: T0,
    };
    m.handle_frame(frame(Some(req), ok), T0);
    let bob = || AccountId::new("bob").unwrap();
    let early = m.call(id("c1"), bob(), CallType::Audio, json!(null), 30_000, T0);
    assert_eq!(early, Err(ClientError::NotConnected));
    m.handle_frame(frame(None, ServerMessage::Resync { calls: vec![] }), T0);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"]);
    assert!(m
        .call(id("c1"), bob(), CallType::Audio, json!(null), 30_000, T0)
        .is_ok());
    assert_eq!(m.status(), CallState::Calling);
}

/// Found by the client_mirror fuzz target: a `resync` listing a ringing call that expires in
/// 17433981653976478193 ms overflowed `now + expires_in_ms` (a panic in debug builds, an invite
/// that expired at once in release). Deadlines from the server now saturate.
#[test]
fn a_huge_expiry_from_the_server_rings_until_the_server_says_otherwise() {
    let mut m = logged_in();
    let huge = 17_433_981_653_976_478_193;
    let phase = CallSnapshotPhase::Ringing {
        expires_in_ms: huge,
        call_token: "tok-c7".into(),
        waiting: false,
    };
    let calls = vec![snapshot("c7", party("bob", "bob-desktop"), phase, 3)];
    m.handle_frame(frame(None, ServerMessage::Resync { calls }), T0);
    m.handle_frame(
        event("c8", 1, invited("c8", "cat", "cat-phone", u64::MAX)),
        T0,
    );
    assert_eq!(m.invites().len(), 2);
    assert_eq!(
        m.poll_timeout(),
        Some(T0 + huge + 5_000),
        "the resync's, plus slack"
    );
    m.handle_timeout(T0 + 3_600_000);
    assert_eq!(m.invites().len(), 2, "still ringing an hour later");
    assert!(m
        .call(
            id("c9"),
            AccountId::new("bob").unwrap(),
            CallType::Audio,
            json!(null),
            u64::MAX,
            T0
        )
        .is_ok());
}

/// Found by the client_mirror fuzz target, from a hostile server: a `resync` listing call h110
/// both as this device's answered call and as ringing it made h110 current and ringing at once.
#[test]
fn a_resync_naming_a_call_twice_counts_it_once() {
    let mut m = logged_in();
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("alice-laptop").unwrap(),
        answered_at_ms: T0,
        call_token: "tok".into(),
    };
    let ringing = || CallSnapshotPhase::Ringing {
        expires_in_ms: 0,
        call_token: "tok".into(),
        waiting: false,
    };
    let calls = vec![
        snapshot("h110", party("cat", "cat0"), active, 3),
        snapshot("h110", party("cat", "cat0"), ringing(), 0),
        snapshot("h111", party("ben", "ben0"), ringing(), 1),
        snapshot("h111", party("ben", "ben0"), ringing(), 1),
    ];
    m.handle_frame(frame(None, ServerMessage::Resync { calls }), T0);
    assert_eq!(m.current().map(|c| c.call_id.as_str()), Some("h110"));
    let ringing: Vec<&str> = m.invites().iter().map(|i| i.call_id.as_str()).collect();
    assert_eq!(ringing, ["h111"]);
    assert_eq!(m.status(), CallState::InCall);
}

/// Found by the client_mirror fuzz target: ann's device called cat (ringing 5 s) and cat's
/// called ann; the server merged the two into ann's call, answered, but for 26 s nothing reached
/// either device. Both mirrors' guards gave up (CALLING_TIMEOUT) without the tokens needed to
/// cancel, then ignored the late ack, `accepted` and `merged`: the call lived on at the server
/// with two idle devices, busy for everyone else. A mirror now hangs such a call up.
#[test]
fn a_call_given_up_before_its_ack_is_hung_up_when_the_server_answers_it() {
    // Ann's side: the invite's ack, then the acceptance, arrive after the guard gave up.
    let mut m = logged_in();
    let bob = AccountId::new("bob").unwrap();
    let req = m
        .call(id("c1"), bob, CallType::Video, json!(null), 5_000, T0)
        .unwrap();
    drain(&mut m);
    m.handle_timeout(T0 + 26_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    assert!(sent(&out).is_empty(), "no token to cancel with yet");
    m.handle_frame(ack(req, "c1", Some("ct-a")), T0 + 26_000);
    let (out, _) = drain(&mut m);
    let hangups = sent(&out);
    let [msg] = hangups.as_slice() else {
        panic!("one hang-up expected: {hangups:?}");
    };
    let (action, seq, token) = action_of(msg);
    assert!(matches!(action, CallAction::Hangup { .. }));
    assert_eq!((seq, token), (T0 + 26_000, Some("ct-a")));
    assert_eq!(m.status(), CallState::Idle);

    // Cat's side: glare merged its call c2 into c1, which it hangs up with the merged token.
    let mut m = logged_in();
    let ann = AccountId::new("ann").unwrap();
    m.call(id("c2"), ann, CallType::Video, json!(null), 5_000, T0)
        .unwrap();
    m.handle_timeout(T0 + 26_000);
    drain(&mut m);
    let merged = CallEvent::Merged {
        into: id("c1"),
        call_token: "ct-c".into(),
    };
    m.handle_frame(event("c2", 1, merged), T0 + 26_000);
    let (out, events) = drain(&mut m);
    assert!(names(&events).is_empty());
    let msgs = sent(&out);
    let [ClientMessage::Call {
        call_id, action, ..
    }] = msgs.as_slice()
    else {
        panic!("one hang-up expected: {msgs:?}");
    };
    assert_eq!((call_id.as_str(), action.name()), ("c1", "hangup"));
    assert_eq!(m.status(), CallState::Idle);
}

/// Found by the client_mirror fuzz target: cat2's call1 rang ann0 (5 s) and ann0 called cat;
/// the server joined the two into call1, answered by ann0, but the `merged` took 10 s. By then
/// ann0's guard had dropped call1's invite (CALLING_TIMEOUT), and the late `merged` made call1
/// current again, so call1 later ended a second time (CALL_END). A call the mirror showed ended
/// stays ended: call1 is hung up at the server, and the outgoing call, consumed by it, times out.
#[test]
fn a_merge_into_an_invite_the_guard_gave_up_on_hangs_it_up_and_ends_the_outgoing_call() {
    let mut m = logged_in();
    m.handle_frame(
        event("c9", 1, invited("c9", "bob", "bob-desktop", 5_000)),
        T0,
    );
    let bob = AccountId::new("bob").unwrap();
    m.call(id("c1"), bob, CallType::Video, json!(null), 30_000, T0)
        .unwrap();
    drain(&mut m);
    m.handle_timeout(T0 + 10_000);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    assert_eq!(events[0].call_id(), Some(&id("c9")));
    assert_eq!(m.status(), CallState::Calling);

    let merged = CallEvent::Merged {
        into: id("c9"),
        call_token: "tok-m".into(),
    };
    m.handle_frame(event("c1", 1, merged), T0 + 10_500);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    assert_eq!(events[0].call_id(), Some(&id("c1")));
    assert_eq!(m.status(), CallState::Idle);
    let msgs = sent(&out);
    let [ClientMessage::Call {
        call_id,
        action,
        call_token,
        ..
    }] = msgs.as_slice()
    else {
        panic!("one hang-up expected: {msgs:?}");
    };
    assert_eq!(
        (call_id.as_str(), action.name(), call_token.as_deref()),
        ("c9", "hangup", Some("tok-m"))
    );
}

/// Found by the client_mirror fuzz target: glare merged ben2's call into an answered call, the
/// server restarted before ben2 heard of it, and ben2's guard gave up (CALLING_TIMEOUT) while it
/// was offline; the resync after reconnecting then brought the call back as if nothing had
/// been shown, and it later ended a second time (CALL_END). It is now hung up instead.
#[test]
fn a_call_given_up_offline_is_hung_up_when_the_resync_lists_it() {
    let mut m = logged_in();
    let bob = AccountId::new("bob").unwrap();
    m.call(id("c1"), bob, CallType::Audio, json!(null), 5_000, T0)
        .unwrap();
    m.handle_disconnected(T0 + 1_000);
    m.handle_timeout(T0 + 12_000);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["onDisconnect", "CALLING_TIMEOUT"]);
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("bob-desktop").unwrap(),
        answered_at_ms: T0,
        call_token: "ct-r".into(),
    };
    let calls = vec![snapshot("c1", party("alice", "alice-laptop"), active, 4)];
    relogin(&mut m, calls, T0 + 13_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"]);
    assert_eq!(m.status(), CallState::Idle);
    let msgs = sent(&out);
    let hangup = msgs
        .iter()
        .find(|msg| matches!(msg, ClientMessage::Call { .. }));
    let (action, _, token) = action_of(hangup.expect("a hang-up"));
    assert_eq!((action.name(), token), ("hangup", Some("ct-r")));
}

/// Found by the client_mirror fuzz target: ann0 accepted cat2's call, but nothing reached ann0
/// for 36 s. The accept's request timed out (TimedOut) and its late `call.ack` was dropped, so
/// the server had ann0 answering the call (the caller heard `accepted`) while ann0's mirror had
/// no call, and nothing the server would ever send could fix that. A late answer now reaches no
/// one as an `Answer`, but still moves the mirror: the server did act on the request.
#[test]
fn an_accept_acked_after_its_request_timed_out_still_puts_the_callee_in_the_call() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m.accept(&id("c9"), None, T0 + 100).unwrap();
    drain(&mut m);
    m.handle_timeout(T0 + 10_100);
    let (out, events) = drain(&mut m);
    assert_eq!(out, [ClientOutput::TimedOut { req }]);
    assert!(events.is_empty());
    assert_eq!(m.status(), CallState::Called, "the invite still rings here");

    m.handle_frame(ack(req, "c9", Some("tok-c9")), T0 + 36_000);
    let (out, _) = drain(&mut m);
    assert!(
        !out.iter().any(|o| matches!(o, ClientOutput::Answer { .. })),
        "the late answer reaches no one: {out:?}"
    );
    assert_eq!(media(&out), [MediaAction::Release { call_id: id("c9") }]);
    assert_eq!(m.status(), CallState::InCall);
    let call = m.current().expect("the call the server connected");
    assert_eq!((call.call_id.as_str(), call.role), ("c9", Role::Callee));
    assert!(m.invites().is_empty());

    // It can be hung up like any answered call, with the token the ack brought.
    m.hangup(T0 + 37_000).unwrap();
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    let (action, _, token) = action_of(&msgs[0]);
    assert_eq!((action.name(), token), ("hangup", Some("tok-c9")));
}

/// The caller's side of the same delay: the invite's ack arrives after its request timed out.
/// The call still rings at the server, so the mirror takes the token from the late ack (and can
/// cancel with it) instead of dropping it.
#[test]
fn an_invite_acked_after_its_request_timed_out_still_brings_the_token_to_cancel_with() {
    let mut m = logged_in();
    let bob = AccountId::new("bob").unwrap();
    let req = m
        .call(id("c1"), bob, CallType::Audio, json!(null), 30_000, T0)
        .unwrap();
    drain(&mut m);
    m.handle_timeout(T0 + 10_000);
    let (out, _) = drain(&mut m);
    assert_eq!(out, [ClientOutput::TimedOut { req }]);
    assert_eq!(m.status(), CallState::Calling);

    m.handle_frame(ack(req, "c1", Some("ct-a")), T0 + 12_000);
    let (out, _) = drain(&mut m);
    assert!(matches!(
        media(&out).as_slice(),
        [MediaAction::Start {
            role: Role::Caller,
            ..
        }]
    ));
    m.cancel(T0 + 13_000).unwrap();
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    let (action, _, token) = action_of(&msgs[0]);
    assert_eq!((action.name(), token), ("cancel", Some("ct-a")));
}

/// A late answer counts only on the connection that carried the request: after a reconnect,
/// a frame that names the old `req` moves nothing.
#[test]
fn a_late_answer_is_forgotten_with_the_connection_that_carried_its_request() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m.accept(&id("c9"), None, T0 + 100).unwrap();
    m.handle_timeout(T0 + 10_100);
    m.handle_disconnected(T0 + 10_200);
    drain(&mut m);
    m.handle_frame(ack(req, "c9", Some("tok-c9")), T0 + 10_300);
    assert_eq!(m.status(), CallState::Called);
    assert!(m.current().is_none());
}

/// Found by the client_mirror fuzz target: ann0 and ben0 were in a call when the server
/// restarted three times within the reconnect grace. Each restart re-armed the grace of the
/// restored call, so it outlived ann0's guard (grace + slack from the first loss), which ended it
/// here (CALL_END); the resync after reconnecting then brought it back, and it ended here a
/// second time. A call the guard ended is now hung up when a resync lists it.
#[test]
fn an_answered_call_the_guard_ended_offline_is_hung_up_when_the_resync_lists_it() {
    let mut m = answered_then_disconnected();
    m.handle_timeout(T0 + 26_000);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALL_END"]);
    assert_eq!(m.status(), CallState::Idle);

    relogin(&mut m, c1_answered_in_resync(), T0 + 27_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"], "no second ending");
    assert_eq!(m.status(), CallState::Idle);
    assert_hangs_up_c1(&out);
}

/// Alice's call c1 to bob, answered, then her connection lost at T0 + 1 s; outputs drained.
fn answered_then_disconnected() -> ClientMirror {
    let mut m = logged_in();
    calling(&mut m);
    let accepted = CallEvent::Accepted {
        callee: party("bob", "bob-desktop"),
        call_type: CallType::Video,
    };
    m.handle_frame(event("c1", 2, accepted), T0 + 100);
    m.handle_disconnected(T0 + 1_000);
    drain(&mut m);
    m
}

/// A resync listing alice's call c1 as answered by bob's desktop (token `ct-a`).
fn c1_answered_in_resync() -> Vec<CallSnapshot> {
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("bob-desktop").unwrap(),
        answered_at_ms: T0 + 100,
        call_token: "ct-a".into(),
    };
    vec![snapshot("c1", party("alice", "alice-laptop"), active, 9)]
}

/// Asserts that `out` sends the hang-up of c1 with its token.
fn assert_hangs_up_c1(out: &[ClientOutput]) {
    let msgs = sent(out);
    let hangup = msgs
        .iter()
        .find(|msg| matches!(msg, ClientMessage::Call { .. }));
    let (action, _, token) = action_of(hangup.expect("a hang-up"));
    assert_eq!((action.name(), token), ("hangup", Some("ct-a")));
}

/// The user hangs up while the connection is lost (the SDK is reconnecting): the call ends here
/// at once, as the server's `ended` would end it, and the resync after the reconnect, which still
/// lists it, has it hung up at the server (it used to be refused with `NotConnected`, so the
/// peer's call went on until the reconnect grace ran out).
#[test]
fn a_hang_up_while_the_connection_is_lost_ends_the_call_now_and_reaches_the_server_after_the_resync(
) {
    let mut m = answered_then_disconnected();

    assert_eq!(
        m.hangup(T0 + 2_000),
        Ok(None),
        "nothing to wait for offline"
    );
    let (out, events) = drain(&mut m);
    let [ClientEvent::CallEnd {
        call_id,
        reason,
        by,
    }] = events.as_slice()
    else {
        panic!("one CALL_END expected: {events:?}");
    };
    assert_eq!(
        (
            call_id.as_str(),
            *reason,
            by.as_ref().map(AccountId::as_str)
        ),
        ("c1", EndReason::UserHangup, Some("alice"))
    );
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c1") }));
    assert!(sent(&out).is_empty(), "nothing can be sent offline");
    assert_eq!(m.status(), CallState::Idle);
    // The guard that would have ended it at the grace has nothing left to end.
    m.handle_timeout(T0 + 60_000);
    assert!(drain(&mut m).1.is_empty());

    relogin(&mut m, c1_answered_in_resync(), T0 + 61_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"], "the call does not come back");
    assert_eq!(m.status(), CallState::Idle);
    assert_hangs_up_c1(&out);
}

/// The same hang-up when the server ended the call meanwhile (the peer hung up while this device
/// was away): the resync does not list it, and nothing is sent.
#[test]
fn a_hang_up_while_the_connection_is_lost_sends_nothing_if_the_server_ended_the_call_meanwhile() {
    let mut m = answered_then_disconnected();
    m.hangup(T0 + 2_000).unwrap();
    drain(&mut m);
    relogin(&mut m, vec![], T0 + 3_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"]);
    assert!(
        !sent(&out)
            .iter()
            .any(|msg| matches!(msg, ClientMessage::Call { .. })),
        "no call action for a call the server no longer has"
    );
}

/// Cancelling an outgoing call that rings while the connection is lost: it ends here (as an
/// acked cancel does, without an event), and is cancelled at the server after the resync.
#[test]
fn a_cancel_while_the_connection_is_lost_ends_the_call_now_and_cancels_it_after_the_resync() {
    let mut m = logged_in();
    calling(&mut m);
    m.handle_disconnected(T0 + 1_000);
    drain(&mut m);
    assert_eq!(m.cancel(T0 + 2_000), Ok(None));
    let (out, events) = drain(&mut m);
    assert!(events.is_empty(), "a cancel reports nothing: {events:?}");
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c1") }));
    assert_eq!(m.status(), CallState::Idle);

    let ringing = CallSnapshotPhase::Ringing {
        expires_in_ms: 20_000,
        call_token: "ct-a".into(),
        waiting: false,
    };
    let calls = vec![snapshot("c1", party("alice", "alice-laptop"), ringing, 3)];
    relogin(&mut m, calls, T0 + 3_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"]);
    assert_eq!(m.status(), CallState::Idle);
    let msgs = sent(&out);
    let withdrawn = msgs
        .iter()
        .find(|msg| matches!(msg, ClientMessage::Call { .. }));
    let (action, _, token) = action_of(withdrawn.expect("a hang-up of the ringing call"));
    assert_eq!((action.name(), token), ("hangup", Some("ct-a")));
}

/// Offline without a call, hanging up or cancelling still says the connection is lost.
#[test]
fn a_hang_up_or_cancel_without_a_call_while_offline_says_not_connected() {
    let mut m = logged_in();
    m.handle_disconnected(T0 + 1_000);
    assert_eq!(m.hangup(T0 + 2_000), Err(ClientError::NotConnected));
    assert_eq!(m.cancel(T0 + 2_000), Err(ClientError::NotConnected));
}

/// Found by the client_mirror fuzz target: ann0 accepted cat2's call1 and, before the ack came,
/// placed call2 to cat (the mirror still showed call1 ringing, no current call). The late ack
/// made call1 current in place of call2, so the mirror lost call2 while the server rang it. The
/// outgoing call now stays; the call the accept connected is hung up with the ack's token.
#[test]
fn an_accept_acked_after_this_device_placed_another_call_hangs_up_the_answered_call() {
    let mut m = logged_in();
    ringing(&mut m);
    let accept = m.accept(&id("c9"), None, T0 + 100).unwrap();
    let carol = AccountId::new("carol").unwrap();
    let invite = m
        .call(
            id("c1"),
            carol,
            CallType::Audio,
            json!(null),
            30_000,
            T0 + 200,
        )
        .unwrap();
    drain(&mut m);

    m.handle_frame(ack(accept, "c9", Some("tok-c9")), T0 + 300);
    let (out, events) = drain(&mut m);
    assert!(names(&events).is_empty());
    assert_eq!(m.current().map(|c| c.call_id.as_str()), Some("c1"));
    assert_eq!(m.status(), CallState::Calling);
    assert!(m.invites().is_empty());
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c9") }));
    let msgs = sent(&out);
    let [ClientMessage::Call {
        call_id,
        action,
        call_token,
        ..
    }] = msgs.as_slice()
    else {
        panic!("one hang-up expected: {msgs:?}");
    };
    assert_eq!(
        (call_id.as_str(), action.name(), call_token.as_deref()),
        ("c9", "hangup", Some("tok-c9"))
    );

    // The outgoing call goes on as usual.
    m.handle_frame(ack(invite, "c1", Some("ct-a")), T0 + 400);
    drain(&mut m);
    assert_eq!(m.status(), CallState::Calling);
}

/// Found by the client_mirror fuzz target: ann0's call1 rang cat when the server restarted;
/// ann0 reconnected, but nothing reached it for 36 s. Its guard gave up (CALLING_TIMEOUT) and
/// sent a cancel; then the resync sent at login, older than the cancel, listed call1 ringing, so
/// the mirror placed it again, and the server's `timeout` ended it a second time. A call the
/// guard gave up on with its token in hand is now hung up too if a resync lists it.
#[test]
fn an_outgoing_call_the_guard_cancelled_stays_ended_when_an_older_resync_lists_it() {
    let mut m = logged_in();
    calling(&mut m);
    m.handle_disconnected(T0 + 1_000);
    m.handle_connected(T0 + 2_000);
    drain(&mut m);
    m.handle_timeout(T0 + 36_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    let msgs = sent(&out);
    assert_eq!(action_of(&msgs[0]).0.name(), "cancel");

    let ringing = CallSnapshotPhase::Ringing {
        expires_in_ms: 1_000,
        call_token: "ct-a".into(),
        waiting: false,
    };
    let calls = vec![snapshot("c1", party("alice", "alice-laptop"), ringing, 1)];
    relogin(&mut m, calls, T0 + 36_100);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"], "no second ending");
    assert_eq!(m.status(), CallState::Idle);
    let msgs = sent(&out);
    let hangup = msgs
        .iter()
        .find(|msg| matches!(msg, ClientMessage::Call { .. }));
    let (action, _, token) = action_of(hangup.expect("a hang-up"));
    assert_eq!((action.name(), token), ("hangup", Some("ct-a")));
    m.handle_frame(event("c1", 2, CallEvent::Timeout), T0 + 36_200);
    assert!(
        drain(&mut m).1.is_empty(),
        "the server's timeout shows nothing more"
    );
}

/// Found by the client_mirror fuzz target: ben0's call rang ann0 when the server restarted;
/// ann0 reconnected, but nothing reached it for 36 s, so its guard dropped the invite
/// (CALLING_TIMEOUT). The resync sent at login, older than that, then rang the call again, and the
/// server's `canceled` ended it a second time (USER_CANCEL). It no longer rings again.
#[test]
fn an_invite_the_guard_dropped_does_not_ring_again_when_an_older_resync_lists_it() {
    let mut m = logged_in();
    ringing(&mut m);
    m.handle_disconnected(T0 + 1_000);
    m.handle_timeout(T0 + 36_000);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["onDisconnect", "CALLING_TIMEOUT"]);

    let ringing = CallSnapshotPhase::Ringing {
        expires_in_ms: 1_000,
        call_token: "tok-c9".into(),
        waiting: false,
    };
    let calls = vec![snapshot("c9", party("bob", "bob-desktop"), ringing, 1)];
    relogin(&mut m, calls, T0 + 36_100);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["RESYNCED"]);
    assert_eq!(m.status(), CallState::Idle);
    assert!(m.invites().is_empty());
    m.handle_frame(event("c9", 2, CallEvent::Canceled), T0 + 36_200);
    assert!(drain(&mut m).1.is_empty(), "no second ending");
}

#[test]
fn call_sends_invite_then_starts_media_on_ack() {
    let mut m = logged_in();
    let req = m
        .call(
            id("c1"),
            AccountId::new("bob").unwrap(),
            CallType::Video,
            json!({"x": 1}),
            30_000,
            T0,
        )
        .unwrap();
    assert_eq!(m.status(), CallState::Calling);
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    let (action, seq, token) = action_of(&msgs[0]);
    assert!(matches!(
        action,
        CallAction::Invite {
            timeout_ms: 30_000,
            ..
        }
    ));
    assert_eq!((seq, token), (1, None));
    m.handle_frame(ack(req, "c1", Some("ct-a")), T0 + 10);
    let (out, events) = drain(&mut m);
    assert!(matches!(
        &media(&out)[..],
        [MediaAction::Start {
            role: Role::Caller,
            ..
        }]
    ));
    assert!(matches!(&out.last(), Some(ClientOutput::Answer { req: r, .. }) if *r == req));
    assert!(events.is_empty());
}

#[test]
fn call_is_refused_locally_when_busy_self_or_offline() {
    let mut m = logged_in();
    let me = AccountId::new("alice").unwrap();
    assert_eq!(
        m.call(id("c0"), me, CallType::Audio, json!(null), 1, T0),
        Err(ClientError::SelfCall)
    );
    calling(&mut m);
    let bob = AccountId::new("bob").unwrap();
    assert_eq!(
        m.call(id("c2"), bob.clone(), CallType::Audio, json!(null), 1, T0),
        Err(ClientError::AlreadyInCall(id("c1")))
    );
    m.handle_disconnected(T0);
    assert_eq!(
        m.call(id("c3"), bob, CallType::Audio, json!(null), 1, T0),
        Err(ClientError::NotConnected)
    );
}

#[test]
fn accepted_moves_caller_in_call_with_user_accept_and_releases_media() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Audio,
            },
        ),
        T0 + 20,
    );
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["USER_ACCEPT"]);
    assert_eq!(m.status(), CallState::InCall);
    assert_eq!(m.current().unwrap().call_type, CallType::Audio);
    assert_eq!(media(&out), [MediaAction::Release { call_id: id("c1") }]);
    assert_eq!(
        m.poll_timeout(),
        None,
        "an answered, connected call has no guard"
    );
}

#[test]
fn rejected_busy_and_timeout_end_the_outgoing_call() {
    for (ev, name) in [
        (CallEvent::Rejected, "USER_REJECT"),
        (CallEvent::Busy, "USER_BUSY"),
        (CallEvent::Timeout, "CALLING_TIMEOUT"),
    ] {
        let mut m = logged_in();
        calling(&mut m);
        m.handle_frame(event("c1", 2, ev), T0 + 20);
        let (out, events) = drain(&mut m);
        assert_eq!(names(&events), [name]);
        assert_eq!(m.status(), CallState::Idle);
        assert_eq!(media(&out), [MediaAction::Close { call_id: id("c1") }]);
    }
}

#[test]
fn invite_error_returns_to_idle_with_error_event() {
    let mut m = logged_in();
    let req = m
        .call(
            id("c1"),
            AccountId::new("nobody").unwrap(),
            CallType::Audio,
            json!(null),
            30_000,
            T0,
        )
        .unwrap();
    m.handle_frame(error(req, "c1", ErrorCode::UnknownAccount), T0 + 5);
    let (_, events) = drain(&mut m);
    assert!(matches!(
        &events[..],
        [ClientEvent::Error(ServerError {
            code: ErrorCode::UnknownAccount,
            ..
        })]
    ));
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn cancel_after_ack_sends_cancel_with_token_and_goes_idle_on_its_ack() {
    let mut m = logged_in();
    calling(&mut m);
    let req = m.cancel(T0 + 30).unwrap().unwrap();
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    assert_eq!(action_of(&msgs[0]), (&CallAction::Cancel, 2, Some("ct-a")));
    assert_eq!(m.status(), CallState::Calling, "the server decides");
    m.handle_frame(ack(req, "c1", None), T0 + 40);
    let (out, _) = drain(&mut m);
    assert_eq!(m.status(), CallState::Idle);
    assert_eq!(media(&out), [MediaAction::Close { call_id: id("c1") }]);
}

#[test]
fn cancel_before_the_token_is_sent_when_the_ack_arrives() {
    let mut m = logged_in();
    let req = m
        .call(
            id("c1"),
            AccountId::new("bob").unwrap(),
            CallType::Video,
            json!(null),
            30_000,
            T0,
        )
        .unwrap();
    assert_eq!(m.cancel(T0 + 1), Ok(None));
    drain(&mut m);
    m.handle_frame(ack(req, "c1", Some("ct-a")), T0 + 10);
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    assert_eq!(msgs.len(), 1);
    assert_eq!(action_of(&msgs[0]), (&CallAction::Cancel, 2, Some("ct-a")));
}

#[test]
fn cancel_that_lost_to_an_accept_converges_to_call_end() {
    let mut m = logged_in();
    calling(&mut m);
    let req = m.cancel(T0 + 30).unwrap().unwrap();
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0 + 31,
    );
    m.handle_frame(ack(req, "c1", None), T0 + 32);
    assert_eq!(
        m.status(),
        CallState::InCall,
        "the accept won; the cancel became a hang-up"
    );
    let ended = CallEvent::Ended {
        reason: EndReason::UserHangup,
        by: Some(AccountId::new("alice").unwrap()),
    };
    m.handle_frame(event("c1", 3, ended), T0 + 33);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["USER_ACCEPT", "CALL_END"]);
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn hangup_while_ringing_cancels_and_in_call_sends_hangup() {
    let mut m = logged_in();
    calling(&mut m);
    m.hangup(T0 + 30).unwrap();
    let (out, _) = drain(&mut m);
    assert_eq!(action_of(&sent(&out)[0]).0, &CallAction::Cancel);

    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0 + 20,
    );
    drain(&mut m);
    m.hangup(T0 + 30).unwrap();
    let (out, _) = drain(&mut m);
    assert_eq!(
        action_of(&sent(&out)[0]),
        (
            &CallAction::Hangup {
                reason: EndReason::UserHangup
            },
            2,
            Some("ct-a")
        )
    );
}

#[test]
fn ended_gives_call_end_with_reason() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0 + 20,
    );
    drain(&mut m);
    let ended = CallEvent::Ended {
        reason: EndReason::ConnectionLost,
        by: Some(AccountId::new("bob").unwrap()),
    };
    m.handle_frame(event("c1", 5, ended), T0 + 50);
    let (out, events) = drain(&mut m);
    assert!(matches!(
        &events[..],
        [ClientEvent::CallEnd {
            reason: EndReason::ConnectionLost,
            ..
        }]
    ));
    assert_eq!(media(&out), [MediaAction::Close { call_id: id("c1") }]);
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn invited_rings_and_starts_callee_media() {
    let mut m = logged_in();
    m.handle_frame(
        event("c9", 1, invited("c9", "bob", "bob-desktop", 30_000)),
        T0,
    );
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["INVITED"]);
    assert_eq!(m.status(), CallState::Called);
    assert!(matches!(
        &media(&out)[..],
        [MediaAction::Start {
            role: Role::Callee,
            ..
        }]
    ));
    assert_eq!(m.invite(&id("c9")).unwrap().expires_at_ms, T0 + 30_000);
}

#[test]
fn a_duplicate_or_older_event_is_dropped() {
    let mut m = logged_in();
    ringing(&mut m);
    m.handle_frame(
        event("c9", 1, invited("c9", "bob", "bob-desktop", 30_000)),
        T0,
    );
    m.handle_frame(
        event(
            "c9",
            3,
            CallEvent::Signal {
                from: DeviceId::new("bob-desktop").unwrap(),
                payload: json!(1),
            },
        ),
        T0,
    );
    m.handle_frame(event("c9", 2, CallEvent::Canceled), T0);
    let (_, events) = drain(&mut m);
    assert_eq!(
        names(&events),
        ["SIGNAL"],
        "seq 1 repeated and seq 2 after 3 are both stale"
    );
    assert_eq!(m.status(), CallState::Called);
}

#[test]
fn a_new_invite_from_the_same_caller_replaces_the_stale_one_silently() {
    let mut m = logged_in();
    ringing(&mut m);
    m.handle_frame(
        event("c10", 1, invited("c10", "bob", "bob-desktop", 30_000)),
        T0 + 5,
    );
    m.handle_frame(
        event("c11", 1, invited("c11", "carol", "carol-pc", 30_000)),
        T0 + 6,
    );
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["INVITED", "INVITED"]);
    assert_eq!(media(&out)[0], MediaAction::Close { call_id: id("c9") });
    let ids: Vec<&str> = m.invites().iter().map(|i| i.call_id.as_str()).collect();
    assert_eq!(ids, ["c10", "c11"]);
}

#[test]
fn an_invite_echoing_this_device_as_caller_is_ignored() {
    let mut m = logged_in();
    m.handle_frame(
        event("c9", 1, invited("c9", "alice", "alice-laptop", 30_000)),
        T0,
    );
    let (_, events) = drain(&mut m);
    assert!(events.is_empty());
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn accept_ack_moves_callee_in_call_and_releases_media() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m
        .accept(&id("c9"), Some(CallType::Audio), T0 + 100)
        .unwrap();
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    assert_eq!(
        action_of(&msgs[0]),
        (
            &CallAction::Accept {
                call_type: Some(CallType::Audio)
            },
            1,
            Some("tok-c9")
        )
    );
    m.handle_frame(ack(req, "c9", Some("tok-c9")), T0 + 110);
    let (out, _) = drain(&mut m);
    assert_eq!(m.status(), CallState::InCall);
    let call = m.current().unwrap();
    assert_eq!((call.role, call.peer.as_str()), (Role::Callee, "bob"));
    // Answered as audio: the call is an audio call from here on, whatever the invite said.
    assert_eq!(call.call_type, CallType::Audio);
    assert_eq!(media(&out), [MediaAction::Release { call_id: id("c9") }]);
    assert!(m.invites().is_empty());
}

#[test]
fn accept_answered_elsewhere_converges_to_other_client_accept_once() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m.accept(&id("c9"), None, T0 + 100).unwrap();
    m.handle_frame(error(req, "c9", ErrorCode::AnsweredElsewhere), T0 + 110);
    m.handle_frame(
        event(
            "c9",
            3,
            CallEvent::OtherDevice {
                action: OtherDeviceAction::Accepted,
            },
        ),
        T0 + 111,
    );
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["OTHER_CLIENT_ACCEPT", "ERROR"]);
    assert_eq!(m.status(), CallState::Idle);
    assert_eq!(media(&out), [MediaAction::Close { call_id: id("c9") }]);
}

#[test]
fn other_device_events_stop_ringing() {
    for (action, name) in [
        (OtherDeviceAction::Accepted, "OTHER_CLIENT_ACCEPT"),
        (OtherDeviceAction::Rejected, "OTHER_CLIENT_REJECT"),
    ] {
        let mut m = logged_in();
        ringing(&mut m);
        m.handle_frame(event("c9", 2, CallEvent::OtherDevice { action }), T0 + 10);
        let (_, events) = drain(&mut m);
        assert_eq!(names(&events), [name]);
        assert_eq!(m.status(), CallState::Idle);
    }
}

#[test]
fn canceled_and_timeout_stop_ringing() {
    for (ev, name) in [
        (CallEvent::Canceled, "USER_CANCEL"),
        (CallEvent::Timeout, "CALLING_TIMEOUT"),
    ] {
        let mut m = logged_in();
        ringing(&mut m);
        m.handle_frame(event("c9", 2, ev), T0 + 10);
        let (out, events) = drain(&mut m);
        assert_eq!(names(&events), [name]);
        assert_eq!(media(&out), [MediaAction::Close { call_id: id("c9") }]);
        assert_eq!(m.status(), CallState::Idle);
    }
}

#[test]
fn reject_sends_reject_or_busy_and_the_ack_stops_ringing() {
    for busy in [false, true] {
        let mut m = logged_in();
        ringing(&mut m);
        let req = m.reject(&id("c9"), busy, T0 + 10).unwrap();
        let (out, _) = drain(&mut m);
        assert_eq!(action_of(&sent(&out)[0]).0, &CallAction::Reject { busy });
        m.handle_frame(ack(req, "c9", None), T0 + 20);
        assert_eq!(m.status(), CallState::Idle);
    }
}

#[test]
fn accept_of_a_call_that_ended_meanwhile_drops_the_invite() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m.accept(&id("c9"), None, T0 + 10).unwrap();
    m.handle_frame(error(req, "c9", ErrorCode::CallEnded), T0 + 20);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["ERROR"]);
    assert_eq!(m.status(), CallState::Idle);
    assert_eq!(
        m.accept(&id("c9"), None, T0 + 30),
        Err(ClientError::NoSuchInvite(id("c9")))
    );
}

#[test]
fn record_is_message_sent_and_ends_what_is_left_of_the_call() {
    let mut m = logged_in();
    calling(&mut m);
    m.handle_frame(event("c1", 3, record("c1", CallStatus::Canceled)), T0 + 10);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["MESSAGE_SENT"]);
    assert_eq!(m.status(), CallState::Idle);
    assert_eq!(media(&out), [MediaAction::Close { call_id: id("c1") }]);
    m.handle_frame(event("c1", 3, record("c1", CallStatus::Canceled)), T0 + 11);
    assert!(drain(&mut m).1.is_empty(), "a repeated record is dropped");
}

#[test]
fn media_switch_and_signal_events_map_to_seed_names() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    m.handle_frame(
        event(
            "c1",
            3,
            CallEvent::Media {
                audio: false,
                video: true,
                video_reason: None,
            },
        ),
        T0,
    );
    m.handle_frame(
        event(
            "c1",
            4,
            CallEvent::SwitchRequested {
                call_type: CallType::Audio,
            },
        ),
        T0,
    );
    m.handle_frame(
        event(
            "c1",
            5,
            CallEvent::TypeChanged {
                call_type: CallType::Audio,
            },
        ),
        T0,
    );
    m.handle_frame(
        event(
            "c1",
            6,
            CallEvent::SwitchRefused {
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    let signal = CallEvent::Signal {
        from: DeviceId::new("bob-desktop").unwrap(),
        payload: json!({"sdp": "x"}),
    };
    m.handle_frame(event("c1", 7, signal), T0);
    let (_, events) = drain(&mut m);
    assert_eq!(
        names(&events),
        [
            "USER_ACCEPT",
            "AUDIO_AVAILABLE",
            "VIDEO_AVAILABLE",
            "SWITCH_REQUESTED",
            "CALL_TYPE_CHANGE",
            "SWITCH_REFUSED",
            "SIGNAL"
        ]
    );
    assert!(matches!(
        events[1],
        ClientEvent::AudioAvailable {
            available: false,
            ..
        }
    ));
    assert_eq!(m.current().unwrap().call_type, CallType::Audio);
}

#[test]
fn set_media_switch_and_answer_need_an_answered_call_and_carry_increasing_seq() {
    let mut m = logged_in();
    assert_eq!(m.set_media(true, false, None, T0), Err(ClientError::NoCall));
    calling(&mut m);
    assert_eq!(
        m.switch_type(CallType::Audio, T0),
        Err(ClientError::WrongState(CallState::Calling))
    );
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    drain(&mut m);
    m.set_media(true, false, None, T0).unwrap();
    m.switch_type(CallType::Audio, T0).unwrap();
    m.answer_switch(CallType::Video, false, T0).unwrap();
    let (out, _) = drain(&mut m);
    let seqs: Vec<u64> = sent(&out).iter().map(|msg| action_of(msg).1).collect();
    assert_eq!(seqs, [2, 3, 4]);
}

#[test]
fn glare_merged_answer_puts_the_caller_in_the_crossing_call_as_callee() {
    let mut m = logged_in();
    ringing(&mut m);
    let req = m
        .call(
            id("c1"),
            AccountId::new("bob").unwrap(),
            CallType::Video,
            json!(null),
            30_000,
            T0,
        )
        .unwrap();
    drain(&mut m);
    let merged = ServerMessage::Call {
        call_id: id("c1"),
        seq: 1,
        event: CallEvent::Merged {
            into: id("c9"),
            call_token: "ct-m".into(),
        },
    };
    m.handle_frame(frame(Some(req), merged), T0 + 10);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["USER_ACCEPT"]);
    assert_eq!(m.status(), CallState::InCall);
    let call = m.current().unwrap();
    assert_eq!((call.call_id.as_str(), call.role), ("c9", Role::Callee));
    assert!(m.invites().is_empty());
    assert_eq!(media(&out), [MediaAction::Release { call_id: id("c9") }]);
    m.hangup(T0 + 20).unwrap();
    let (out, _) = drain(&mut m);
    assert_eq!(action_of(&sent(&out)[0]).2, Some("ct-m"));
}

#[test]
fn guard_gives_up_on_a_silent_server_while_calling() {
    let mut m = logged_in();
    calling(&mut m);
    let guard = m.poll_timeout().unwrap();
    assert_eq!(guard, T0 + 30_000 + 5_000);
    m.handle_timeout(guard - 1);
    assert_eq!(m.status(), CallState::Calling);
    m.handle_timeout(guard);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    assert_eq!(m.status(), CallState::Idle);
    assert_eq!(
        action_of(&sent(&out)[0]).0,
        &CallAction::Cancel,
        "withdraws the call, best effort"
    );
}

#[test]
fn guard_drops_an_invite_the_server_never_ended() {
    let mut m = logged_in();
    ringing(&mut m);
    assert_eq!(m.poll_timeout(), Some(T0 + 35_000));
    m.handle_timeout(T0 + 35_000);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALLING_TIMEOUT"]);
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn disconnect_emits_on_disconnect_and_ends_a_call_not_resynced_within_grace() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    drain(&mut m);
    m.handle_disconnected(T0 + 100);
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["onDisconnect"]);
    assert_eq!(
        m.status(),
        CallState::InCall,
        "media may survive the signaling drop"
    );
    assert_eq!(m.poll_timeout(), Some(T0 + 100 + 25_000));
    m.handle_timeout(T0 + 100 + 25_000);
    let (_, events) = drain(&mut m);
    assert!(matches!(
        &events[..],
        [ClientEvent::CallEnd {
            reason: EndReason::ConnectionLost,
            ..
        }]
    ));
    assert_eq!(m.status(), CallState::Idle);
}

fn snapshot(call: &str, caller: Party, phase: CallSnapshotPhase, seq: u64) -> CallSnapshot {
    CallSnapshot {
        call_id: id(call),
        caller,
        callee: AccountId::new(if call == "c1" { "bob" } else { "alice" }).unwrap(),
        call_type: CallType::Video,
        attachment: json!(null),
        attachment_omitted: false,
        phase,
        seq,
    }
}

fn relogin(m: &mut ClientMirror, calls: Vec<CallSnapshot>, now: u64) {
    relogin_hearing(m, vec![], calls, now);
}

/// Logs in again; the server sends `missed` (how calls ended while away) before the resync.
fn relogin_hearing(
    m: &mut ClientMirror,
    missed: Vec<ServerFrame>,
    calls: Vec<CallSnapshot>,
    now: u64,
) {
    m.handle_connected(now);
    let login = ClientMessage::Login {
        app_key: "demo".into(),
        account: AccountId::new("alice").unwrap(),
        token: "t".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        call_waiting: false,
    };
    let req = m.request(login, now).unwrap();
    let ok = ServerMessage::LoginOk {
        account: AccountId::new("alice").unwrap(),
        nick: "Alice".into(),
        device: DeviceId::new("alice-laptop").unwrap(),
        heartbeat_ms: 10_000,
        ice_servers: vec![],
        ice_expires_at_ms: None,
        safe_mode: true,
        server_time_ms: now,
    };
    m.handle_frame(frame(Some(req), ok), now);
    for missed in missed {
        m.handle_frame(missed, now);
    }
    m.handle_frame(frame(None, ServerMessage::Resync { calls }), now);
}

/// Back after the peer hung up while this device was away: the server tells how the call ended
/// before the resync, and the mirror reports that end (CALL_END by bob, its record), not a lost
/// connection.
#[test]
fn a_call_that_ended_while_away_ends_as_the_server_says_before_the_resync() {
    let mut m = answered_then_disconnected();
    let ended = CallEvent::Ended {
        reason: EndReason::UserHangup,
        by: Some(AccountId::new("bob").unwrap()),
    };
    let missed = vec![
        event("c1", 7, ended),
        event("c1", 8, record("c1", CallStatus::Completed)),
    ];
    relogin_hearing(&mut m, missed, vec![], T0 + 5_000);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALL_END", "MESSAGE_SENT", "RESYNCED"]);
    let ClientEvent::CallEnd { reason, by, .. } = &events[0] else {
        unreachable!()
    };
    assert_eq!(
        (*reason, by.as_ref().map(AccountId::as_str)),
        (EndReason::UserHangup, Some("bob"))
    );
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c1") }));
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn resync_keeps_a_call_that_survived_and_drops_older_events() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    m.handle_disconnected(T0 + 100);
    drain(&mut m);
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("bob-desktop").unwrap(),
        answered_at_ms: T0,
        call_token: "ct-a2".into(),
    };
    relogin(
        &mut m,
        vec![snapshot("c1", party("alice", "alice-laptop"), active, 6)],
        T0 + 200,
    );
    let (_, events) = drain(&mut m);
    assert!(
        matches!(&events[..], [ClientEvent::Resynced { status: CallState::InCall, gone, .. }] if gone.is_empty())
    );
    assert_eq!(m.poll_timeout(), None, "the reconnect guard is lifted");
    m.handle_frame(
        event(
            "c1",
            5,
            CallEvent::Media {
                audio: false,
                video: false,
                video_reason: None,
            },
        ),
        T0 + 300,
    );
    assert!(
        drain(&mut m).1.is_empty(),
        "events the snapshot already covers are dropped"
    );
}

#[test]
fn resync_learns_an_outgoing_call_that_was_answered_while_away() {
    let mut m = logged_in();
    calling(&mut m);
    m.handle_disconnected(T0 + 100);
    drain(&mut m);
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("bob-desktop").unwrap(),
        answered_at_ms: T0,
        call_token: "ct-a".into(),
    };
    relogin(
        &mut m,
        vec![snapshot("c1", party("alice", "alice-laptop"), active, 3)],
        T0 + 200,
    );
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["USER_ACCEPT", "RESYNCED"]);
    assert_eq!(m.status(), CallState::InCall);
}

#[test]
fn resync_ends_a_call_the_server_no_longer_has_and_rings_listed_invites() {
    let mut m = logged_in();
    calling(&mut m);
    m.handle_disconnected(T0 + 100);
    drain(&mut m);
    let ringing_phase = CallSnapshotPhase::Ringing {
        expires_in_ms: 20_000,
        call_token: "ct-r".into(),
        waiting: false,
    };
    relogin(
        &mut m,
        vec![snapshot("c9", party("carol", "carol-pc"), ringing_phase, 1)],
        T0 + 200,
    );
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALL_END", "INVITED", "RESYNCED"]);
    assert_eq!(m.status(), CallState::Called);
    let req = m.accept(&id("c9"), None, T0 + 300).unwrap();
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    let (_, seq, token) = action_of(&msgs[0]);
    assert_eq!(token, Some("ct-r"));
    assert!(
        seq >= T0 + 200,
        "numbers for re-synced calls start from the clock, above any sent before"
    );
    assert!(req > 0);
}

#[test]
fn resync_drops_invites_that_stopped_ringing_while_away() {
    let mut m = logged_in();
    ringing(&mut m);
    m.handle_disconnected(T0 + 100);
    relogin(&mut m, vec![], T0 + 200);
    let (out, events) = drain(&mut m);
    assert!(
        matches!(&events[..], [ClientEvent::Disconnected, ClientEvent::Resynced { gone, .. }] if gone == &vec![id("c9")])
    );
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c9") }));
    assert_eq!(m.status(), CallState::Idle);
}

#[test]
fn logout_ends_the_call_and_silences_invites() {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    m.handle_frame(
        event(
            "c1",
            2,
            CallEvent::Accepted {
                callee,
                call_type: CallType::Video,
            },
        ),
        T0,
    );
    m.handle_frame(
        event("c7", 1, invited("c7", "carol", "carol-pc", 30_000)),
        T0,
    );
    drain(&mut m);
    m.handle_logged_out(T0 + 10);
    let (_, events) = drain(&mut m);
    assert!(matches!(
        &events[..],
        [ClientEvent::CallEnd {
            reason: EndReason::LoggedOut,
            ..
        }]
    ));
    assert_eq!(m.status(), CallState::Idle);
    assert!(!m.is_connected());
}

#[test]
fn stale_requests_are_forgotten_after_the_request_timeout() {
    let mut m = logged_in();
    drain(&mut m);
    let first = m.request(ClientMessage::ContactsList, T0).unwrap();
    let second = m.request(ClientMessage::ContactsList, T0 + 5).unwrap();
    drain(&mut m);
    assert_eq!(m.poll_timeout(), Some(T0 + 10_000));
    m.handle_timeout(T0 + 9_999);
    assert!(m.poll_output().is_none(), "nothing is overdue yet");
    m.handle_timeout(T0 + 10_000);
    assert_eq!(m.poll_output(), Some(ClientOutput::TimedOut { req: first }));
    assert!(m.poll_output().is_none());
    assert_eq!(m.poll_timeout(), Some(T0 + 10_005));
    m.handle_timeout(T0 + 10_005);
    assert_eq!(
        m.poll_output(),
        Some(ClientOutput::TimedOut { req: second })
    );
    assert_eq!(m.poll_timeout(), None);

    // A late answer to a forgotten request reaches nobody.
    let late = ServerMessage::Contacts { contacts: vec![] };
    m.handle_frame(frame(Some(first), late), T0 + 10_010);
    assert!(!drain(&mut m)
        .0
        .iter()
        .any(|o| matches!(o, ClientOutput::Answer { .. })));
}

#[test]
fn a_presence_push_becomes_a_presence_event_whatever_the_call_state() {
    let mut m = logged_in();
    drain(&mut m);
    let push = ServerMessage::Presence {
        account: AccountId::new("bob").unwrap(),
        presence: duet_protocol::Presence::InCall,
    };
    m.handle_frame(frame(None, push), T0);
    let (outputs, events) = drain(&mut m);
    assert!(media(&outputs).is_empty());
    assert_eq!(
        events,
        vec![ClientEvent::Presence {
            account: AccountId::new("bob").unwrap(),
            presence: duet_protocol::Presence::InCall,
        }]
    );
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap(),
        json!({"event": "PRESENCE", "account": "bob", "presence": "in_call"})
    );
    assert_eq!(events[0].name(), "PRESENCE");
}

#[test]
fn fresh_ice_servers_replace_the_logins_and_reach_live_media() {
    let mut m = logged_in();
    let fresh = vec![duet_protocol::IceServer {
        urls: vec!["turn:198.51.100.7:3478".into()],
        username: Some("1700000600:alice".into()),
        credential: Some("c3VwZXI=".into()),
    }];
    let push = ServerMessage::IceServers {
        ice_servers: fresh.clone(),
        ice_expires_at_ms: 1_700_000_600_000,
    };
    m.handle_frame(frame(None, push), T0 + 1);
    let (out, events) = drain(&mut m);
    assert_eq!(
        media(&out),
        [MediaAction::IceServers {
            ice_servers: fresh.clone()
        }]
    );
    assert!(events.is_empty(), "no user-facing event: {events:?}");
    assert_eq!(
        m.session().unwrap().ice_servers,
        fresh,
        "later calls use them"
    );
}

/// Microphones, cameras, the switch request and the answer time live in the current call, so a
/// user interface renders them from the mirror instead of tracking events itself.
#[test]
fn the_current_call_keeps_its_media_facts_and_answer_time() {
    let mut m = logged_in();
    m.set_local_media(Some(false), None, T0).unwrap();
    calling(&mut m);
    let call = m.current().unwrap();
    assert_eq!(call.answered_at_ms, None);
    assert!(
        !call.media.local_audio,
        "muting outside a call sets how the next call starts"
    );
    assert!(call.media.local_video && call.media.remote_audio && call.media.remote_video);

    let answered = CallEvent::Accepted {
        callee: party("bob", "bob-desktop"),
        call_type: CallType::Video,
    };
    m.handle_frame(event("c1", 2, answered), T0 + 20);
    assert_eq!(m.current().unwrap().answered_at_ms, Some(T0 + 20));

    // In a call, a switch changes that call and tells the peer.
    let req = m.set_local_media(None, Some(false), T0 + 30).unwrap();
    assert!(req.is_some());
    let (out, _) = drain(&mut m);
    assert!(sent(&out).iter().any(|msg| matches!(
        action_of(msg).0,
        CallAction::Media {
            audio: false,
            video: false,
            video_reason: None,
        }
    )));
    assert!(!m.current().unwrap().media.local_video);

    let peer_media = CallEvent::Media {
        audio: false,
        video: true,
        video_reason: None,
    };
    m.handle_frame(event("c1", 3, peer_media), T0 + 40);
    let media = m.current().unwrap().media;
    assert!(!media.remote_audio && media.remote_video);

    let asks = CallEvent::SwitchRequested {
        call_type: CallType::Audio,
    };
    m.handle_frame(event("c1", 4, asks), T0 + 50);
    assert_eq!(
        m.current().unwrap().media.switch_request,
        Some(CallType::Audio)
    );
    let refused = CallEvent::SwitchRefused {
        call_type: CallType::Audio,
    };
    m.handle_frame(event("c1", 5, refused), T0 + 60);
    assert_eq!(m.current().unwrap().media.switch_request, None);

    m.handle_frame(event("c1", 6, asks_for(CallType::Audio)), T0 + 70);
    let changed = CallEvent::TypeChanged {
        call_type: CallType::Audio,
    };
    m.handle_frame(event("c1", 7, changed), T0 + 80);
    let media = m.current().unwrap().media;
    assert_eq!(media.switch_request, None, "a switch settles the request");
    assert!(!media.local_video && !media.remote_video);
    let back = CallEvent::TypeChanged {
        call_type: CallType::Video,
    };
    m.handle_frame(event("c1", 8, back), T0 + 90);
    let media = m.current().unwrap().media;
    assert!(
        media.local_video && media.remote_video,
        "back to video opens both cameras"
    );
    assert!(
        !media.local_audio,
        "the microphone stays as the user left it"
    );
}

/// A network pause of the camera tells the peer `video` false with reason `network`, resuming
/// tells it true; the user's own camera-off is announced without a reason and is not undone by
/// the network resuming. The peer's reason reaches VIDEO_AVAILABLE.
#[test]
fn a_network_pause_is_announced_with_its_reason_and_kept_apart_from_camera_off() {
    let mut m = logged_in();
    calling(&mut m);
    let answered = CallEvent::Accepted {
        callee: party("bob", "bob-desktop"),
        call_type: CallType::Video,
    };
    m.handle_frame(event("c1", 2, answered), T0 + 20);
    drain(&mut m);
    let announced = |m: &mut ClientMirror| -> Vec<CallAction> {
        let (out, _) = drain(m);
        sent(&out)
            .iter()
            .map(|msg| action_of(msg).0.clone())
            .filter(|a| matches!(a, CallAction::Media { .. }))
            .collect()
    };
    let media = |video, video_reason| CallAction::Media {
        audio: true,
        video,
        video_reason,
    };

    assert!(m
        .set_video_paused_by_network(true, T0 + 30)
        .unwrap()
        .is_some());
    assert_eq!(
        announced(&mut m),
        [media(false, Some(VideoOffReason::Network))]
    );
    assert_eq!(m.set_video_paused_by_network(true, T0 + 31).unwrap(), None);
    assert!(m
        .set_video_paused_by_network(false, T0 + 40)
        .unwrap()
        .is_some());
    assert_eq!(announced(&mut m), [media(true, None)]);

    // Camera off by the user, then a network pause and resume: the peer hears only the user.
    m.set_local_media(None, Some(false), T0 + 50).unwrap();
    assert_eq!(announced(&mut m), [media(false, None)]);
    assert_eq!(m.set_video_paused_by_network(true, T0 + 60).unwrap(), None);
    assert_eq!(m.set_video_paused_by_network(false, T0 + 70).unwrap(), None);
    assert!(announced(&mut m).is_empty());

    let peer_paused = CallEvent::Media {
        audio: true,
        video: false,
        video_reason: Some(VideoOffReason::Network),
    };
    m.handle_frame(event("c1", 3, peer_paused), T0 + 80);
    let (_, events) = drain(&mut m);
    assert!(events.iter().any(|e| matches!(
        e,
        ClientEvent::VideoAvailable {
            available: false,
            reason: Some(VideoOffReason::Network),
            ..
        }
    )));
    assert_eq!(
        m.current().unwrap().media.remote_video_reason,
        Some(VideoOffReason::Network)
    );
}

fn asks_for(call_type: CallType) -> CallEvent {
    CallEvent::SwitchRequested { call_type }
}

#[test]
fn a_contacts_changed_push_becomes_a_contacts_changed_event() {
    let mut m = logged_in();
    drain(&mut m);
    let bob = AccountId::new("bob").unwrap();
    let entry = duet_protocol::Contact {
        account: bob.clone(),
        nick: "Bob".into(),
        presence: duet_protocol::Presence::Offline,
        state: duet_protocol::ContactState::Incoming,
    };
    let push = ServerMessage::ContactsChanged {
        account: bob.clone(),
        contact: Some(entry.clone()),
    };
    m.handle_frame(frame(None, push), T0);
    let (_, events) = drain(&mut m);
    assert_eq!(
        events,
        vec![ClientEvent::ContactsChanged {
            account: bob.clone(),
            contact: Some(entry),
        }]
    );
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap(),
        json!({"event": "CONTACTS_CHANGED", "account": "bob", "contact":
            {"account": "bob", "nick": "Bob", "presence": "offline", "state": "incoming"}})
    );
    let gone = ServerMessage::ContactsChanged {
        account: bob.clone(),
        contact: None,
    };
    m.handle_frame(frame(None, gone), T0);
    let (_, events) = drain(&mut m);
    assert_eq!(
        serde_json::to_value(&events[0]).unwrap(),
        json!({"event": "CONTACTS_CHANGED", "account": "bob", "contact": null})
    );
}

#[path = "tests_waiting.rs"]
mod waiting;
