//! The one error type of duet-media.

use std::path::PathBuf;

/// Everything that can go wrong in capture, coding, processing or the peer connection.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// A frame or buffer has a size or layout the operation cannot use.
    #[error("invalid frame: {0}")]
    InvalidFrame(String),
    /// A configuration value is out of range or inconsistent.
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    /// A media file could not be opened, read or written.
    #[error("file {path}: {reason}")]
    File {
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A file ended; sources that loop never return this.
    #[error("end of stream")]
    EndOfStream,
    /// No capture or playback device of the requested kind exists.
    #[error("no {0} device found")]
    DeviceMissing(DeviceKind),
    /// A device exists but failed to open or stopped working.
    #[error("{kind} device error: {reason}")]
    Device {
        /// The kind of device that failed.
        kind: DeviceKind,
        /// What the platform layer said.
        reason: String,
    },
    /// libvpx or libopus reported an error.
    #[error("{codec} error: {reason}")]
    Codec {
        /// "vp8" or "opus".
        codec: &'static str,
        /// The library's message.
        reason: String,
    },
    /// The audio processing module (AEC/NS/AGC) or resampler failed.
    #[error("audio processing error: {0}")]
    AudioProcessing(String),
    /// webrtc-rs rejected an operation.
    #[error("webrtc error: {0}")]
    WebRtc(String),
    /// A remote signal could not be applied (bad SDP or candidate, wrong state).
    #[error("signal error: {0}")]
    Signal(String),
    /// The session was closed; no further operations are possible.
    #[error("media session closed")]
    Closed,
    /// A screen share cannot start (the call is not answered yet, the screen cannot be read).
    #[error("screen share: {0}")]
    ScreenShare(String),
}

/// The kinds of device Duet captures from or plays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// A video capture device.
    Camera,
    /// An audio capture device.
    Microphone,
    /// An audio playback device.
    Speaker,
    /// A screen or window being shared.
    Screen,
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
            DeviceKind::Speaker => "speaker",
            DeviceKind::Screen => "screen",
        })
    }
}

impl From<webrtc::error::Error> for MediaError {
    fn from(error: webrtc::error::Error) -> Self {
        MediaError::WebRtc(error.to_string())
    }
}

impl MediaError {
    /// The sentence a user is shown: a screen share's own reason as it is ("the shared window
    /// was closed"), any other error as it displays.
    pub fn reason(&self) -> String {
        match self {
            MediaError::ScreenShare(reason) => reason.clone(),
            other => other.to_string(),
        }
    }

    /// Wraps an I/O or format error on `path`.
    pub fn file(path: impl Into<PathBuf>, reason: impl std::fmt::Display) -> Self {
        MediaError::File {
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}

/// Result with [`MediaError`].
pub type MediaResult<T> = Result<T, MediaError>;
