//! Call waiting on the switchboard: a device that logged in with `call_waiting` is rung while in
//! a call (`invited` with `waiting`), and the caller hears busy only when the user says so.

mod support;

use duet_call::DeviceKey;
use duet_protocol::*;
use support::*;

/// Bob's b1 (call waiting on) talks to carol in call `x`; alice is logged in. Inboxes are empty.
fn bob_in_a_call() -> (Harness, DeviceKey, DeviceKey, DeviceKey) {
    let mut h = Harness::new();
    let (a, b1, carol) = (key("alice", "a1"), key("bob", "b1"), key("carol", "c1"));
    h.login(&a);
    h.login_waiting(&b1);
    h.login(&carol);
    let x = cid("x");
    h.invite(&carol, &x, "bob", CallType::Audio);
    h.accept(&b1, &x);
    for d in [&a, &b1, &carol] {
        h.take(d);
    }
    (h, a, b1, carol)
}

/// The `waiting` flag of every `invited` `who` received for `id` (taking its inbox).
fn invited_waiting(h: &mut Harness, who: &DeviceKey, id: &CallId) -> Vec<bool> {
    h.events(who)
        .into_iter()
        .filter(|(call, _)| call == id)
        .filter_map(|(_, event)| match event {
            CallEvent::Invited { waiting, .. } => Some(waiting),
            _ => None,
        })
        .collect()
}

#[test]
fn a_device_in_a_call_that_takes_waiting_calls_is_rung_with_waiting_not_busy() {
    let (mut h, a, b1, _) = bob_in_a_call();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    assert!(
        !h.event_names(&a).contains(&"USER_BUSY"),
        "the caller hears it ring"
    );
    assert_eq!(invited_waiting(&mut h, &b1, &c), [true]);
    assert_eq!(h.sb.phase_of(&c), Some("ringing"));
    assert!(h.records_of(&c).is_empty());
}

#[test]
fn only_devices_in_no_call_or_taking_waiting_calls_ring_and_each_is_told_which() {
    let (mut h, a, b1, _) = bob_in_a_call();
    // b2 is free; b3 is in a call without call waiting.
    let (b2, b3, dave) = (key("bob", "b2"), key("bob", "b3"), key("dave", "d1"));
    h.login(&b2);
    h.login(&b3);
    h.login(&dave);
    let y = cid("y");
    h.invite(&dave, &y, "bob", CallType::Audio);
    h.accept(&b3, &y);
    for d in [&b1, &b2, &b3] {
        h.take(d);
    }
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    assert_eq!(invited_waiting(&mut h, &b1, &c), [true]);
    assert_eq!(invited_waiting(&mut h, &b2, &c), [false]);
    assert_eq!(invited_waiting(&mut h, &b3, &c), Vec::<bool>::new());
}

#[test]
fn without_a_device_taking_waiting_calls_an_account_in_calls_is_busy_at_once() {
    let mut h = Harness::new();
    let (a, b1, carol) = (key("alice", "a1"), key("bob", "b1"), key("carol", "c1"));
    h.login(&a);
    h.login(&b1);
    h.login(&carol);
    h.invite(&carol, &cid("x"), "bob", CallType::Audio);
    h.accept(&b1, &cid("x"));
    h.take(&a);
    h.take(&b1);
    h.invite(&a, &cid("c1"), "bob", CallType::Video);
    assert_eq!(h.event_names(&a), ["USER_BUSY", "MESSAGE_SENT"]);
    assert!(!h.event_names(&b1).contains(&"INVITED"));
}

#[test]
fn answering_needs_the_call_hung_up_first_then_the_waiting_call_connects() {
    let (mut h, a, b1, carol) = bob_in_a_call();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.take(&b1);
    let refused = h.accept(&b1, &c);
    assert_eq!(h.error_for(&b1, refused), Some(ErrorCode::Busy));
    assert_eq!(
        h.sb.phase_of(&c),
        Some("ringing"),
        "the refusal changed nothing"
    );
    h.take(&b1);

    // "End and answer": the hang-up, then the accept, as the SDK sends them.
    h.hangup(&b1, &cid("x"));
    let answered = h.accept(&b1, &c);
    assert_eq!(h.error_for(&b1, answered), None);
    assert_eq!(h.event_names(&carol), ["CALL_END", "MESSAGE_SENT"]);
    assert!(h.event_names(&a).contains(&"USER_ACCEPT"));
    assert_eq!(h.sb.phase_of(&c), Some("active"));
    assert_eq!(h.only_record(&cid("x")).status, CallStatus::Completed);
}

