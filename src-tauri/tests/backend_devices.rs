//! A machine whose camera and microphone are missing, as the app's core sees it over the embedded
//! server: the settings preview and the echo call say which device is missing (from the media's
//! own reports), the devices are turned off so the echo shows its avatar, and the network grade
//! never claims a quality while no media flows.

use duet_app::backend::device_state::{DeviceState, LocalDevices};
use duet_app::backend::state::{AppState, Status};
use duet_app::backend::ui::Ui;
use duet_app::backend::Backend;
use duet_app::media::sources::SourceOverrides;
use duet_app::store::files::AppDirs;
use duet_callkit::CallType;
use duet_media::{AudioInput, AudioOutput, VideoInput};
use duet_testkit::wait_for_within;
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

/// A camera index and a microphone name no machine has: missing on every machine.
fn missing_devices() -> SourceOverrides {
    SourceOverrides {
        video: Some(VideoInput::Camera { index: Some(97) }),
        audio: Some(AudioInput::Microphone {
            name: Some("duet-test-no-such-microphone".into()),
        }),
        audio_out: Some(AudioOutput::Null),
        bind: Some("127.0.0.1".into()),
    }
}

const NONE_FOUND: LocalDevices = LocalDevices {
    camera: DeviceState::NotFound,
    microphone: DeviceState::NotFound,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_devices_are_said_in_the_preview_and_the_call_and_no_media_is_not_graded() {
    let home = tempfile::tempdir().unwrap();
    let dirs = AppDirs::create(home.path().join("config"), home.path().join("data")).unwrap();
    let ui = Arc::new(StatsUi::default());
    // This test never changes startAtLogin: the user's real autostart entry is not touched.
    let autostart = Arc::new(duet_app::backend::autostart::Unavailable(
        "not in this test".into(),
    ));
    let app = Backend::new(dirs, missing_devices(), 0, ui.clone(), autostart)
        .await
        .unwrap();
    app.start().await.unwrap();

    // Settings: the preview cannot open the camera, and its meter not the microphone.
    assert!(app.set_preview(true).is_err(), "no camera to preview");
    wait_for_within("the preview's device states", PATIENCE, || {
        app.state().preview == Some(NONE_FOUND)
    })
    .await;
    app.set_preview(false).unwrap();
    wait_for_within("no preview, no states", PATIENCE, || {
        app.state().preview.is_none()
    })
    .await;

    // The echo call: both devices reported missing, turned off (so the echo, which mirrors the
    // caller, announces its camera off too and the page shows its avatar).
    app.call("echo", CallType::Video).await.unwrap();
    wait_for_within("the echo to answer", PATIENCE, || {
        app.state().status == Status::InCall
    })
    .await;
    wait_for_within("the call's device states", PATIENCE, || {
        app.state()
            .call
            .is_some_and(|call| call.devices == NONE_FOUND)
    })
    .await;
    wait_for_within(
        "the devices turned off and the echo mirroring it",
        PATIENCE,
        || {
            app.state()
                .call
                .is_some_and(|call| !call.camera_on && call.muted && !call.remote_video)
        },
    )
    .await;

    // Nothing is sent, nothing comes back: once the echo's last packets (silence sent before it
    // heard that the caller has no microphone) have left the grading window, every report of
    // the call grades `unknown`.
    wait_for_within("the echo's microphone off", PATIENCE, || {
        app.state().call.is_some_and(|call| !call.remote_audio)
    })
    .await;
    wait_for_within("a report with nothing received", PATIENCE, || {
        ui.stats.lock().unwrap().last().is_some_and(|report| {
            report["recvKbps"].as_f64() == Some(0.0) && report["quality"] == "unknown"
        })
    })
    .await;
    ui.stats.lock().unwrap().clear();
    wait_for_within("four statistics reports", PATIENCE, || {
        ui.stats.lock().unwrap().len() >= 4
    })
    .await;
    let stats = ui.stats.lock().unwrap().clone();
    for report in &stats {
        assert_eq!(report["recvKbps"].as_f64(), Some(0.0), "{report}");
        assert_eq!(report["quality"], "unknown", "no media, no grade: {report}");
    }

    app.hangup().await.unwrap();
    wait_for_within("the call to end", PATIENCE, || {
        app.state().status == Status::Idle
    })
    .await;
    app.shutdown().await;
}
