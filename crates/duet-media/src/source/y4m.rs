//! Y4M (YUV4MPEG2) files as a looping video source.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Pacer, VideoSource};
use crate::error::{MediaError, MediaResult};
use crate::frame::{now_us, I420Frame};

/// The parsed stream header of a Y4M file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Y4mHeader {
    /// Picture width.
    pub width: u32,
    /// Picture height.
    pub height: u32,
    /// Frame rate numerator.
    pub fps_num: u32,
    /// Frame rate denominator.
    pub fps_den: u32,
}

/// Plays a 4:2:0 Y4M file in real time, looping at the end.
///
/// Any seekable reader works ([`Y4mSource::from_reader`]); files open with [`Y4mSource::open`].
#[derive(Debug)]
pub struct Y4mSource<R = File> {
    /// Names the stream in errors and in [`VideoSource::describe`].
    origin: PathBuf,
    reader: BufReader<R>,
    header: Y4mHeader,
    first_frame_offset: u64,
    pacer: Option<Pacer>,
}

impl Y4mSource<File> {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> MediaResult<Self> {
        let file = File::open(path).map_err(|e| MediaError::file(path, e))?;
        Self::from_reader(file, path)
    }
}

impl<R: Read + Seek> Y4mSource<R> {
    /// Reads the header of the Y4M stream in `reader`, which starts at its beginning; `origin`
    /// (a file name) names the stream in errors.
    pub fn from_reader(reader: R, origin: &Path) -> MediaResult<Self> {
        let mut reader = BufReader::new(reader);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|e| MediaError::file(origin, e))?;
        let header = parse_header(&line).map_err(|reason| MediaError::file(origin, reason))?;
        let first_frame_offset = line.len() as u64;
        let period = Duration::from_secs(1) * header.fps_den / header.fps_num;
        Ok(Self {
            origin: origin.to_owned(),
            reader,
            header,
            first_frame_offset,
            pacer: Some(Pacer::new(period)),
        })
    }

    /// The same source returning frames as fast as asked.
    pub fn unpaced(mut self) -> Self {
        self.pacer = None;
        self
    }

    /// The file's header.
    pub fn header(&self) -> Y4mHeader {
        self.header
    }

    /// Reads the next frame without pacing; `Err(EndOfStream)` at the end of the file.
    pub fn read_frame(&mut self) -> MediaResult<I420Frame> {
        let mut marker = String::new();
        let read = self
            .reader
            .read_line(&mut marker)
            .map_err(|e| MediaError::file(&self.origin, e))?;
        if read == 0 {
            return Err(MediaError::EndOfStream);
        }
        if !marker.starts_with("FRAME") {
            return Err(MediaError::file(&self.origin, "missing FRAME marker"));
        }
        let (w, h) = (self.header.width, self.header.height);
        let len = (w * h) as usize + 2 * (w.div_ceil(2) * h.div_ceil(2)) as usize;
        // Read what is there rather than allocate the whole frame up front: a truncated file
        // whose header claims 8192x8192 costs what it holds, not 100 MB.
        let mut data = Vec::new();
        (&mut self.reader)
            .take(len as u64)
            .read_to_end(&mut data)
            .map_err(|e| MediaError::file(&self.origin, e))?;
        if data.len() < len {
            let reason = format!("frame truncated: {} of {len} bytes", data.len());
            return Err(MediaError::file(&self.origin, reason));
        }
        I420Frame::from_packed(w, h, &data)
    }
}

impl<R: Read + Seek + Send> VideoSource for Y4mSource<R> {
    fn next_frame(&mut self) -> MediaResult<I420Frame> {
        if let Some(pacer) = &mut self.pacer {
            pacer.wait();
        }
        let mut frame = match self.read_frame() {
            Err(MediaError::EndOfStream) => {
                self.reader
                    .seek(SeekFrom::Start(self.first_frame_offset))
                    .map_err(|e| MediaError::file(&self.origin, e))?;
                self.read_frame()?
            }
            other => other?,
        };
        frame.capture_time_us = now_us();
        Ok(frame)
    }

    fn describe(&self) -> String {
        format!("y4m {}", self.origin.display())
    }
}

