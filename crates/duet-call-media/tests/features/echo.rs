//! The echo peer: a client calling a `MediaSetup::echo` client sees its own test pattern and
//! hears its own tone come back through a real call.

use std::time::Duration;

use duet_call_media::MediaSetup;
use duet_callkit::CallType;
use duet_media::audio::analysis::{strongest_of, tone_level_db};

use crate::support::{media_client, probed};
use duet_testkit::{answered_call, start_server, wait_for};

const OWN_TONE: f32 = 440.0;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_echo_peer_sends_back_the_callers_own_pattern_and_tone() {
    let (server, _dir) = start_server().await;
    let (alice_setup, alice_video, alice_audio) = probed(OWN_TONE);
    let mut echo = MediaSetup::echo(Duration::from_millis(1000));
    echo.config.bind_address = "127.0.0.1".into();
    let (alice, _alice_events) = media_client(&server, "alice", alice_setup).await;
    let (echo_kit, mut echo_events) = media_client(&server, "echo", echo).await;

    answered_call(&alice, "echo", CallType::Video, &echo_kit, &mut echo_events).await;

    // Black frames come first (nothing to echo yet); then alice's own stamped pattern.
    let stamped = || {
        alice_video
            .stamps()
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
    };
    wait_for("30 echoed stamped frames", || stamped().len() >= 30).await;
    let numbers: Vec<u32> = stamped().iter().map(|s| s.frame_number).collect();
    assert!(
        numbers.windows(2).all(|w| w[1] >= w[0]),
        "echoed frame numbers go backwards: {numbers:?}"
    );
    assert!(
        numbers.last() > numbers.first(),
        "echo is frozen: {numbers:?}"
    );

    // Video is echoing, so the audio echo is due too: listen to half a second from now on.
    let from = alice_audio.sample_count();
    wait_for("half a second of echoed audio", || {
        alice_audio.sample_count() >= from + 24_000
    })
    .await;
    let pcm = alice_audio.samples();
    let heard = &pcm[from..from + 24_000];
    assert_eq!(strongest_of(heard, &[OWN_TONE, 1000.0]), Some(OWN_TONE));
    assert!(
        tone_level_db(heard, OWN_TONE) > -30.0,
        "own tone too quiet: {} dB",
        tone_level_db(heard, OWN_TONE)
    );
    alice.hangup().await.unwrap();
}
