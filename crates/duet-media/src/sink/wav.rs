//! Records audio to a WAV file.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use super::AudioSink;
use crate::error::{MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Writes 48 kHz mono 16-bit WAV; the header is finalised on drop.
pub struct WavSink {
    path: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink").field("path", &self.path).finish()
    }
}

impl WavSink {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> MediaResult<Self> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(path, spec).map_err(|e| MediaError::file(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            writer: Some(writer),
        })
    }

    /// Writes the header and closes the file.
    pub fn finish(mut self) -> MediaResult<()> {
        match self.writer.take() {
            Some(writer) => writer
                .finalize()
                .map_err(|e| MediaError::file(&self.path, e)),
            None => Ok(()),
        }
    }
}

impl AudioSink for WavSink {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        if frame.sample_rate != SAMPLE_RATE {
            return Err(MediaError::InvalidFrame(format!(
                "WAV sink takes {SAMPLE_RATE} Hz, got {}",
                frame.sample_rate
            )));
        }
        let Some(writer) = &mut self.writer else {
            return Err(MediaError::Closed);
        };
        for &s in &frame.to_mono().samples {
            writer
                .write_sample(s)
                .map_err(|e| MediaError::file(&self.path, e))?;
        }
        // Keep the header current so a file read while the call runs is valid.
        writer.flush().map_err(|e| MediaError::file(&self.path, e))
    }
}

impl Drop for WavSink {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            let _ = writer.finalize();
        }
    }
}
