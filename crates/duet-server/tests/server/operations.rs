//! What an operator sees and does: `/metrics` moving with a call, and draining before a stop.

use crate::support::{answered_call, hang_up, http_get, invite, scrape, value, Client};
use duet_protocol::{CallAction, CallEvent, ServerMessage};
use duet_testkit::{add_user, start_server};
use std::time::Duration;

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(20);

#[tokio::test]
async fn metrics_count_connections_devices_calls_and_their_ends() {
    let (server, _dir) = start_server().await;
    let addr = server.local_addr();
    let alice_token = add_user(&server, "alice").await;
    let bob_token = add_user(&server, "bob").await;
    let mut alice = Client::login(&server, "alice", &alice_token, "a1").await;
    let mut bob = Client::login(&server, "bob", &bob_token, "b1").await;

    let idle = scrape(addr).await;
    assert_eq!(value(&idle, "duet_connections_open"), 2.0);
    assert_eq!(value(&idle, "duet_devices_online"), 2.0);
    assert_eq!(value(&idle, "duet_calls_ringing"), 0.0);
    assert_eq!(value(&idle, "duet_calls_answered"), 0.0);
    assert_eq!(value(&idle, "duet_invite_to_record_seconds_count"), 0.0);
    assert_eq!(value(&idle, "duet_hub_queue_depth"), 0.0);

    // A call that rings, then is cancelled.
    alice.call("c0", "a1", 1, None, invite("bob")).await;
    let token = alice.ack_token().await;
    bob.call_event().await;
    let ringing = scrape(addr).await;
    assert_eq!(value(&ringing, "duet_calls_ringing"), 1.0);
    alice
        .call("c0", "a1", 2, Some(&token), CallAction::Cancel)
        .await;
    alice
        .recv_until(|m| matches!(m, ServerMessage::CallAck { .. }))
        .await;
    let (_, canceled) = bob.call_event().await;
    assert!(matches!(canceled, CallEvent::Canceled), "{canceled:?}");
    for client in [&mut alice, &mut bob] {
        client
            .recv_until(|m| {
                matches!(
                    m,
                    ServerMessage::Call {
                        event: CallEvent::Record { .. },
                        ..
                    }
                )
            })
            .await;
    }

    // A call answered, then hung up.
    let (alice_call_token, _) = answered_call(&mut alice, &mut bob, "c1").await;
    let during = scrape(addr).await;
    assert_eq!(value(&during, "duet_calls_ringing"), 0.0);
    assert_eq!(value(&during, "duet_calls_answered"), 1.0);
    hang_up(&mut alice, &mut bob, "c1", &alice_call_token).await;
    server.flush().await;

    let after = scrape(addr).await;
    assert_eq!(value(&after, "duet_calls_answered"), 0.0);
    assert_eq!(
        value(
            &after,
            r#"duet_call_cycles_ended_total{status="completed",reason="user_hangup"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            &after,
            r#"duet_call_cycles_ended_total{status="canceled",reason="canceled"}"#
        ),
        1.0
    );
    assert_eq!(value(&after, "duet_invite_to_record_seconds_count"), 2.0);
    assert!(
        value(&after, "duet_store_batch_seconds_count") >= 1.0,
        "{after}"
    );
    assert_eq!(value(&after, "duet_store_backlog"), 0.0);
    // A single node has no bus: the histogram is there, empty.
    assert_eq!(value(&after, "duet_bus_publish_seconds_count"), 0.0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn draining_tells_devices_to_move_refuses_new_ones_and_ends_when_they_have_left() {
    let (server, _dir) = start_server().await;
    let addr = server.local_addr();
    let url = server.ws_url();
    let token = add_user(&server, "alice").await;
    let mut alice = Client::login(&server, "alice", &token, "a1").await;
    // Far above the guard below: the drain must end because alice left, not at its timeout.
    let drain_timeout = Duration::from_secs(120);
    let device_side = async {
        let frame = alice
            .recv_until(|m| matches!(m, ServerMessage::ServerDraining { .. }))
            .await;
        let ServerMessage::ServerDraining { closes_in_ms } = frame.msg else {
            unreachable!("filtered above");
        };
        assert_eq!(closes_in_ms, 120_000);
        assert_eq!(frame.req, None);
        // A new device is turned away with a reason; the load balancer sees "not ready".
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 503);
                let body =
                    String::from_utf8_lossy(response.body().as_deref().unwrap_or(&[])).into_owned();
                assert!(body.contains("draining"), "{body}");
            }
            other => panic!("expected a 503 refusal, got {other:?}"),
        }
        let (status, body) = http_get(addr, "/readyz").await;
        assert_eq!(status, 503);
        assert!(body.contains("draining"), "{body}");
        assert_eq!(http_get(addr, "/healthz").await.0, 200);
        // alice moves away.
        drop(alice);
    };
    tokio::time::timeout(HANG_GUARD, async {
        tokio::join!(server.drain(drain_timeout), device_side)
    })
    .await
    .expect("the drain ends once its only device has left");
    assert!(server.is_draining());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_drain_ends_at_its_timeout_when_a_device_stays() {
    let (server, _dir) = start_server().await;
    let token = add_user(&server, "alice").await;
    let mut alice = Client::login(&server, "alice", &token, "a1").await;
    tokio::time::timeout(HANG_GUARD, server.drain(Duration::from_millis(200)))
        .await
        .expect("the drain gives up at its timeout");
    // The device that ignored `server.draining` was told, and is closed by the shutdown.
    let frame = alice
        .recv_until(|m| matches!(m, ServerMessage::ServerDraining { .. }))
        .await;
    assert_eq!(frame.req, None);
    server.shutdown().await.unwrap();
    alice.expect_closed().await;
}
