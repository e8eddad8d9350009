//! The real microphone and speaker path: cpal's PulseAudio host capturing from and playing to a
//! PulseAudio server with virtual devices (a null sink as speaker; a remap of another null
//! sink's monitor as microphone), listed by the names the sound settings show. Skipped, with the reason printed, only if PulseAudio cannot
//! start on this machine.

mod common;

use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

use duet_media::audio::analysis::{strongest_of, tone_level_db};
use duet_media::devices::{list_microphones, list_speakers};
use duet_media::frame::{AudioFrame, SAMPLE_RATE};
use duet_media::sink::speaker::SpeakerSink;
use duet_media::sink::AudioSink;
use duet_media::source::microphone::MicrophoneSource;
use duet_media::source::tone::ToneSource;
use duet_media::source::AudioSource;
use duet_testkit::TempPulse;

const MIC_TONE: f32 = 523.0;
const SPEAKER_TONE: f32 = 784.0;

/// The private PulseAudio of this test: a null sink as speaker; a remap of another null sink's
/// monitor as microphone, fed by `pacat`.
fn start_pulse() -> Result<TempPulse, String> {
    TempPulse::start(&format!(
        "load-module module-null-sink sink_name=duet_speaker sink_properties='device.description=\"{SPEAKER_NAME}\"'\n\
         load-module module-null-sink sink_name=duet_mic_feed\n\
         load-module module-remap-source master=duet_mic_feed.monitor source_name=duet_mic source_properties='device.description=\"{MIC_NAME}\"'\n\
         set-default-sink duet_speaker\n\
         set-default-source duet_mic"
    ))
}

fn tone_bytes(hz: f32, blocks: usize) -> Vec<u8> {
    let mut tone = ToneSource::unpaced(hz);
    (0..blocks)
        .flat_map(|_| tone.next_frame().unwrap().samples)
        .flat_map(i16::to_le_bytes)
        .collect()
}

/// The names the virtual devices show in the sound settings, as a real card's would.
const SPEAKER_NAME: &str = "Desk Speaker";
const MIC_NAME: &str = "Desk Microphone";

/// The id of the device listed as `name`; it must be PulseAudio's device `pulse_name` (the
/// PulseAudio host, not ALSA's `pulse` plugin device).
fn pulse_device(
    devices: Vec<duet_media::devices::DeviceInfo>,
    name: &str,
    pulse_name: &str,
) -> String {
    let device = devices
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no device named {name:?} among {devices:?}"));
    assert_eq!(device.id, format!("pulseaudio:{pulse_name}"), "{devices:?}");
    device.id.clone()
}

fn microphone_id() -> String {
    let microphones = list_microphones();
    assert!(
        microphones.iter().all(|d| !d.id.ends_with(".monitor")),
        "monitors of outputs are not offered as microphones: {microphones:?}"
    );
    pulse_device(microphones, MIC_NAME, "duet_mic")
}

fn speaker_id() -> String {
    pulse_device(list_speakers(), SPEAKER_NAME, "duet_speaker")
}

