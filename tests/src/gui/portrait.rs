//! A person instead of a test pattern where the screenshots show video: a short Y4M clip panning
//! across the public-domain portrait of astronaut Eileen Collins that duet-beauty's tests ship
//! (crates/duet-beauty/tests/fixtures/, see its README for the source and licence). The pan keeps
//! the picture changing, which the GUI test checks to know frames flow.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The fixture: one 512x768 greyscale PNG holding a 512x512 I420 frame (Y, then U and V side by side).
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/duet-beauty/tests/fixtures/astronaut-i420.png")
}

/// The three planes of the 512x512 portrait.
struct Portrait {
    y: Vec<u8>,
    u: Vec<u8>,
    v: Vec<u8>,
}

const SIDE: usize = 512;

fn load() -> Portrait {
    let file = std::fs::File::open(fixture()).expect("the portrait fixture");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sized PNG")];
    let info = reader.next_frame(&mut pixels).expect("the PNG's pixels");
    assert_eq!(
        (info.width, info.height),
        (512, 768),
        "the fixture's layout"
    );
    let row = |r: usize| &pixels[r * SIDE..(r + 1) * SIDE];
    let y = (0..SIDE).flat_map(|r| row(r).to_vec()).collect();
    let half = SIDE / 2;
    let u = (0..half)
        .flat_map(|r| row(SIDE + r)[..half].to_vec())
        .collect();
    let v = (0..half)
        .flat_map(|r| row(SIDE + r)[half..].to_vec())
        .collect();
    Portrait { y, u, v }
}

/// Writes a `width`x`height` clip of `frames` frames at 30 fps to `path`: a window on the
/// portrait (scaled by `zoom` pixels of portrait per output pixel) sliding right and back,
/// mirrored when `mirror` (a second person's view need not look identical).
pub fn write_clip(
    path: &Path,
    width: usize,
    height: usize,
    frames: usize,
    zoom: f32,
    mirror: bool,
) {
    assert!(
        width.is_multiple_of(2) && height.is_multiple_of(2),
        "4:2:0 needs even sizes"
    );
    let portrait = load();
    let span_x = (width as f32 * zoom).min(SIDE as f32);
    let span_y = (height as f32 * zoom).min(SIDE as f32);
    let travel = SIDE as f32 - span_x;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("the clip file"));
    writeln!(out, "YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg").expect("write");
    for frame in 0..frames {
        // A triangle wave over the clip: left to right and back, so the loop has no jump.
        let phase = frame as f32 / frames.max(1) as f32;
        let x0 = travel * (1.0 - (2.0 * phase - 1.0).abs());
        let y0 = (SIDE as f32 - span_y) / 3.0;
        out.write_all(b"FRAME\n").expect("write");
        let sample = |plane: &[u8], side: usize, scale: usize, ox: usize, oy: usize| {
            let sx = ((x0 + ox as f32 * zoom * scale as f32) as usize / scale).min(side - 1);
            let sx = if mirror { side - 1 - sx } else { sx };
            let sy = ((y0 + oy as f32 * zoom * scale as f32) as usize / scale).min(side - 1);
            plane[sy * side + sx]
        };
        let luma: Vec<u8> = (0..height)
            .flat_map(|oy| (0..width).map(move |ox| (ox, oy)))
            .map(|(ox, oy)| sample(&portrait.y, SIDE, 1, ox, oy))
            .collect();
        out.write_all(&luma).expect("write");
        for plane in [&portrait.u, &portrait.v] {
            let chroma: Vec<u8> = (0..height / 2)
                .flat_map(|oy| (0..width / 2).map(move |ox| (ox, oy)))
                .map(|(ox, oy)| sample(plane, SIDE / 2, 2, ox, oy))
                .collect();
            out.write_all(&chroma).expect("write");
        }
    }
    out.flush().expect("write the clip");
}
