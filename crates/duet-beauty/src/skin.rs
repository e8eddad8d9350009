//! How much a patch of picture looks like skin, from its mean luma and chroma.
//!
//! Skin of every complexion falls in a compact cluster of the CbCr plane (blood and melanin vary
//! the brightness far more than the hue); this is a soft ellipse around that cluster, so that the
//! filters fade in and out instead of switching, plus a gate that leaves near-black patches
//! (hair, shadows, pupils) alone.

/// Centre of the skin cluster, 8-bit BT.601 Cb and Cr.
const CENTRE_CB: f32 = 110.0;
const CENTRE_CR: f32 = 150.0;
/// Half-axes of the ellipse at which the weight reaches zero; the cluster is taller in Cr than
/// in Cb (from pale to dark complexions Cr moves more).
const REACH_CB: f32 = 16.0;
const REACH_CR: f32 = 20.0;
/// Inside this fraction of the ellipse the weight is 1.
const CORE: f32 = 0.6;
/// Patches darker than the first luma are never skin; full weight from the second on.
const DARK_LUMA: f32 = 30.0;
const LIT_LUMA: f32 = 60.0;

/// Skin weight in 0..=1 of a patch with mean luma `y` and mean chroma `cb`, `cr` (0..=255).
#[inline]
pub(crate) fn skin_weight(y: f32, cb: f32, cr: f32) -> f32 {
    let u = (cb - CENTRE_CB) / REACH_CB;
    let v = (cr - CENTRE_CR) / REACH_CR;
    let distance = (u * u + v * v).sqrt();
    let chroma = ((1.0 - distance) / (1.0 - CORE)).clamp(0.0, 1.0);
    let light = ((y - DARK_LUMA) / (LIT_LUMA - DARK_LUMA)).clamp(0.0, 1.0);
    smoothstep(chroma) * light
}

/// Eases a 0..=1 ramp so the weight has no kink where it starts and stops.
#[inline]
fn smoothstep(t: f32) -> f32 {
    t * t * (3.0 - 2.0 * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_skin_tones_are_skin() {
        // Cheek and forehead means measured on the astronaut portrait, and a darker complexion.
        for (y, cb, cr) in [
            (177.0, 112.0, 146.0),
            (185.0, 114.0, 143.0),
            (90.0, 106.0, 155.0),
        ] {
            assert_eq!(skin_weight(y, cb, cr), 1.0, "({y}, {cb}, {cr})");
        }
    }

    #[test]
    fn greys_saturated_colours_and_black_are_not() {
        // Neutral grey, the orange space suit, sky blue, green, and a dark skin-hued shadow.
        for (y, cb, cr) in [
            (128.0, 128.0, 128.0),
            (120.0, 95.0, 182.0),
            (150.0, 150.0, 110.0),
            (120.0, 90.0, 100.0),
            (20.0, 110.0, 150.0),
        ] {
            assert_eq!(skin_weight(y, cb, cr), 0.0, "({y}, {cb}, {cr})");
        }
    }

    #[test]
    fn weight_fades_smoothly_between() {
        let near = skin_weight(150.0, 110.0, 150.0 + 0.7 * REACH_CR);
        let far = skin_weight(150.0, 110.0, 150.0 + 0.9 * REACH_CR);
        assert!(near > far && far > 0.0 && near < 1.0);
    }
}
