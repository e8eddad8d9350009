//! A 1280x720 30 fps moving test picture as a Y4M file, for the bot's `--video FILE.y4m` in the
//! 720p benchmark (duet-cli's built-in `testsrc` is 640x480; Y4M files play at their own size and
//! frame rate, looping).

use std::io::{BufWriter, Write};
use std::path::Path;

pub const WIDTH: usize = 1280;
pub const HEIGHT: usize = 720;
pub const FPS: usize = 30;

/// Writes `frames` frames: diagonal luma ramps and a bright block that move every frame, with
/// chroma bands, so every frame differs and the encoder has real work.
pub fn write_720p(path: &Path, frames: usize) -> std::io::Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg"
    )?;
    let (cw, ch) = (WIDTH / 2, HEIGHT / 2);
    let mut y = vec![0u8; WIDTH * HEIGHT];
    let mut u = vec![0u8; cw * ch];
    let mut v = vec![0u8; cw * ch];
    for n in 0..frames {
        let shift = n * 8;
        let block_x = (n * 37) % (WIDTH - 160);
        let block_y = (n * 23) % (HEIGHT - 160);
        for row in 0..HEIGHT {
            for col in 0..WIDTH {
                let in_block = (block_x..block_x + 160).contains(&col)
                    && (block_y..block_y + 160).contains(&row);
                y[row * WIDTH + col] = if in_block {
                    235
                } else {
                    ((col + row + shift) % 200 + 16) as u8
                };
            }
        }
        for row in 0..ch {
            for col in 0..cw {
                u[row * cw + col] = ((col * 4 + shift) % 224 + 16) as u8;
                v[row * cw + col] = ((row * 4 + n * 3) % 224 + 16) as u8;
            }
        }
        out.write_all(b"FRAME\n")?;
        out.write_all(&y)?;
        out.write_all(&u)?;
        out.write_all(&v)?;
    }
    out.flush()
}

/// Writes `frames` frames of duet-media's own test pattern (`testsrc`: moving bars and a box
/// under the frame-number code) at 1280x720 and [`FPS`]: what duet-cli's `--video testsrc` sends,
/// at 720p. It is ordinary camera-like content for VP8, unlike [`write_720p`]'s every-pixel
/// motion, which libvpx can only send at a fraction of 30 fps within 2 Mbit/s.
pub fn write_testsrc_720p(path: &Path, frames: usize) -> std::io::Result<()> {
    use duet_media::source::test_pattern::{render, PatternStamp};
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    writeln!(
        out,
        "YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg"
    )?;
    for n in 0..frames {
        let stamp = PatternStamp {
            frame_number: n as u32,
            capture_time_us: 0,
        };
        let frame = render(WIDTH as u32, HEIGHT as u32, stamp)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        out.write_all(b"FRAME\n")?;
        for row in 0..HEIGHT {
            out.write_all(&frame.y[row * frame.stride_y..][..WIDTH])?;
        }
        for plane in [&frame.u, &frame.v] {
            for row in 0..HEIGHT / 2 {
                out.write_all(&plane[row * frame.stride_uv..][..WIDTH / 2])?;
            }
        }
    }
    out.flush()
}
