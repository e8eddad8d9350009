//! The screen-share picker's live thumbnails (docs/app-interface.md, `share_thumbnail`): one grab
//! of a screen or window, scaled down by duet-screen, handed to the page as a `data:image/bmp`
//! URL an `<img>` shows as it is. BMP because it is the capture's own BGR bytes behind a 54-byte
//! header: no encoder to link or to spend CPU on, and a 240x135 picture is 97 KB, once a second.

use crate::error::{AppError, AppResult};
use duet_screen::{BgraImage, ScreenError, ShareTarget};

/// The largest thumbnail the page may ask for: a picker card, not a preview of the share.
pub const MAX_SIDE: u32 = 640;

/// A picture of `target` (a share-target id) at most `max_width` x `max_height`, as a data URL.
/// A minimised window gives a transparent picture of its shape, which the page shows as black.
pub fn thumbnail_url(target: &str, max_width: u32, max_height: u32) -> AppResult<String> {
    if !(1..=MAX_SIDE).contains(&max_width) || !(1..=MAX_SIDE).contains(&max_height) {
        return Err(AppError::Invalid(format!(
            "thumbnail size {max_width}x{max_height} is not within 1..={MAX_SIDE}"
        )));
    }
    let parsed: ShareTarget = target
        .parse()
        .map_err(|e: ScreenError| AppError::Invalid(format!("share target `{target}`: {e}")))?;
    let image = duet_screen::thumbnail(&parsed, max_width, max_height)
        .map_err(|e| AppError::Media(format!("thumbnail of `{target}`: {e}")))?;
    Ok(format!("data:image/bmp;base64,{}", base64(&bmp(&image))))
}

/// A 24-bit top-down BMP of `image` (alpha dropped; rows padded to 4 bytes as BMP wants).
fn bmp(image: &BgraImage) -> Vec<u8> {
    let (width, height) = (image.width as usize, image.height as usize);
    let row = (width * 3).div_ceil(4) * 4;
    let pixels = row * height;
    let mut out = Vec::with_capacity(54 + pixels);
    let le32 = |out: &mut Vec<u8>, v: u32| out.extend_from_slice(&v.to_le_bytes());
    out.extend_from_slice(b"BM");
    // Sizes fit u32: the picture is at most MAX_SIDE squared.
    le32(&mut out, (54 + pixels) as u32);
    le32(&mut out, 0);
    le32(&mut out, 54);
    le32(&mut out, 40);
    le32(&mut out, image.width);
    // Negative height: rows top to bottom, as captured.
    out.extend_from_slice(&(-(image.height as i32)).to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&24u16.to_le_bytes());
    for value in [0, pixels as u32, 2835, 2835, 0, 0] {
        le32(&mut out, value);
    }
    for y in 0..height {
        let line = &image.data[y * image.stride..y * image.stride + width * 4];
        for bgra in line.chunks_exact(4) {
            out.extend_from_slice(&bgra[..3]);
        }
        out.resize(out.len() + row - width * 3, 0);
    }
    out
}

/// Standard base64 with padding (RFC 4648), for the data URL.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_follows_rfc_4648() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn the_bmp_keeps_each_pixels_colour_top_row_first_with_padded_rows() {
        let mut image = BgraImage::new(3, 2);
        // Top-left blue-green-red = 1,2,3; bottom-right 7,8,9.
        image.data[0..4].copy_from_slice(&[1, 2, 3, 255]);
        let last = image.stride + 2 * 4;
        image.data[last..last + 4].copy_from_slice(&[7, 8, 9, 255]);
        let file = bmp(&image);
        // 3 pixels of 3 bytes, padded to 12 per row.
        assert_eq!(file.len(), 54 + 12 * 2);
        assert_eq!(&file[0..2], b"BM");
        assert_eq!(i32::from_le_bytes(file[22..26].try_into().unwrap()), -2);
        assert_eq!(&file[54..57], &[1, 2, 3]);
        assert_eq!(&file[54 + 12 + 6..54 + 12 + 9], &[7, 8, 9]);
    }

    #[test]
    fn bad_sizes_and_targets_are_refused_before_any_display_is_opened() {
        let refused = |target: &str, w, h| match thumbnail_url(target, w, h) {
            Err(AppError::Invalid(_)) => {}
            other => panic!("{target} {w}x{h}: {other:?}"),
        };
        refused("screen", 0, 100);
        refused("screen", 100, MAX_SIDE + 1);
        refused("window:not-a-number", 100, 100);
    }
}
