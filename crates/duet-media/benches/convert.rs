//! Camera RGB -> I420 conversion cost per frame: `duet_media::convert::rgb_to_i420` (the `yuv`
//! crate's SIMD code) against a plain scalar loop as the baseline, in the same run.
//!
//! Run: `cargo bench -p duet-media --bench convert`. Prints the median milliseconds per frame at
//! 640x480 and 1280x720, the scalar loop's time and the ratio, and the largest difference
//! between the two outputs' luma (the scalar loop takes chroma from one pixel of four, the
//! library averages all four, so only luma is compared).

use std::hint::black_box;
use std::time::Instant;

use duet_media::convert::rgb_to_i420;

/// The straightforward per-pixel conversion (BT.601 limited range), the baseline.
fn scalar_rgb_to_i420(width: usize, height: usize, rgb: &[u8]) -> Vec<u8> {
    let chroma = width.div_ceil(2) * height.div_ceil(2);
    let mut out = vec![0u8; width * height + 2 * chroma];
    let (luma, chroma_planes) = out.split_at_mut(width * height);
    let (u, v) = chroma_planes.split_at_mut(chroma);
    for y in 0..height {
        for x in 0..width {
            let i = (y * width + x) * 3;
            let (r, g, b) = (rgb[i] as i32, rgb[i + 1] as i32, rgb[i + 2] as i32);
            luma[y * width + x] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
            if x % 2 == 0 && y % 2 == 0 {
                let c = (y / 2) * width.div_ceil(2) + x / 2;
                u[c] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
                v[c] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128).clamp(0, 255) as u8;
            }
        }
    }
    out
}

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    for (width, height) in [(640usize, 480usize), (1280, 720)] {
        // A camera-like picture: smooth gradients with some texture.
        let rgb: Vec<u8> = (0..width * height)
            .flat_map(|p| {
                let (x, y) = (p % width, p / width);
                [
                    (x * 255 / width) as u8,
                    (y * 255 / height) as u8,
                    ((x ^ y) & 0xff) as u8,
                ]
            })
            .collect();
        let library = median_ms(60, || {
            black_box(rgb_to_i420(width as u32, height as u32, black_box(&rgb)).expect("convert"));
        });
        let scalar = median_ms(60, || {
            black_box(scalar_rgb_to_i420(width, height, black_box(&rgb)));
        });
        let ours = rgb_to_i420(width as u32, height as u32, &rgb).expect("convert");
        let reference = scalar_rgb_to_i420(width, height, &rgb);
        let luma_diff = ours
            .y
            .iter()
            .zip(&reference[..width * height])
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap_or(0);
        println!(
            "{width}x{height} RGB -> I420   {library:6.2} ms  baseline (scalar loop) {scalar:6.2} ms  \
             ratio {:.2}  max luma difference {luma_diff}",
            library / scalar
        );
    }
}
