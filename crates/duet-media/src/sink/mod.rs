//! Where remote media goes: the latest-frame slot the UI reads, files, speakers or nowhere.

pub mod detached;
pub mod frame_times;
pub mod latest_frame;
pub mod null;
pub mod probe;
pub mod speaker;
pub mod wav;
pub mod y4m;

use crate::config::AudioOutput;
use crate::error::MediaResult;
use crate::frame::{AudioFrame, I420Frame};

/// A consumer of decoded remote video.
pub trait VideoSink: Send {
    /// Takes one decoded frame; called on the decode thread, so it must not block for long.
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()>;
}

/// A consumer of decoded remote audio: 48 kHz mono in 10 ms or 20 ms blocks.
pub trait AudioSink: Send {
    /// Takes one block; called on the playout thread.
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()>;
}

/// Opens the audio destination `output`.
pub fn open_audio_output(output: &AudioOutput) -> MediaResult<Box<dyn AudioSink>> {
    Ok(match output {
        AudioOutput::Speaker { name } => Box::new(speaker::SpeakerSink::open(name.as_deref())?),
        AudioOutput::WavFile { path } => Box::new(wav::WavSink::create(path)?),
        AudioOutput::Null => Box::new(null::NullSink),
    })
}
