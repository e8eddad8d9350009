//! One test per row of docs/signaling.md (and a few more), on the switchboard in virtual time.

mod support;

use duet_call::DeviceKey;
use duet_protocol::*;
use support::*;

fn setup() -> (Harness, DeviceKey, DeviceKey, DeviceKey) {
    let mut h = Harness::new();
    let (a, b1, b2) = (key("alice", "a1"), key("bob", "b1"), key("bob", "b2"));
    for d in [&a, &b1, &b2] {
        h.login(d);
    }
    for d in [&a, &b1, &b2] {
        h.take(d);
    }
    (h, a, b1, b2)
}

#[test]
fn normal_call_rings_every_device_and_ends_in_one_completed_record() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    assert!(matches!(
        h.take(&a)[0].msg,
        ServerMessage::CallAck {
            call_token: Some(_),
            ..
        }
    ));
    assert_eq!(h.event_names(&b1), ["INVITED"]);
    assert_eq!(h.event_names(&b2), ["INVITED"]);
    assert_eq!(
        h.sb.presence(&AccountId::new("bob").unwrap()),
        Presence::Online
    );

    h.advance(2_000);
    h.accept(&b1, &c);
    assert_eq!(h.event_names(&a), ["USER_ACCEPT"]);
    assert_eq!(h.event_names(&b2), ["OTHER_CLIENT_ACCEPT"]);
    assert_eq!(
        h.sb.presence(&AccountId::new("bob").unwrap()),
        Presence::InCall
    );
    assert_eq!(
        h.sb.presence(&AccountId::new("alice").unwrap()),
        Presence::InCall
    );
    h.take(&b1);

    h.advance(61_000);
    h.hangup(&b1, &c);
    assert_eq!(h.event_names(&a), ["CALL_END", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b1), ["CALL_END", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b2), ["MESSAGE_SENT"]);
    let record = h.only_record(&c);
    assert_eq!(record.status, CallStatus::Completed);
    assert_eq!(record.duration_ms, 61_000);
    assert_eq!(record.from.as_str(), "alice");
    assert_eq!(record.to.as_str(), "bob");
    assert_eq!(h.sb.live_calls(), 0);
    assert_eq!(
        h.sb.presence(&AccountId::new("bob").unwrap()),
        Presence::Online
    );
}

#[test]
fn decline_tells_the_caller_and_stops_the_other_devices() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Audio);
    h.take(&a);
    h.take(&b2);
    h.act(&b1, &c, CallAction::Reject { busy: false });
    assert_eq!(h.event_names(&a), ["USER_REJECT", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b2), ["OTHER_CLIENT_REJECT", "MESSAGE_SENT"]);
    assert_eq!(h.only_record(&c).status, CallStatus::Rejected);
}

#[test]
fn cancel_while_ringing_tells_every_rung_device() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&b1);
    h.take(&b2);
    h.act(&a, &c, CallAction::Cancel);
    assert_eq!(h.event_names(&b1), ["USER_CANCEL", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b2), ["USER_CANCEL", "MESSAGE_SENT"]);
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.duration_ms),
        (CallStatus::Canceled, 0)
    );
}

#[test]
fn cancel_that_loses_to_accept_becomes_a_hangup() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.accept(&b1, &c);
    h.take(&b1);
    // The caller pressed cancel before USER_ACCEPT reached it: the server decides accept won.
    h.act(&a, &c, CallAction::Cancel);
    assert_eq!(
        h.event_names(&a),
        ["USER_ACCEPT", "CALL_END", "MESSAGE_SENT"]
    );
    assert_eq!(h.event_names(&b1), ["CALL_END", "MESSAGE_SENT"]);
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.duration_ms),
        (CallStatus::Completed, 0)
    );
}

#[test]
fn accept_that_loses_to_cancel_is_refused_as_ended() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.act(&a, &c, CallAction::Cancel);
    h.take(&b1);
    let req = h.accept(&b1, &c);
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::CallEnded));
    assert_eq!(h.only_record(&c).status, CallStatus::Canceled);
}

