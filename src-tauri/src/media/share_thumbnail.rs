//! The screen-share picker's live thumbnails (docs/app-interface.md, `share_thumbnail`): one grab
//! of a screen or window, scaled down by duet-screen, handed to the page as RGBA pixels it draws
//! on a canvas. Not an image URL: the page's CSP loads images from the app only (no `data:`),
//! and raw pixels need no encoder; a 240x135 thumbnail is 130 KB (base64: 173 KB), once a second
//! per card while the picker is open.

use base64::Engine as _;
use duet_screen::{BgraImage, ScreenError, ShareTarget};
use serde::Serialize;

use crate::error::{AppError, AppResult};

/// The largest thumbnail the page may ask for: a picker card, not a preview of the share.
pub const MAX_SIDE: u32 = 640;

/// A thumbnail as the page draws it (`new ImageData(rgba, width, height)`).
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Thumbnail {
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// Its pixels, R, G, B, A (255) row by row, base64 (RFC 4648, padded).
    pub rgba: String,
}

/// A picture of `target` (a share-target id) at most `max_width` x `max_height`.
/// A minimised window gives a transparent picture of its shape, which the page shows as black.
pub fn thumbnail(target: &str, max_width: u32, max_height: u32) -> AppResult<Thumbnail> {
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
    Ok(Thumbnail {
        width: image.width,
        height: image.height,
        rgba: base64::engine::general_purpose::STANDARD.encode(rgba(&image)),
    })
}

/// `image`'s pixels as opaque RGBA, rows packed (a capture's alpha byte means nothing).
fn rgba(image: &BgraImage) -> Vec<u8> {
    let (width, height) = (image.width as usize, image.height as usize);
    let mut out = Vec::with_capacity(width * height * 4);
    for y in 0..height {
        let line = &image.data[y * image.stride..y * image.stride + width * 4];
        for bgra in line.chunks_exact(4) {
            out.extend_from_slice(&[bgra[2], bgra[1], bgra[0], 255]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pixels_go_out_as_opaque_rgba_rows() {
        let mut image = BgraImage::new(3, 2);
        // Top-left blue-green-red = 1,2,3; bottom-right 7,8,9 (alpha 0, as captures have it).
        image.data[0..4].copy_from_slice(&[1, 2, 3, 0]);
        let last = image.stride + 2 * 4;
        image.data[last..last + 4].copy_from_slice(&[7, 8, 9, 0]);
        let pixels = rgba(&image);
        assert_eq!(pixels.len(), 3 * 2 * 4);
        assert_eq!(&pixels[0..4], &[3, 2, 1, 255]);
        assert_eq!(&pixels[20..24], &[9, 8, 7, 255]);
    }

    #[test]
    fn bad_sizes_and_targets_are_refused_before_any_display_is_opened() {
        let refused = |target: &str, w, h| match thumbnail(target, w, h) {
            Err(AppError::Invalid(_)) => {}
            other => panic!("{target} {w}x{h}: {other:?}"),
        };
        refused("screen", 0, 100);
        refused("screen", 100, MAX_SIDE + 1);
        refused("window:not-a-number", 100, 100);
    }
}
