//! Duet's media engine: capture, audio processing, VP8 and Opus codecs, and one webrtc-rs peer
//! connection per call.
//!
//! Data flows one way on each side:
//! source -> [`filter::VideoFrameFilter`] -> VP8 encoder -> RTP, and
//! RTP -> frame assembly -> VP8 decoder -> [`sink::VideoSink`] (same for audio with Opus).
//! The SDK drives a call through [`session::CallMedia`] and relays [`signal::MediaSignal`]s.

pub mod audio;
mod audio_host;
pub mod beauty;
pub mod codec;
pub mod config;
pub mod convert;
pub mod devices;
pub mod error;
pub mod filter;
pub mod frame;
pub mod scale;
pub mod session;
pub mod signal;
pub mod sink;
pub mod source;
pub mod spec;

pub use beauty::{beauty_stage, BeautyControl, BeautyStage};
pub use config::{
    AudioInput, AudioOutput, AudioQuality, IcePolicy, IceServer, MediaConfig, Resolution,
    VideoInput,
};
pub use error::{DeviceKind, MediaError, MediaResult};
pub use filter::VideoFrameFilter;
pub use frame::{AudioFrame, I420Frame};
pub use session::{CallMedia, CallStats, ConnectionState, MediaEvent, Role};
pub use signal::MediaSignal;
pub use spec::SpecError;