#[test]
fn nobody_answering_times_out_at_the_default_30_seconds() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.take(&b1);
    h.take(&b2);
    assert_eq!(h.sb.poll_timeout(), Some(T0 + 30_000));
    h.advance(29_999);
    assert!(h.records.is_empty());
    h.advance(1);
    assert_eq!(h.event_names(&a), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b1), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b2), ["CALLING_TIMEOUT", "MESSAGE_SENT"]);
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.reason),
        (CallStatus::Unanswered, EndReason::InviteTimeout)
    );
}

#[test]
fn ring_time_is_capped_at_120_seconds() {
    let (mut h, a, _, _) = setup();
    let c = cid("c1");
    h.act(
        &a,
        &c,
        CallAction::Invite {
            callee: AccountId::new("bob").unwrap(),
            call_type: CallType::Audio,
            attachment: serde_json::Value::Null,
            timeout_ms: 600_000,
            nick: None,
        },
    );
    assert_eq!(h.sb.poll_timeout(), Some(T0 + 120_000));
}

#[test]
fn busy_when_every_device_is_in_a_call() {
    let (mut h, a, b1, b2) = setup();
    let carol = key("carol", "c1");
    h.login(&carol);
    // b1 and b2 both talk to others.
    let x = cid("x");
    h.invite(&carol, &x, "bob", CallType::Audio);
    h.accept(&b1, &x);
    let dave = key("dave", "d1");
    h.login(&dave);
    let y = cid("y");
    h.invite(&dave, &y, "bob", CallType::Audio);
    h.accept(&b2, &y);
    h.take(&a);
    h.take(&b1);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    assert_eq!(h.event_names(&a), ["USER_BUSY", "MESSAGE_SENT"]);
    assert!(!h.event_names(&b1).contains(&"INVITED"));
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.reason),
        (CallStatus::Busy, EndReason::UserBusy)
    );
}

#[test]
fn one_busy_device_does_not_make_the_account_busy() {
    let (mut h, a, b1, b2) = setup();
    let carol = key("carol", "c1");
    h.login(&carol);
    let x = cid("x");
    h.invite(&carol, &x, "bob", CallType::Audio);
    h.accept(&b1, &x);
    h.take(&b1);
    h.take(&b2);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    assert!(h.event_names(&b1).is_empty(), "the busy device is not rung");
    assert_eq!(h.event_names(&b2), ["INVITED"]);
    h.accept(&b2, &c);
    assert!(h.event_names(&a).contains(&"USER_ACCEPT"));
}

#[test]
fn declining_as_busy_reports_busy() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.take(&b2);
    h.act(&b1, &c, CallAction::Reject { busy: true });
    assert_eq!(h.event_names(&a), ["USER_BUSY", "MESSAGE_SENT"]);
    assert_eq!(h.event_names(&b2), ["OTHER_CLIENT_REJECT", "MESSAGE_SENT"]);
    assert_eq!(h.only_record(&c).status, CallStatus::Busy);
}

#[test]
fn an_offline_callee_rings_when_it_logs_in_within_the_lifetime() {
    let mut h = Harness::new();
    let (a, b1) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&a);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.advance(10_000);
    h.login(&b1);
    let resync = h.take(&b1);
    let ServerMessage::Resync { calls } = &resync[0].msg else {
        panic!("expected a resync, got {resync:?}");
    };
    assert_eq!(calls.len(), 1);
    assert!(matches!(
        calls[0].phase,
        CallSnapshotPhase::Ringing {
            expires_in_ms: 20_000,
            ..
        }
    ));
    h.accept(&b1, &c);
    assert!(h.event_names(&a).contains(&"USER_ACCEPT"));
}

#[test]
fn an_offline_callee_that_never_comes_leaves_the_call_unanswered() {
    let mut h = Harness::new();
    let a = key("alice", "a1");
    h.login(&a);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.advance(30_000);
    assert_eq!(h.only_record(&c).status, CallStatus::Unanswered);
}

