//! Borrowed, validated views of a caller's I420 or NV12 buffer, filtered in place.

use crate::error::{BeautyError, PlaneName};

/// The two YUV 4:2:0 layouts that cameras give and video encoders take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Three planes: Y, then U and V at half width and half height.
    I420,
    /// Two planes: Y, then U and V interleaved at half width and half height.
    Nv12,
}

/// One plane of a caller's buffer: its bytes and the distance in bytes between row starts.
#[derive(Debug)]
pub struct PlaneMut<'a> {
    data: &'a mut [u8],
    stride: usize,
}

impl<'a> PlaneMut<'a> {
    /// Wraps a plane; checked against the frame's size when the frame view is built.
    pub fn new(data: &'a mut [u8], stride: usize) -> Self {
        Self { data, stride }
    }

    /// Checks that `rows` rows of `row_bytes` bytes fit at this stride in this slice.
    fn check(&self, plane: PlaneName, row_bytes: usize, rows: usize) -> Result<(), BeautyError> {
        if self.stride < row_bytes {
            return Err(BeautyError::StrideTooSmall {
                plane,
                stride: self.stride,
                row_bytes,
            });
        }
        // The last row needs only its own bytes, not a whole stride: decoders often cut that
        // row's padding.
        let needed = self
            .stride
            .checked_mul(rows - 1)
            .and_then(|n| n.checked_add(row_bytes))
            .ok_or(BeautyError::PlaneTooShort {
                plane,
                len: self.data.len(),
                needed: usize::MAX,
            })?;
        if self.data.len() < needed {
            return Err(BeautyError::PlaneTooShort {
                plane,
                len: self.data.len(),
                needed,
            });
        }
        Ok(())
    }

    /// Row `index` of `len` bytes; the caller has checked the plane's geometry.
    pub(crate) fn row(&self, index: usize, len: usize) -> &[u8] {
        let start = index * self.stride;
        &self.data[start..start + len]
    }

    /// Row `index` of `len` bytes, writable; the caller has checked the plane's geometry.
    pub(crate) fn row_mut(&mut self, index: usize, len: usize) -> &mut [u8] {
        let start = index * self.stride;
        &mut self.data[start..start + len]
    }
}

/// The chroma planes of a frame, in either layout.
#[derive(Debug)]
pub(crate) enum ChromaPlanes<'a> {
    /// Separate U and V planes.
    I420 { u: PlaneMut<'a>, v: PlaneMut<'a> },
    /// One plane with U and V interleaved.
    Nv12 { uv: PlaneMut<'a> },
}

/// A validated I420 or NV12 frame borrowed from the caller; [`crate::BeautyFilter::apply`] writes
/// its luma in place and never touches bytes outside the picture (row padding stays as it was).
#[derive(Debug)]
pub struct FrameMut<'a> {
    width: usize,
    height: usize,
    pub(crate) luma: PlaneMut<'a>,
    pub(crate) chroma: ChromaPlanes<'a>,
}

impl<'a> FrameMut<'a> {
    /// Views an I420 frame; U and V are `ceil(width/2)` x `ceil(height/2)`.
    pub fn i420(
        width: usize,
        height: usize,
        y: PlaneMut<'a>,
        u: PlaneMut<'a>,
        v: PlaneMut<'a>,
    ) -> Result<Self, BeautyError> {
        check_size(width, height)?;
        let (chroma_width, chroma_height) = chroma_size(width, height);
        y.check(PlaneName::Y, width, height)?;
        u.check(PlaneName::U, chroma_width, chroma_height)?;
        v.check(PlaneName::V, chroma_width, chroma_height)?;
        Ok(Self {
            width,
            height,
            luma: y,
            chroma: ChromaPlanes::I420 { u, v },
        })
    }

    /// Views an NV12 frame; its UV plane is `ceil(height/2)` rows of `2*ceil(width/2)` bytes.
    pub fn nv12(
        width: usize,
        height: usize,
        y: PlaneMut<'a>,
        uv: PlaneMut<'a>,
    ) -> Result<Self, BeautyError> {
        check_size(width, height)?;
        let (chroma_width, chroma_height) = chroma_size(width, height);
        y.check(PlaneName::Y, width, height)?;
        uv.check(PlaneName::Uv, 2 * chroma_width, chroma_height)?;
        Ok(Self {
            width,
            height,
            luma: y,
            chroma: ChromaPlanes::Nv12 { uv },
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

    /// Which layout the chroma planes have.
    pub fn format(&self) -> PixelFormat {
        match self.chroma {
            ChromaPlanes::I420 { .. } => PixelFormat::I420,
            ChromaPlanes::Nv12 { .. } => PixelFormat::Nv12,
        }
    }
}

/// Size of each chroma plane (in samples) of a 4:2:0 frame: odd sizes round up.
pub(crate) fn chroma_size(width: usize, height: usize) -> (usize, usize) {
    (width.div_ceil(2), height.div_ceil(2))
}

/// Rejects empty frames and frames whose byte size overflows.
fn check_size(width: usize, height: usize) -> Result<(), BeautyError> {
    if width == 0 || height == 0 {
        return Err(BeautyError::EmptyFrame { width, height });
    }
    // Scratch buffers hold a few f32 values per pixel, so keep a generous margin below usize::MAX.
    if width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(64))
        .is_none()
    {
        return Err(BeautyError::FrameTooLarge { width, height });
    }
    Ok(())
}
