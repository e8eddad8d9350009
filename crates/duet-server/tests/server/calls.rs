//! A call at the wire level: invite, accept, hang up, and its one record.

use crate::support::{account, answered_call, Client};
use duet_protocol::{CallAction, CallEvent, CallStatus, EndReason, ServerMessage};
use duet_testkit::{add_user, start_server};

#[tokio::test]
async fn an_answered_call_ends_for_both_in_exactly_one_record() {
    let (server, _dir) = start_server().await;
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    server.flush().await;
    let live = server.store().active_calls("demo").await.unwrap();
    assert_eq!(
        live.len(),
        1,
        "the answered call is stored so that it survives a restart"
    );

    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    let req = alice
        .call("c1", "a1", 2, Some(&alice_call_token), hangup)
        .await;
    let ack = alice.recv().await;
    assert_eq!(ack.req, Some(req));
    assert!(matches!(ack.msg, ServerMessage::CallAck { .. }), "{ack:?}");
    for client in [&mut alice, &mut bob] {
        let (id, ended) = client.call_event().await;
        assert_eq!(id.as_str(), "c1");
        assert_eq!(
            ended,
            CallEvent::Ended {
                reason: EndReason::UserHangup,
                by: Some(account("alice"))
            }
        );
        let (_, record) = client.call_event().await;
        let CallEvent::Record { record } = record else {
            panic!("expected the record, got {record:?}");
        };
        assert_eq!(record.status, CallStatus::Completed);
        assert_eq!((record.from.as_str(), record.to.as_str()), ("alice", "bob"));
    }

    server.flush().await;
    for who in ["alice", "bob"] {
        let records = server
            .store()
            .history("demo", &account(who), None, 10)
            .await
            .unwrap();
        assert_eq!(records.len(), 1, "{who} has exactly one record");
        assert_eq!(records[0].1.call_id.as_str(), "c1");
        assert_eq!(records[0].1.status, CallStatus::Completed);
    }
    assert!(server
        .store()
        .active_calls("demo")
        .await
        .unwrap()
        .is_empty());
    server.shutdown().await.unwrap();
}
