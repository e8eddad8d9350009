//! The regions of the portrait that the quality tests measure, drawn in
//! `docs/beauty/test-masks.png`. None comes from the filter's own skin detector.

use super::masks::Mask;
use duet_beauty::Frame;

/// Patches of bare skin in the 512x512 portrait, placed by eye: both cheeks, the nose bridge,
/// the forehead between fringe and brows, and the chin, as (left, top, width, height). They
/// hold skin texture (freckles, pores) and no feature edges: a pixel beside an eye or the lips
/// keeps its detail by design, so it would not measure smoothing.
pub const SKIN_PATCHES: [(usize, usize, usize, usize); 5] = [
    (190, 112, 18, 24),
    (248, 112, 16, 24),
    (220, 112, 10, 14),
    (212, 84, 30, 7),
    (212, 158, 26, 12),
];

/// How far the filter reaches at this size, in pixels, plus margin: pixels this far from any
/// skin-coloured pixel are "away from skin". The statistics window spans 2 cells of 2 pixels on
/// each side, the line average 1 more cell, and interpolation 1 more: 8 pixels; 12 leaves room
/// for the classical rule and the filter's soft gate disagreeing at the rim of a skin area.
pub const FILTER_REACH: usize = 12;

/// The skin patches, less any pixel that the classical YCbCr rule does not call skin.
pub fn skin_texture(frame: &Frame) -> Mask {
    Mask::rectangles(frame.width(), frame.height(), &SKIN_PATCHES).and(&Mask::ycbcr_skin(frame))
}

/// The face, placed by eye: forehead below the fringe to the chin, cheek to cheek.
pub fn face(frame: &Frame) -> Mask {
    Mask::ellipse(frame.width(), frame.height(), (224.0, 128.0), (38.0, 48.0))
}

/// Skin-coloured pixels of the face by the classical rule (eyes and teeth included).
pub fn face_skin(frame: &Frame) -> Mask {
    face(frame).and(&Mask::ycbcr_skin(frame))
}

/// Pixels farther than [`FILTER_REACH`] from anything the classical rule calls skin.
pub fn away_from_skin(frame: &Frame) -> Mask {
    Mask::ycbcr_skin(frame).dilated(FILTER_REACH).not()
}
