//! Media events through the SDK: FIRST_REMOTE_FRAME, CALL_STATS once a second with the
//! documented JSON shape, and MEDIA_FAILED when a call's media cannot start.

use duet_call_media::MediaSetup;
use duet_callkit::{CallEvent, CallParams, CallType, NetworkQuality};

use crate::support::{media_client, probed};
use duet_testkit::{answered_call, invited, start_server, wait_for_event, wait_for_event_where};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_remote_frame_and_call_stats_reach_both_sides() {
    let (server, _dir) = start_server().await;
    let (alice_setup, _, _) = probed(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, mut alice_events) = media_client(&server, "alice", alice_setup).await;
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    let call = answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events)
        .await
        .call_id;

    for events in [&mut alice_events, &mut bob_events] {
        let first = wait_for_event(events, "FIRST_REMOTE_FRAME").await;
        assert_eq!(
            serde_json::to_value(&first).unwrap(),
            serde_json::json!({"event": "FIRST_REMOTE_FRAME", "call_id": call.as_str(), "width": 320, "height": 240})
        );
        // A full second of flowing media: the pattern runs at 30 fps both ways.
        let stats = wait_for_event_where(events, "a second of media flowing both ways", |e| {
            matches!(e, CallEvent::CallStats { stats, .. } if stats.fps > 0.0 && stats.send_fps > 0.0)
        })
        .await;
        let CallEvent::CallStats { call_id, stats } = &stats else {
            unreachable!()
        };
        assert_eq!(call_id, &call);
        assert_eq!((stats.width, stats.height), (320, 240));
        assert!(stats.send_kbps > 0.0 && stats.recv_kbps > 0.0, "{stats:?}");
        assert!((0.0..=100.0).contains(&stats.loss_pct), "{stats:?}");
        assert!(stats.jitter_ms >= 0.0, "{stats:?}");
        assert_ne!(stats.quality, NetworkQuality::Unknown, "media flows");
        assert!(!stats.reconnecting, "the path is up: {stats:?}");
        let json = serde_json::to_value(CallEvent::CallStats {
            call_id: call_id.clone(),
            stats: *stats,
        })
        .unwrap();
        let mut keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "call_id",
                "event",
                "fps",
                "height",
                "jitter_ms",
                "loss_pct",
                "quality",
                "reconnecting",
                "recv_kbps",
                "rtt_ms",
                "send_fps",
                "send_kbps",
                "speaking",
                "video_paused_by_network",
                "width"
            ]
        );
        assert_eq!(json["event"], "CALL_STATS");
    }
    alice.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_that_cannot_start_is_reported_and_the_call_still_rings() {
    let (server, _dir) = start_server().await;
    let mut broken = MediaSetup::test_pattern_and_tone(440.0);
    // No source runs at 0 frames a second: CallMedia refuses to start. (The SDK refuses a size
    // no encoder takes before any call, with InvalidConfig.)
    broken.config.frame_rate = 0;
    let (alice, mut alice_events) = media_client(&server, "alice", broken).await;
    let (bob_setup, _, _) = probed(1000.0);
    let (_bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    let call = alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let failed = wait_for_event(&mut alice_events, "MEDIA_FAILED").await;
    let json = serde_json::to_value(&failed).unwrap();
    assert_eq!(json["call_id"], call.as_str());
    assert_eq!(json["what"], "start");
    assert!(
        json["reason"].as_str().unwrap().contains("frame rate 0"),
        "{json}"
    );
    invited(&mut bob_events).await;
    alice.cancel().await.unwrap();
}
