//! Raw media: I420 video frames and interleaved 16-bit PCM audio frames.

use crate::error::{MediaError, MediaResult};

/// One planar YUV 4:2:0 picture with its capture time.
///
/// Planes are stored separately with their own strides so a frame can wrap a decoder's or a
/// camera's buffer layout after one copy; the chroma planes are `ceil(w/2) x ceil(h/2)`.
#[derive(Clone, PartialEq, Eq)]
pub struct I420Frame {
    /// Visible width in pixels.
    pub width: u32,
    /// Visible height in pixels.
    pub height: u32,
    /// Luma plane, `stride_y * height` bytes.
    pub y: Vec<u8>,
    /// Blue-difference chroma plane, `stride_uv * chroma_height()` bytes.
    pub u: Vec<u8>,
    /// Red-difference chroma plane, `stride_uv * chroma_height()` bytes.
    pub v: Vec<u8>,
    /// Bytes per luma row (>= width).
    pub stride_y: usize,
    /// Bytes per chroma row (>= chroma_width()).
    pub stride_uv: usize,
    /// Capture time in microseconds since the Unix epoch (wall clock, so two processes on one
    /// machine can compare it).
    pub capture_time_us: u64,
}

impl std::fmt::Debug for I420Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I420Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("capture_time_us", &self.capture_time_us)
            .finish_non_exhaustive()
    }
}

impl I420Frame {
    /// A black frame with tight strides; fails on zero or odd-free nonsense sizes.
    pub fn black(width: u32, height: u32) -> MediaResult<Self> {
        if width == 0 || height == 0 || width > 8192 || height > 8192 {
            return Err(MediaError::InvalidFrame(format!(
                "unsupported size {width}x{height}"
            )));
        }
        let (cw, ch) = (width.div_ceil(2) as usize, height.div_ceil(2) as usize);
        Ok(Self {
            width,
            height,
            y: vec![16; width as usize * height as usize],
            u: vec![128; cw * ch],
            v: vec![128; cw * ch],
            stride_y: width as usize,
            stride_uv: cw,
            capture_time_us: 0,
        })
    }

    /// Width of the chroma planes.
    pub fn chroma_width(&self) -> usize {
        self.width.div_ceil(2) as usize
    }

    /// Height of the chroma planes.
    pub fn chroma_height(&self) -> usize {
        self.height.div_ceil(2) as usize
    }

    /// Checks that strides and plane lengths can hold the declared size.
    pub fn validate(&self) -> MediaResult<()> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (self.chroma_width(), self.chroma_height());
        if w == 0 || h == 0 {
            return Err(MediaError::InvalidFrame("zero size".into()));
        }
        if self.stride_y < w || self.stride_uv < cw {
            return Err(MediaError::InvalidFrame("stride smaller than width".into()));
        }
        if self.y.len() < self.stride_y * (h - 1) + w
            || self.u.len() < self.stride_uv * (ch - 1) + cw
            || self.v.len() < self.stride_uv * (ch - 1) + cw
        {
            return Err(MediaError::InvalidFrame("plane too short".into()));
        }
        Ok(())
    }

    /// The frame as one tightly packed I420 buffer (Y, then U, then V), as Y4M stores it.
    pub fn to_packed(&self) -> Vec<u8> {
        let (w, h) = (self.width as usize, self.height as usize);
        let (cw, ch) = (self.chroma_width(), self.chroma_height());
        let mut out = Vec::with_capacity(w * h + 2 * cw * ch);
        for row in 0..h {
            out.extend_from_slice(&self.y[row * self.stride_y..row * self.stride_y + w]);
        }
        for plane in [&self.u, &self.v] {
            for row in 0..ch {
                out.extend_from_slice(&plane[row * self.stride_uv..row * self.stride_uv + cw]);
            }
        }
        out
    }

    /// Builds a frame from a tightly packed I420 buffer.
    pub fn from_packed(width: u32, height: u32, data: &[u8]) -> MediaResult<Self> {
        let mut frame = Self::black(width, height)?;
        let luma = frame.y.len();
        let chroma = frame.u.len();
        if data.len() != luma + 2 * chroma {
            return Err(MediaError::InvalidFrame(format!(
                "packed I420 {width}x{height} needs {} bytes, got {}",
                luma + 2 * chroma,
                data.len()
            )));
        }
        frame.y.copy_from_slice(&data[..luma]);
        frame.u.copy_from_slice(&data[luma..luma + chroma]);
        frame.v.copy_from_slice(&data[luma + chroma..]);
        Ok(frame)
    }
}

/// Audio sample rate used everywhere inside Duet (Opus and the audio processing run at it).
pub const SAMPLE_RATE: u32 = 48_000;

/// One block of interleaved signed 16-bit PCM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFrame {
    /// Samples per second per channel.
    pub sample_rate: u32,
    /// 1 (mono) or 2 (stereo).
    pub channels: u16,
    /// Interleaved samples, `samples_per_channel() * channels` long.
    pub samples: Vec<i16>,
}

impl AudioFrame {
    /// A silent frame of `duration_ms` at `sample_rate`.
    pub fn silence(sample_rate: u32, channels: u16, duration_ms: u32) -> Self {
        let len = (sample_rate / 1000 * duration_ms) as usize * channels as usize;
        Self {
            sample_rate,
            channels,
            samples: vec![0; len],
        }
    }

    /// Samples in each channel.
    pub fn samples_per_channel(&self) -> usize {
        self.samples.len() / self.channels.max(1) as usize
    }

    /// Duration in microseconds.
    pub fn duration_us(&self) -> u64 {
        self.samples_per_channel() as u64 * 1_000_000 / self.sample_rate.max(1) as u64
    }

    /// This frame folded to mono by averaging channels.
    pub fn to_mono(&self) -> AudioFrame {
        if self.channels <= 1 {
            return self.clone();
        }
        let ch = self.channels as usize;
        let samples = self
            .samples
            .chunks_exact(ch)
            .map(|c| (c.iter().map(|&s| s as i32).sum::<i32>() / ch as i32) as i16)
            .collect();
        AudioFrame {
            sample_rate: self.sample_rate,
            channels: 1,
            samples,
        }
    }
}

/// Microseconds since the Unix epoch, the clock frames are stamped with.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
