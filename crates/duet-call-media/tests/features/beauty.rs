//! Beauty through the SDK: `CallKit::set_beauty_level` reaches the filter of a running call
//! from the next frame (seen in the local preview, which shows what is encoded), levels persist
//! into the next call, and `LocalPreview` filters the camera outside any call.

use duet_call_media::{LocalPreview, MediaSetup, PreviewSinks};
use duet_callkit::{CallEvent, CallKitError, CallType};
use duet_media::{AudioInput, AudioOutput, MediaConfig, Resolution, VideoInput};

use crate::frames::{preview_sink, write_skin_y4m, Luma, LumaLog};
use crate::support::{media_client, media_client_with, probed};
use duet_testkit::{answered_call, start_server, wait_for, wait_for_event};

/// Noisy skin from a file, previews before and after the filters into the two logs.
fn skin_setup(path: &std::path::Path, filtered: &LumaLog, unfiltered: &LumaLog) -> MediaSetup {
    MediaSetup::from_config(MediaConfig {
        resolution: Resolution::Low,
        video_input: VideoInput::Y4mFile {
            path: path.to_owned(),
        },
        audio_input: AudioInput::Tone {
            frequency_hz: 440.0,
        },
        audio_output: AudioOutput::Null,
        bind_address: "127.0.0.1".into(),
        audio_processing: false,
        ..MediaConfig::default()
    })
    .with_local_preview(filtered.factory())
    .with_unfiltered_preview(unfiltered.factory())
}

/// Beauty 9 at least halves the luma variance of noisy skin (the unit tests of the stage
/// show the same bound; the noise is +-12 around a flat tone, all of it high frequency).
fn smoothed(after: Luma, before: Luma) -> bool {
    after.variance < before.variance * 0.5
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_level_change_reaches_the_running_call_and_persists_into_the_next() {
    let (server, dir) = start_server().await;
    let y4m = dir.path().join("skin.y4m");
    write_skin_y4m(&y4m, 4);
    let (filtered, unfiltered) = (LumaLog::default(), LumaLog::default());
    let (alice, mut alice_events) =
        media_client(&server, "alice", skin_setup(&y4m, &filtered, &unfiltered)).await;
    let (bob_setup, _, _) = probed(1000.0);
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    let call = answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events)
        .await
        .call_id;
    wait_for("10 encoded frames at level 0", || {
        filtered.of(&call).len() >= 10
    })
    .await;
    // Level 0: what is encoded is exactly what was captured.
    let (after, before) = (filtered.of(&call), unfiltered.of(&call));
    for (i, f) in after.iter().enumerate() {
        assert_eq!(*f, before[i], "frame {i} changed at level 0");
    }

    assert!(matches!(
        alice.set_beauty_level(10),
        Err(CallKitError::InvalidArgument(_))
    ));
    let seen = filtered.of(&call).len();
    alice.set_beauty_level(9).unwrap();
    wait_for("10 encoded frames at level 9", || {
        filtered.of(&call).len() >= seen + 10
    })
    .await;
    let (after, before) = (filtered.of(&call), unfiltered.of(&call));
    // Frame `seen` may have been in the filter while the level changed; every later one was
    // filtered at 9.
    for i in seen + 1..after.len() {
        assert!(
            smoothed(after[i], before[i]),
            "frame {i} not smoothed: {:?} vs {:?}",
            after[i],
            before[i]
        );
    }

    alice.hangup().await.unwrap();
    wait_for_event(&mut alice_events, "CALL_END").await;
    wait_for_event(&mut bob_events, "CALL_END").await;

    // Set between calls: the next call starts with both levels.
    alice.set_whiteness_level(9).unwrap();
    let second = answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events)
        .await
        .call_id;
    wait_for("10 encoded frames of the second call", || {
        filtered.of(&second).len() >= 10
    })
    .await;
    let (after, before) = (filtered.of(&second), unfiltered.of(&second));
    for (i, f) in after.iter().enumerate() {
        assert!(smoothed(*f, before[i]), "call 2 frame {i} not smoothed");
        assert!(f.mean > before[i].mean, "call 2 frame {i} not whitened");
    }
    alice.hangup().await.unwrap();
    assert!(matches!(
        wait_for_event(&mut alice_events, "CALL_END").await,
        CallEvent::CallEnd { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configured_levels_apply_from_the_first_frame_of_the_first_call() {
    let (server, dir) = start_server().await;
    let y4m = dir.path().join("skin.y4m");
    write_skin_y4m(&y4m, 4);
    let (filtered, unfiltered) = (LumaLog::default(), LumaLog::default());
    let setup = skin_setup(&y4m, &filtered, &unfiltered);
    let (alice, mut alice_events) = media_client_with(&server, "alice", setup, |config| {
        config.beauty_level = 9;
        config.whiteness_level = 9;
    })
    .await;
    let (bob_setup, _, _) = probed(1000.0);
    let (bob, mut bob_events) = media_client(&server, "bob", bob_setup).await;

    let call = answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events)
        .await
        .call_id;
    wait_for("10 encoded frames", || filtered.of(&call).len() >= 10).await;
    let (after, before) = (filtered.of(&call), unfiltered.of(&call));
    for (i, f) in after.iter().enumerate() {
        assert!(smoothed(*f, before[i]), "frame {i} not smoothed");
        assert!(f.mean > before[i].mean, "frame {i} not whitened");
    }
    alice.hangup().await.unwrap();
    wait_for_event(&mut alice_events, "CALL_END").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_preview_filters_the_source_outside_a_call_until_closed() {
    let dir = tempfile::tempdir().unwrap();
    let y4m = dir.path().join("skin.y4m");
    write_skin_y4m(&y4m, 4);
    let (filtered, unfiltered) = (LumaLog::default(), LumaLog::default());
    let setup = skin_setup(&y4m, &LumaLog::default(), &LumaLog::default());
    let preview = LocalPreview::start(
        &setup,
        PreviewSinks {
            filtered: Some(preview_sink(&filtered)),
            unfiltered: Some(preview_sink(&unfiltered)),
        },
    )
    .unwrap();
    wait_for("5 preview frames at level 0", || filtered.all().len() >= 5).await;
    assert!(preview.is_running());
    assert_eq!(filtered.all()[..5], unfiltered.all()[..5], "level 0");

    let seen = filtered.all().len();
    setup.beauty().set_beauty_level(9).unwrap();
    wait_for("5 preview frames at level 9", || {
        filtered.all().len() >= seen + 5
    })
    .await;
    let (after, before) = (filtered.all(), unfiltered.all());
    for i in seen + 1..after.len() {
        assert!(smoothed(after[i], before[i]), "preview frame {i}");
    }

    preview.close();

    let no_video = MediaSetup::test_pattern_and_tone(440.0);
    let mut config = no_video.config.clone();
    config.video_input = VideoInput::None;
    assert!(
        LocalPreview::start(&MediaSetup::from_config(config), PreviewSinks::default()).is_err()
    );
}
