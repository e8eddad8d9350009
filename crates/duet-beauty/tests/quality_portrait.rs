//! Quality on a real face: scikit-image's `astronaut` portrait (public domain, see
//! `fixtures/README.md`). Masks come from a classical YCbCr skin rule and regions placed by hand
//! (`support/portrait_masks.rs`, drawn in `docs/beauty/test-masks.png`), not from the filter's
//! own skin detector.

mod support;

use duet_beauty::{BeautyFilter, Frame, PlaneName};
use support::fixture::{portrait, to_nv12};
use support::masks::Mask;
use support::metrics::{high_frequency_energy, mean, psnr};
use support::portrait_masks::{away_from_skin, face_skin, skin_texture};

fn filtered(frame: &Frame, beauty: u8, whiteness: u8) -> Frame {
    let mut filter = BeautyFilter::new();
    filter.set_beauty_level(beauty).unwrap();
    filter.set_whiteness_level(whiteness).unwrap();
    let mut out = frame.clone();
    filter.apply(&mut out.as_frame_mut());
    out
}

fn luma(frame: &Frame) -> &[u8] {
    frame.plane(PlaneName::Y).unwrap()
}

#[test]
fn level_nine_removes_at_least_half_of_the_skin_detail() {
    let before = portrait();
    let after = filtered(&before, 9, 0);
    let skin = skin_texture(&before);
    let ratio =
        high_frequency_energy(luma(&after), &skin) / high_frequency_energy(luma(&before), &skin);
    eprintln!("skin high-frequency energy after/before at level 9: {ratio:.3}");
    // The bound: skin texture energy falls by at least half at the strongest level.
    assert!(ratio <= 0.5, "energy ratio {ratio:.3} > 0.5");
}

#[test]
fn smoothing_grows_with_the_level() {
    let before = portrait();
    let skin = skin_texture(&before);
    let energies: Vec<f64> = (0..=9)
        .map(|level| high_frequency_energy(luma(&filtered(&before, level, 0)), &skin))
        .collect();
    eprintln!("skin high-frequency energy by level: {energies:.2?}");
    for (level, pair) in energies.windows(2).enumerate() {
        assert!(
            pair[1] < pair[0],
            "level {} does not smooth more than {level}",
            level + 1
        );
    }
}

#[test]
fn areas_away_from_skin_barely_change() {
    let before = portrait();
    let after = filtered(&before, 9, 9);
    // Skin a little way off may legitimately pull nearby pixels: see FILTER_REACH.
    let away = away_from_skin(&before);
    assert!(
        away.count() > before.width() * before.height() / 5,
        "too little non-skin left"
    );
    let away_psnr = psnr(luma(&before), luma(&after), &away);
    eprintln!("PSNR away from skin at beauty 9 + whiteness 9: {away_psnr:.1} dB");
    // 45 dB is a mean squared change below 2.1 steps^2, about a step and a half RMS: invisible,
    // and far below what the filter does to skin (see the next assertion).
    assert!(away_psnr >= 45.0, "{away_psnr:.1} dB");
    // And the contrast: on skin the same filter does change the picture, by more than 8 steps
    // RMS (below 30 dB), so the bound above is not met by a filter that does nothing.
    let skin_psnr = psnr(luma(&before), luma(&after), &skin_texture(&before));
    assert!(
        skin_psnr < 30.0,
        "skin barely changed either: {skin_psnr:.1} dB"
    );
}

#[test]
fn whitening_raises_skin_luma_with_every_level() {
    let before = portrait();
    let skin = face_skin(&before);
    let means: Vec<f64> = (0..=9)
        .map(|level| mean(luma(&filtered(&before, 0, level)), &skin))
        .collect();
    eprintln!("mean skin luma by whiteness level: {means:.1?}");
    for (level, pair) in means.windows(2).enumerate() {
        assert!(
            pair[1] > pair[0],
            "level {} is not brighter than {level}",
            level + 1
        );
    }
}

#[test]
fn level_zero_passes_the_frame_through_exactly() {
    let before = portrait();
    assert_eq!(filtered(&before, 0, 0), before);
}

#[test]
fn whitening_alone_leaves_non_skin_untouched() {
    let before = portrait();
    let after = filtered(&before, 0, 9);
    let away = away_from_skin(&before);
    let away_psnr = psnr(luma(&before), luma(&after), &away);
    // The whitening weight is the skin weight averaged over 3x3 cells; away from skin it is 0,
    // or so small that a pixel moves by a step at most, rarely: 50 dB is 0.2 steps RMS.
    assert!(away_psnr >= 50.0, "{away_psnr:.1} dB");
}

#[test]
fn nv12_gives_the_same_luma_as_i420() {
    let i420 = portrait();
    let nv12 = to_nv12(&i420);
    for (beauty, whiteness) in [(9, 0), (0, 9), (5, 7)] {
        assert_eq!(
            luma(&filtered(&i420, beauty, whiteness)),
            luma(&filtered(&nv12, beauty, whiteness)),
            "beauty {beauty}, whiteness {whiteness}"
        );
    }
}

#[test]
fn a_still_scene_does_not_flicker() {
    // Two captures of the same still scene differ only by sensor noise. The filter has no
    // memory and is deterministic, so it cannot add frame-to-frame change of its own; on skin it
    // must remove part of the noise, and elsewhere at least not amplify it.
    let scene = portrait();
    let first = with_noise(&scene, 1);
    let second = with_noise(&scene, 2);
    let skin = skin_texture(&scene);
    let everywhere = Mask::full(scene.width(), scene.height());
    let (raw_skin, raw_all) = (
        frame_difference(&first, &second, &skin),
        frame_difference(&first, &second, &everywhere),
    );
    let (a, b) = (filtered(&first, 9, 9), filtered(&second, 9, 9));
    let (out_skin, out_all) = (
        frame_difference(&a, &b, &skin),
        frame_difference(&a, &b, &everywhere),
    );
    eprintln!("frame-to-frame change, skin: {raw_skin:.2} -> {out_skin:.2}");
    eprintln!("frame-to-frame change, all: {raw_all:.2} -> {out_all:.2}");
    assert_eq!(filtered(&first, 9, 9), a, "same input, same output");
    // On skin, level 9 replaces most of each pixel by a window mean, which averages the noise
    // away; 0.75 leaves room for whitening, whose curve is steeper than 1 in the shadows.
    assert!(
        out_skin < 0.75 * raw_skin,
        "skin: {out_skin:.2} vs {raw_skin:.2}"
    );
    // Over the whole frame the change may not grow by more than 5 %, the most that whitening's
    // stretch of skin tones could add where smoothing is held back by edges.
    assert!(
        out_all <= raw_all * 1.05,
        "all: {out_all:.2} vs {raw_all:.2}"
    );
}

/// The frame with deterministic uniform noise of +-3 steps on luma (a webcam in a lit room).
fn with_noise(frame: &Frame, seed: u64) -> Frame {
    let mut noisy = frame.clone();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for value in noisy.plane_mut(PlaneName::Y).unwrap() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 7) as i16 - 3;
        *value = (i16::from(*value) + noise).clamp(0, 255) as u8;
    }
    noisy
}

/// Mean absolute luma difference between two frames over a mask.
fn frame_difference(a: &Frame, b: &Frame, mask: &Mask) -> f64 {
    let diffs: Vec<f64> = luma(a)
        .iter()
        .zip(luma(b))
        .zip(&mask.bits)
        .filter(|(_, &inside)| inside)
        .map(|((&x, &y), _)| f64::from(x.abs_diff(y)))
        .collect();
    diffs.iter().sum::<f64>() / diffs.len() as f64
}
