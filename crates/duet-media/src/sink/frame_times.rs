//! Records when each decoded picture arrived, not the picture: one CSV line per frame,
//! `unix_ms,width,height` (milliseconds since the Unix epoch, to 0.01 ms). Small enough for a
//! long call at 720p30 where a Y4M recording would take a gigabyte, and what freezes and frame
//! rates are measured from (scripts/bench-impaired.sh).

use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::VideoSink;
use crate::error::{MediaError, MediaResult};
use crate::frame::I420Frame;

/// Appends a line per frame to a file; each line is written out whole (a reader polling the
/// file during the call never sees half a line, and a killed process loses none).
#[derive(Debug)]
pub struct FrameTimesSink {
    path: PathBuf,
    out: LineWriter<File>,
}

impl FrameTimesSink {
    /// Creates (truncates) `path`.
    pub fn create(path: &Path) -> MediaResult<Self> {
        let file = File::create(path).map_err(|e| MediaError::file(path, e))?;
        Ok(Self {
            path: path.to_owned(),
            out: LineWriter::new(file),
        })
    }
}

impl VideoSink for FrameTimesSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        // A clock set before 1970 reads as 0: the lines stay ordered by arrival regardless.
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
        writeln!(self.out, "{unix_ms:.2},{},{}", frame.width, frame.height)
            .map_err(|e| MediaError::file(&self.path, e))
    }
}

/// Hands each frame to every sink in turn (a Y4M recording and a frame-time log of one call).
pub struct TeeSink(pub Vec<Box<dyn VideoSink>>);

impl VideoSink for TeeSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        // Every sink gets the frame even if an earlier one failed; the first error is returned.
        let mut first_error = None;
        for sink in &mut self.0 {
            if let Err(e) = sink.write_frame(frame) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_frame_with_its_size_and_an_advancing_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("times.csv");
        let mut sink = FrameTimesSink::create(&path).unwrap();
        let small = I420Frame::black(64, 48).unwrap();
        let large = I420Frame::black(128, 96).unwrap();
        sink.write_frame(&small).unwrap();
        sink.write_frame(&large).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(&lines[0][1..], ["64", "48"]);
        assert_eq!(&lines[1][1..], ["128", "96"]);
        let times: Vec<f64> = lines.iter().map(|l| l[0].parse().unwrap()).collect();
        assert!(times[0] > 1.7e12 && times[1] >= times[0], "{times:?}");
    }

    #[test]
    fn a_tee_feeds_every_sink() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        let mut tee = TeeSink(vec![
            Box::new(FrameTimesSink::create(&a).unwrap()),
            Box::new(FrameTimesSink::create(&b).unwrap()),
        ]);
        tee.write_frame(&I420Frame::black(16, 16).unwrap()).unwrap();
        for path in [a, b] {
            assert_eq!(std::fs::read_to_string(path).unwrap().lines().count(), 1);
        }
    }

    #[test]
    fn an_unwritable_path_is_a_clear_error() {
        let error = FrameTimesSink::create(Path::new("/nonexistent-dir/times.csv")).unwrap_err();
        assert!(
            error.to_string().contains("/nonexistent-dir/times.csv"),
            "{error}"
        );
    }
}
