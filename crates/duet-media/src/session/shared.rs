//! State shared by a call's tasks and threads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::UnboundedSender;
use webrtc::data_channel::DataChannel;

use super::audio_send::AudioCommand;
use super::events::{MediaEvent, Role};
use super::video_capture::VideoCommand;
use crate::config::MediaConfig;
use crate::error::{DeviceKind, MediaError};
use crate::sink::latest_frame::LatestFrameSink;
use crate::sink::{AudioSink, VideoSink};

/// Counters the stats task turns into rates.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub frames_encoded: AtomicU64,
    pub frames_decoded: AtomicU64,
    pub corrupt_frames: AtomicU64,
    pub video_bytes_sent: AtomicU64,
    pub video_bytes_received: AtomicU64,
    pub audio_bytes_sent: AtomicU64,
    pub audio_bytes_received: AtomicU64,
}

/// Where decoded video goes: always the latest-frame slot, plus one optional extra sink.
pub(crate) struct VideoOutputs {
    pub latest: LatestFrameSink,
    pub extra: Option<Box<dyn VideoSink>>,
}

/// Where the caller is in offer/answer: one offer at a time, restarts queued behind it.
#[derive(Debug, Default)]
pub(crate) struct OfferState {
    pub awaiting_answer: bool,
    pub restart_queued: bool,
}

pub(crate) struct Shared {
    pub role: Role,
    pub config: MediaConfig,
    pub events: UnboundedSender<MediaEvent>,
    pub runtime: tokio::runtime::Handle,
    pub released: AtomicBool,
    pub closed: AtomicBool,
    pub counters: Counters,
    /// The video capture thread's inbox (it owns the state of what video is sent).
    pub video_commands: std::sync::mpsc::Sender<VideoCommand>,
    pub video_outputs: Mutex<VideoOutputs>,
    pub audio_sink: Mutex<Box<dyn AudioSink>>,
    pub control_channel: Mutex<Option<Arc<dyn DataChannel>>>,
    pub availability: tokio::sync::watch::Sender<(bool, bool)>,
    /// The audio capture thread's inbox (it owns the state of what audio is sent).
    pub audio_commands: std::sync::mpsc::Sender<AudioCommand>,
    pub offer_state: Mutex<OfferState>,
    /// Flips to true once on close, waking tasks that would otherwise wait forever.
    pub shutdown: tokio::sync::watch::Sender<bool>,
}

impl Shared {
    pub fn emit(&self, event: MediaEvent) {
        // The receiver is gone only when the SDK dropped the session; nothing to tell then.
        let _ = self.events.send(event);
    }

    /// Marks the session closed and wakes every task waiting in [`Shared::wait_closed`].
    pub fn mark_closed(&self) -> bool {
        let was_closed = self.closed.swap(true, Ordering::AcqRel);
        self.shutdown.send_replace(true);
        was_closed
    }

    /// Resolves once the session is closed.
    pub async fn wait_closed(&self) {
        let mut rx = self.shutdown.subscribe();
        // An error means the sender is gone, which also means closed.
        let _ = rx.wait_for(|closed| *closed).await;
    }

    pub fn is_released(&self) -> bool {
        self.released.load(Ordering::Acquire) && !self.closed.load(Ordering::Acquire)
    }

    /// Reports a device problem as the matching event.
    pub fn report_device(&self, error: &MediaError, fallback: DeviceKind) {
        match error {
            MediaError::DeviceMissing(kind) => self.emit(MediaEvent::DeviceMissing { kind: *kind }),
            MediaError::Device { kind, reason } => self.emit(MediaEvent::DeviceError {
                kind: *kind,
                reason: reason.clone(),
            }),
            other => self.emit(MediaEvent::DeviceError {
                kind: fallback,
                reason: other.to_string(),
            }),
        }
    }

    /// Publishes whether our audio is available (the audio capture thread's half of the state).
    pub fn set_audio_available(&self, audio: bool) {
        self.availability.send_if_modified(|state| {
            let changed = state.0 != audio;
            state.0 = audio;
            changed
        });
    }

    /// Publishes whether our video is available (the capture thread's half of the state).
    pub fn set_video_available(&self, video: bool) {
        self.availability.send_if_modified(|state| {
            let changed = state.1 != video;
            state.1 = video;
            changed
        });
    }

    /// Sends the audio capture thread `command`; false when the thread has ended.
    pub fn send_audio(&self, command: AudioCommand) -> bool {
        self.audio_commands.send(command).is_ok()
    }

    /// Tells the video capture thread to make its next frame a keyframe.
    pub fn request_keyframe(&self) {
        self.send_video(VideoCommand::RequestKeyframe);
    }

    /// Sends the video capture thread `command`; false when the thread has ended.
    pub fn send_video(&self, command: VideoCommand) -> bool {
        self.video_commands.send(command).is_ok()
    }
}

/// Locks a std mutex, recovering the data if a panicking thread poisoned it (the guarded
/// values stay consistent between statements).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
