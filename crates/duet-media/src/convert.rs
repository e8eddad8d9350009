//! Pixel format conversion for camera frames (scaling is in `scale.rs`).

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
}
