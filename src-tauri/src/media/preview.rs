//! The settings screen's camera preview, before (stream 2) and after (stream 1) the filters, and
//! its microphone level meter, outside any call. During a call the call's own local preview feeds
//! stream 1 and the devices are the call's, so the preview does not open them a second time.

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
}

impl Preview {
    /// Starts (with the current device and resolution settings) or stops the preview. A camera
    /// that cannot open is reported as the error; the meter runs anyway.
    pub fn set(&self, backend: &Backend, on: bool) -> AppResult<()> {
        let mut running = self
            .running
            .lock()
            // The slot holds a whole preview or none; a panic cannot leave it half-set.
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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
        let meter = MicMeter::start(setup.config.audio_input.clone(), backend.clone());
        let frames = backend.frames();
        let sinks = PreviewSinks {
            filtered: Some(Box::new(frames.sink(Stream::LocalFiltered)) as Box<dyn VideoSink>),
            unfiltered: Some(Box::new(frames.sink(Stream::LocalRaw)) as Box<dyn VideoSink>),
        };
        let (camera, result) = match LocalPreview::start(&setup, sinks) {
            Ok(camera) => (Some(camera), Ok(())),
            Err(error) => (None, Err(AppError::Media(error.to_string()))),
        };
        *running = Some(Running {
            camera,
            _meter: meter,
        });
        result
    }
}
