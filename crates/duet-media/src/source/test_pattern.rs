//! A synthetic moving picture that carries its frame number and capture time.
//!
//! The top of the picture holds 96 bits as three rows of 32 black or white squares:
//! frame number (32 bits), capture time in microseconds (48 bits) and a CRC-16 over both.
//! Squares are 1/32 of the width (20 px at 640x480), big enough to survive VP8 at low bitrate;
//! the reader samples the centre of each square, and the CRC turns a damaged picture into
//! `None` instead of a wrong number. Below the code, diagonal bars and a box move every frame so
//! the encoder has real motion to code.

use std::time::Duration;

use super::{Pacer, VideoSource};
use crate::error::{MediaError, MediaResult};
use crate::frame::{now_us, I420Frame};

const COLUMNS: u32 = 32;
const ROWS: u32 = 3;
const BLACK: u8 = 16;
const WHITE: u8 = 235;

/// What the code in a test-pattern picture says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PatternStamp {
    /// Frame number, counting from 0.
    pub frame_number: u32,
    /// Capture time in microseconds since the Unix epoch, modulo 2^48.
    pub capture_time_us: u64,
}

/// Generates the moving test pattern in real time at a fixed frame rate.
#[derive(Debug)]
pub struct TestPatternSource {
    width: u32,
    height: u32,
    frame_number: u32,
    pacer: Option<Pacer>,
}

impl TestPatternSource {
    /// A real-time pattern of `width`x`height` at `fps`.
    pub fn new(width: u32, height: u32, fps: u32) -> MediaResult<Self> {
        if fps == 0 {
            return Err(MediaError::InvalidConfig("test pattern at 0 fps".into()));
        }
        // Renders one frame to reject sizes too small for the code.
        render(
            width,
            height,
            PatternStamp {
                frame_number: 0,
                capture_time_us: 0,
            },
        )?;
        Ok(Self {
            width,
            height,
            frame_number: 0,
            pacer: Some(Pacer::new(Duration::from_secs(1) / fps)),
        })
    }

    /// A pattern that returns frames as fast as asked (for tests and benches).
    pub fn unpaced(width: u32, height: u32) -> MediaResult<Self> {
        let mut source = Self::new(width, height, 30)?;
        source.pacer = None;
        Ok(source)
    }
}

impl VideoSource for TestPatternSource {
    fn next_frame(&mut self) -> MediaResult<I420Frame> {
        if let Some(pacer) = &mut self.pacer {
            pacer.wait();
        }
        let frame_number = self.frame_number;
        self.frame_number = self.frame_number.wrapping_add(1);
        let mut frame = render(
            self.width,
            self.height,
            PatternStamp {
                frame_number,
                capture_time_us: 0,
            },
        )?;
        // Stamped after drawing, so the capture time is when the picture was complete, as a
        // camera frame's would be.
        write_stamp(
            &mut frame,
            PatternStamp {
                frame_number,
                capture_time_us: now_us(),
            },
        )?;
        Ok(frame)
    }

    fn describe(&self) -> String {
        format!("test pattern {}x{}", self.width, self.height)
    }
}

/// Side of one code square in luma pixels: even, so it maps onto whole chroma samples.
fn block_size(width: u32) -> u32 {
    (width / COLUMNS) & !1
}

