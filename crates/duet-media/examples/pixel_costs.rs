//! Per-frame cost at 1280x720 of the pixel code a call runs on every captured frame: camera RGB
//! to I420, the test pattern, and the beauty filters at 7/7, in whatever profile it is built.
//!
//! `cargo run -p duet-media --example pixel_costs` shows the debug build the app runs under
//! `scripts/run.sh`; adding `--config 'profile.dev.package.duet-media.opt-level=0' --config
//! 'profile.dev.package.duet-beauty.opt-level=0'` shows it without the workspace's optimization
//! of those two crates (docs/benchmarks.md, Desktop app).

use std::hint::black_box;
use std::time::Instant;

use duet_media::convert::rgb_to_i420;
use duet_media::source::test_pattern::{render, PatternStamp};
use duet_media::{beauty_stage, VideoFrameFilter};

const FRAMES: u32 = 20;

fn per_frame_ms(mut f: impl FnMut(u32)) -> f64 {
    let start = Instant::now();
    for n in 0..FRAMES {
        f(n);
    }
    start.elapsed().as_secs_f64() * 1e3 / FRAMES as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (width, height) = (1280u32, 720u32);
    let rgb: Vec<u8> = (0..width * height * 3).map(|i| (i % 251) as u8).collect();
    let stamp = |frame_number| PatternStamp {
        frame_number,
        capture_time_us: 0,
    };

    let convert = per_frame_ms(|_| {
        black_box(rgb_to_i420(width, height, black_box(&rgb)).ok());
    });
    let pattern = per_frame_ms(|n| {
        black_box(render(width, height, stamp(n)).ok());
    });
    let (mut stage, _control) = beauty_stage(7, 7)?;
    let mut frame = render(width, height, stamp(1))?;
    let beauty = per_frame_ms(|_| stage.process(&mut frame));

    println!("1280x720 per frame (30 fps allows 33.3 ms):");
    for (what, ms) in [
        ("camera RGB -> I420", convert),
        ("test pattern", pattern),
        ("beauty 7, whiteness 7", beauty),
    ] {
        println!("  {what:<22} {ms:7.2} ms");
    }
    Ok(())
}
