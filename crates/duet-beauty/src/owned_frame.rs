//! A frame that owns its planes, tightly packed, for callers with no buffer of their own.

use crate::error::{BeautyError, PlaneName};
use crate::frame::{chroma_size, FrameMut, PixelFormat, PlaneMut};

/// An I420 or NV12 frame in one packed `Vec<u8>`: Y rows, then U and V rows (I420) or UV rows
/// (NV12), each plane's stride equal to its row width.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    format: PixelFormat,
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl Frame {
    /// A black frame (luma 16, neutral chroma 128, as in limited-range video).
    pub fn new(format: PixelFormat, width: usize, height: usize) -> Result<Self, BeautyError> {
        let luma_len = Self::check_and_luma_len(width, height)?;
        let total = packed_len(width, height);
        let mut data = vec![128; total];
        data[..luma_len].fill(16);
        Ok(Self {
            format,
            width,
            height,
            data,
        })
    }

    /// Wraps packed bytes laid out as [`Frame`] describes; their length must match exactly.
    pub fn from_bytes(
        format: PixelFormat,
        width: usize,
        height: usize,
        data: Vec<u8>,
    ) -> Result<Self, BeautyError> {
        Self::check_and_luma_len(width, height)?;
        let needed = packed_len(width, height);
        if data.len() != needed {
            return Err(BeautyError::PackedLengthMismatch {
                len: data.len(),
                expected: needed,
            });
        }
        Ok(Self {
            format,
            width,
            height,
            data,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The chroma layout.
    pub fn format(&self) -> PixelFormat {
        self.format
    }

    /// All planes, packed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.data
    }

    /// One plane's bytes, or `None` for a plane this format lacks (U or V in NV12, UV in I420).
    pub fn plane(&self, name: PlaneName) -> Option<&[u8]> {
        let range = self.plane_range(name)?;
        Some(&self.data[range])
    }

    /// One plane's bytes, writable; `None` for a plane this format lacks.
    pub fn plane_mut(&mut self, name: PlaneName) -> Option<&mut [u8]> {
        let range = self.plane_range(name)?;
        Some(&mut self.data[range])
    }

    /// Bytes from one row start to the next in a plane (its row width, as planes are packed).
    pub fn stride(&self, name: PlaneName) -> usize {
        let (chroma_width, _) = chroma_size(self.width, self.height);
        match name {
            PlaneName::Y => self.width,
            PlaneName::U | PlaneName::V => chroma_width,
            PlaneName::Uv => 2 * chroma_width,
        }
    }

    /// A view to filter in place.
    pub fn as_frame_mut(&mut self) -> FrameMut<'_> {
        let (width, height, format) = (self.width, self.height, self.format);
        let (luma_stride, plain_stride, uv_stride) = (
            self.stride(PlaneName::Y),
            self.stride(PlaneName::U),
            self.stride(PlaneName::Uv),
        );
        let (luma, chroma) = self.data.split_at_mut(width * height);
        let view = match format {
            PixelFormat::I420 => {
                let (u, v) = chroma.split_at_mut(chroma.len() / 2);
                FrameMut::i420(
                    width,
                    height,
                    PlaneMut::new(luma, luma_stride),
                    PlaneMut::new(u, plain_stride),
                    PlaneMut::new(v, plain_stride),
                )
            }
            PixelFormat::Nv12 => FrameMut::nv12(
                width,
                height,
                PlaneMut::new(luma, luma_stride),
                PlaneMut::new(chroma, uv_stride),
            ),
        };
        // Cannot fail: the size was checked when this frame was made and the planes are packed
        // at exactly the lengths the view checks for.
        view.expect("a packed Frame always forms a valid view")
    }

    fn check_and_luma_len(width: usize, height: usize) -> Result<usize, BeautyError> {
        if width == 0 || height == 0 {
            return Err(BeautyError::EmptyFrame { width, height });
        }
        width
            .checked_mul(height)
            .filter(|n| n.checked_mul(64).is_some())
            .ok_or(BeautyError::FrameTooLarge { width, height })
    }

    fn plane_range(&self, name: PlaneName) -> Option<std::ops::Range<usize>> {
        let luma_len = self.width * self.height;
        let (chroma_width, chroma_height) = chroma_size(self.width, self.height);
        let chroma_len = chroma_width * chroma_height;
        match (self.format, name) {
            (_, PlaneName::Y) => Some(0..luma_len),
            (PixelFormat::I420, PlaneName::U) => Some(luma_len..luma_len + chroma_len),
            (PixelFormat::I420, PlaneName::V) => {
                Some(luma_len + chroma_len..luma_len + 2 * chroma_len)
            }
            (PixelFormat::Nv12, PlaneName::Uv) => Some(luma_len..luma_len + 2 * chroma_len),
            _ => None,
        }
    }
}

/// Bytes of a packed 4:2:0 frame, the same for I420 and NV12.
fn packed_len(width: usize, height: usize) -> usize {
    let (chroma_width, chroma_height) = chroma_size(width, height);
    width * height + 2 * chroma_width * chroma_height
}
