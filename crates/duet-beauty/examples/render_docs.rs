//! Renders the pictures of docs/beauty.md from the committed fixtures:
//! `cargo run -p duet-beauty --example render_docs` (writes into `docs/beauty/`).

#[path = "../tests/support/mod.rs"]
mod support;

use duet_beauty::BeautyFilter;
use std::path::{Path, PathBuf};
use support::chart::chart;
use support::fixture::portrait;
use support::picture::{to_rgb, Rgb};
use support::portrait_masks::{away_from_skin, face, skin_texture};

/// The face and hair of the portrait, where the filters' effect shows: (left, top, width, height).
const CROP: (usize, usize, usize, usize) = (150, 40, 150, 170);

fn main() -> Result<(), duet_beauty::BeautyError> {
    let out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/beauty");
    std::fs::create_dir_all(&out_dir).expect("docs/beauty is writable");
    render_levels(&out_dir)?;
    render_chart(&out_dir)?;
    render_test_masks(&out_dir);
    println!("wrote pictures to {}", out_dir.display());
    Ok(())
}

/// The face at levels 0, 3, 6 and 9 (beauty and whiteness together) side by side; and beauty 9
/// alone next to the original, to show the smoothing without the whitening.
fn render_levels(out_dir: &Path) -> Result<(), duet_beauty::BeautyError> {
    let (x, y, w, h) = CROP;
    let mut filter = BeautyFilter::new();
    let mut crops = Vec::new();
    for level in [0, 3, 6, 9] {
        filter.set_beauty_level(level)?;
        filter.set_whiteness_level(level)?;
        let mut frame = portrait();
        filter.apply(&mut frame.as_frame_mut());
        crops.push(to_rgb(&frame).crop(x, y, w, h));
    }
    Rgb::side_by_side(&crops, 4).write_png(&out_dir.join("portrait-levels.png"));

    filter.set_beauty_level(9)?;
    filter.set_whiteness_level(0)?;
    let mut frame = portrait();
    filter.apply(&mut frame.as_frame_mut());
    let before = to_rgb(&portrait()).crop(x, y, w, h);
    let after = to_rgb(&frame).crop(x, y, w, h);
    Rgb::side_by_side(&[before, after], 4).write_png(&out_dir.join("portrait-beauty-9-only.png"));
    Ok(())
}

/// The synthetic chart before and after beauty 9.
fn render_chart(out_dir: &Path) -> Result<(), duet_beauty::BeautyError> {
    let mut filter = BeautyFilter::new();
    filter.set_beauty_level(9)?;
    let before = chart();
    let mut after = before.clone();
    filter.apply(&mut after.as_frame_mut());
    Rgb::side_by_side(&[to_rgb(&before), to_rgb(&after)], 4)
        .write_png(&out_dir.join("chart-level-9.png"));
    Ok(())
}

/// The portrait with the quality tests' regions painted on: skin-texture patches green, the
/// face ellipse's rim yellow, and the area counted as away from skin tinted blue.
fn render_test_masks(out_dir: &Path) {
    let frame = portrait();
    let mut picture = to_rgb(&frame);
    let (patches, face, away) = (skin_texture(&frame), face(&frame), away_from_skin(&frame));
    let face_rim = face.and(&face.eroded(2).not());
    for (i, pixel) in picture.pixels.chunks_exact_mut(3).enumerate() {
        let tint = if patches.bits[i] {
            Some([40u8, 220, 40])
        } else if face_rim.bits[i] {
            Some([255, 230, 0])
        } else if away.bits[i] {
            Some([40, 80, 255])
        } else {
            None
        };
        if let Some(tint) = tint {
            for (channel, tint) in pixel.iter_mut().zip(tint) {
                *channel = ((u16::from(*channel) + u16::from(tint)) / 2) as u8;
            }
        }
    }
    picture.halved().write_png(&out_dir.join("test-masks.png"));
}
