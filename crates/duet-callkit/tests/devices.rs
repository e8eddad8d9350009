//! Devices, the speaker and the peer's audio through the SDK: the engine's list, choices kept
//! across calls and logins, handed to each call's media as it starts and to the running call
//! as they change; ids the engine cannot take are refused.

mod support;

use duet_callkit::{
    CallKit, CallKitConfig, CallKitError, CallParams, CallType, DeviceKind, MediaChoices, NoMedia,
};
use duet_testkit::{add_user, client, invited, start_server, wait_for};
use std::sync::Arc;
use support::recording_media::RecordingMedia;

#[tokio::test]
async fn choices_made_before_login_start_the_call_and_changes_reach_it() {
    let (fx, _dir) = start_server().await;
    let media = RecordingMedia::default();
    let token = add_user(&fx, "alice").await;
    let config = CallKitConfig::new(&fx.ws_url(), "demo", "alice", &token);
    let alice = CallKit::with_media(config, Arc::new(media.clone())).unwrap();
    assert_eq!(alice.devices(DeviceKind::Speaker)[0].id, "speaker-1");
    // Not logged in: the choices are kept for the calls to come.
    alice
        .select_device(DeviceKind::Camera, "camera-2")
        .await
        .unwrap();
    alice.set_remote_audio_muted(true).await.unwrap();
    let refused = alice
        .select_device(DeviceKind::Microphone, "webcam")
        .await
        .unwrap_err();
    assert_eq!(
        refused,
        CallKitError::InvalidArgument("microphone `webcam`: not a microphone".into())
    );
    let wanted = MediaChoices {
        camera: Some("camera-2".into()),
        remote_audio_muted: true,
        ..MediaChoices::default()
    };
    assert_eq!(alice.media_choices(), wanted);
    alice.login().await.unwrap();

    let (bob, mut bob_events) = client(&fx, "bob", None).await;
    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    wait_for("the call's media to start", || {
        !media.started_with.lock().unwrap().is_empty()
    })
    .await;
    assert_eq!(media.started_with.lock().unwrap()[0], wanted);

    let invite = invited(&mut bob_events).await;
    bob.accept(&invite).await.unwrap();
    alice.set_speaker_enabled(false).await.unwrap();
    alice
        .select_device(DeviceKind::Microphone, "microphone-1")
        .await
        .unwrap();
    alice.set_remote_audio_muted(false).await.unwrap();
    let tail: Vec<String> = media
        .log()
        .into_iter()
        .filter(|line| {
            line.starts_with("speaker:")
                || line.starts_with("device:")
                || line.starts_with("remote_muted:")
        })
        .collect();
    assert_eq!(
        tail,
        [
            "speaker:false",
            "device:microphone:microphone-1",
            "remote_muted:false"
        ]
    );
    // The next call starts with every choice made so far.
    assert_eq!(
        alice.media_choices(),
        MediaChoices {
            camera: Some("camera-2".into()),
            microphone: Some("microphone-1".into()),
            speaker_enabled: false,
            ..MediaChoices::default()
        }
    );
    alice.hangup().await.unwrap();
}

#[tokio::test]
async fn a_signaling_only_client_has_no_devices_to_choose() {
    let kit = CallKit::with_media(
        CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "t"),
        Arc::new(NoMedia),
    )
    .unwrap();
    assert!(kit.devices(DeviceKind::Camera).is_empty());
    assert_eq!(
        kit.select_device(DeviceKind::Camera, "camera:0")
            .await
            .unwrap_err(),
        CallKitError::InvalidArgument("camera `camera:0`: this media engine has no camera".into())
    );
    assert_eq!(kit.media_choices(), MediaChoices::default());
}
