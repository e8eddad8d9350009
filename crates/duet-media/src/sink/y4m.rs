//! Records video to a Y4M file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::VideoSink;
use crate::error::{MediaError, MediaResult};
use crate::frame::I420Frame;

/// Writes frames to a Y4M file; the first frame fixes the size, later sizes are errors.
#[derive(Debug)]
pub struct Y4mSink {
    path: PathBuf,
    out: BufWriter<File>,
    fps: u32,
    size: Option<(u32, u32)>,
}

impl Y4mSink {
    /// Creates (truncates) `path`; `fps` goes into the header.
    pub fn create(path: &Path, fps: u32) -> MediaResult<Self> {
        let file = File::create(path).map_err(|e| MediaError::file(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            out: BufWriter::new(file),
            fps: fps.max(1),
            size: None,
        })
    }
}

impl VideoSink for Y4mSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        let size = (frame.width, frame.height);
        let io = |e: std::io::Error| MediaError::file(&self.path, e);
        match self.size {
            None => {
                writeln!(
                    self.out,
                    "YUV4MPEG2 W{} H{} F{}:1 Ip A1:1 C420jpeg",
                    size.0, size.1, self.fps
                )
                .map_err(io)?;
                self.size = Some(size);
            }
            Some(s) if s != size => {
                return Err(MediaError::InvalidFrame(format!(
                    "Y4M stream is {}x{}, frame is {}x{}",
                    s.0, s.1, size.0, size.1
                )))
            }
            Some(_) => {}
        }
        self.out.write_all(b"FRAME\n").map_err(io)?;
        self.out.write_all(&frame.to_packed()).map_err(io)?;
        self.out.flush().map_err(io)
    }
}
