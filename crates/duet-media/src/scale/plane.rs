//! Resampling 8-bit picture planes, and the size a picture takes in a display box.
//!
//! `fast_image_resize`'s generic `resize` is compiled in the crate that calls it, which is why
//! duet-media is optimized in debug builds too (the workspace's `Cargo.toml`). Measured on the
//! 2-core VM, 1280x720 to 936x526: 3.5 ms optimized, 240 ms not.

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

/// Why a plane could not be scaled.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// A plane's buffer is shorter than its size and stride say.
    #[error("{which} plane of {width}x{height} (stride {stride}) needs {needed} bytes, has {len}")]
    ShortBuffer {
        which: &'static str,
        width: usize,
        height: usize,
        stride: usize,
        needed: usize,
        len: usize,
    },
    /// An empty plane or a stride narrower than the width.
    #[error("{which} plane size {width}x{height} with stride {stride} is not a picture")]
    BadSize {
        which: &'static str,
        width: usize,
        height: usize,
        stride: usize,
    },
    /// The resampler refused the planes.
    #[error("resampling failed: {0}")]
    Resize(String),
}

/// The size `width`x`height` takes inside a `max_width`x`max_height` box: the largest with the
/// same shape that fits, never larger than it is, even on both sides (for 4:2:0 chroma) and at
/// least 2x2.
pub fn fit_within(width: u32, height: u32, max_width: u32, max_height: u32) -> (u32, u32) {
    let (w, h) = (u64::from(width.max(1)), u64::from(height.max(1)));
    let (bw, bh) = (u64::from(max_width), u64::from(max_height));
    if w <= bw && h <= bh {
        return (width, height);
    }
    // Compare bw/w with bh/h without floating point: the tighter side sets the scale.
    let (fit_w, fit_h) = if bw * h <= bh * w {
        (bw, h * bw / w)
    } else {
        (w * bh / h, bh)
    };
    let even = |v: u64| ((v as u32) & !1).max(2);
    (even(fit_w), even(fit_h))
}

/// One 8-bit plane to read: `height` rows of `width` bytes, `stride` bytes apart.
#[derive(Debug, Clone, Copy)]
pub struct Plane<'a> {
    pub data: &'a [u8],
    pub width: usize,
    pub height: usize,
    pub stride: usize,
}

/// A tightly packed plane to write: `height` rows of `width` bytes.
#[derive(Debug)]
pub struct PlaneMut<'a> {
    pub data: &'a mut [u8],
    pub width: usize,
    pub height: usize,
}

/// Scales planes with a bilinear convolution (its kernel widens with the ratio, so a large
/// reduction averages instead of skipping pixels); keeps its working buffers between calls.
pub struct PlaneScaler {
    resizer: Resizer,
    options: ResizeOptions,
    /// A padded source plane, packed: the resampler reads tight rows only.
    packed: Vec<u8>,
}

impl std::fmt::Debug for PlaneScaler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaneScaler").finish_non_exhaustive()
    }
}

impl Default for PlaneScaler {
    fn default() -> Self {
        Self::new()
    }
}

impl PlaneScaler {
    pub fn new() -> Self {
        Self {
            resizer: Resizer::new(),
            options: ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)),
            packed: Vec::new(),
        }
    }

    /// Resamples `src` into `dst`, whatever their sizes.
    pub fn scale(&mut self, src: Plane<'_>, dst: PlaneMut<'_>) -> Result<(), ScaleError> {
        check("source", src.data.len(), src.width, src.height, src.stride)?;
        check("target", dst.data.len(), dst.width, dst.height, dst.width)?;
        let tight = if src.stride == src.width {
            &src.data[..src.width * src.height]
        } else {
            self.packed.clear();
            for row in 0..src.height {
                let start = row * src.stride;
                self.packed
                    .extend_from_slice(&src.data[start..start + src.width]);
            }
            &self.packed
        };
        let resize_error = |e: &dyn std::fmt::Display| ScaleError::Resize(e.to_string());
        let source = ImageRef::new(src.width as u32, src.height as u32, tight, PixelType::U8)
            .map_err(|e| resize_error(&e))?;
        let mut target = Image::from_slice_u8(
            dst.width as u32,
            dst.height as u32,
            &mut dst.data[..dst.width * dst.height],
            PixelType::U8,
        )
        .map_err(|e| resize_error(&e))?;
        self.resizer
            .resize(&source, &mut target, &self.options)
            .map_err(|e| resize_error(&e))
    }
}