#[test]
fn declining_a_waiting_call_tells_the_caller_busy() {
    let (mut h, a, b1, carol) = bob_in_a_call();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.act(&b1, &c, CallAction::Reject { busy: true });
    assert_eq!(h.event_names(&a), ["USER_BUSY", "MESSAGE_SENT"]);
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.reason),
        (CallStatus::Busy, EndReason::UserBusy)
    );
    assert_eq!(
        h.sb.phase_of(&cid("x")),
        Some("active"),
        "bob's call goes on"
    );
    assert!(!h.event_names(&carol).contains(&"CALL_END"));
}

#[test]
fn a_waiting_call_nobody_answers_times_out_as_unanswered() {
    let (mut h, a, b1, _) = bob_in_a_call();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.take(&b1);
    h.advance(30_000);
    assert_eq!(h.event_names(&a), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b1), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    assert_eq!(h.only_record(&c).status, CallStatus::Unanswered);
    assert_eq!(h.sb.phase_of(&cid("x")), Some("active"));
}

/// The ringing calls a resync listed, with their `waiting` flags, and whether it listed `own`.
fn resynced(h: &mut Harness, who: &DeviceKey, own: &CallId) -> (Vec<(CallId, bool)>, bool) {
    let calls = h
        .take(who)
        .into_iter()
        .find_map(|r| match r.msg {
            ServerMessage::Resync { calls } => Some(calls),
            _ => None,
        })
        .expect("a resync");
    let has_own = calls.iter().any(|s| s.call_id == *own);
    let ringing = calls
        .into_iter()
        .filter_map(|s| match s.phase {
            CallSnapshotPhase::Ringing { waiting, .. } => Some((s.call_id, waiting)),
            CallSnapshotPhase::Active { .. } => None,
        })
        .collect();
    (ringing, has_own)
}

#[test]
fn a_reconnect_in_a_call_resyncs_the_waiting_call_with_its_flag() {
    let (mut h, a, b1, _) = bob_in_a_call();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.lose(&b1);
    h.take(&b1);
    h.login_waiting(&b1);
    let (ringing, has_own) = resynced(&mut h, &b1, &cid("x"));
    assert!(has_own, "its own call is listed");
    assert_eq!(ringing, [(c.clone(), true)]);
    // And it can still be answered the usual way once the call is hung up.
    h.hangup(&b1, &cid("x"));
    let answered = h.accept(&b1, &c);
    assert_eq!(h.error_for(&b1, answered), None);
}

#[test]
fn a_reconnect_without_call_waiting_in_a_call_lists_no_ringing_call() {
    let (mut h, a, b1, _) = bob_in_a_call();
    // A second device keeps bob's account ringable, so the call rings.
    let b2 = key("bob", "b2");
    h.login(&b2);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.lose(&b1);
    h.take(&b1);
    // This login turns call waiting off for b1.
    h.login(&b1);
    let (ringing, has_own) = resynced(&mut h, &b1, &cid("x"));
    assert!(has_own);
    assert!(ringing.is_empty(), "{ringing:?}");
}

#[test]
fn an_outgoing_ringing_call_is_not_waiting_in_its_callers_resync() {
    let mut h = Harness::new();
    let (a, b1) = (key("alice", "a1"), key("bob", "b1"));
    h.login_waiting(&a);
    h.login(&b1);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.lose(&a);
    h.take(&a);
    h.login_waiting(&a);
    let (ringing, has_own) = resynced(&mut h, &a, &c);
    assert!(has_own);
    assert_eq!(ringing, [(c, false)], "its own call, not a waiting one");
}
