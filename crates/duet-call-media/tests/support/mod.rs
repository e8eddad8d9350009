//! SDK clients with real media on a test server (duet-testkit), and probes of what they receive.
#![allow(dead_code)]

use std::sync::Arc;

use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{AudioQuality, CallId, CallKit, CallKitConfig, Resolution};
pub use duet_media::sink::probe::{PcmProbe, StampProbe};
use duet_media::sink::{AudioSink, VideoSink};
use duet_server::RunningServer;
use duet_testkit::{client_with, Events};

/// Creates `account` on `server` and logs it in with media from `setup`, sending 320x240 video
/// and speech-coded audio (light enough for two calls on two cores).
pub async fn media_client(
    server: &RunningServer,
    account: &str,
    setup: MediaSetup,
) -> (CallKit, Events) {
    media_client_with(server, account, setup, |_| {}).await
}

/// Like [`media_client`], with `edit` changing the SDK's configuration last.
pub async fn media_client_with(
    server: &RunningServer,
    account: &str,
    setup: MediaSetup,
    edit: impl FnOnce(&mut CallKitConfig),
) -> (CallKit, Events) {
    client_with(server, account, |mut config| {
        config.resolution = Resolution::Sd;
        config.audio_quality = AudioQuality::Standard;
        edit(&mut config);
        CallKit::with_media(config, Arc::new(DuetMediaEngine::new(setup))).unwrap()
    })
    .await
}

/// A test-pattern-and-tone setup whose remote media goes into the returned probes.
pub fn probed(tone_hz: f32) -> (MediaSetup, StampProbe, PcmProbe) {
    let (video, audio) = (StampProbe::default(), PcmProbe::default());
    let (v, a) = (video.clone(), audio.clone());
    let setup = MediaSetup::test_pattern_and_tone(tone_hz)
        .with_video_sink(Arc::new(move |_: &CallId| {
            Ok(Box::new(v.clone()) as Box<dyn VideoSink>)
        }))
        .with_audio_sink(Arc::new(move |_: &CallId| {
            Ok(Box::new(a.clone()) as Box<dyn AudioSink>)
        }));
    (setup, video, audio)
}
