//! Pixel format conversion and scaling for camera frames.

use crate::error::MediaResult;
use crate::frame::I420Frame;

/// Converts packed 8-bit RGB to I420 with BT.601 limited-range coefficients.
pub fn rgb_to_i420(width: u32, height: u32, rgb: &[u8]) -> MediaResult<I420Frame> {
    let mut frame = I420Frame::black(width, height)?;
    let (w, h) = (width as usize, height as usize);
    if rgb.len() < w * h * 3 {
        return Err(crate::error::MediaError::InvalidFrame(format!(
            "RGB buffer of {} bytes too short for {width}x{height}",
            rgb.len()
        )));
    }
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 3;
            let (r, g, b) = (rgb[i] as i32, rgb[i + 1] as i32, rgb[i + 2] as i32);
            frame.y[y * w + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
            if x % 2 == 0 && y % 2 == 0 {
                let ci = (y / 2) * frame.stride_uv + x / 2;
                frame.u[ci] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
                frame.v[ci] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
            }
        }
    }
    Ok(frame)
}

/// Scales a frame to `width`x`height` by nearest neighbour (cheap; cameras rarely need it).
pub fn scale_nearest(src: &I420Frame, width: u32, height: u32) -> MediaResult<I420Frame> {
    if src.width == width && src.height == height {
        return Ok(src.clone());
    }
    let mut dst = I420Frame::black(width, height)?;
    dst.capture_time_us = src.capture_time_us;
    for y in 0..height as usize {
        let sy = y * src.height as usize / height as usize;
        for x in 0..width as usize {
            let sx = x * src.width as usize / width as usize;
            dst.y[y * dst.stride_y + x] = src.y[sy * src.stride_y + sx];
        }
    }
    for y in 0..dst.chroma_height() {
        let sy = (y * src.chroma_height() / dst.chroma_height()).min(src.chroma_height() - 1);
        for x in 0..dst.chroma_width() {
            let sx = (x * src.chroma_width() / dst.chroma_width()).min(src.chroma_width() - 1);
            dst.u[y * dst.stride_uv + x] = src.u[sy * src.stride_uv + sx];
            dst.v[y * dst.stride_uv + x] = src.v[sy * src.stride_uv + sx];
        }
    }
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_and_black_map_to_limited_range() {
        let mut rgb = vec![255u8; 4 * 2 * 3];
        rgb[..6].fill(0);
        let f = rgb_to_i420(4, 2, &rgb).unwrap();
        assert_eq!(f.y[0], 16);
        assert_eq!(f.y[2], 235);
        assert!(rgb_to_i420(4, 2, &rgb[..5]).is_err());
    }

    #[test]
    fn scaling_keeps_the_picture() {
        let f = crate::source::test_pattern::render(
            640,
            480,
            crate::source::test_pattern::PatternStamp {
                frame_number: 42,
                capture_time_us: 1,
            },
        )
        .unwrap();
        let small = scale_nearest(&f, 320, 240).unwrap();
        let stamp = crate::source::test_pattern::decode_stamp(&small).unwrap();
        assert_eq!(stamp.frame_number, 42);
    }
}
