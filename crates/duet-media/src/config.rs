//! Settings of one call's media, mirroring nertc-call's options.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{MediaError, MediaResult};

/// Video resolution presets (nertc-call's `resolution`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// 320x240.
    Low,
    /// 640x480.
    #[default]
    Standard,
    /// 1280x720.
    High,
    /// 1920x1080.
    FullHd,
}

impl Resolution {
    /// Width and height of the preset.
    pub fn size(self) -> (u32, u32) {
        match self {
            Resolution::Low => (320, 240),
            Resolution::Standard => (640, 480),
            Resolution::High => (1280, 720),
            Resolution::FullHd => (1920, 1080),
        }
    }
}

/// Opus presets (nertc-call's `audioQuality`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioQuality {
    /// Mono voice at 32 kbps, VoIP application mode, DTX on.
    #[default]
    Speech,
    /// Full-band audio at 96 kbps, audio application mode, DTX off.
    Music,
}

/// An ICE (STUN/TURN) server as handed out by the signaling server.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:` or `turn:` URLs.
    pub urls: Vec<String>,
    /// TURN user name.
    #[serde(default)]
    pub username: String,
    /// TURN credential.
    #[serde(default)]
    pub credential: String,
}

/// Which ICE candidates a call may use (WebRTC's `iceTransportPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IcePolicy {
    /// Host, server-reflexive and relayed candidates.
    #[default]
    All,
    /// Only TURN relay candidates: this device's addresses never reach the peer.
    Relay,
}

/// Where local video comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum VideoInput {
    /// A camera via nokhwa; `index` None means the first one.
    Camera {
        /// Camera index as listed by [`crate::devices::list_cameras`].
        index: Option<u32>,
    },
    /// The synthetic moving test pattern carrying frame number and capture time.
    TestPattern,
    /// A Y4M file, looped.
    Y4mFile {
        /// Path of the file.
        path: PathBuf,
    },
    /// No video.
    None,
}

/// Where local audio comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AudioInput {
    /// A microphone via cpal; `name` None means the default one.
    Microphone {
        /// Device id (or name) as listed by [`crate::devices::list_microphones`].
        name: Option<String>,
    },
    /// A sine tone.
    Tone {
        /// Frequency in Hz.
        frequency_hz: f32,
    },
    /// A WAV file, looped.
    WavFile {
        /// Path of the file.
        path: PathBuf,
    },
    /// No audio.
    None,
}

/// Where remote audio goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AudioOutput {
    /// A speaker via cpal; `name` None means the default one.
    Speaker {
        /// Device id (or name) as listed by [`crate::devices::list_speakers`].
        name: Option<String>,
    },
    /// A 48 kHz WAV file.
    WavFile {
        /// Path of the file.
        path: PathBuf,
    },
    /// Discarded.
    Null,
}

/// Media settings of one call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MediaConfig {
    /// Resolution preset, overridden by `video_width`/`video_height` when both are set.
    pub resolution: Resolution,
    /// Explicit width in pixels.
    pub video_width: Option<u32>,
    /// Explicit height in pixels.
    pub video_height: Option<u32>,
    /// Frames per second asked of the source.
    pub frame_rate: u32,
    /// Lowest VP8 target bitrate in kbps.
    pub min_bitrate: u32,
    /// Highest (and starting) VP8 target bitrate in kbps.
    pub max_bitrate: u32,
    /// Opus preset.
    pub audio_quality: AudioQuality,
    /// Whether to capture video at all.
    pub open_camera: bool,
    /// Whether to capture audio at all.
    pub open_microphone: bool,
    /// Video source when `open_camera` is set.
    pub video_input: VideoInput,
    /// Audio source when `open_microphone` is set.
    pub audio_input: AudioInput,
    /// Remote audio destination.
    pub audio_output: AudioOutput,
    /// ICE servers from the signaling server; empty for loopback.
    pub ice_servers: Vec<IceServer>,
    /// Which candidates may be gathered and used.
    pub ice_policy: IcePolicy,
    /// Refresh TURN allocations at least this often (default: at half their lifetime, 5 min
    /// with coturn's default). For tests that must see a refresh within a short call.
    pub turn_refresh_interval: Option<std::time::Duration>,
    /// Local address to bind the UDP socket to; "0.0.0.0" in production, "127.0.0.1" in tests.
    pub bind_address: String,
    /// Run echo cancellation, noise suppression and gain control on captured audio.
    pub audio_processing: bool,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            resolution: Resolution::default(),
            video_width: None,
            video_height: None,
            frame_rate: 30,
            min_bitrate: 600,
            max_bitrate: 900,
            audio_quality: AudioQuality::default(),
            open_camera: true,
            open_microphone: true,
            video_input: VideoInput::Camera { index: None },
            audio_input: AudioInput::Microphone { name: None },
            audio_output: AudioOutput::Speaker { name: None },
            ice_servers: Vec::new(),
            ice_policy: IcePolicy::All,
            turn_refresh_interval: None,
            bind_address: "0.0.0.0".into(),
            audio_processing: true,
        }
    }
}

impl MediaConfig {
    /// The video size to capture and encode: explicit width/height win over the preset.
    pub fn video_size(&self) -> (u32, u32) {
        match (self.video_width, self.video_height) {
            (Some(w), Some(h)) => (w, h),
            _ => self.resolution.size(),
        }
    }

    /// Rejects settings no encoder or source can honour.
    pub fn validate(&self) -> MediaResult<()> {
        let (w, h) = self.video_size();
        if !(64..=4096).contains(&w) || !(64..=4096).contains(&h) || w % 2 != 0 || h % 2 != 0 {
            return Err(MediaError::InvalidConfig(format!(
                "video size {w}x{h} must be even and within 64..=4096"
            )));
        }
        if self.min_bitrate == 0 || self.min_bitrate > self.max_bitrate {
            return Err(MediaError::InvalidConfig(format!(
                "bitrate range {}..{} kbps is empty",
                self.min_bitrate, self.max_bitrate
            )));
        }
        if !(1..=60).contains(&self.frame_rate) {
            return Err(MediaError::InvalidConfig(format!(
                "frame rate {} outside 1..=60",
                self.frame_rate
            )));
        }
        Ok(())
    }
}
