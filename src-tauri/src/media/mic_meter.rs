//! The settings screen's microphone level meter: the configured microphone (or test source),
//! opened while settings are open, its peak level sent to the page every 100 ms.

use crate::backend::device_state::DeviceState;
use crate::backend::Backend;
use duet_media::source::open_audio_input;
use duet_media::AudioInput;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

/// 10 ms blocks per reported level.
const BLOCKS_PER_REPORT: usize = 10;

/// A running meter; stops on drop. Its thread alone owns the microphone; this handle holds the
/// sending end of the thread's stop channel, and closing it is what stops the thread.
pub struct MicMeter {
    /// Dropped to stop the thread; the thread checks before each 10 ms block.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl MicMeter {
    /// Opens `input` and reports its level as `mic-level { level }` (0..1, peak over 100 ms).
    /// A microphone that cannot open is reported once as level 0, logged, and its state given to
    /// the backend (the page's `AppState::preview`).
    pub fn start(input: AudioInput, backend: Backend) -> Self {
        let (stop, stopped) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("duet-mic-meter".into())
            .spawn(move || run(input, backend, &stopped))
            .map_err(|error| tracing::warn!(%error, "mic meter thread"))
            .ok();
        Self {
            stop: Some(stop),
            thread,
        }
    }
}

fn run(input: AudioInput, backend: Backend, stop: &Receiver<()>) {
    let mut source = match open_audio_input(&input) {
        Ok(Some(source)) => source,
        Ok(None) => return,
        Err(error) => {
            tracing::info!(%error, "no microphone for the level meter");
            backend.emit_level(0.0);
            backend.preview_microphone_failed(DeviceState::from_error(&error));
            return;
        }
    };
    let mut peak = 0i32;
    let mut blocks = 0;
    // The source blocks until each 10 ms block is ready, so a stop is seen within 10 ms.
    while let Err(TryRecvError::Empty) = stop.try_recv() {
        match source.next_frame() {
            Ok(frame) => {
                let block_peak = frame
                    .samples
                    .iter()
                    .map(|s| i32::from(*s).abs())
                    .max()
                    .unwrap_or(0);
                peak = peak.max(block_peak);
                blocks += 1;
                if blocks == BLOCKS_PER_REPORT {
                    let level = f64::from(peak) / f64::from(i16::MAX);
                    backend.emit_level(level.min(1.0));
                    peak = 0;
                    blocks = 0;
                }
            }
            Err(error) => {
                tracing::info!(%error, "microphone stopped");
                return;
            }
        }
    }
}

impl Drop for MicMeter {
    fn drop(&mut self) {
        // Closing the channel is the stop command.
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