#[test]
fn the_second_device_to_answer_is_told_it_was_answered_elsewhere() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&b2);
    h.accept(&b1, &c);
    let req = h.accept(&b2, &c);
    assert_eq!(h.error_for(&b2, req), Some(ErrorCode::AnsweredElsewhere));
    assert!(h.events(&b2).iter().any(|(_, e)| matches!(
        e,
        CallEvent::OtherDevice {
            action: OtherDeviceAction::Accepted
        }
    )));
    assert_eq!(h.sb.phase_of(&c), Some("active"));
}

#[test]
fn glare_connects_both_callers_in_one_call() {
    let (mut h, a, b1, b2) = setup();
    let x = cid("from-bob");
    h.invite(&b1, &x, "alice", CallType::Video);
    h.take(&b1);
    h.take(&a);
    // Alice's invite crossed Bob's on the wire.
    let y = cid("from-alice");
    let req = h.invite(&a, &y, "bob", CallType::Video);
    let got = h.take(&a);
    assert!(matches!(
        &got[0],
        Received { req: Some(r), msg: ServerMessage::Call { event: CallEvent::Merged { into, .. }, .. } } if *r == req && *into == x
    ));
    assert_eq!(h.event_names(&b1), ["USER_ACCEPT"]);
    assert!(
        h.event_names(&b2).is_empty(),
        "Bob's other device never rang for either call"
    );
    assert_eq!(h.sb.phase_of(&x), Some("active"));
    assert_eq!(h.sb.live_calls(), 1);
    h.hangup(&a, &x);
    assert_eq!(h.records.len(), 1);
    assert_eq!(h.only_record(&x).status, CallStatus::Completed);
}

#[test]
fn a_new_invite_from_the_same_caller_replaces_the_stale_one() {
    let (mut h, a, b1, _) = setup();
    let old = cid("old");
    h.invite(&a, &old, "bob", CallType::Video);
    h.take(&b1);
    let new = cid("new");
    h.invite(&a, &new, "bob", CallType::Video);
    let events = h.events(&b1);
    assert!(
        !events.iter().any(|(_, e)| matches!(e, CallEvent::Canceled)),
        "replaced silently"
    );
    assert!(events
        .iter()
        .any(|(id, e)| *id == new && matches!(e, CallEvent::Invited { .. })));
    assert_eq!(h.only_record(&old).status, CallStatus::Canceled);
    assert_eq!(h.sb.phase_of(&new), Some("ringing"));
}

#[test]
fn calling_oneself_is_refused_and_rings_nothing() {
    let (mut h, a, _, _) = setup();
    let a2 = key("alice", "a2");
    h.login(&a2);
    h.take(&a2);
    let req = h.invite(&a, &cid("c1"), "alice", CallType::Video);
    assert_eq!(h.error_for(&a, req), Some(ErrorCode::SelfCall));
    assert!(h.event_names(&a2).is_empty());
    assert_eq!(h.sb.live_calls(), 0);
    assert!(h.records.is_empty());
}

#[test]
fn a_lost_connection_mid_call_survives_a_reconnect_within_the_grace_period() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&a);
    h.take(&b1);
    h.lose(&a);
    h.advance(19_000);
    assert!(
        h.event_names(&b1).is_empty(),
        "the peer is not told while the grace period runs"
    );
    h.login(&a);
    let resync = h.take(&a);
    let ServerMessage::Resync { calls } = &resync[0].msg else {
        panic!("expected a resync");
    };
    assert!(matches!(calls[0].phase, CallSnapshotPhase::Active { .. }));
    h.advance(60_000);
    assert!(h.records.is_empty(), "the call goes on after the reconnect");
    h.hangup(&a, &c);
    assert_eq!(h.only_record(&c).duration_ms, 79_000);
}

#[test]
fn a_crashed_client_ends_the_call_for_its_peer_after_the_grace_period() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&b1);
    h.advance(5_000);
    h.lose(&a);
    h.advance(20_000);
    let events = h.events(&b1);
    assert!(matches!(
        &events[0].1,
        CallEvent::Ended { reason: EndReason::ConnectionLost, by: Some(by) } if by.as_str() == "alice"
    ));
    let record = h.only_record(&c);
    assert_eq!(
        (record.status, record.duration_ms),
        (CallStatus::Completed, 5_000)
    );
}