fn check(
    which: &'static str,
    len: usize,
    width: usize,
    height: usize,
    stride: usize,
) -> Result<(), ScaleError> {
    if width == 0 || height == 0 || stride < width || width > u32::MAX as usize {
        return Err(ScaleError::BadSize {
            which,
            width,
            height,
            stride,
        });
    }
    let needed = stride * (height - 1) + width;
    if len < needed {
        return Err(ScaleError::ShortBuffer {
            which,
            width,
            height,
            stride,
            needed,
            len,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scales `src` (`width`x`height`, rows `stride` apart) into `out` as `out_width`x`out_height`.
    fn scale(
        scaler: &mut PlaneScaler,
        src: &[u8],
        (width, height, stride): (usize, usize, usize),
        out: &mut [u8],
        (out_width, out_height): (usize, usize),
    ) -> Result<(), ScaleError> {
        scaler.scale(
            Plane {
                data: src,
                width,
                height,
                stride,
            },
            PlaneMut {
                data: out,
                width: out_width,
                height: out_height,
            },
        )
    }

    #[test]
    fn fitting_keeps_the_shape_and_never_enlarges() {
        assert_eq!(fit_within(1280, 720, 1100, 527), (936, 526));
        assert_eq!(fit_within(1280, 720, 242, 1000), (242, 136));
        assert_eq!(fit_within(1280, 720, 242, 136), (240, 136));
        assert_eq!(fit_within(640, 480, 1920, 1080), (640, 480));
        assert_eq!(fit_within(1280, 720, 1280, 720), (1280, 720));
        assert_eq!(fit_within(1280, 720, 0, 0), (2, 2));
        assert_eq!(fit_within(4096, 2, 100, 100), (100, 2));
    }

    #[test]
    fn a_flat_plane_stays_flat_and_an_edge_stays_where_it_was() {
        // Left half 16, right half 235: after halving, the left quarter is still 16 and the
        // right quarter 235, with at most a blended column between.
        let src: Vec<u8> = (0..64 * 8)
            .map(|i| if i % 64 < 32 { 16 } else { 235 })
            .collect();
        let mut out = vec![0u8; 32 * 4];
        scale(
            &mut PlaneScaler::new(),
            &src,
            (64, 8, 64),
            &mut out,
            (32, 4),
        )
        .unwrap();
        for row in out.chunks(32) {
            assert!(row[..15].iter().all(|&p| p == 16), "{row:?}");
            assert!(row[17..].iter().all(|&p| p == 235), "{row:?}");
        }
    }

    #[test]
    fn padding_is_never_read_as_picture() {
        // 16 bytes of 255 after every 64-byte row.
        let src: Vec<u8> = (0..32)
            .flat_map(|_| std::iter::repeat_n(16u8, 64).chain(std::iter::repeat_n(255, 16)))
            .collect();
        let mut out = vec![0u8; 32 * 16];
        scale(
            &mut PlaneScaler::new(),
            &src,
            (64, 32, 80),
            &mut out,
            (32, 16),
        )
        .unwrap();
        assert!(out.iter().all(|&p| p == 16));
    }

    #[test]
    fn short_buffers_and_empty_planes_are_errors_not_panics() {
        let mut scaler = PlaneScaler::new();
        let mut out = vec![0u8; 4];
        let short = scale(&mut scaler, &[0; 10], (4, 4, 4), &mut out, (2, 2));
        assert!(
            matches!(short, Err(ScaleError::ShortBuffer { .. })),
            "{short:?}"
        );
        let empty = scale(&mut scaler, &[], (0, 4, 0), &mut out, (2, 2));
        assert!(
            matches!(empty, Err(ScaleError::BadSize { .. })),
            "{empty:?}"
        );
        let narrow = scale(&mut scaler, &[0; 16], (4, 4, 3), &mut out, (2, 2));
        assert!(
            matches!(narrow, Err(ScaleError::BadSize { .. })),
            "{narrow:?}"
        );
        let small_target = scale(&mut scaler, &[0; 16], (4, 4, 4), &mut out, (4, 4));
        assert!(matches!(small_target, Err(ScaleError::ShortBuffer { .. })));
    }
}
