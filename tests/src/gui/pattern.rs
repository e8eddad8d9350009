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