#[test]
fn microphone_and_speaker_work_through_pulseaudio() {
    let server = match start_pulse() {
        Ok(server) => server,
        Err(reason) => {
            println!("skipped: PulseAudio cannot start here: {reason}");
            return;
        }
    };
    // cpal's PulseAudio host finds the server through this variable.
    std::env::set_var("PULSE_SERVER", server.server_address());
    assert_eq!(duet_media::devices::audio_system(), "PulseAudio");

    // Microphone: play a tone into the sink whose monitor the virtual microphone remaps.
    let mut feeder = server
        .tool(
            "pacat",
            &[
                "--playback",
                "--device=duet_mic_feed",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
            ],
        )
        .stdin(Stdio::piped())
        .spawn()
        .expect("pacat runs");
    let mut feed = feeder.stdin.take().unwrap();
    let feed_thread = std::thread::spawn(move || {
        let _ = feed.write_all(&tone_bytes(MIC_TONE, 400));
    });
    let mut mic = MicrophoneSource::open(Some(&microphone_id())).expect("microphone opens");
    let captured: Vec<i16> = (0..200)
        .flat_map(|_| mic.next_frame().unwrap().samples)
        .collect();
    drop(mic);
    let _ = feeder.kill();
    let _ = feeder.wait();
    let _ = feed_thread.join();
    let tail = &captured[captured.len() - 24_000..];
    assert_eq!(
        strongest_of(tail, &[MIC_TONE, SPEAKER_TONE]),
        Some(MIC_TONE)
    );
    let level = tone_level_db(tail, MIC_TONE);
    assert!(level > -18.0, "microphone tone at {level:.1} dB");

    // Speaker: play a tone and record the virtual speaker's monitor.
    let mut recorder = server
        .tool(
            "parec",
            &[
                "--device=duet_speaker.monitor",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--raw",
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("parec runs");
    let mut recorded_out = recorder.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = vec![0u8; 4 * 48_000 * 2];
        let _ = recorded_out.read_exact(&mut bytes);
        bytes
    });
    let mut speaker = SpeakerSink::open(Some(&speaker_id())).expect("speaker opens");
    let mut tone = ToneSource::new(SPEAKER_TONE);
    for _ in 0..450 {
        let frame: AudioFrame = tone.next_frame().unwrap();
        assert_eq!(frame.sample_rate, SAMPLE_RATE);
        speaker.write_audio(&frame).unwrap();
    }
    let bytes = reader.join().unwrap();
    drop(speaker);
    let _ = recorder.kill();
    let _ = recorder.wait();
    let played: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    // The monitor only records once the sink plays, and the ALSA pulse plugin starts a new
    // stream after a stall of up to ~2 s, so look at the loudest second rather than a fixed one.
    let loudest = played
        .chunks_exact(48_000)
        .max_by(|a, b| tone_level_db(a, SPEAKER_TONE).total_cmp(&tone_level_db(b, SPEAKER_TONE)))
        .expect("at least one second recorded");
    assert_eq!(
        strongest_of(loudest, &[MIC_TONE, SPEAKER_TONE]),
        Some(SPEAKER_TONE)
    );
    // The tone is generated at -12 dBFS; the path may resample but must not lose it.
    let level = tone_level_db(loudest, SPEAKER_TONE);
    assert!(level > -18.0, "speaker tone at {level:.1} dB");

    // A whole call: the caller's microphone is the virtual one (fed a tone), the callee plays
    // through the virtual speaker; the tone must come out of the far side's speaker.
    call_through_pulse_devices(&server);
}

fn call_through_pulse_devices(server: &TempPulse) {
    use common::{call_with, loopback_config};
    use duet_media::{AudioInput, AudioOutput, AudioQuality, ConnectionState, MediaEvent};
    use duet_testkit::recv_matching;

    let mut feeder = server
        .tool(
            "pacat",
            &[
                "--playback",
                "--device=duet_mic_feed",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
            ],
        )
        .stdin(Stdio::piped())
        .spawn()
        .expect("pacat runs");
    let mut feed = feeder.stdin.take().unwrap();
    let feed_thread = std::thread::spawn(move || {
        let _ = feed.write_all(&tone_bytes(MIC_TONE, 1200));
    });
    let mut recorder = server
        .tool(
            "parec",
            &[
                "--device=duet_speaker.monitor",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--raw",
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .expect("parec runs");
    let mut recorded_out = recorder.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut bytes = vec![0u8; 6 * 48_000 * 2];
        let _ = recorded_out.read_exact(&mut bytes);
        bytes
    });

    let mut caller = loopback_config(SPEAKER_TONE);
    caller.audio_input = AudioInput::Microphone {
        name: Some(microphone_id()),
    };
    // Echo cancellation on; noise suppression (speech preset) would treat a tone as noise.
    caller.audio_processing = true;
    caller.audio_quality = AudioQuality::Music;
    let mut callee = loopback_config(SPEAKER_TONE);
    callee.audio_output = AudioOutput::Speaker {
        name: Some(speaker_id()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (mut a, mut b) = call_with(caller, callee, false).await;
        let connected = |e: &MediaEvent| {
            matches!(
                e,
                MediaEvent::ConnectionState {
                    state: ConnectionState::Connected
                }
            )
        };
        recv_matching(
            &mut a.events,
            "the caller to connect",
            Duration::from_secs(20),
            connected,
        )
        .await;
        recv_matching(
            &mut b.events,
            "the callee to connect",
            Duration::from_secs(20),
            connected,
        )
        .await;
        a.media.release();
        b.media.release();
        let bytes = tokio::task::spawn_blocking(move || reader.join().unwrap())
            .await
            .unwrap();
        a.media.close().await.unwrap();
        b.media.close().await.unwrap();
        let played: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let loudest = played
            .chunks_exact(48_000)
            .max_by(|x, y| tone_level_db(x, MIC_TONE).total_cmp(&tone_level_db(y, MIC_TONE)))
            .expect("at least one second recorded");
        assert_eq!(
            strongest_of(loudest, &[MIC_TONE, SPEAKER_TONE]),
            Some(MIC_TONE)
        );
        let level = tone_level_db(loudest, MIC_TONE);
        assert!(
            level > -30.0,
            "microphone tone at the far speaker: {level:.1} dB"
        );
    });
    let _ = recorder.kill();
    let _ = recorder.wait();
    let _ = feeder.kill();
    let _ = feeder.wait();
    let _ = feed_thread.join();
}
