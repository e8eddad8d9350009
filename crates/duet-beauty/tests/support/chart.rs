//! A synthetic test chart of edges and text, drawn in code so it needs no fixture.
//!
//! Its chroma is a skin tone everywhere: the filter's skin gate is fully open, so only the
//! guided filter's own edge test can keep the edges. That is the hard case; on a grey chart the
//! gate alone would leave everything untouched.

use duet_beauty::{Frame, PixelFormat, PlaneName};

/// Chart size: even, so chroma covers it exactly.
pub const CHART_WIDTH: usize = 384;
pub const CHART_HEIGHT: usize = 256;
/// Skin-tone chroma painted over the whole chart (the centre of typical skin, BT.601).
const SKIN_CB: u8 = 110;
const SKIN_CR: u8 = 150;
const PAPER: u8 = 180;
const INK: u8 = 60;

/// The chart as I420: bars of width 1 to 8, large and low-contrast step edges, a slanted edge,
/// a ring, and text at two sizes, dark on a light skin-toned ground.
pub fn chart() -> Frame {
    let mut luma = vec![PAPER; CHART_WIDTH * CHART_HEIGHT];
    let mut paint = |x0: usize, y0: usize, x1: usize, y1: usize, value: u8| {
        for y in y0..y1.min(CHART_HEIGHT) {
            for x in x0..x1.min(CHART_WIDTH) {
                luma[y * CHART_WIDTH + x] = value;
            }
        }
    };
    // Bars of growing width with equal gaps.
    let mut x = 16;
    for width in [1, 1, 2, 2, 3, 4, 6, 8] {
        paint(x, 16, x + width, 72, INK);
        x += 2 * width + 6;
    }
    // A high-contrast and a low-contrast (40 steps) block.
    paint(200, 16, 280, 72, INK);
    paint(296, 16, 368, 72, PAPER - 40);
    // A slanted edge and a ring.
    for y in 88..168 {
        for x in 16..176 {
            let slanted = (x as f32 - 16.0) > (y as f32 - 88.0) * 1.7;
            let (dx, dy) = (x as f32 - 120.0, y as f32 - 128.0);
            let ring = (dx * dx + dy * dy).sqrt();
            let value = if (24.0..30.0).contains(&ring) {
                INK
            } else if slanted {
                PAPER - 70
            } else {
                PAPER
            };
            luma[y * CHART_WIDTH + x] = value;
        }
    }
    draw_text(&mut luma, "DUET CALL 1080P", 196, 96, 2);
    draw_text(&mut luma, "DUET CALL 720P 1080P", 196, 136, 1);
    draw_text(&mut luma, "DUET 0128", 16, 184, 3);

    let mut frame = Frame::new(PixelFormat::I420, CHART_WIDTH, CHART_HEIGHT).unwrap();
    frame
        .plane_mut(PlaneName::Y)
        .unwrap()
        .copy_from_slice(&luma);
    frame.plane_mut(PlaneName::U).unwrap().fill(SKIN_CB);
    frame.plane_mut(PlaneName::V).unwrap().fill(SKIN_CR);
    frame
}

/// Draws `text` in a 5x7 bitmap font, each font pixel `scale` x `scale`, top-left at (x, y).
fn draw_text(luma: &mut [u8], text: &str, x: usize, y: usize, scale: usize) {
    for (index, letter) in text.chars().enumerate() {
        let left = x + index * 6 * scale;
        for (row, bits) in glyph(letter).iter().enumerate() {
            for column in 0..5 {
                if bits & (0b10000 >> column) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let (px, py) = (left + column * scale + dx, y + row * scale + dy);
                        if px < CHART_WIDTH && py < CHART_HEIGHT {
                            luma[py * CHART_WIDTH + px] = INK;
                        }
                    }
                }
            }
        }
    }
}

/// Rows of a 5x7 glyph, leftmost pixel in the highest of 5 bits.
fn glyph(letter: char) -> [u8; 7] {
    match letter {
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        _ => [0; 7],
    }
}
