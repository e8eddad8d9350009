//! The committed portrait: scikit-image's `astronaut` (public domain) as a 512x512 I420 frame.

use duet_beauty::{Frame, PixelFormat, PlaneName};
use std::path::PathBuf;

/// Width and height of the portrait.
pub const PORTRAIT_SIZE: usize = 512;

/// The fixture folder, found from the crate root whatever the working directory.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The portrait as I420. The PNG stores the planes as one grey image (see the fixture README):
/// Y in the top 512 rows, then U (left) and V (right) side by side in the 256 rows below.
pub fn portrait() -> Frame {
    let (width, height, pixels) = read_grey_png(&fixtures_dir().join("astronaut-i420.png"));
    assert_eq!((width, height), (PORTRAIT_SIZE, PORTRAIT_SIZE * 3 / 2));
    let half = PORTRAIT_SIZE / 2;
    let mut frame = Frame::new(PixelFormat::I420, PORTRAIT_SIZE, PORTRAIT_SIZE).unwrap();
    frame
        .plane_mut(PlaneName::Y)
        .unwrap()
        .copy_from_slice(&pixels[..PORTRAIT_SIZE * PORTRAIT_SIZE]);
    for (plane, column) in [(PlaneName::U, 0), (PlaneName::V, half)] {
        let out = frame.plane_mut(plane).unwrap();
        for row in 0..half {
            let start = (PORTRAIT_SIZE + row) * width + column;
            out[row * half..(row + 1) * half].copy_from_slice(&pixels[start..start + half]);
        }
    }
    frame
}

/// The same picture with its chroma interleaved, as NV12.
pub fn to_nv12(frame: &Frame) -> Frame {
    let mut nv12 = Frame::new(PixelFormat::Nv12, frame.width(), frame.height()).unwrap();
    nv12.plane_mut(PlaneName::Y)
        .unwrap()
        .copy_from_slice(frame.plane(PlaneName::Y).unwrap());
    let u = frame.plane(PlaneName::U).unwrap();
    let v = frame.plane(PlaneName::V).unwrap();
    let uv = nv12.plane_mut(PlaneName::Uv).unwrap();
    for (i, (&u, &v)) in u.iter().zip(v).enumerate() {
        uv[2 * i] = u;
        uv[2 * i + 1] = v;
    }
    nv12
}

/// Decodes an 8-bit greyscale PNG into (width, height, pixels).
fn read_grey_png(path: &std::path::Path) -> (usize, usize, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    pixels.truncate(info.buffer_size());
    (info.width as usize, info.height as usize, pixels)
}

/// The portrait scaled (bilinear) to `height` lines and mirrored sideways to fill `width`, as a
/// stand-in for a camera frame of that size: a face in the middle, background at the sides.
pub fn portrait_frame(width: usize, height: usize) -> Frame {
    let source = portrait();
    let mut frame = Frame::new(PixelFormat::I420, width, height).unwrap();
    let scale = PORTRAIT_SIZE as f32 / height as f32;
    let left = (width as f32 - height as f32) / 2.0;
    let (chroma_width, chroma_height) = (width.div_ceil(2), height.div_ceil(2));
    for (plane, plane_width, plane_height, source_size) in [
        (PlaneName::Y, width, height, PORTRAIT_SIZE),
        (PlaneName::U, chroma_width, chroma_height, PORTRAIT_SIZE / 2),
        (PlaneName::V, chroma_width, chroma_height, PORTRAIT_SIZE / 2),
    ] {
        let from = source.plane(plane).unwrap();
        let subsampling = if plane == PlaneName::Y { 1.0 } else { 2.0 };
        let out = frame.plane_mut(plane).unwrap();
        for y in 0..plane_height {
            for x in 0..plane_width {
                let sx = mirror(
                    ((x as f32 + 0.5) * subsampling - left) * scale / subsampling - 0.5,
                    source_size,
                );
                let sy = mirror((y as f32 + 0.5) * scale - 0.5, source_size);
                out[y * plane_width + x] = bilinear(from, source_size, sx, sy);
            }
        }
    }
    frame
}

/// Reflects a coordinate into 0..size-1 (mirror padding).
fn mirror(position: f32, size: usize) -> f32 {
    let last = (size - 1) as f32;
    let period = 2.0 * last;
    let p = position.rem_euclid(period);
    if p > last {
        period - p
    } else {
        p
    }
}

/// Samples a square plane at a fractional position.
fn bilinear(plane: &[u8], size: usize, x: f32, y: f32) -> u8 {
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(size - 1), (y0 + 1).min(size - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let at = |x: usize, y: usize| f32::from(plane[y * size + x]);
    let top = at(x0, y0) + fx * (at(x1, y0) - at(x0, y0));
    let bottom = at(x0, y1) + fx * (at(x1, y1) - at(x0, y1));
    (top + fy * (bottom - top)).round() as u8
}
