//! The screen-share picker's live thumbnails (docs/app-interface.md, `share_thumbnail`): one grab
//! of a screen or window, scaled down by duet-screen, handed to the page as a `data:image/png` URL
//! an `<img>` shows as it is (the page's CSP allows `data:` images for this). PNG at its fastest
//! setting: a 240x135 thumbnail encodes in well under a millisecond, once a second per card.

use crate::error::{AppError, AppResult};
use base64::Engine as _;
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
    let encoded = base64::engine::general_purpose::STANDARD.encode(png(&image)?);
    Ok(format!("data:image/png;base64,{encoded}"))
}

/// `image` as a PNG (alpha dropped: a capture's alpha byte means nothing).
fn png(image: &BgraImage) -> AppResult<Vec<u8>> {
    let (width, height) = (image.width as usize, image.height as usize);
    let mut rgb = Vec::with_capacity(width * height * 3);
    for y in 0..height {
        let line = &image.data[y * image.stride..y * image.stride + width * 4];
        for bgra in line.chunks_exact(4) {
            rgb.extend_from_slice(&[bgra[2], bgra[1], bgra[0]]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // A thumbnail is redrawn every second: fast beats small.
    encoder.set_compression(png::Compression::Fast);
    let encoded = encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&rgb));
    encoded.map_err(|e| AppError::Media(format!("thumbnail not encoded: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_keeps_each_pixels_colour() {
        let mut image = BgraImage::new(3, 2);
        // Top-left blue-green-red = 1,2,3; bottom-right 7,8,9.
        image.data[0..4].copy_from_slice(&[1, 2, 3, 255]);
        let last = image.stride + 2 * 4;
        image.data[last..last + 4].copy_from_slice(&[7, 8, 9, 255]);
        let file = png(&image).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(file))
            .read_info()
            .unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&rgb[0..3], &[3, 2, 1]);
        assert_eq!(&rgb[15..18], &[9, 8, 7]);
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
