//! Call waiting in the mirror: an invite that rings during a call, and "end and answer".

use super::*;

/// Carol's `call` rings alice while she is in a call.
fn waiting_invite(call: &str) -> CallEvent {
    let mut event = invited(call, "carol", "carol-pc", 30_000);
    if let CallEvent::Invited { waiting, .. } = &mut event {
        *waiting = true;
    }
    event
}

/// Alice is in the answered call c1 with bob (she placed it); carol's c9 then rings her with
/// `waiting`.
fn in_call_with_a_waiting_invite() -> ClientMirror {
    let mut m = logged_in();
    calling(&mut m);
    let callee = party("bob", "bob-desktop");
    let accepted = CallEvent::Accepted {
        callee,
        call_type: CallType::Video,
    };
    m.handle_frame(event("c1", 2, accepted), T0 + 20);
    let waiting = waiting_invite("c9");
    m.handle_frame(event("c9", 1, waiting), T0 + 1_000);
    m
}

#[test]
fn a_waiting_invite_rings_beside_the_call_and_says_so() {
    let mut m = in_call_with_a_waiting_invite();
    let (_, events) = drain(&mut m);
    assert_eq!(names(&events), ["USER_ACCEPT", "INVITED"]);
    assert_eq!(m.status(), CallState::InCall, "the call goes on");
    let invite = m.invite(&id("c9")).expect("c9 rings here");
    assert!(invite.waiting);
    // A plain accept is refused here: the call must end first.
    assert_eq!(
        m.accept(&id("c9"), None, T0 + 1_100),
        Err(ClientError::AlreadyInCall(id("c1")))
    );
}

#[test]
fn end_and_accept_hangs_up_then_answers_and_lands_in_the_new_call() {
    let mut m = in_call_with_a_waiting_invite();
    drain(&mut m);
    let (hangup, accept) = m.end_and_accept(&id("c9"), None, T0 + 2_000).unwrap();
    let hangup = hangup.expect("there was a call to hang up");
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    let actions: Vec<(&str, Option<&str>)> = msgs
        .iter()
        .map(|msg| {
            let (action, _, token) = action_of(msg);
            (action.name(), token)
        })
        .collect();
    assert_eq!(
        actions,
        [("hangup", Some("ct-a")), ("accept", Some("tok-c9"))],
        "the hang-up goes first, so the server finds this device free for the accept"
    );

    // The server's answers, in its order: the hang-up's ack and CALL_END, then the accept's ack.
    m.handle_frame(ack(hangup, "c1", None), T0 + 2_010);
    let ended = CallEvent::Ended {
        reason: EndReason::UserHangup,
        by: Some(AccountId::new("alice").unwrap()),
    };
    m.handle_frame(event("c1", 3, ended), T0 + 2_010);
    m.handle_frame(ack(accept, "c9", Some("tok-c9")), T0 + 2_020);
    let (out, events) = drain(&mut m);
    assert_eq!(names(&events), ["CALL_END"]);
    assert!(media(&out).contains(&MediaAction::Close { call_id: id("c1") }));
    assert!(media(&out).contains(&MediaAction::Release { call_id: id("c9") }));
    let call = m.current().expect("in the answered call");
    assert_eq!((call.call_id.as_str(), call.role), ("c9", Role::Callee));
    assert!(m.invites().is_empty());
    assert_eq!(m.status(), CallState::InCall);
}

#[test]
fn end_and_accept_without_a_call_is_a_plain_accept() {
    let mut m = logged_in();
    ringing(&mut m);
    let (hangup, _) = m
        .end_and_accept(&id("c9"), Some(CallType::Audio), T0 + 100)
        .unwrap();
    assert_eq!(hangup, None);
    let (out, _) = drain(&mut m);
    let msgs = sent(&out);
    assert_eq!(msgs.len(), 1);
    let (action, _, _) = action_of(&msgs[0]);
    assert_eq!(
        action,
        &CallAction::Accept {
            call_type: Some(CallType::Audio)
        }
    );
}

#[test]
fn end_and_accept_of_an_invite_gone_sends_nothing_and_keeps_the_call() {
    let mut m = in_call_with_a_waiting_invite();
    m.handle_frame(event("c9", 2, CallEvent::Canceled), T0 + 1_500);
    drain(&mut m);
    assert_eq!(
        m.end_and_accept(&id("c9"), None, T0 + 2_000),
        Err(ClientError::NoSuchInvite(id("c9")))
    );
    let (out, _) = drain(&mut m);
    assert!(sent(&out).is_empty(), "nothing was sent: {out:?}");
    assert_eq!(m.current().map(|c| c.call_id.as_str()), Some("c1"));
}

#[test]
fn end_and_accept_waits_for_an_outgoing_call_to_be_cancellable() {
    let mut m = logged_in();
    // Placed, but the invite's ack (with the token to cancel with) has not come yet.
    m.call(
        id("c1"),
        AccountId::new("bob").unwrap(),
        CallType::Video,
        json!(null),
        30_000,
        T0,
    )
    .unwrap();
    let waiting = waiting_invite("c9");
    m.handle_frame(event("c9", 1, waiting), T0 + 5);
    drain(&mut m);
    assert_eq!(
        m.end_and_accept(&id("c9"), None, T0 + 10),
        Err(ClientError::WrongState(CallState::Calling))
    );
    let (out, _) = drain(&mut m);
    assert!(sent(&out).is_empty(), "nothing was sent: {out:?}");
}

#[test]
fn a_resync_brings_back_a_waiting_invite_with_its_flag() {
    let mut m = in_call_with_a_waiting_invite();
    m.handle_disconnected(T0 + 3_000);
    drain(&mut m);
    let active = CallSnapshotPhase::Active {
        callee_device: DeviceId::new("bob-desktop").unwrap(),
        answered_at_ms: T0,
        call_token: "ct-a".into(),
    };
    let waiting = CallSnapshotPhase::Ringing {
        expires_in_ms: 20_000,
        call_token: "tok-c9".into(),
        waiting: true,
    };
    relogin(
        &mut m,
        vec![
            snapshot("c1", party("alice", "alice-laptop"), active, 3),
            snapshot("c9", party("carol", "carol-pc"), waiting, 1),
        ],
        T0 + 3_100,
    );
    drain(&mut m);
    assert_eq!(m.status(), CallState::InCall);
    assert!(m.invite(&id("c9")).is_some_and(|i| i.waiting));
}
