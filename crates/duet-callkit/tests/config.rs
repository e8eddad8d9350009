//! nertc-call's configuration fields that signaling carries, against the real `duet-server`:
//! `openCamera` / `openMicrophone` (the peer is told), `nickName` (the callee sees it),
//! `checkSum` (refused when the server's safe mode disagrees), `debug` and `uid` (the logs).

mod support;

use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallKitError, CallParams, CallType};
use duet_testkit::{
    answered_call, client, client_with, invited, start_server, wait_for_event, Events,
};
use std::sync::Arc;
use std::time::Duration;
use support::recording_media::RecordingMedia;

/// The peer's AUDIO_AVAILABLE and VIDEO_AVAILABLE, in that order.
async fn peer_media(events: &mut Events) -> (bool, bool) {
    let CallEvent::AudioAvailable {
        available: audio, ..
    } = wait_for_event(events, "AUDIO_AVAILABLE").await
    else {
        unreachable!("waited for AUDIO_AVAILABLE")
    };
    let CallEvent::VideoAvailable {
        available: video, ..
    } = wait_for_event(events, "VIDEO_AVAILABLE").await
    else {
        unreachable!("waited for VIDEO_AVAILABLE")
    };
    (audio, video)
}

#[tokio::test]
async fn open_microphone_and_open_camera_off_start_the_call_off_and_tell_the_peer() {
    let (fx, _dir) = start_server().await;
    let media = RecordingMedia::default();
    let (alice, mut alice_events) = client_with(&fx, "alice", {
        let media = media.clone();
        move |mut config| {
            config.open_microphone = false;
            CallKit::with_media(config, Arc::new(media)).unwrap()
        }
    })
    .await;
    let (bob, mut bob_events) = client_with(&fx, "bob", |mut config| {
        config.open_camera = false;
        CallKit::new(config).unwrap()
    })
    .await;

    alice
        .call(CallParams::new("bob", CallType::Video))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    // The caller's media session opened without the microphone.
    assert!(
        media.log().iter().any(|line| line == "audio:false"),
        "{:?}",
        media.log()
    );
    assert!(!media.log().iter().any(|line| line == "audio:true"));
    bob.accept(&invite).await.unwrap();

    // Each side learns the other's switches at the answer.
    assert_eq!(peer_media(&mut bob_events).await, (false, true));
    assert_eq!(peer_media(&mut alice_events).await, (true, false));
    let at_alice = alice.current_call().unwrap().media;
    assert_eq!((at_alice.local_audio, at_alice.local_video), (false, true));
    assert_eq!(
        (at_alice.remote_audio, at_alice.remote_video),
        (true, false)
    );
    let at_bob = bob.current_call().unwrap().media;
    assert_eq!((at_bob.local_audio, at_bob.local_video), (true, false));
    assert_eq!((at_bob.remote_audio, at_bob.remote_video), (false, true));

    // A switch during the call still works from there.
    alice.mute_local_audio(false).await.unwrap();
    assert_eq!(peer_media(&mut bob_events).await, (true, true));
    alice.hangup().await.unwrap();
}

#[tokio::test]
async fn both_on_by_default_sends_no_media_notice_at_the_answer() {
    let (fx, _dir) = start_server().await;
    let (alice, mut alice_events) = client(&fx, "alice", None).await;
    let (bob, mut bob_events) = client(&fx, "bob", None).await;
    answered_call(&alice, "bob", CallType::Video, &bob, &mut bob_events).await;
    wait_for_event(&mut alice_events, "USER_ACCEPT").await;
    // The peer takes both as on until told; the first media notice is this mute.
    bob.mute_local_audio(true).await.unwrap();
    assert_eq!(peer_media(&mut alice_events).await, (false, true));
    alice.hangup().await.unwrap();
}

#[tokio::test]
async fn the_callee_sees_the_nick_name_or_else_the_accounts_nickname() {
    let (fx, _dir) = start_server().await;
    // The testkit gives every account the nickname "<account> nick" on the server.
    let (alice, _alice_events) = client_with(&fx, "alice", |mut config| {
        config.nick_name = "Alice Liddell".into();
        CallKit::new(config).unwrap()
    })
    .await;
    let (carol, _carol_events) = client(&fx, "carol", None).await;
    let (bob, mut bob_events) = client(&fx, "bob", None).await;

    alice
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    assert_eq!(invite.caller.account.as_str(), "alice");
    assert_eq!(invite.caller.nick, "Alice Liddell");
    bob.reject(&invite).await.unwrap();

    carol
        .call(CallParams::new("bob", CallType::Audio))
        .await
        .unwrap();
    let invite = invited(&mut bob_events).await;
    assert_eq!(invite.caller.nick, "carol nick");
    bob.reject(&invite).await.unwrap();
}

#[test]
fn every_server_url_must_be_a_websocket_url() {
    let mut config = CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "t");
    config.other_server_urls = vec![
        "wss://b.example.com/ws".into(),
        "https://c.example.com".into(),
    ];
    let refused = CallKit::new(config.clone()).err().unwrap().to_string();
    assert!(
        refused.contains("other_server_urls") && refused.contains("https://c.example.com"),
        "{refused}"
    );
    config.other_server_urls.pop();
    assert_eq!(
        config.server_urls().collect::<Vec<_>>(),
        ["ws://127.0.0.1:1/ws", "wss://b.example.com/ws"]
    );
    CallKit::new(config).expect("two WebSocket URLs are a valid configuration");
}

#[test]
fn a_nick_name_the_server_would_refuse_is_refused_before_login() {
    let mut config = CallKitConfig::new("ws://127.0.0.1:1/ws", "demo", "alice", "t");
    config.nick_name = "a".repeat(65);
    let refused = CallKit::new(config.clone()).err().unwrap().to_string();
    assert!(
        refused.contains("nick_name") && refused.contains("64"),
        "{refused}"
    );
    config.nick_name = "Bank\nsupport".into();
    let refused = CallKit::new(config).err().unwrap().to_string();
    assert!(refused.contains("control characters"), "{refused}");
}

#[tokio::test]
async fn check_sum_that_disagrees_with_the_servers_safe_mode_is_refused_at_login() {
    let (fx, _dir) = start_server().await;
    // The kit's app has safe mode on (the server's default).
    let token = duet_testkit::add_user(&fx, "alice").await;
    let mut config =
        CallKitConfig::new(&fx.ws_url(), duet_testkit::server::APP_KEY, "alice", &token);
    config.check_sum = false;
    let kit = CallKit::new(config.clone()).unwrap();
    assert_eq!(
        kit.login().await.unwrap_err(),
        CallKitError::SafeModeMismatch {
            check_sum: false,
            server_safe_mode: true
        }
    );
    assert_eq!(kit.hangup().await.unwrap_err(), CallKitError::NotLoggedIn);
    config.check_sum = true;
    assert!(
        CallKit::new(config)
            .unwrap()
            .login()
            .await
            .unwrap()
            .safe_mode
    );

    // An app without safe mode: only check_sum false logs in.
    fx.admin().add_app("open", false).await.unwrap();
    let token = fx
        .admin()
        .add_user("open", "bob", "Bob", Duration::from_secs(3600))
        .await
        .unwrap();
    let mut config = CallKitConfig::new(&fx.ws_url(), "open", "bob", &token);
    let refused = CallKit::new(config.clone())
        .unwrap()
        .login()
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "safe mode mismatch: check_sum is true, but the server's safe mode for this app is off"
    );
    config.check_sum = false;
    let session = CallKit::new(config).unwrap().login().await.unwrap();
    assert!(!session.safe_mode);
}
