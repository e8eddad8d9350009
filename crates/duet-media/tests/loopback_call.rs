//! Two sessions in one process calling each other over 127.0.0.1 with real webrtc-rs,
//! DTLS-SRTP, VP8 and Opus.

mod common;

use std::time::Duration;

use common::{call, loopback_config};
use duet_media::audio::analysis::{strongest_of, tone_level_db};
use duet_media::{AudioInput, AudioOutput, ConnectionState, DeviceKind, MediaEvent, VideoInput};
use duet_testkit::{recv_matching, wait_for_within};

const CALLER_TONE: f32 = 440.0;
const CALLEE_TONE: f32 = 1000.0;
const SWITCHED_TONE: f32 = 660.0;
const LIMIT: Duration = Duration::from_secs(20);

fn connected(e: &MediaEvent) -> bool {
    matches!(
        e,
        MediaEvent::ConnectionState {
            state: ConnectionState::Connected
        }
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_flows_both_ways_only_after_release() {
    // The caller uses the 320x240 preset, the callee explicit videoWidth/videoHeight.
    let mut callee_config = loopback_config(CALLEE_TONE);
    callee_config.video_width = Some(480);
    callee_config.video_height = Some(272);
    let (mut a, mut b) = call(loopback_config(CALLER_TONE), callee_config).await;
    recv_matching(&mut a.events, "the caller to connect", LIMIT, connected).await;
    recv_matching(&mut b.events, "the callee to connect", LIMIT, connected).await;

    // Connected, nobody released: nothing may be decoded or played on either side.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        a.video.frames() + b.video.frames(),
        0,
        "video before release"
    );
    assert_eq!(
        a.audio.sample_count() + b.audio.sample_count(),
        0,
        "audio before release"
    );

    // Only the caller released: its media reaches the callee's transport (counted in stats)
    // but the callee neither plays it nor sends anything back.
    a.media.release();
    recv_matching(&mut b.events, "stats with video and audio received at the callee", LIMIT, |e| {
        matches!(e, MediaEvent::Stats { stats } if stats.video_recv_kbps > 0.0 && stats.audio_recv_kbps > 0.0)
    })
    .await;
    assert_eq!(b.video.frames(), 0, "callee decoded before its release");
    assert_eq!(
        b.audio.sample_count(),
        0,
        "callee played before its release"
    );
    assert_eq!(a.video.frames(), 0, "callee sent video before its release");
    assert_eq!(
        a.audio.sample_count(),
        0,
        "callee sent audio before its release"
    );

    b.media.release();
    let first = |e: &MediaEvent| matches!(e, MediaEvent::FirstRemoteVideoFrame { .. });
    let at_caller = recv_matching(
        &mut a.events,
        "the caller's first remote frame",
        LIMIT,
        first,
    )
    .await;
    let at_callee = recv_matching(
        &mut b.events,
        "the callee's first remote frame",
        LIMIT,
        first,
    )
    .await;
    assert_eq!(
        at_caller,
        MediaEvent::FirstRemoteVideoFrame {
            width: 480,
            height: 272
        }
    );
    assert_eq!(
        at_callee,
        MediaEvent::FirstRemoteVideoFrame {
            width: 320,
            height: 240
        }
    );
    wait_for_within("frames and audio both ways", LIMIT, || {
        a.video.frames() >= 45
            && b.video.frames() >= 45
            && a.audio.sample_count() >= 48_000
            && b.audio.sample_count() >= 48_000
    })
    .await;

    for (side, probe) in [("caller", &a.video), ("callee", &b.video)] {
        let stamps = probe.stamps();
        assert!(
            stamps.iter().all(Option::is_some),
            "{side} decoded a corrupt frame"
        );
        let numbers: Vec<u32> = stamps.iter().flatten().map(|s| s.frame_number).collect();
        assert!(
            numbers.windows(2).all(|w| w[1] > w[0]),
            "{side} frame numbers do not advance: {numbers:?}"
        );
    }
    for (probe, expected, other) in [
        (&a.audio, CALLEE_TONE, CALLER_TONE),
        (&b.audio, CALLER_TONE, CALLEE_TONE),
    ] {
        let pcm = probe.samples();
        let tail = &pcm[pcm.len() - 24_000..];
        assert_eq!(strongest_of(tail, &[expected, other]), Some(expected));
        assert!(tone_level_db(tail, expected) > -30.0, "tone too quiet");
        assert!(tone_level_db(tail, expected) - tone_level_db(tail, other) > 20.0);
    }

    // Mute and camera-off reach the far side.
    a.media.set_audio_enabled(false);
    recv_matching(
        &mut b.events,
        "the callee to hear the microphone go off",
        LIMIT,
        |e| *e == MediaEvent::RemoteAudioAvailable { available: false },
    )
    .await;
    a.media.set_video_enabled(false);
    recv_matching(
        &mut b.events,
        "the callee to see the camera go off",
        LIMIT,
        |e| *e == MediaEvent::RemoteVideoAvailable { available: false },
    )
    .await;
    a.media.set_video_enabled(true);
    recv_matching(
        &mut b.events,
        "the callee to see the camera come back",
        LIMIT,
        |e| *e == MediaEvent::RemoteVideoAvailable { available: true },
    )
    .await;

    // Stats arrive and show video coming in.
    let MediaEvent::Stats { stats } = recv_matching(
        &mut b.events,
        "stats with video received at the callee",
        LIMIT,
        |e| matches!(e, MediaEvent::Stats { stats } if stats.video_recv_kbps > 0.0),
    )
    .await
    else {
        unreachable!()
    };
    assert!((600..=900).contains(&stats.video_target_kbps));
    assert_eq!(stats.corrupt_frames, 0);
    assert!(a.signal_errors.lock().unwrap().is_empty());
    assert!(b.signal_errors.lock().unwrap().is_empty());

    a.media.close().await.unwrap();
    b.media.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_the_video_source_keeps_the_call() {
    let (mut a, mut b) = call(loopback_config(CALLER_TONE), loopback_config(CALLEE_TONE)).await;
    recv_matching(&mut a.events, "the caller to connect", LIMIT, connected).await;
    recv_matching(&mut b.events, "the callee to connect", LIMIT, connected).await;
    a.media.release();
    b.media.release();
    wait_for_within("10 frames at the callee", LIMIT, || b.video.frames() >= 10).await;

    // A fresh test pattern restarts frame numbers at 0: the far side must see that happen.
    a.media
        .set_video_source(&VideoInput::TestPattern)
        .await
        .unwrap();
    wait_for_within("the callee to see frame numbers restart", LIMIT, || {
        let numbers: Vec<u32> = b
            .video
            .stamps()
            .iter()
            .flatten()
            .map(|s| s.frame_number)
            .collect();
        numbers.windows(2).any(|w| w[1] < w[0]) && numbers.last().is_some_and(|&n| n >= 10)
    })
    .await;
    assert!(b.video.stamps().iter().all(Option::is_some));

    // ICE restarts from either side (the callee asks, the caller re-offers) keep media flowing.
    let (a_before, b_before) = (a.video.frames(), b.video.frames());
    a.media.restart_ice().await.unwrap();
    b.media.restart_ice().await.unwrap();
    wait_for_within("30 more frames both ways", LIMIT, || {
        a.video.frames() >= a_before + 30 && b.video.frames() >= b_before + 30
    })
    .await;
    assert!(
        a.signal_errors.lock().unwrap().is_empty(),
        "{:?}",
        a.signal_errors
    );
    assert!(
        b.signal_errors.lock().unwrap().is_empty(),
        "{:?}",
        b.signal_errors
    );
    let ufrags: Vec<String> = a
        .offers
        .lock()
        .unwrap()
        .iter()
        .filter_map(|sdp| {
            sdp.lines()
                .find(|l| l.starts_with("a=ice-ufrag:"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(ufrags.len(), 3, "initial offer plus two restart offers");
    assert!(
        ufrags[0] != ufrags[1] && ufrags[1] != ufrags[2],
        "restarts must change ICE credentials"
    );

    // Switching the microphone and the speaker mid-call: the caller's new tone comes out of
    // the callee's new sink, a WAV file.
    let wav = std::env::temp_dir().join(format!("duet-switch-{}.wav", std::process::id()));
    b.media
        .set_audio_sink(&AudioOutput::WavFile { path: wav.clone() })
        .await
        .unwrap();
    a.media
        .set_audio_source(&AudioInput::Tone {
            frequency_hz: SWITCHED_TONE,
        })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    b.media.set_audio_sink(&AudioOutput::Null).await.unwrap();
    let recorded: Vec<i16> = hound::WavReader::open(&wav)
        .unwrap()
        .into_samples::<i16>()
        .map(Result::unwrap)
        .collect();
    std::fs::remove_file(&wav).unwrap();
    assert!(
        recorded.len() >= 24_000,
        "only {} samples recorded",
        recorded.len()
    );
    let tail = &recorded[recorded.len() - 12_000..];
    assert_eq!(
        strongest_of(tail, &[CALLER_TONE, CALLEE_TONE, SWITCHED_TONE]),
        Some(SWITCHED_TONE)
    );

    // A camera that does not exist is reported, and the old source keeps running.
    let before = b.video.frames();
    assert!(a
        .media
        .set_video_source(&VideoInput::Camera { index: Some(77) })
        .await
        .is_err());
    recv_matching(
        &mut a.events,
        "the caller's missing camera reported",
        LIMIT,
        |e| {
            *e == MediaEvent::DeviceMissing {
                kind: DeviceKind::Camera,
            }
        },
    )
    .await;
    wait_for_within("10 more frames at the callee", LIMIT, || {
        b.video.frames() >= before + 10
    })
    .await;

    a.media.close().await.unwrap();
    b.media.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_devices_are_events_not_failures() {
    let mut config = loopback_config(CALLER_TONE);
    config.video_input = VideoInput::Camera { index: Some(9) };
    config.audio_input = duet_media::AudioInput::Microphone {
        name: Some("no such microphone".into()),
    };
    config.audio_output = duet_media::AudioOutput::Speaker {
        name: Some("no such speaker".into()),
    };
    let (media, mut events) = duet_media::CallMedia::start(config, duet_media::Role::Caller)
        .await
        .unwrap();
    for kind in [
        DeviceKind::Camera,
        DeviceKind::Microphone,
        DeviceKind::Speaker,
    ] {
        recv_matching(&mut events, "each missing device reported", LIMIT, |e| {
            *e == MediaEvent::DeviceMissing { kind }
        })
        .await;
    }
    // The session still produced its offer.
    recv_matching(&mut events, "the offer to send", LIMIT, |e| {
        matches!(
            e,
            MediaEvent::SignalToSend {
                signal: duet_media::MediaSignal::Offer { .. }
            }
        )
    })
    .await;
    media.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn media_survives_packet_loss_without_corrupt_frames() {
    // 5 % of packets dropped each way, media included.
    let relay = common::lossy::LossyRelay::new(50);
    let (mut a, mut b) = common::call_through(
        loopback_config(CALLER_TONE),
        loopback_config(CALLEE_TONE),
        relay.clone(),
    )
    .await;
    recv_matching(&mut a.events, "the caller to connect", LIMIT, connected).await;
    recv_matching(&mut b.events, "the callee to connect", LIMIT, connected).await;
    a.media.release();
    b.media.release();
    wait_for_within(
        "frames and two seconds of audio at the callee",
        LIMIT,
        || b.video.frames() >= 60 && b.audio.sample_count() >= 96_000,
    )
    .await;
    assert!(relay.dropped.load(std::sync::atomic::Ordering::Relaxed) > 10);

    // Lost packets never cost a damaged picture.
    let stamps = b.video.stamps();
    assert!(stamps.iter().all(Option::is_some), "corrupt frame decoded");
    let numbers: Vec<u32> = stamps.iter().flatten().map(|s| s.frame_number).collect();
    assert!(numbers.windows(2).all(|w| w[1] > w[0]));
    // NACK retransmissions fill most gaps, so most pictures sent arrive. Without waiting for
    // them (dropping every frame with a lost packet until a keyframe) about half did.
    let span = numbers.last().unwrap_or(&0) - numbers.first().unwrap_or(&0) + 1;
    assert!(
        numbers.len() as u32 * 4 >= span * 3,
        "only {} of {span} pictures arrived",
        numbers.len()
    );
    // Concealment keeps the tone audible.
    let pcm = b.audio.samples();
    let tail = &pcm[pcm.len() - 48_000..];
    assert_eq!(
        strongest_of(tail, &[CALLER_TONE, CALLEE_TONE]),
        Some(CALLER_TONE)
    );
    // The receiver's statistics show the loss.
    recv_matching(
        &mut b.events,
        "stats showing loss at the callee",
        LIMIT,
        |e| matches!(e, MediaEvent::Stats { stats } if stats.recv_loss > 0.0),
    )
    .await;
    // So do the sender's, though both sides send media: webrtc-rs reads the send loss only
    // from standalone receiver reports, which a side that sends media does not send.
    recv_matching(
        &mut a.events,
        "stats showing the send loss at the caller",
        LIMIT,
        |e| matches!(e, MediaEvent::Stats { stats } if stats.send_loss > 0.0),
    )
    .await;

    a.media.close().await.unwrap();
    b.media.close().await.unwrap();
}