/// The peer hangs up while alice's connection is lost: when alice logs in again she hears how
/// the call ended (`ended` by bob, then its `record`) before her resync, which no longer lists
/// it, so her device can say "bob hung up" rather than "connection lost"; once only.
#[test]
fn a_call_that_ended_while_a_party_was_away_is_told_to_it_before_its_resync() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&a);
    h.lose(&a);
    h.advance(3_000);
    h.hangup(&b1, &c);
    assert!(
        h.take(&a).is_empty(),
        "nothing reaches a device that is away"
    );
    h.advance(2_000);

    h.login(&a);
    let got = h.take(&a);
    let kinds: Vec<&str> = got
        .iter()
        .map(|r| match &r.msg {
            ServerMessage::Call { event, .. } => event_name(event),
            ServerMessage::Resync { .. } => "resync",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["CALL_END", "MESSAGE_SENT", "resync"]);
    let ServerMessage::Call {
        event: CallEvent::Ended { reason, by },
        ..
    } = &got[0].msg
    else {
        unreachable!()
    };
    assert_eq!(
        (*reason, by.as_ref().map(AccountId::as_str)),
        (EndReason::UserHangup, Some("bob"))
    );
    let ServerMessage::Resync { calls } = &got[2].msg else {
        unreachable!()
    };
    assert!(calls.is_empty(), "the resync no longer lists the call");
    assert_eq!(h.only_record(&c).reason, EndReason::UserHangup);

    // Told once: the next login hears only its resync.
    h.lose(&a);
    h.login(&a);
    let again = h.take(&a);
    assert_eq!(again.len(), 1);
    assert!(matches!(again[0].msg, ServerMessage::Resync { .. }));
}

/// The caller's connection is lost while the call rings and the callee declines: back, the caller
/// hears `rejected` and the record, as it would have online.
#[test]
fn a_decline_while_the_caller_was_away_is_told_to_it_when_it_is_back() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.lose(&a);
    h.act(&b1, &c, CallAction::Reject { busy: false });
    h.login(&a);
    let names = h.event_names(&a);
    assert_eq!(names, ["USER_REJECT", "MESSAGE_SENT"]);
    assert_eq!(h.only_record(&c).status, CallStatus::Rejected);
}

/// A device that leaves on purpose (logout) ended its call itself: its next login is not told
/// of it again.
#[test]
fn a_device_that_logged_out_of_its_call_is_not_told_of_it_at_its_next_login() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&a);
    h.logout(&a, EndReason::LoggedOut);
    h.login(&a);
    let got = h.take(&a);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(matches!(got[0].msg, ServerMessage::Resync { .. }));
}

#[test]
fn a_caller_lost_while_ringing_cancels_after_the_grace_period() {
    let mut h = Harness::with_config(duet_call::SwitchboardConfig {
        reconnect_grace_ms: 5_000,
        ..config()
    });
    let (a, b1) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&a);
    h.login(&b1);
    h.take(&b1);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.lose(&a);
    h.advance(5_000);
    assert!(h.event_names(&b1).contains(&"USER_CANCEL"));
    assert_eq!(h.only_record(&c).reason, EndReason::ConnectionLost);
}

