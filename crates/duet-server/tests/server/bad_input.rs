//! Bad input gets a clear error, changes nothing, and keeps the connection where the protocol allows.

use crate::support::{self, answered_call, invite, Client};
use duet_protocol::{CallAction, CallEvent, EndReason, ErrorCode, ServerMessage, MAX_FRAME_BYTES};
use duet_testkit::{add_user, start_server, start_server_with};

#[tokio::test]
async fn malformed_frames_are_refused_and_the_connection_stays_usable() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    let cases: &[(&str, ErrorCode, Option<u64>)] = &[
        ("{not json", ErrorCode::BadJson, None),
        ("[1, 2]", ErrorCode::BadJson, None),
        (
            r#"{"v":1,"req":3,"type":"dance"}"#,
            ErrorCode::UnknownType,
            Some(3),
        ),
        (
            r#"{"v":9,"req":4,"type":"ping"}"#,
            ErrorCode::UnsupportedVersion,
            Some(4),
        ),
        (
            r#"{"v":1,"req":5,"type":"contacts.add"}"#,
            ErrorCode::InvalidMessage,
            Some(5),
        ),
        (
            r#"{"v":1,"req":6,"type":"call","action":"fly","call_id":"c1","device":"a1","seq":1}"#,
            ErrorCode::UnknownType,
            Some(6),
        ),
        (
            r#"{"v":1,"req":7,"type":"contacts.add","account":"no spaces allowed"}"#,
            ErrorCode::InvalidMessage,
            Some(7),
        ),
        (
            r#"{"v":1,"req":8,"type":"login","app_key":"demo","account":"alice","token":"t","device":"a1"}"#,
            ErrorCode::AlreadyLoggedIn,
            Some(8),
        ),
        (
            r#"{"v":1,"req":9,"type":"history.list","before":"not-a-cursor"}"#,
            ErrorCode::InvalidMessage,
            Some(9),
        ),
    ];
    for (text, code, req) in cases {
        client.send_raw(*text).await;
        assert_eq!(client.expect_error().await, (*code, *req), "for {text}");
    }
    client.assert_usable().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_oversized_frame_is_refused_and_closes_the_connection() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    let padding = "x".repeat(MAX_FRAME_BYTES + 1);
    client
        .send_raw(format!(
            r#"{{"v":1,"type":"directory.search","query":"{padding}"}}"#
        ))
        .await;
    assert_eq!(client.expect_error().await.0, ErrorCode::FrameTooLarge);
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn call_actions_that_do_not_fit_are_refused_and_change_nothing() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let carol_token = add_user(&server, "carol").await;
    server.admin().add_app("other", true).await.unwrap();
    server
        .admin()
        .add_user("other", "olga", "Olga", std::time::Duration::from_secs(60))
        .await
        .unwrap();
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    let mut carol = Client::login(&server, "carol", &carol_token, "c1").await;
    let (alice_call_token, bob_call_token) = answered_call(&mut alice, &mut bob, "call-1").await;
    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };

    // Who sends, and what: call id, claimed device, seq, call token, action; the error expected.
    #[rustfmt::skip]
    let cases = [
        ("a stranger to the call", "carol", "call-1", "c1", 1, Some(&alice_call_token), hangup.clone(), ErrorCode::NotAParty),
        ("a party claiming the other's device", "bob", "call-1", "a1", 2, Some(&bob_call_token), hangup.clone(), ErrorCode::WrongDevice),
        ("a seq already used", "alice", "call-1", "a1", 1, Some(&alice_call_token), hangup.clone(), ErrorCode::StaleSeq),
        ("the peer's call token", "alice", "call-1", "a1", 2, Some(&bob_call_token), hangup.clone(), ErrorCode::BadCallToken),
        ("no call token", "alice", "call-1", "a1", 3, None, hangup.clone(), ErrorCode::BadCallToken),
        ("an unknown call", "alice", "nope", "a1", 1, Some(&alice_call_token), hangup.clone(), ErrorCode::UnknownCall),
        ("an invite to nobody", "carol", "call-2", "c1", 1, None, invite("ghost"), ErrorCode::UnknownAccount),
        ("an invite to another app's account", "carol", "call-3", "c1", 1, None, invite("olga"), ErrorCode::UnknownAccount),
        ("an invite to oneself", "carol", "call-4", "c1", 1, None, invite("carol"), ErrorCode::SelfCall),
    ];
    for (case, sender, id, dev, seq, token, action, code) in cases {
        let client = match sender {
            "alice" => &mut alice,
            "bob" => &mut bob,
            _ => &mut carol,
        };
        client
            .call(id, dev, seq, token.map(String::as_str), action)
            .await;
        assert_eq!(client.expect_error().await.0, code, "{case}");
    }

    // The call is untouched: the caller's proper hang-up still ends it, once, for both.
    alice
        .call("call-1", "a1", 4, Some(&alice_call_token), hangup)
        .await;
    let (_, ended) = bob.call_event().await;
    assert!(
        matches!(
            ended,
            CallEvent::Ended {
                reason: EndReason::UserHangup,
                ..
            }
        ),
        "{ended:?}"
    );
    server.flush().await;
    let history = server
        .store()
        .history("demo", &support::account("alice"), None, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "exactly one record: {history:?}");
    for client in [&mut alice, &mut bob, &mut carol] {
        client.assert_usable().await;
    }
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_client_sending_too_fast_is_told_and_disconnected() {
    let (server, _dir) = start_server_with(|config| {
        config.limits.message_burst = 5;
        config.limits.messages_per_second = 1;
    })
    .await;
    let token = add_user(&server, "alice").await;
    let mut client = Client::login(&server, "alice", &token, "a1").await;
    for _ in 0..20 {
        client.send_raw(r#"{"v":1,"type":"ping"}"#).await;
    }
    let mut pongs = 0;
    loop {
        let frame = client.recv().await;
        match frame.msg {
            ServerMessage::Pong => pongs += 1,
            ServerMessage::Error { code, .. } => {
                assert_eq!(code, ErrorCode::RateLimited);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        (4..20).contains(&pongs),
        "the burst passed, then the limit hit ({pongs} pongs)"
    );
    client.expect_closed().await;
    server.shutdown().await.unwrap();
}