/// Draws the pattern for `stamp`.
pub fn render(width: u32, height: u32, stamp: PatternStamp) -> MediaResult<I420Frame> {
    if width < 64 || height < ROWS * block_size(width) + 8 {
        return Err(MediaError::InvalidConfig(format!(
            "test pattern {width}x{height} is too small for its code"
        )));
    }
    let mut frame = I420Frame::black(width, height)?;
    let n = stamp.frame_number;
    let block = block_size(width);
    let code_height = ROWS * block;

    // The moving box fits below the code whatever the aspect ratio.
    let box_size = (height / 4).min(width / 2).max(2);
    let box_x = n.wrapping_mul(7) % width.saturating_sub(box_size).max(1);
    let box_y =
        code_height + n.wrapping_mul(3) % height.saturating_sub(code_height + box_size).max(1);
    // Diagonal bars repeat every 128 pixels along x + y + 4n: draw each row as a slice of one
    // precomputed line (a per-pixel formula costs several ms a frame at 720p).
    let line: Vec<u8> = (0..width as usize + 128)
        .map(|i| 48 + ((i / 8) % 16 * 8) as u8)
        .collect();
    let shift = n.wrapping_mul(4);
    let (w, bx, bs) = (width as usize, box_x as usize, box_size as usize);
    for y in code_height..height {
        let offset = (y.wrapping_add(shift) % 128) as usize;
        let row = &mut frame.y[y as usize * w..(y as usize + 1) * w];
        row.copy_from_slice(&line[offset..offset + w]);
        if (box_y..box_y + box_size).contains(&y) {
            row[bx..(bx + bs).min(w)].fill(WHITE);
        }
    }
    let cw = frame.chroma_width();
    let u_line: Vec<u8> = (0..cw + 64).map(|i| 96 + (i % 64) as u8).collect();
    let u_offset = (n % 64) as usize;
    for cy in (code_height / 2) as usize..frame.chroma_height() {
        let range = cy * cw..(cy + 1) * cw;
        frame.u[range.clone()].copy_from_slice(&u_line[u_offset..u_offset + cw]);
        frame.v[range].fill(96 + ((cy as u32).wrapping_add(n.wrapping_mul(2)) % 64) as u8);
    }

    write_stamp(&mut frame, stamp)?;
    Ok(frame)
}

/// Draws the code for `stamp` over the top rows of a pattern picture and sets its capture time.
pub fn write_stamp(frame: &mut I420Frame, stamp: PatternStamp) -> MediaResult<()> {
    let block = block_size(frame.width) as usize;
    if frame.width < 64 || (frame.height as usize) < ROWS as usize * block {
        return Err(MediaError::InvalidFrame(format!(
            "{}x{} is too small for a test-pattern code",
            frame.width, frame.height
        )));
    }
    frame.validate()?;
    frame.capture_time_us = stamp.capture_time_us;
    for (bit_index, bit) in encode_bits(stamp).into_iter().enumerate() {
        let (col, row) = (bit_index % COLUMNS as usize, bit_index / COLUMNS as usize);
        let value = if bit { WHITE } else { BLACK };
        for y in row * block..(row + 1) * block {
            let start = y * frame.stride_y + col * block;
            frame.y[start..start + block].fill(value);
        }
    }
    Ok(())
}

/// Reads the stamp back from a (possibly decoded) pattern picture; `None` if it is unreadable.
pub fn decode_stamp(frame: &I420Frame) -> Option<PatternStamp> {
    let block = block_size(frame.width) as usize;
    if block < 2 || frame.height < ROWS * block as u32 || frame.validate().is_err() {
        return None;
    }
    let mut bits = [false; (COLUMNS * ROWS) as usize];
    for (bit_index, bit) in bits.iter_mut().enumerate() {
        let (col, row) = (bit_index % COLUMNS as usize, bit_index / COLUMNS as usize);
        let (x0, y0) = (col * block + block / 4, row * block + block / 4);
        let side = (block / 2).max(1);
        let mut sum = 0u32;
        for y in y0..y0 + side {
            let start = y * frame.stride_y + x0;
            sum += frame.y[start..start + side]
                .iter()
                .map(|&p| p as u32)
                .sum::<u32>();
        }
        *bit = sum / (side * side) as u32 > 128;
    }
    decode_bits(&bits)
}

fn encode_bits(stamp: PatternStamp) -> Vec<bool> {
    let payload = payload_bytes(stamp);
    let crc = crc16(&payload);
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(&crc.to_be_bytes());
    bytes
        .iter()
        .flat_map(|byte| (0..8).rev().map(move |i| byte >> i & 1 == 1))
        .collect()
}

