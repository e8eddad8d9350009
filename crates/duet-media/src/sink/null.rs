//! A sink that drops everything.

use super::{AudioSink, VideoSink};
use crate::error::MediaResult;
use crate::frame::{AudioFrame, I420Frame};

/// Discards audio and video.
#[derive(Debug, Default, Clone, Copy)]
pub struct NullSink;

impl VideoSink for NullSink {
    fn write_frame(&mut self, _frame: &I420Frame) -> MediaResult<()> {
        Ok(())
    }
}

impl AudioSink for NullSink {
    fn write_audio(&mut self, _frame: &AudioFrame) -> MediaResult<()> {
        Ok(())
    }
}
