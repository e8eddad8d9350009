//! What a call's tasks and threads share: the fixed facts of the session, the inboxes of the
//! threads that own its moving parts, its phase, and statistics counters. Nothing in here is
//! control state two threads write: each thread owns its own and takes commands.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::mpsc::UnboundedSender;

use super::audio_playout::PlayoutCommand;
use super::audio_send::AudioCommand;
use super::control::Availability;
use super::events::{MediaEvent, Role};
use super::lane::{Lane, VideoCounters};
use super::video_capture::VideoCommand;
use super::video_decode::DecodeCommand;
use crate::config::MediaConfig;
use crate::error::{DeviceKind, MediaError};

/// Counters the stats task turns into rates.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub camera: VideoCounters,
    pub screen: VideoCounters,
    pub corrupt_frames: AtomicU64,
    pub audio_bytes_sent: AtomicU64,
    pub audio_bytes_received: AtomicU64,
    /// The microphone heard speech since the last statistics report (measured muted or not).
    pub local_speech: AtomicBool,
}

/// Where the session is in its life. Only [`super::CallMedia`] moves it, and only forward:
/// `release()` to `Released`, `close()` (or drop) to `Closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Connecting while it rings: nothing is sent, decoded or played.
    Ringing,
    /// Answered: media flows.
    Released,
    /// Closed: every task ends.
    Closed,
}

/// Where the caller is in offer/answer: one offer at a time, the next one queued behind it.
#[derive(Debug, Default)]
pub(crate) struct OfferState {
    pub awaiting_answer: bool,
    pub queued: Option<Queued>,
}

/// An offer wanted while another awaits its answer.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Queued {
    /// It must restart ICE (else it renegotiates tracks only).
    pub ice_restart: bool,
}

pub(crate) struct Shared {
    pub role: Role,
    pub config: MediaConfig,
    pub events: UnboundedSender<MediaEvent>,
    pub runtime: tokio::runtime::Handle,
    pub counters: Counters,
    /// The send-side bandwidth estimate (bits per second, 0 until known), from the peer
    /// connection's congestion control.
    pub estimate: super::estimate::SharedEstimate,
    /// The loss the estimator measured: the path's own, and the last second's (`bandwidth.rs`).
    pub path_loss: super::bandwidth::SharedPathLoss,
    /// The camera's capture thread's inbox (it owns the state of what video is sent).
    pub video_commands: std::sync::mpsc::Sender<VideoCommand>,
    /// The screen's capture thread's inbox (what is shared, if anything).
    pub screen_commands: std::sync::mpsc::Sender<VideoCommand>,
    /// The audio capture thread's inbox (it owns the state of what audio is sent).
    pub audio_commands: std::sync::mpsc::Sender<AudioCommand>,
    /// The camera's decode thread's inbox (it owns the decoder and where remote video goes).
    pub decode_commands: crossbeam_channel::Sender<DecodeCommand>,
    /// The far side's shared screen's decode thread's inbox.
    pub screen_decode_commands: crossbeam_channel::Sender<DecodeCommand>,
    /// The audio playout thread's inbox (it owns the jitter buffer and where remote audio goes).
    pub playout_commands: crossbeam_channel::Sender<PlayoutCommand>,
    /// Whether our audio, video and shared screen are available, as the capture threads
    /// publish it; each control data channel's task sends it to the far side.
    pub availability: tokio::sync::watch::Sender<Availability>,
    pub offer_state: Mutex<OfferState>,
    /// The session's phase, written only by `CallMedia`; tasks await its changes (release, and
    /// close, which wakes tasks that would otherwise wait forever).
    pub phase: tokio::sync::watch::Sender<Phase>,
}

/// The receiving ends of the threads' inboxes, each for the thread that owns it.
pub(crate) struct Inboxes {
    pub video: std::sync::mpsc::Receiver<VideoCommand>,
    pub screen: std::sync::mpsc::Receiver<VideoCommand>,
    pub audio: std::sync::mpsc::Receiver<AudioCommand>,
    pub decode: crossbeam_channel::Receiver<DecodeCommand>,
    pub screen_decode: crossbeam_channel::Receiver<DecodeCommand>,
    pub playout: crossbeam_channel::Receiver<PlayoutCommand>,
}

impl Counters {
    /// The counters of one video lane.
    pub fn video(&self, lane: Lane) -> &VideoCounters {
        match lane {
            Lane::Camera => &self.camera,
            Lane::Screen => &self.screen,
        }
    }
}

