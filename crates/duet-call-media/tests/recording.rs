//! `MediaSetup::record_video_to` (what duet-cli's `--video testsrc --record-video FILE` builds):
//! a call through the real server on 127.0.0.1 leaves a Y4M file of the peer's test pattern.

mod support;

use std::path::Path;

use duet_call_media::MediaSetup;
use duet_callkit::CallType;
use duet_media::source::test_pattern::decode_stamp;
use duet_media::source::y4m::Y4mSource;
use duet_testkit::{answered_call, start_server, wait_for, wait_for_event};
use support::media_client;

/// The stamps of every complete frame in the Y4M file at `path` (empty if it has no header yet).
fn recorded_stamps(path: &Path) -> Vec<Option<u32>> {
    let Ok(mut source) = Y4mSource::open(path) else {
        return Vec::new();
    };
    // The recorder may be writing the last frame right now: stop at the first incomplete one.
    std::iter::from_fn(|| source.read_frame().ok())
        .map(|frame| decode_stamp(&frame).map(|s| s.frame_number))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_call_holds_the_peers_test_pattern() {
    let (server, dir) = start_server().await;
    let recording = dir.path().join("from-bob.y4m");
    let alice_setup = MediaSetup::test_pattern_and_tone(440.0).record_video_to(recording.clone());
    let (alice, mut alice_events) = media_client(&server, "alice", alice_setup).await;
    let (bob, mut bob_events) =
        media_client(&server, "bob", MediaSetup::test_pattern_and_tone(1000.0)).await;

    answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    wait_for("30 stamped frames in the recording", || {
        recorded_stamps(&recording).len() >= 30
    })
    .await;
    bob.hangup().await.unwrap();
    wait_for_event(&mut alice_events, "CALL_END").await;

    let source = Y4mSource::open(&recording).unwrap();
    assert_eq!((source.header().width, source.header().height), (320, 240));
    let stamps = recorded_stamps(&recording);
    assert!(stamps.len() >= 30);
    assert!(
        stamps.iter().all(Option::is_some),
        "a recorded frame is not the peer's pattern"
    );
    let numbers: Vec<u32> = stamps.into_iter().flatten().collect();
    assert!(
        numbers.windows(2).all(|w| w[1] > w[0]),
        "recorded frame numbers do not advance: {numbers:?}"
    );
}
