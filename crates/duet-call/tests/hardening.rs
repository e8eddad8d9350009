//! Hardening findings that live in the switchboard, in virtual time.

mod support;

use duet_call::DeviceKey;
use duet_protocol::*;
use support::*;

#[test]
fn finding_6_devices_that_leave_are_forgotten() {
    let mut h = Harness::new();
    let a = key("alice", "a1");
    h.login(&a);
    // A client that logs in with a new device id every time.
    for i in 0..1_000 {
        let device = key("mallory", &format!("m{i}"));
        h.login(&device);
        h.lose(&device);
    }
    assert_eq!(
        h.sb.device_entries(),
        1,
        "only alice's online device is kept"
    );
}

#[test]
fn finding_6_a_device_lost_mid_call_is_kept_until_its_call_ends() {
    let mut h = Harness::new();
    let (a, b) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&a);
    h.login(&b);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Audio);
    h.accept(&b, &c);
    h.lose(&b);
    assert_eq!(
        h.sb.device_entries(),
        2,
        "bob's device waits for a reconnect"
    );
    h.advance(config().reconnect_grace_ms + 1);
    assert_eq!(h.only_record(&c).status, CallStatus::Completed);
    assert_eq!(
        h.sb.device_entries(),
        1,
        "the call ended: bob's lost device is forgotten"
    );
}

/// Places call `id` from `from` to bob and cancels it; the invite's error code, if refused.
fn ring_and_cancel(h: &mut Harness, from: &DeviceKey, id: &str) -> Option<ErrorCode> {
    let c = cid(id);
    let req = h.invite(from, &c, "bob", CallType::Audio);
    if let Some(code) = h.error_for(from, req) {
        return Some(code);
    }
    h.act(from, &c, CallAction::Cancel);
    None
}

#[test]
fn finding_9_one_caller_cannot_ring_the_same_callee_over_and_over() {
    let mut h = Harness::new();
    let (a, b) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&a);
    h.login(&b);
    let limit = config().invites_per_callee;
    for i in 0..limit {
        assert_eq!(ring_and_cancel(&mut h, &a, &format!("c{i}")), None);
        h.advance(1_000);
    }
    assert_eq!(
        ring_and_cancel(&mut h, &a, "one-too-many"),
        Some(ErrorCode::RateLimited)
    );
    // Someone else may still call bob, and alice may call someone else.
    let carol = key("carol", "c1");
    h.login(&carol);
    assert_eq!(ring_and_cancel(&mut h, &carol, "from-carol"), None);
    // Once the window has passed, alice may ring bob again.
    h.advance(config().repeat_window_ms);
    assert_eq!(ring_and_cancel(&mut h, &a, "later"), None);
}

#[test]
fn finding_9_logging_out_and_in_does_not_reset_the_repeat_limit() {
    let mut h = Harness::new();
    let (a, b) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&b);
    for i in 0..config().invites_per_callee {
        h.login(&a);
        assert_eq!(ring_and_cancel(&mut h, &a, &format!("c{i}")), None);
        h.lose(&a);
    }
    h.login(&a);
    assert_eq!(
        ring_and_cancel(&mut h, &a, "again"),
        Some(ErrorCode::RateLimited)
    );
}
