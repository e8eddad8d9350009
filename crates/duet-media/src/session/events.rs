//! What a media session tells the SDK.

use serde::{Deserialize, Serialize};

use crate::error::DeviceKind;
use crate::signal::MediaSignal;

/// The two ends of a call; only the caller makes offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Placed the call; sends the offer.
    Caller,
    /// Received the call; answers.
    Callee,
}

/// State of the peer connection, as the SDK shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    /// Not started.
    New,
    /// ICE/DTLS in progress.
    Connecting,
    /// Media can flow.
    Connected,
    /// The path broke; ICE may recover or restart.
    Disconnected,
    /// The path is gone; an ICE restart is under way.
    Failed,
    /// Closed by either side.
    Closed,
}

/// Once-a-second call statistics.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct CallStats {
    /// Video sent, kbps over the last interval.
    pub video_send_kbps: f64,
    /// Video received, kbps over the last interval.
    pub video_recv_kbps: f64,
    /// Audio sent, kbps.
    pub audio_send_kbps: f64,
    /// Audio received, kbps.
    pub audio_recv_kbps: f64,
    /// Frames encoded per second.
    pub send_fps: f64,
    /// Frames decoded per second.
    pub recv_fps: f64,
    /// Current VP8 target bitrate, kbps.
    pub video_target_kbps: u32,
    /// Round-trip time from RTCP or ICE, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Fraction of our video the far side reports lost (0..=1).
    pub send_loss: f64,
    /// Fraction of incoming packets lost (0..=1).
    pub recv_loss: f64,
    /// Interarrival jitter of incoming audio, milliseconds.
    pub jitter_ms: f64,
    /// Decoded frames whose picture was damaged (test pattern only) or failed to decode.
    pub corrupt_frames: u64,
    /// The microphone heard speech during the interval, whether muted or not
    /// (audio::speech::SpeechDetector).
    #[serde(default)]
    pub local_speech: bool,
    /// Our shared screen sent, kbps (0 when not sharing).
    #[serde(default)]
    pub screen_send_kbps: f64,
    /// The far side's shared screen received, kbps.
    #[serde(default)]
    pub screen_recv_kbps: f64,
    /// Screen frames encoded per second (an unchanged screen sends none).
    #[serde(default)]
    pub screen_send_fps: f64,
    /// Screen frames decoded per second.
    #[serde(default)]
    pub screen_recv_fps: f64,
    /// The screen encoder's target bitrate, kbps (0 when not sharing).
    #[serde(default)]
    pub screen_target_kbps: u32,
    /// Our camera is paused because the path cannot carry minBitrate (`video_pause.rs`).
    #[serde(default)]
    pub video_paused_by_network: bool,
}

/// Everything a [`super::CallMedia`] reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum MediaEvent {
    /// Relay this to the other party with `call.signal`.
    SignalToSend {
        /// The payload.
        signal: MediaSignal,
    },
    /// The peer connection changed state.
    ConnectionState {
        /// The new state.
        state: ConnectionState,
    },
    /// The first remote picture was decoded (after release).
    FirstRemoteVideoFrame {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The first picture of the far side's shared screen was decoded (after each start).
    FirstRemoteScreenFrame {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The far side started (true) or stopped (false) sharing a screen or window:
    /// SCREEN_SHARE_STARTED / SCREEN_SHARE_STOPPED.
    RemoteScreenShare {
        /// Whether the far side is sharing now.
        sharing: bool,
    },
    /// Our own screen share ended without being asked to (the shared window was closed, the
    /// display went away, capture failed); the call goes on.
    ScreenShareEnded {
        /// What happened, in English.
        reason: String,
    },
    /// The far side's microphone is sending (true) or muted/absent (false): AUDIO_AVAILABLE.
    RemoteAudioAvailable {
        /// Whether audio is available.
        available: bool,
    },
    /// The far side's camera is sending (true) or off/absent (false): VIDEO_AVAILABLE.
    RemoteVideoAvailable {
        /// Whether video is available.
        available: bool,
    },
    /// Our camera stopped sending because the path cannot carry minBitrate (true), or sends
    /// again (false: a trial began, or the user turned the camera off, which ends the network's
    /// pause). Tell the far side: it sees VIDEO_AVAILABLE false with reason network.
    VideoPausedByNetwork {
        /// Whether video is paused by the network now.
        paused: bool,
    },
    /// Statistics of the last second.
    Stats {
        /// The numbers.
        stats: CallStats,
    },
    /// A requested device does not exist; the call goes on without it.
    DeviceMissing {
        /// Which kind.
        kind: DeviceKind,
    },
    /// A device failed while in use; the call goes on without it.
    DeviceError {
        /// Which kind.
        kind: DeviceKind,
        /// What failed.
        reason: String,
    },
}
