//! "You are muted" as the app's core sees it over the embedded server: in a call to the echo
//! contact with the microphone muted, the microphone is still measured (not sent), and the page's
//! once-a-second `stats` say `speaking` while the microphone hears a voice and not while it hears
//! silence.

use duet_app::backend::state::{AppState, Status};
use duet_app::backend::ui::Ui;
use duet_app::backend::Backend;
use duet_app::media::sources::SourceOverrides;
use duet_app::store::files::AppDirs;
use duet_callkit::CallType;
use duet_media::{AudioInput, AudioOutput, VideoInput};
use duet_testkit::wait_for_within;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Generous: these tests share two cores with builds; they wait for conditions, never time them.
const PATIENCE: Duration = Duration::from_secs(60);

/// The `stats` events the page was sent.
#[derive(Default)]
struct StatsUi {
    stats: Mutex<Vec<serde_json::Value>>,
}

impl Ui for StatsUi {
    fn emit(&self, event: &str, payload: serde_json::Value) {
        if event == "stats" {
            self.stats.lock().unwrap().push(payload);
        }
    }
    fn show_popup(&self, _show: bool) {}
    fn notify(&self, _title: &str, _body: &str) {}
    fn status_changed(&self, _state: &AppState) {}
}

/// A 48 kHz mono WAV, looped by the source: 3 s of silence, then 1 s of a 300 Hz tone at -12 dBFS
/// (a voice as a level detector hears it). Any one-second report inside the silence says no
/// speech; the seconds with the tone say speech.
fn write_voice_wav(path: &Path) {
    const RATE: u32 = 48_000;
    let mut samples = vec![0i16; 3 * RATE as usize];
    samples.extend((0..RATE).map(|i| {
        let phase = 2.0 * std::f64::consts::PI * 300.0 * f64::from(i) / f64::from(RATE);
        (8192.0 * phase.sin()) as i16
    }));
    let data_bytes = u32::try_from(samples.len() * 2).unwrap();
    let mut wav = Vec::with_capacity(44 + samples.len() * 2);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_bytes).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_bytes.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, wav).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voice_on_the_muted_microphone_is_reported_as_speaking_and_silence_is_not() {
    let home = tempfile::tempdir().unwrap();
    let wav = home.path().join("voice.wav");
    write_voice_wav(&wav);
    let dirs = AppDirs::create(home.path().join("config"), home.path().join("data")).unwrap();
    let ui = Arc::new(StatsUi::default());
    // This test never changes startAtLogin: the user's real autostart entry is not touched.
    let autostart = Arc::new(duet_app::backend::autostart::Unavailable(
        "not in this test".into(),
    ));
    let overrides = SourceOverrides {
        video: Some(VideoInput::None),
        audio: Some(AudioInput::WavFile { path: wav }),
        audio_out: Some(AudioOutput::Null),
        bind: Some("127.0.0.1".into()),
    };
    let app = Backend::new(dirs, overrides, 0, ui.clone(), autostart)
        .await
        .unwrap();
    app.start().await.unwrap();

    app.call("echo", CallType::Audio).await.unwrap();
    wait_for_within("the echo to answer", PATIENCE, || {
        app.state().status == Status::InCall
    })
    .await;
    app.set_muted(true).await.unwrap();
    wait_for_within("the call muted", PATIENCE, || {
        app.state().call.is_some_and(|call| call.muted)
    })
    .await;

    // Eight seconds of reports while muted: two turns of the file's 4 s loop.
    ui.stats.lock().unwrap().clear();
    wait_for_within("eight statistics reports while muted", PATIENCE, || {
        ui.stats.lock().unwrap().len() >= 8
    })
    .await;
    let stats = ui.stats.lock().unwrap().clone();
    let speaking: Vec<bool> = stats
        .iter()
        .map(|report| {
            report["speaking"]
                .as_bool()
                .unwrap_or_else(|| panic!("no speaking in {report}"))
        })
        .collect();
    assert!(
        speaking.iter().any(|s| *s),
        "the tone is heard while muted: {speaking:?}"
    );
    assert!(
        speaking.iter().any(|s| !*s),
        "the silence is not speech: {speaking:?}"
    );
    assert!(
        app.state().call.is_some_and(|call| call.muted),
        "still muted: measured, not sent"
    );

    app.hangup().await.unwrap();
    wait_for_within("the call to end", PATIENCE, || {
        app.state().status == Status::Idle
    })
    .await;
    app.shutdown().await;
}