fn decode_bits(bits: &[bool]) -> Option<PatternStamp> {
    let bytes: Vec<u8> = bits
        .chunks_exact(8)
        .map(|c| c.iter().fold(0u8, |acc, &b| acc << 1 | b as u8))
        .collect();
    let (payload, crc) = bytes.split_at(10);
    if crc16(payload).to_be_bytes() != crc {
        return None;
    }
    let frame_number = u32::from_be_bytes([payload[0], payload[1], payload[2], payload[3]]);
    let mut time = [0u8; 8];
    time[2..].copy_from_slice(&payload[4..10]);
    Some(PatternStamp {
        frame_number,
        capture_time_us: u64::from_be_bytes(time),
    })
}

fn payload_bytes(stamp: PatternStamp) -> [u8; 10] {
    let mut out = [0u8; 10];
    out[..4].copy_from_slice(&stamp.frame_number.to_be_bytes());
    out[4..].copy_from_slice(&stamp.capture_time_us.to_be_bytes()[2..]);
    out
}

/// CRC-16/CCITT-FALSE.
fn crc16(data: &[u8]) -> u16 {
    data.iter().fold(0xFFFF, |mut crc: u16, &byte| {
        crc ^= (byte as u16) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                crc << 1 ^ 0x1021
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// The capture-time part of a stamp compared with `now_us`, in microseconds (modulo 2^48).
pub fn age_us(stamp: &PatternStamp, now_us: u64) -> u64 {
    (now_us.wrapping_sub(stamp.capture_time_us)) & ((1 << 48) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_reads_back_from_a_raw_frame() {
        let stamp = PatternStamp {
            frame_number: 123_456,
            capture_time_us: 0x0000_ABCD_1234_5678,
        };
        let frame = render(320, 240, stamp).unwrap();
        assert_eq!(decode_stamp(&frame), Some(stamp));
    }

    #[test]
    fn frames_advance_and_move() {
        let mut source = TestPatternSource::unpaced(320, 240).unwrap();
        let a = source.next_frame().unwrap();
        let b = source.next_frame().unwrap();
        assert_eq!(decode_stamp(&a).unwrap().frame_number, 0);
        assert_eq!(decode_stamp(&b).unwrap().frame_number, 1);
        assert_ne!(
            a.y[(240 / 2 * 320) as usize..],
            b.y[(240 / 2 * 320) as usize..]
        );
    }

    #[test]
    fn a_damaged_code_is_rejected() {
        let stamp = PatternStamp {
            frame_number: 7,
            capture_time_us: 99,
        };
        let mut frame = render(640, 480, stamp).unwrap();
        // Invert one code square (bit 5 of row 0).
        for y in 0..20 {
            for x in 100..120 {
                let p = &mut frame.y[y * 640 + x];
                *p = if *p > 128 { BLACK } else { WHITE };
            }
        }
        assert_eq!(decode_stamp(&frame), None);
    }

    #[test]
    fn odd_aspect_ratios_and_huge_frame_numbers_render() {
        let stamp = PatternStamp {
            frame_number: u32::MAX,
            capture_time_us: 5,
        };
        for (w, h) in [(64, 4096), (640, 68)] {
            let frame = render(w, h, stamp).unwrap();
            assert_eq!(decode_stamp(&frame), Some(stamp), "{w}x{h}");
        }
        assert!(render(4096, 64, stamp).is_err());
    }

    #[test]
    fn too_small_sizes_are_errors() {
        assert!(TestPatternSource::new(32, 32, 30).is_err());
        assert!(TestPatternSource::new(320, 240, 0).is_err());
    }

    #[test]
    fn age_wraps_at_48_bits() {
        let stamp = PatternStamp {
            frame_number: 0,
            capture_time_us: (1 << 48) - 10,
        };
        assert_eq!(age_us(&stamp, 1 << 48), 10);
    }
}