/// Parses "YUV4MPEG2 W640 H480 F30:1 ..." accepting only 4:2:0 chroma.
pub fn parse_header(line: &str) -> Result<Y4mHeader, String> {
    let mut words = line.split_whitespace();
    if words.next() != Some("YUV4MPEG2") {
        return Err("not a YUV4MPEG2 file".into());
    }
    let (mut width, mut height, mut fps_num, mut fps_den) = (0, 0, 30, 1);
    for word in words {
        // The tag is the first character, which need not be one byte.
        let mut chars = word.chars();
        let tag = chars.next().map_or("", |c| &word[..c.len_utf8()]);
        let value = chars.as_str();
        match tag {
            "W" => width = value.parse().map_err(|_| "bad width")?,
            "H" => height = value.parse().map_err(|_| "bad height")?,
            "F" => {
                let (n, d) = value.split_once(':').ok_or("bad frame rate")?;
                fps_num = n.parse().map_err(|_| "bad frame rate")?;
                fps_den = d.parse().map_err(|_| "bad frame rate")?;
            }
            "C" if !value.starts_with("420") => {
                return Err(format!("unsupported chroma {value}, need 420"))
            }
            _ => {}
        }
    }
    if width == 0 || height == 0 || width > 8192 || height > 8192 {
        return Err(format!("bad size {width}x{height}"));
    }
    if fps_num == 0 || fps_den == 0 {
        return Err("zero frame rate".into());
    }
    Ok(Y4mHeader {
        width,
        height,
        fps_num,
        fps_den,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::y4m::Y4mSink;
    use crate::sink::VideoSink;
    use crate::source::test_pattern::{decode_stamp, TestPatternSource};

    #[test]
    fn frames_written_by_the_sink_read_back_and_loop() {
        let path = std::env::temp_dir().join(format!("duet-y4m-{}.y4m", std::process::id()));
        let mut pattern = TestPatternSource::unpaced(320, 240).unwrap();
        let mut sink = Y4mSink::create(&path, 30).unwrap();
        for _ in 0..3 {
            sink.write_frame(&pattern.next_frame().unwrap()).unwrap();
        }
        assert!(sink
            .write_frame(&I420Frame::black(64, 64).unwrap())
            .is_err());
        drop(sink);
        let mut source = Y4mSource::open(&path).unwrap();
        assert_eq!(source.header().width, 320);
        let numbers: Vec<u32> = (0..5)
            .map(|_| {
                decode_stamp(&source.next_frame().unwrap())
                    .unwrap()
                    .frame_number
            })
            .collect();
        assert_eq!(numbers, vec![0, 1, 2, 0, 1]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn missing_and_malformed_files_are_errors() {
        assert!(Y4mSource::open(Path::new("/nonexistent/duet.y4m")).is_err());
        let path = std::env::temp_dir().join(format!("duet-bad-{}.y4m", std::process::id()));
        std::fs::write(&path, b"YUV4MPEG2 W4 H4\nFRAME\nshort").unwrap();
        let mut source = Y4mSource::open(&path).unwrap();
        assert!(source.read_frame().is_err());
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn header_parses_and_rejects_other_chroma() {
        let h = parse_header("YUV4MPEG2 W320 H240 F25:1 Ip A1:1 C420jpeg\n").unwrap();
        assert_eq!((h.width, h.height, h.fps_num, h.fps_den), (320, 240, 25, 1));
        assert!(parse_header("YUV4MPEG2 W320 H240 C444\n").is_err());
        assert!(parse_header("RIFF").is_err());
        assert!(parse_header("YUV4MPEG2 W0 H240").is_err());
    }

    /// Found by the y4m_reader fuzz target (fuzz/, scripts/fuzz.sh): a header word starting
    /// with a character of more than one byte ('ø') panicked splitting off its one-byte tag.
    #[test]
    fn a_header_word_starting_with_a_wide_character_is_ignored() {
        let h = parse_header("YUV4MPEG2 W4 H2 øx F25:1\n").unwrap();
        assert_eq!((h.width, h.height, h.fps_num), (4, 2, 25));
        let stream = b"YUV4MPEG2 \xc3\xb8 W2 H2\nFRAME\n\x10\x10\x10\x10\x80\x80";
        let mut source =
            Y4mSource::from_reader(std::io::Cursor::new(&stream[..]), Path::new("wide.y4m"))
                .unwrap();
        assert_eq!(source.read_frame().unwrap().width, 2);
    }
}
