//! The captured picture: 32-bit BGRA, and the per-pixel work on it (copy out of the X image,
//! cursor blending, thumbnail scaling).

/// A picture in B, G, R, A byte order, `stride` bytes per row (`stride >= width * 4`).
///
/// Captured frames are opaque (A = 255) except where nothing could be read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BgraImage {
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub data: Vec<u8>,
}

impl BgraImage {
    /// A transparent black picture.
    pub fn new(width: u32, height: u32) -> Self {
        let mut image = BgraImage::default();
        image.reshape(width, height);
        image
    }

    /// The B, G, R, A bytes at (`x`, `y`), or `None` outside the picture.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let at = y as usize * self.stride + x as usize * 4;
        let p = self.data.get(at..at + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }

    /// Sets the size, keeping the allocation when it is big enough (contents undefined).
    pub(crate) fn reshape(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = height;
        self.stride = width as usize * 4;
        self.data.resize(self.stride * height as usize, 0);
    }

    /// Copies a 32-bits-per-pixel X image (`src_stride` bytes a row) into this picture's size,
    /// making it opaque. `msb_first`: the server's image byte order is big-endian (A,R,G,B).
    pub(crate) fn copy_from_x(&mut self, src: &[u8], src_stride: usize, msb_first: bool) {
        if !msb_first {
            return self.copy_from_rows(src, src_stride, false);
        }
        self.copy_rows(src, src_stride, |dst, src| {
            for (d, s) in dst.chunks_exact_mut(4).zip(src.chunks_exact(4)) {
                d.copy_from_slice(&[s[3], s[2], s[1], 255]);
            }
        });
    }

    /// Copies rows of 4-byte pixels (`src_stride` bytes a row) into this picture's size, making
    /// it opaque: B, G, R, x order, or R, G, B, x with `red_first` (PipeWire's `RGBx`).
    pub(crate) fn copy_from_rows(&mut self, src: &[u8], src_stride: usize, red_first: bool) {
        self.copy_rows(src, src_stride, |dst, src| {
            dst.copy_from_slice(src);
            for d in dst.chunks_exact_mut(4) {
                if red_first {
                    d.swap(0, 2);
                }
                d[3] = 255;
            }
        });
    }

    /// Fills each row of this picture from the same row of `src` (`src_stride` bytes a row)
    /// with `row(dst, src)`, both `width * 4` bytes; rows `src` is too short for come out
    /// transparent black.
    fn copy_rows(&mut self, src: &[u8], src_stride: usize, row: impl Fn(&mut [u8], &[u8])) {
        let row_bytes = self.width as usize * 4;
        for (y, dst) in self.data.chunks_exact_mut(self.stride).enumerate() {
            let dst = &mut dst[..row_bytes];
            match src.get(y * src_stride..y * src_stride + row_bytes) {
                Some(src) => row(dst, src),
                None => dst.fill(0),
            }
        }
    }

    /// Blends a premultiplied ARGB cursor (`argb`, `w` x `h`, as XFixes gives it) with its
    /// top-left corner at (`left`, `top`) in this picture; the parts outside are clipped.
    pub(crate) fn blend_cursor(&mut self, argb: &[u32], w: u32, h: u32, left: i32, top: i32) {
        if argb.len() < w as usize * h as usize {
            return;
        }
        let x0 = left.max(0);
        let y0 = top.max(0);
        let x1 = (left + w as i32).min(self.width as i32);
        let y1 = (top + h as i32).min(self.height as i32);
        for y in y0..y1 {
            let src_row = &argb[(y - top) as usize * w as usize..][..w as usize];
            let dst_row = &mut self.data[y as usize * self.stride..];
            for x in x0..x1 {
                let p = src_row[(x - left) as usize];
                let a = p >> 24;
                if a == 0 {
                    continue;
                }
                let d = &mut dst_row[x as usize * 4..x as usize * 4 + 3];
                // Premultiplied "over": out = src + dst * (255 - a) / 255.
                for (i, d) in d.iter_mut().enumerate() {
                    let s = (p >> (8 * i)) & 0xff;
                    *d = (s + (u32::from(*d) * (255 - a) + 127) / 255).min(255) as u8;
                }
            }
        }
    }