#[test]
fn a_restarted_server_restores_calls_and_writes_each_record_once() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    let ringing = cid("ringing");
    let carol = key("carol", "k1");
    h.login(&carol);
    h.invite(&carol, &ringing, "dave", CallType::Audio);
    let stored: Vec<_> = h.stored.values().map(|s| s.to_json()).collect();
    assert_eq!(stored.len(), 2);

    // A new process: same key, the stored calls read back from JSON.
    let mut fresh = Harness::new();
    fresh.now = h.now + 3_000;
    let restored = stored
        .iter()
        .map(|j| duet_call::StoredCall::from_json(j).unwrap())
        .collect();
    fresh.sb.restore(restored, fresh.now);
    fresh.stored = h.stored.clone();
    fresh.login(&a);
    fresh.login(&b1);
    let resync = fresh.take(&a);
    assert!(matches!(&resync[0].msg, ServerMessage::Resync { calls } if calls.len() == 1));
    fresh.take(&b1);
    // The old tokens still work: they are HMACs under the same key.
    let token = h.token(&c, &a);
    fresh.send_raw(
        &a,
        &c,
        10,
        token,
        CallAction::Hangup {
            reason: EndReason::UserHangup,
        },
    );
    assert_eq!(fresh.event_names(&b1), ["CALL_END", "MESSAGE_SENT"]);
    assert_eq!(fresh.only_record(&c).status, CallStatus::Completed);
    // Carol never came back: her ringing call is cancelled once the grace period is over.
    fresh.advance(20_000);
    assert_eq!(
        fresh.only_record(&ringing).reason,
        EndReason::ConnectionLost
    );
    assert_eq!(fresh.records.len(), 2);
}

/// The call event numbers `who` received for call `id` (taking what it received).
fn seqs(h: &mut Harness, who: &DeviceKey, id: &CallId) -> Vec<u64> {
    h.take(who)
        .into_iter()
        .filter_map(|r| match r.msg {
            ServerMessage::Call { call_id, seq, .. } if call_id == *id => Some(seq),
            ServerMessage::Resync { calls } => {
                calls.into_iter().find(|c| c.call_id == *id).map(|c| c.seq)
            }
            _ => None,
        })
        .collect()
}

/// Found by the switchboard fuzz target (fuzz/, scripts/fuzz.sh): cat's call rang ann's three
/// devices (events 1-3), ann0 sent its media state while it rang (event 4, to cat), and the
/// server restarted. Events are sent without storing the call, so the restored counter was back
/// at 3: the resync told cat 3, and the next events (numbered 4 and up) were dropped by cat's SDK
/// as already seen, the acceptance among them. Stored calls now reserve numbers ahead.
#[test]
fn a_restart_keeps_event_numbers_above_those_sent_before() {
    let mut h = Harness::new();
    let cat = key("cat", "cat0");
    let ann: Vec<DeviceKey> = (0..3).map(|d| key("ann", &format!("ann{d}"))).collect();
    for d in ann.iter().chain([&cat]) {
        h.login(d);
        h.take(d);
    }
    let c = cid("call1");
    h.invite(&cat, &c, "ann", CallType::Audio);
    h.act(
        &ann[0],
        &c,
        CallAction::Media {
            audio: false,
            video: false,
            video_reason: None,
        },
    );
    let before = seqs(&mut h, &cat, &c);
    assert_eq!(before, [4], "the media event was the call's fourth");

    let mut fresh = Harness::new();
    fresh.now = h.now + 2_000;
    let restored = h.stored.values().cloned().collect();
    fresh.sb.restore(restored, fresh.now);
    fresh.stored = h.stored.clone();
    fresh.login(&cat);
    fresh.login(&ann[0]);
    let resync = seqs(&mut fresh, &cat, &c);
    assert!(resync[0] >= 4, "resync says {resync:?} after cat saw 4");
    fresh.take(&ann[0]);
    let token = fresh.token(&c, &ann[0]);
    fresh.send_raw(
        &ann[0],
        &c,
        2,
        token,
        CallAction::Accept { call_type: None },
    );
    let after = seqs(&mut fresh, &cat, &c);
    assert!(
        after.len() == 1 && after[0] > resync[0],
        "the acceptance is numbered {after:?}, after {resync:?}"
    );
}

#[test]
fn video_to_audio_switches_at_once_for_both() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&a);
    h.take(&b1);
    h.act(
        &b1,
        &c,
        CallAction::SwitchType {
            call_type: CallType::Audio,
        },
    );
    assert!(h.events(&a).iter().any(|(_, e)| *e
        == CallEvent::TypeChanged {
            call_type: CallType::Audio
        }));
    assert!(h.events(&b1).iter().any(|(_, e)| *e
        == CallEvent::TypeChanged {
            call_type: CallType::Audio
        }));
}

