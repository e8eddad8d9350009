//! nertc-call's configuration reaching the media of SDK calls, as the peer receives it: the
//! video size (the `resolution` preset, or `video_width` x `video_height`), the bitrate ceiling
//! and the audio quality.

use duet_callkit::{AudioQuality, CallEvent, CallType, MediaStats};
use futures_util::Stream;

use crate::support::{media_client, media_client_with, probed};
use duet_testkit::{answered_call, start_server, wait_for_event, wait_for_event_where};

fn first_frame(event: &CallEvent) -> (u32, u32) {
    match event {
        CallEvent::FirstRemoteFrame { width, height, .. } => (*width, *height),
        other => unreachable!("a FIRST_REMOTE_FRAME event: {other:?}"),
    }
}

/// `samples` seconds of statistics in which media flowed both ways all second long (the
/// second in which it started is skipped: it flowed only part of it).
async fn full_seconds(
    events: &mut (impl Stream<Item = CallEvent> + Unpin),
    samples: usize,
) -> Vec<MediaStats> {
    let flowing = |stats: &MediaStats| stats.send_kbps > 0.0 && stats.recv_kbps > 0.0;
    let mut seen = Vec::new();
    let mut skipped = false;
    while seen.len() < samples {
        let event = wait_for_event_where(
            events,
            "a second of media both ways",
            |e| matches!(e, CallEvent::CallStats { stats, .. } if flowing(stats)),
        )
        .await;
        let CallEvent::CallStats { stats, .. } = event else {
            unreachable!("waited for CALL_STATS")
        };
        if skipped {
            seen.push(stats);
        }
        skipped = true;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_peer_decodes_the_preset_or_the_explicit_size() {
    let (server, _dir) = start_server().await;
    let (alice_setup, _, _) = probed(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, mut alice_events) = media_client_with(&server, "alice", alice_setup, |c| {
        c.video_width = Some(480);
        c.video_height = Some(360);
    })
    .await;
    // Bob sends the `Sd` preset, 320x240.
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events).await;

    let at_bob = wait_for_event(&mut bob_events, "FIRST_REMOTE_FRAME").await;
    assert_eq!(first_frame(&at_bob), (480, 360));
    let at_alice = wait_for_event(&mut alice_events, "FIRST_REMOTE_FRAME").await;
    assert_eq!(first_frame(&at_alice), (320, 240));
    alice.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_bitrate_caps_the_video_each_side_sends() {
    let (server, _dir) = start_server().await;
    let (alice_setup, _, _) = probed(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, mut alice_events) = media_client_with(&server, "alice", alice_setup, |c| {
        c.min_bitrate = 60;
        c.max_bitrate = 120;
    })
    .await;
    let (bob, mut bob_events) = media_client_with(&server, "bob", bob_setup, |c| {
        c.min_bitrate = 1500;
        c.max_bitrate = 2500;
    })
    .await;

    answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events).await;

    // Each second Alice sees both directions over the same interval: her video capped at
    // 120 kbps against Bob's at 1500 or more (the pattern at 320x240 takes about 1000; Alice's
    // encoder overshoots a low cap to about 250 with the audio). With equal caps the two match.
    // Three seconds smooth out a key frame.
    let seconds = full_seconds(&mut alice_events, 3).await;
    let sent: f64 = seconds.iter().map(|s| s.send_kbps).sum();
    let received: f64 = seconds.iter().map(|s| s.recv_kbps).sum();
    assert!(
        received > 2.0 * sent,
        "Alice sent {sent:.0} kbit and received {received:.0} kbit over 3 s: {seconds:?}"
    );
    alice.hangup().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_quality_high_sends_music_coding_and_standard_speech_coding() {
    let (server, _dir) = start_server().await;
    let (alice_setup, _, _) = probed(440.0);
    let (bob_setup, _, _) = probed(1000.0);
    let (alice, mut alice_events) = media_client_with(&server, "alice", alice_setup, |c| {
        c.audio_quality = AudioQuality::High;
    })
    .await;
    // Bob keeps the kit's speech coding.
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    answered_call(&alice, "bob", CallType::Audio, &bob, &mut bob_events).await;

    // Music is Opus at 96 kbps, speech at 32 kbps; a steady tone keeps both at their rate.
    let seconds = full_seconds(&mut alice_events, 2).await;
    let sent: f64 = seconds.iter().map(|s| s.send_kbps).sum();
    let received: f64 = seconds.iter().map(|s| s.recv_kbps).sum();
    assert!(
        sent > 2.0 * received,
        "music {sent:.0} kbit against speech {received:.0} kbit over 2 s: {seconds:?}"
    );
    alice.hangup().await.unwrap();
}