    /// A copy scaled to fit in `max_width` x `max_height` with the aspect ratio kept (never
    /// larger than the original), by averaging the source pixels each output pixel covers.
    pub fn scaled_to_fit(&self, max_width: u32, max_height: u32) -> BgraImage {
        let (w, h) = fit(self.width, self.height, max_width, max_height);
        let mut out = BgraImage::new(w, h);
        if w == 0 || h == 0 {
            return out;
        }
        for oy in 0..h {
            let sy0 = (oy as u64 * self.height as u64 / h as u64) as usize;
            let sy1 =
                (((oy + 1) as u64 * self.height as u64).div_ceil(h as u64) as usize).max(sy0 + 1);
            for ox in 0..w {
                let sx0 = (ox as u64 * self.width as u64 / w as u64) as usize;
                let sx1 = (((ox + 1) as u64 * self.width as u64).div_ceil(w as u64) as usize)
                    .max(sx0 + 1);
                let mut sum = [0u64; 4];
                for sy in sy0..sy1 {
                    let row = &self.data[sy * self.stride..];
                    for p in row[sx0 * 4..sx1 * 4].chunks_exact(4) {
                        for (s, &v) in sum.iter_mut().zip(p) {
                            *s += u64::from(v);
                        }
                    }
                }
                let n = ((sy1 - sy0) * (sx1 - sx0)) as u64;
                let at = oy as usize * out.stride + ox as usize * 4;
                for (d, s) in out.data[at..at + 4].iter_mut().zip(sum) {
                    *d = ((s + n / 2) / n) as u8;
                }
            }
        }
        out
    }
}

/// The largest size with `width:height`'s aspect that fits in the box and is not larger.
pub(crate) fn fit(width: u32, height: u32, max_width: u32, max_height: u32) -> (u32, u32) {
    if width == 0 || height == 0 || max_width == 0 || max_height == 0 {
        return (0, 0);
    }
    let (w, h) = (u64::from(width), u64::from(height));
    let (mw, mh) = (
        u64::from(max_width.min(width)),
        u64::from(max_height.min(height)),
    );
    // Width-limited unless that makes it too tall.
    let (ow, oh) = if mw * h <= mh * w {
        (mw, (mw * h + w / 2) / w)
    } else {
        ((mh * w + h / 2) / h, mh)
    };
    (ow.max(1) as u32, oh.max(1) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_keeps_aspect_and_never_enlarges() {
        assert_eq!(fit(1920, 1080, 320, 320), (320, 180));
        assert_eq!(fit(1080, 1920, 320, 320), (180, 320));
        assert_eq!(fit(100, 50, 1000, 1000), (100, 50));
        assert_eq!(fit(10000, 1, 100, 100), (100, 1));
        assert_eq!(fit(0, 10, 100, 100), (0, 0));
    }

    #[test]
    fn cursor_blend_is_premultiplied_over_and_clipped() {
        let mut img = BgraImage::new(4, 4);
        img.data.fill(100);
        // Half-transparent white (premultiplied: 128) at (-1,-1), 2x2: only (0,0) is inside.
        let half = 0x80_80_80_80u32;
        img.blend_cursor(&[half; 4], 2, 2, -1, -1);
        assert_eq!(img.pixel(0, 0).unwrap()[..3], [128 + 50; 3]);
        assert_eq!(img.pixel(1, 1).unwrap(), [100; 4]);
        // A short pixel buffer is ignored, not a panic.
        img.blend_cursor(&[half; 3], 2, 2, 0, 0);
        img.blend_cursor(&[0xff00_0000; 4], 2, 2, 3, 3);
        assert_eq!(img.pixel(3, 3).unwrap()[..3], [0; 3]);
    }

    #[test]
    fn pixel_rows_copy_opaque_in_either_channel_order_and_short_rows_come_out_black() {
        let mut img = BgraImage::new(2, 2);
        // Row stride 12: 8 bytes of pixels and 4 of padding; the second row is cut short.
        let src = [1, 2, 3, 0, 4, 5, 6, 0, 7, 7, 7, 7, 8, 8];
        img.copy_from_rows(&src, 12, false);
        assert_eq!(img.pixel(0, 0), Some([1, 2, 3, 255]));
        assert_eq!(img.pixel(1, 0), Some([4, 5, 6, 255]));
        assert_eq!(img.pixel(0, 1), Some([0, 0, 0, 0]));
        img.copy_from_rows(&src, 12, true);
        assert_eq!(img.pixel(0, 0), Some([3, 2, 1, 255]));
    }

    #[test]
    fn x_image_copy_is_opaque_in_both_byte_orders() {
        let mut img = BgraImage::new(2, 1);
        img.copy_from_x(&[1, 2, 3, 0, 4, 5, 6, 0, 9, 9], 10, false);
        assert_eq!(img.data, [1, 2, 3, 255, 4, 5, 6, 255]);
        img.copy_from_x(&[0, 3, 2, 1, 0, 6, 5, 4], 8, true);
        assert_eq!(img.data, [1, 2, 3, 255, 4, 5, 6, 255]);
    }
}