#[test]
fn audio_to_video_needs_the_peers_consent() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Audio);
    h.accept(&b1, &c);
    h.take(&a);
    h.take(&b1);
    h.act(
        &a,
        &c,
        CallAction::SwitchType {
            call_type: CallType::Video,
        },
    );
    assert_eq!(h.event_names(&b1), ["SWITCH_REQUESTED"]);
    h.act(
        &b1,
        &c,
        CallAction::SwitchAnswer {
            call_type: CallType::Video,
            accept: false,
        },
    );
    assert_eq!(h.event_names(&a), ["SWITCH_REFUSED"]);
    h.act(
        &a,
        &c,
        CallAction::SwitchType {
            call_type: CallType::Video,
        },
    );
    h.act(
        &b1,
        &c,
        CallAction::SwitchAnswer {
            call_type: CallType::Video,
            accept: true,
        },
    );
    assert!(h.event_names(&a).contains(&"CALL_TYPE_CHANGE"));
    assert!(h.event_names(&b1).contains(&"CALL_TYPE_CHANGE"));
    // An answer with no request pending is refused.
    let req = h.act(
        &b1,
        &c,
        CallAction::SwitchAnswer {
            call_type: CallType::Video,
            accept: true,
        },
    );
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::InvalidState));
}

#[test]
fn mute_and_camera_off_reach_the_peer() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&b1);
    h.act(
        &a,
        &c,
        CallAction::Media {
            audio: false,
            video: true,
            video_reason: None,
        },
    );
    assert_eq!(
        h.events(&b1),
        [(
            c.clone(),
            CallEvent::Media {
                audio: false,
                video: true,
                video_reason: None,
            }
        )]
    );
}

#[test]
fn logout_or_token_expiry_during_a_call_ends_it_with_that_reason() {
    for reason in [EndReason::LoggedOut, EndReason::TokenExpired] {
        let (mut h, a, b1, _) = setup();
        let c = cid("c1");
        h.invite(&a, &c, "bob", CallType::Video);
        h.accept(&b1, &c);
        h.take(&a);
        h.take(&b1);
        h.logout(&b1, reason);
        let events = h.events(&a);
        assert!(matches!(&events[0].1, CallEvent::Ended { reason: r, .. } if *r == reason));
        let record = h.only_record(&c);
        assert_eq!(
            (record.status, record.reason),
            (CallStatus::Completed, reason)
        );
    }
}

#[test]
fn stale_replayed_and_unknown_messages_change_nothing() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    let token = h.token(&c, &b1);
    // A replay of the accept with its old sequence number.
    let req = h.send_raw(
        &b1,
        &c,
        1,
        token.clone(),
        CallAction::Hangup {
            reason: EndReason::UserHangup,
        },
    );
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::StaleSeq));
    assert_eq!(h.sb.phase_of(&c), Some("active"));
    let req = h.act(&a, &cid("nope"), CallAction::Cancel);
    assert_eq!(h.error_for(&a, req), Some(ErrorCode::UnknownCall));
    h.hangup(&a, &c);
    let req = h.send_raw(
        &b1,
        &c,
        9,
        token,
        CallAction::Hangup {
            reason: EndReason::UserHangup,
        },
    );
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::CallEnded));
    assert_eq!(h.records.len(), 1);
}

#[test]
fn someone_who_is_not_a_party_is_refused() {
    let (mut h, a, b1, _) = setup();
    let mallory = key("mallory", "m1");
    h.login(&mallory);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    for action in [
        CallAction::Accept { call_type: None },
        CallAction::Cancel,
        CallAction::Hangup {
            reason: EndReason::UserHangup,
        },
    ] {
        let req = h.act(&mallory, &c, action);
        assert_eq!(h.error_for(&mallory, req), Some(ErrorCode::NotAParty));
    }
    // Another device of the caller's account is not a party either.
    let a2 = key("alice", "a2");
    h.login(&a2);
    let req = h.act(&a2, &c, CallAction::Cancel);
    assert_eq!(h.error_for(&a2, req), Some(ErrorCode::NotAParty));
    assert_eq!(h.sb.phase_of(&c), Some("ringing"));
    h.accept(&b1, &c);
    assert_eq!(h.sb.phase_of(&c), Some("active"));
}

