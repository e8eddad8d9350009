//! Where local media comes from: cameras, microphones, synthetic generators and files.
//!
//! Every source blocks in its `next_frame` until the next frame is due, so the capture loop
//! needs no clock of its own and a file plays at its real rate.

pub mod camera;
pub mod microphone;
mod pacer;
pub mod screen;
pub mod test_pattern;
pub mod tone;
pub mod wav;
pub mod y4m;

pub use pacer::Pacer;

use crate::config::{AudioInput, VideoInput};
use crate::error::{MediaError, MediaResult};
use crate::frame::{AudioFrame, I420Frame};

/// A producer of I420 frames.
pub trait VideoSource: Send {
    /// Blocks until the next frame is due and returns it, stamped with its capture time.
    fn next_frame(&mut self) -> MediaResult<I420Frame>;
    /// A short human-readable name for logs and events.
    fn describe(&self) -> String;
}

/// A producer of 10 ms blocks of 48 kHz mono PCM.
pub trait AudioSource: Send {
    /// Blocks until the next 10 ms block is available and returns it.
    fn next_frame(&mut self) -> MediaResult<AudioFrame>;
    /// A short human-readable name for logs and events.
    fn describe(&self) -> String;
}

/// Samples in one 10 ms block at 48 kHz.
pub const BLOCK_SAMPLES: usize = 480;

/// Opens the video source `input` at `width`x`height` and `fps`; `Ok(None)` for `VideoInput::None`.
pub fn open_video_input(
    input: &VideoInput,
    width: u32,
    height: u32,
    fps: u32,
) -> MediaResult<Option<Box<dyn VideoSource>>> {
    Ok(match input {
        VideoInput::Camera { index } => Some(Box::new(camera::CameraSource::open(
            *index, width, height, fps,
        )?)),
        VideoInput::TestPattern => Some(Box::new(test_pattern::TestPatternSource::new(
            width, height, fps,
        )?)),
        VideoInput::Y4mFile { path } => Some(Box::new(y4m::Y4mSource::open(path)?)),
        VideoInput::None => None,
    })
}

/// Opens the audio source `input`; `Ok(None)` for `AudioInput::None`.
pub fn open_audio_input(input: &AudioInput) -> MediaResult<Option<Box<dyn AudioSource>>> {
    Ok(match input {
        AudioInput::Microphone { name } => Some(Box::new(microphone::MicrophoneSource::open(
            name.as_deref(),
        )?)),
        AudioInput::Tone { frequency_hz } => {
            if !(1.0..20_000.0).contains(frequency_hz) {
                return Err(MediaError::InvalidConfig(format!(
                    "tone frequency {frequency_hz} Hz outside 1..20000"
                )));
            }
            Some(Box::new(tone::ToneSource::new(*frequency_hz)))
        }
        AudioInput::WavFile { path } => Some(Box::new(wav::WavSource::open(path)?)),
        AudioInput::None => None,
    })
}
