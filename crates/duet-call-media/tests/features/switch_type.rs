//! switch_call_type over the real server: video to audio stops the cameras of both sides at
//! once (no video is sent any more), audio to video after consent opens them again.

use duet_callkit::{CallEvent, CallParams, CallType};
use futures_util::Stream;

use crate::support::{media_client, probed};
use duet_testkit::{
    answered_call, invited, start_server, wait_for, wait_for_event, wait_for_event_where,
};

/// Waits for a CALL_STATS whose last second carried no video either way.
async fn video_stopped(events: &mut (impl Stream<Item = CallEvent> + Unpin)) {
    wait_for_event_where(events, "a second without video either way", |event| {
        matches!(event, CallEvent::CallStats { stats, .. } if stats.fps == 0.0 && stats.send_fps == 0.0)
    })
    .await;
}

async fn type_changed(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> CallType {
    match wait_for_event(events, "CALL_TYPE_CHANGE").await {
        CallEvent::CallTypeChange { call_type, .. } => call_type,
        _ => unreachable!(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn video_to_audio_closes_both_cameras_and_back_to_video_reopens_them() {
    let (server, _dir) = start_server().await;
    let (alice_setup, alice_video, _) = probed(440.0);
    let (bob_setup, bob_video, _) = probed(1000.0);
    let (alice, mut alice_events) = media_client(&server, "alice", alice_setup).await;
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events).await;
    wait_for("10 video frames on both sides", || {
        alice_video.frames() >= 10 && bob_video.frames() >= 10
    })
    .await;

    alice.switch_call_type(CallType::Audio).await.unwrap();
    assert_eq!(type_changed(&mut alice_events).await, CallType::Audio);
    assert_eq!(type_changed(&mut bob_events).await, CallType::Audio);
    video_stopped(&mut alice_events).await;
    video_stopped(&mut bob_events).await;

    let (alice_seen, bob_seen) = (alice_video.frames(), bob_video.frames());
    alice.switch_call_type(CallType::Video).await.unwrap();
    wait_for_event(&mut bob_events, "SWITCH_REQUESTED").await;
    bob.answer_switch(true).await.unwrap();
    assert_eq!(type_changed(&mut alice_events).await, CallType::Video);
    assert_eq!(type_changed(&mut bob_events).await, CallType::Video);
    wait_for(
        "10 more video frames on both sides after the switch back",
        || alice_video.frames() >= alice_seen + 10 && bob_video.frames() >= bob_seen + 10,
    )
    .await;
    // The reopened pattern is decodable on both sides.
    for probe in [&alice_video, &bob_video] {
        assert!(
            probe.stamps().last().unwrap().is_some(),
            "damaged frame after the switch"
        );
    }
    alice.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answering_a_video_call_as_audio_opens_no_camera_on_either_side() {
    let (server, _dir) = start_server().await;
    let (alice_setup, alice_video, alice_audio) = probed(440.0);
    let (bob_setup, bob_video, bob_audio) = probed(1000.0);
    let (alice, mut alice_events) = media_client(&server, "alice", alice_setup).await;
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    bob.accept_as(&invite, CallType::Audio).await.unwrap();
    match wait_for_event(&mut alice_events, "USER_ACCEPT").await {
        CallEvent::UserAccept { call_type, .. } => assert_eq!(call_type, CallType::Audio),
        _ => unreachable!(),
    }
    // A second of audio each way: with a camera open, the first (key)frame would long be in.
    wait_for("a second of audio on both sides", || {
        alice_audio.sample_count() >= 48_000 && bob_audio.sample_count() >= 48_000
    })
    .await;
    assert_eq!(
        alice_video.frames() + bob_video.frames(),
        0,
        "video in an audio call"
    );
    alice.hangup().await.unwrap();
}