#[test]
fn safe_mode_refuses_a_missing_or_foreign_call_token() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    let req = h.send_raw(&b1, &c, 1, None, CallAction::Accept { call_type: None });
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::BadCallToken));
    let alices = h.token(&c, &a);
    let req = h.send_raw(&b1, &c, 2, alices, CallAction::Accept { call_type: None });
    assert_eq!(h.error_for(&b1, req), Some(ErrorCode::BadCallToken));
    assert_eq!(h.sb.phase_of(&c), Some("ringing"));
}

#[test]
fn without_safe_mode_tokens_are_not_needed() {
    let mut h = Harness::with_config(duet_call::SwitchboardConfig {
        safe_mode: false,
        ..config()
    });
    let (a, b1) = (key("alice", "a1"), key("bob", "b1"));
    h.login(&a);
    h.login(&b1);
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.send_raw(&b1, &c, 1, None, CallAction::Accept { call_type: None });
    assert_eq!(h.sb.phase_of(&c), Some("active"));
}

#[test]
fn a_message_claiming_another_device_is_refused() {
    let (mut h, a, _, _) = setup();
    let req = h.send_raw(
        &a,
        &cid("c1"),
        1,
        None,
        CallAction::Invite {
            callee: AccountId::new("bob").unwrap(),
            call_type: CallType::Video,
            attachment: serde_json::Value::Null,
            timeout_ms: 0,
            nick: None,
        },
    );
    assert!(h.error_for(&a, req).is_none());
    let mut msg = duet_call::CallRequest {
        call_id: cid("c2"),
        device: DeviceId::new("someone-else").unwrap(),
        seq: 1,
        call_token: None,
        action: CallAction::Cancel,
    };
    h.sb.handle_call(&a, Some(99), msg.clone(), h.now);
    h.pump();
    assert_eq!(h.error_for(&a, 99), Some(ErrorCode::WrongDevice));
    msg.device = a.device.clone();
    assert_eq!(h.sb.live_calls(), 1);
}

#[test]
fn invites_are_rate_limited_per_account() {
    let mut h = Harness::with_config(duet_call::SwitchboardConfig {
        invites_per_minute: 3,
        ..config()
    });
    let a = key("alice", "a1");
    h.login(&a);
    for n in 0..3 {
        let c = cid(&format!("c{n}"));
        h.invite(&a, &c, "bob", CallType::Audio);
        h.act(&a, &c, CallAction::Cancel);
    }
    let req = h.invite(&a, &cid("c9"), "bob", CallType::Audio);
    assert_eq!(h.error_for(&a, req), Some(ErrorCode::RateLimited));
    h.advance(60_000);
    let req = h.invite(&a, &cid("c10"), "bob", CallType::Audio);
    assert_eq!(h.error_for(&a, req), None);
}

#[test]
fn pending_invites_per_callee_are_bounded() {
    let mut h = Harness::with_config(duet_call::SwitchboardConfig {
        max_pending_invites: 2,
        ..config()
    });
    for n in 0..3 {
        let caller = key(&format!("caller{n}"), "d");
        h.login(&caller);
        let req = h.invite(&caller, &cid(&format!("c{n}")), "bob", CallType::Audio);
        let expected = if n < 2 {
            None
        } else {
            Some(ErrorCode::TooManyPending)
        };
        assert_eq!(h.error_for(&caller, req), expected);
    }
}

#[test]
fn accept_as_audio_turns_a_video_call_into_an_audio_call() {
    let (mut h, a, b1, _) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&a);
    h.act(
        &b1,
        &c,
        CallAction::Accept {
            call_type: Some(CallType::Audio),
        },
    );
    assert!(h.events(&a).iter().any(|(_, e)| matches!(
        e,
        CallEvent::Accepted {
            call_type: CallType::Audio,
            ..
        }
    )));
    h.hangup(&a, &c);
    assert_eq!(h.only_record(&c).call_type, CallType::Audio);
}

