//! The settings screen's camera preview, before (stream 2) and after (stream 1) the filters, and
//! its microphone level meter, outside any call. During a call the call's own local preview feeds
//! stream 1 and the devices are the call's, so the preview does not open them a second time.

use crate::backend::device_state::{DeviceState, LocalDevices};
use crate::backend::state::Status;
use crate::backend::Backend;
use crate::error::{AppError, AppResult};
use crate::frames::Stream;
use crate::media::mic_meter::MicMeter;
use duet_call_media::{LocalPreview, PreviewSinks};
use duet_media::sink::VideoSink;
use std::sync::Mutex;

/// What runs while settings are open.
struct Running {
    camera: Option<LocalPreview>,
    _meter: MicMeter,
}

/// The preview, on or off; the backend owns it ([`Backend::set_preview`]).
#[derive(Default)]
pub struct Preview {
    running: Mutex<Option<Running>>,
    /// Its camera's and microphone's states while it runs (the page's `AppState::preview`).
    devices: Mutex<Option<LocalDevices>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Both slots are replaced whole; a panic cannot leave one half-set.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Preview {
    /// Starts (with the current device and resolution settings) or stops the preview. A camera
    /// that cannot open is reported as the error; the meter runs anyway.
    pub fn set(&self, backend: &Backend, on: bool) -> AppResult<()> {
        let mut running = lock(&self.running);
        *lock(&self.devices) = None;
        if let Some(old) = running.take() {
            if let Some(camera) = old.camera {
                camera.close();
            }
        }
        let in_call = matches!(backend.state().status, Status::InCall | Status::Calling);
        if !on || in_call {
            return Ok(());
        }
        let setup = backend.media().setup();
        *lock(&self.devices) = Some(LocalDevices::default());
        // The meter reports a microphone that does not open through
        // `Backend::preview_microphone_failed`, which lands in `microphone_failed`.
        let meter = MicMeter::start(setup.config.audio_input.clone(), backend.clone());
        let frames = backend.frames();
        let sinks = PreviewSinks {
            filtered: Some(Box::new(frames.sink(Stream::LocalFiltered)) as Box<dyn VideoSink>),
            unfiltered: Some(Box::new(frames.sink(Stream::LocalRaw)) as Box<dyn VideoSink>),
        };
        let (camera, result) = match LocalPreview::start(&setup, sinks) {
            Ok(camera) => (Some(camera), Ok(())),
            Err(error) => {
                if let Some(devices) = lock(&self.devices).as_mut() {
                    devices.camera = DeviceState::from_error(&error);
                }
                (None, Err(AppError::Media(error.to_string())))
            }
        };
        *running = Some(Running {
            camera,
            _meter: meter,
        });
        result
    }

    /// The preview's device states while it runs.
    pub fn devices(&self) -> Option<LocalDevices> {
        *lock(&self.devices)
    }

    /// Its microphone did not open (reported by the meter's thread).
    pub fn microphone_failed(&self, state: DeviceState) {
        if let Some(devices) = lock(&self.devices).as_mut() {
            devices.microphone = state;
        }
    }
}
