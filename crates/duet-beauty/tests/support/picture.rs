//! Frames to RGB pictures and PNG files, to look at results and for the docs.

use duet_beauty::{Frame, PixelFormat, PlaneName};
use std::path::Path;

/// An RGB picture, 3 bytes per pixel, row-major.
pub struct Rgb {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

/// Converts a limited-range BT.601 I420 or NV12 frame to RGB.
pub fn to_rgb(frame: &Frame) -> Rgb {
    let (width, height) = (frame.width(), frame.height());
    let chroma_width = width.div_ceil(2);
    let luma = frame.plane(PlaneName::Y).unwrap();
    let chroma_at = |x: usize, y: usize| -> (f32, f32) {
        let i = (y / 2) * chroma_width + x / 2;
        match frame.format() {
            PixelFormat::I420 => (
                f32::from(frame.plane(PlaneName::U).unwrap()[i]),
                f32::from(frame.plane(PlaneName::V).unwrap()[i]),
            ),
            PixelFormat::Nv12 => {
                let uv = frame.plane(PlaneName::Uv).unwrap();
                (f32::from(uv[2 * i]), f32::from(uv[2 * i + 1]))
            }
        }
    };
    let mut pixels = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        for x in 0..width {
            let l = 1.164 * (f32::from(luma[y * width + x]) - 16.0);
            let (cb, cr) = chroma_at(x, y);
            let (cb, cr) = (cb - 128.0, cr - 128.0);
            for value in [l + 1.596 * cr, l - 0.392 * cb - 0.813 * cr, l + 2.017 * cb] {
                pixels.push(value.round().clamp(0.0, 255.0) as u8);
            }
        }
    }
    Rgb {
        width,
        height,
        pixels,
    }
}

impl Rgb {
    /// The rectangle at (`x`, `y`) of `width` x `height`.
    pub fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> Rgb {
        let mut pixels = Vec::with_capacity(width * height * 3);
        for row in y..y + height {
            let start = (row * self.width + x) * 3;
            pixels.extend_from_slice(&self.pixels[start..start + width * 3]);
        }
        Rgb {
            width,
            height,
            pixels,
        }
    }

    /// The picture at half the width and height, each pixel the mean of a 2x2 block.
    pub fn halved(&self) -> Rgb {
        let (width, height) = (self.width / 2, self.height / 2);
        let mut pixels = Vec::with_capacity(width * height * 3);
        for y in 0..height {
            for x in 0..width {
                for c in 0..3 {
                    let at = |dx: usize, dy: usize| {
                        u16::from(self.pixels[((2 * y + dy) * self.width + 2 * x + dx) * 3 + c])
                    };
                    pixels.push(((at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1) + 2) / 4) as u8);
                }
            }
        }
        Rgb {
            width,
            height,
            pixels,
        }
    }

    /// Pictures of equal height side by side, with a `gap` of white between them.
    pub fn side_by_side(pictures: &[Rgb], gap: usize) -> Rgb {
        let height = pictures[0].height;
        let width = pictures.iter().map(|p| p.width).sum::<usize>() + gap * (pictures.len() - 1);
        let mut pixels = vec![255; width * height * 3];
        let mut left = 0;
        for picture in pictures {
            assert_eq!(picture.height, height);
            for row in 0..height {
                let src = &picture.pixels[row * picture.width * 3..(row + 1) * picture.width * 3];
                let start = (row * width + left) * 3;
                pixels[start..start + src.len()].copy_from_slice(src);
            }
            left += picture.width + gap;
        }
        Rgb {
            width,
            height,
            pixels,
        }
    }

    /// Writes an 8-bit RGB PNG.
    pub fn write_png(&self, path: &Path) {
        let file =
            std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut encoder = png::Encoder::new(
            std::io::BufWriter::new(file),
            self.width as u32,
            self.height as u32,
        );
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&self.pixels).unwrap();
    }
}
