//! Two SDK clients with real media call each other through the real server on 127.0.0.1: the
//! test pattern and the tones must cross in both directions, and only after the answer.

mod support;

use duet_callkit::{CallParams, CallStatus, CallType};
use duet_media::audio::analysis::{strongest_of, tone_level_db};
use duet_testkit::{invited, record_status, start_server, wait_for, wait_for_event};
use support::{media_client, probed};

const CALLER_TONE: f32 = 440.0;
const CALLEE_TONE: f32 = 1000.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_call_carries_pattern_and_tone_both_ways_after_accept() {
    let (server, _dir) = start_server().await;
    let (alice_setup, alice_video, alice_audio) = probed(CALLER_TONE);
    let (bob_setup, bob_video, bob_audio) = probed(CALLEE_TONE);
    let (alice, mut alice_events) = media_client(&server, "alice", alice_setup).await;
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    // Ringing: both media sessions negotiate, but nothing is decoded or played yet.
    assert_eq!(
        alice_video.frames() + bob_video.frames(),
        0,
        "video before accept"
    );
    assert_eq!(
        alice_audio.sample_count() + bob_audio.sample_count(),
        0,
        "audio before accept"
    );

    bob.accept(&invite).await.unwrap();
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    wait_for("30 frames and a second of audio on both sides", || {
        alice_video.frames() >= 30
            && bob_video.frames() >= 30
            && alice_audio.sample_count() >= 48_000
            && bob_audio.sample_count() >= 48_000
    })
    .await;

    for (side, probe) in [("alice", &alice_video), ("bob", &bob_video)] {
        let stamps = probe.stamps();
        assert!(
            stamps.iter().all(Option::is_some),
            "{side} decoded a damaged frame"
        );
        let numbers: Vec<u32> = stamps.iter().flatten().map(|s| s.frame_number).collect();
        assert!(
            numbers.windows(2).all(|w| w[1] > w[0]),
            "{side} frame numbers do not advance: {numbers:?}"
        );
    }
    for (side, probe, expected, own) in [
        ("alice", &alice_audio, CALLEE_TONE, CALLER_TONE),
        ("bob", &bob_audio, CALLER_TONE, CALLEE_TONE),
    ] {
        let pcm = probe.samples();
        let tail = &pcm[pcm.len() - 24_000..];
        assert_eq!(
            strongest_of(tail, &[expected, own]),
            Some(expected),
            "{side}"
        );
        assert!(
            tone_level_db(tail, expected) > -30.0,
            "{side} hears the tone too quietly"
        );
        assert!(
            tone_level_db(tail, expected) - tone_level_db(tail, own) > 20.0,
            "{side} hears its own tone"
        );
    }

    alice.hangup().await.unwrap();
    assert_eq!(
        record_status(&mut alice_events).await,
        CallStatus::Completed
    );
    wait_for_event(&mut bob_events, "CALL_END").await;
    // The record is written when it is announced (MESSAGE_SENT, after CALL_END); a history read
    // between the two could miss it.
    assert_eq!(record_status(&mut bob_events).await, CallStatus::Completed);
    for kit in [&alice, &bob] {
        let history = kit.history(None, None).await.unwrap();
        assert_eq!(history.records.len(), 1, "one record per call");
        assert_eq!(history.records[0].status, CallStatus::Completed);
    }
}