#[test]
fn signals_reach_the_addressed_rung_device_before_the_answer() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.take(&b1);
    h.take(&b2);
    let offer = serde_json::json!({"kind": "offer", "sdp": "v=0"});
    h.act(
        &a,
        &c,
        CallAction::Signal {
            to: Some(b2.device.clone()),
            payload: offer.clone(),
        },
    );
    assert!(h.events(&b1).is_empty());
    assert_eq!(
        h.events(&b2),
        [(
            c.clone(),
            CallEvent::Signal {
                from: a.device.clone(),
                payload: offer
            }
        )]
    );
    let answer = serde_json::json!({"kind": "answer", "sdp": "v=0"});
    h.take(&a);
    h.act(
        &b2,
        &c,
        CallAction::Signal {
            to: None,
            payload: answer.clone(),
        },
    );
    assert_eq!(
        h.events(&a),
        [(
            c.clone(),
            CallEvent::Signal {
                from: b2.device.clone(),
                payload: answer
            }
        )]
    );
}

#[test]
fn a_signal_to_a_device_that_would_not_hear_it_is_refused() {
    let (mut h, a, b1, b2) = setup();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.take(&b1);
    h.take(&b2);
    let candidate = serde_json::json!({"kind": "candidate", "candidate": "candidate:1 1 udp 1 192.0.2.1 5000 typ host"});
    for to in [b2.device.clone(), key("bob", "b9").device] {
        let signal = CallAction::Signal {
            to: Some(to),
            payload: candidate.clone(),
        };
        let req = h.act(&a, &c, signal);
        assert_eq!(h.error_for(&a, req), Some(ErrorCode::InvalidState));
    }
    assert!(h.events(&b1).is_empty());
    assert!(h.events(&b2).is_empty());
    let signal = CallAction::Signal {
        to: Some(b1.device.clone()),
        payload: candidate.clone(),
    };
    h.act(&a, &c, signal);
    assert_eq!(h.event_names(&b1), ["SIGNAL"]);
}

#[test]
fn presence_follows_login_calls_and_logout() {
    let (mut h, a, b1, _) = setup();
    h.presence.clear();
    let c = cid("c1");
    h.invite(&a, &c, "bob", CallType::Video);
    h.accept(&b1, &c);
    h.hangup(&a, &c);
    h.logout(&a, EndReason::LoggedOut);
    let alice: Vec<Presence> = h
        .presence
        .iter()
        .filter(|(acc, _)| acc.as_str() == "alice")
        .map(|(_, p)| *p)
        .collect();
    assert_eq!(
        alice,
        [Presence::InCall, Presence::Online, Presence::Offline]
    );
}

/// What the switchboard fuzz target's honest-client model got wrong: an accept from a device
/// whose own call still rings out is refused with `busy`, and the call goes on ringing there, so
/// the same device's accept after it cancelled its own call is taken (acked, the caller hears
/// USER_ACCEPT).
#[test]
fn an_accept_refused_busy_while_the_device_rings_out_is_taken_once_it_cancelled() {
    let (mut h, a, b1, _) = setup();
    let carol = key("carol", "c1");
    h.login(&carol);
    h.take(&carol);
    let (to_bob, to_carol) = (cid("c1"), cid("c2"));
    h.invite(&a, &to_bob, "bob", CallType::Audio);
    h.invite(&b1, &to_carol, "carol", CallType::Audio);
    h.take(&a);
    h.take(&b1);

    let refused = h.accept(&b1, &to_bob);
    assert_eq!(h.error_for(&b1, refused), Some(ErrorCode::Busy));
    assert_eq!(h.sb.phase_of(&to_bob), Some("ringing"));

    h.act(&b1, &to_carol, CallAction::Cancel);
    let taken = h.accept(&b1, &to_bob);
    assert_eq!(h.error_for(&b1, taken), None);
    assert_eq!(h.sb.phase_of(&to_bob), Some("active"));
    assert_eq!(h.event_names(&a), ["USER_ACCEPT"]);
}