impl Shared {
    /// A ringing session's shared part, and the inboxes of the threads still to start.
    pub fn new(
        role: Role,
        config: MediaConfig,
        events: UnboundedSender<MediaEvent>,
        runtime: tokio::runtime::Handle,
    ) -> (Self, Inboxes) {
        let (video_commands, video) = std::sync::mpsc::channel();
        let (screen_commands, screen) = std::sync::mpsc::channel();
        let (audio_commands, audio) = std::sync::mpsc::channel();
        let (decode_commands, decode) = crossbeam_channel::unbounded();
        let (screen_decode_commands, screen_decode) = crossbeam_channel::unbounded();
        let (playout_commands, playout) = crossbeam_channel::unbounded();
        let shared = Self {
            role,
            config,
            events,
            runtime,
            counters: Counters::default(),
            estimate: Default::default(),
            path_loss: Default::default(),
            video_commands,
            screen_commands,
            audio_commands,
            decode_commands,
            screen_decode_commands,
            playout_commands,
            availability: tokio::sync::watch::Sender::new(Availability::default()),
            offer_state: Mutex::new(OfferState::default()),
            phase: tokio::sync::watch::Sender::new(Phase::Ringing),
        };
        let inboxes = Inboxes {
            video,
            screen,
            audio,
            decode,
            screen_decode,
            playout,
        };
        (shared, inboxes)
    }

    pub fn emit(&self, event: MediaEvent) {
        // The receiver is gone only when the SDK dropped the session; nothing to tell then.
        let _ = self.events.send(event);
    }

    /// Moves a ringing session to `Released` (a released or closed one stays as it is).
    pub fn mark_released(&self) {
        self.phase.send_if_modified(|phase| {
            let ringing = *phase == Phase::Ringing;
            if ringing {
                *phase = Phase::Released;
            }
            ringing
        });
    }

    /// Marks the session closed and wakes every task waiting in [`Shared::wait_closed`]; true
    /// when it was closed already.
    pub fn mark_closed(&self) -> bool {
        self.phase.send_replace(Phase::Closed) == Phase::Closed
    }

    /// Resolves once the session is closed.
    pub async fn wait_closed(&self) {
        let mut rx = self.phase.subscribe();
        // An error means the sender is gone, which also means closed.
        let _ = rx.wait_for(|phase| *phase == Phase::Closed).await;
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
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

    /// Publishes whether our audio is available (the audio capture thread's part of the state).
    pub fn set_audio_available(&self, audio: bool) {
        self.availability.send_if_modified(|state| {
            let changed = state.audio != audio;
            state.audio = audio;
            changed
        });
    }

    /// Publishes whether a video lane is sending, and whether it would be but for a network
    /// pause (its capture thread's part of the state; only the camera pauses).
    pub fn set_lane_available(&self, lane: Lane, available: bool, network_paused: bool) {
        self.availability.send_if_modified(|state| {
            let before = *state;
            match lane {
                Lane::Camera => {
                    state.video = available;
                    state.video_paused = network_paused;
                }
                Lane::Screen => state.screen = available,
            }
            *state != before
        });
    }

    /// Sends the audio capture thread `command`; false when the thread has ended.
    pub fn send_audio(&self, command: AudioCommand) -> bool {
        self.audio_commands.send(command).is_ok()
    }

    /// Tells every thread of the session to end (one that ended already needs no telling).
    pub fn stop_threads(&self) {
        self.send_lane(Lane::Camera, VideoCommand::Stop);
        self.send_lane(Lane::Screen, VideoCommand::Stop);
        self.send_audio(AudioCommand::Stop);
        let _ = self.decode_commands.send(DecodeCommand::Stop);
        let _ = self.screen_decode_commands.send(DecodeCommand::Stop);
        let _ = self.playout_commands.send(PlayoutCommand::Stop);
    }

    /// Tells one lane's capture thread to make its next frame a keyframe.
    pub fn request_lane_keyframe(&self, lane: Lane) {
        self.send_lane(lane, VideoCommand::RequestKeyframe);
    }

    /// Sends the camera's capture thread `command`; false when the thread has ended.
    pub fn send_video(&self, command: VideoCommand) -> bool {
        self.send_lane(Lane::Camera, command)
    }

    /// Sends one lane's capture thread `command`; false when the thread has ended.
    pub fn send_lane(&self, lane: Lane, command: VideoCommand) -> bool {
        match lane {
            Lane::Camera => self.video_commands.send(command).is_ok(),
            Lane::Screen => self.screen_commands.send(command).is_ok(),
        }
    }

    /// One lane's decode thread's inbox.
    pub fn decode_lane(&self, lane: Lane) -> &crossbeam_channel::Sender<DecodeCommand> {
        match lane {
            Lane::Camera => &self.decode_commands,
            Lane::Screen => &self.screen_decode_commands,
        }
    }
}

/// Locks a std mutex, recovering the data if a panicking thread poisoned it (the guarded
/// values stay consistent between statements).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A session's shared part for unit tests of the threads that own its parts.
#[cfg(test)]
pub(crate) fn for_test(runtime: &tokio::runtime::Runtime) -> (std::sync::Arc<Shared>, Inboxes) {
    let (events, _) = tokio::sync::mpsc::unbounded_channel();
    let config = MediaConfig {
        resolution: crate::config::Resolution::Low,
        ..MediaConfig::default()
    };
    let (shared, inboxes) = Shared::new(Role::Caller, config, events, runtime.handle().clone());
    (std::sync::Arc::new(shared), inboxes)
}
