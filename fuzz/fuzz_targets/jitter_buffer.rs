//! The audio jitter buffer fed packets in any order (real Opus packets and garbage, with
//! sequence numbers that repeat, wrap and jump) and pulled by the playout clock: it never
//! panics, stays within its depth and target bounds, and hands out at most 120 ms per pull.

#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use duet_media::audio::jitter::{JitterBuffer, Playout, MAX_TARGET};
use duet_media::codec::opus::{OpusEncoder, FRAME_SAMPLES};
use duet_media::config::AudioQuality;
use libfuzzer_sys::fuzz_target;

/// The most samples one Opus packet decodes to (120 ms at 48 kHz).
const MAX_PACKET_SAMPLES: usize = 5760;

#[derive(Debug, Arbitrary)]
struct Input {
    target: u8,
    ops: Vec<Op>,
}

#[derive(Debug, Arbitrary)]
enum Op {
    /// One of a few real Opus packets, `step` sequence numbers after the previous push.
    Push {
        step: i8,
        packet: u8,
    },
    /// Arbitrary bytes as a packet.
    PushRaw {
        step: i8,
        payload: Vec<u8>,
    },
    /// A packet at any sequence number (a restarted or hostile sender).
    Jump {
        seq: u16,
        packet: u8,
    },
    /// One 20 ms tick of the playout clock.
    Pull,
    Reset,
}

/// A tone and a stretch of silence (DTX packets), encoded once.
fn packets() -> &'static [Vec<u8>] {
    static PACKETS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    PACKETS.get_or_init(|| {
        let mut encoder = OpusEncoder::new(AudioQuality::Speech).expect("an Opus encoder");
        (0..24)
            .map(|n| {
                let pcm: Vec<i16> = (0..FRAME_SAMPLES)
                    .map(|i| {
                        let t = (n * FRAME_SAMPLES + i) as f64 / 48_000.0;
                        let loud = if n < 16 { 8_000.0 } else { 0.0 };
                        ((t * 2.0 * std::f64::consts::PI * 440.0).sin() * loud) as i16
                    })
                    .collect();
                encoder.encode(&pcm).expect("a 20 ms frame encodes")
            })
            .collect()
    })
}

fuzz_target!(|input: Input| {
    let packets = packets();
    let mut buffer = JitterBuffer::new(usize::from(input.target)).expect("an Opus decoder");
    let mut seq: u16 = 0;
    let (mut late, mut concealed) = (0, 0);
    for op in input.ops {
        match op {
            Op::Push { step, packet } => {
                seq = seq.wrapping_add(step as i16 as u16);
                buffer.push(seq, packets[usize::from(packet) % packets.len()].clone());
            }
            Op::PushRaw { step, payload } => {
                seq = seq.wrapping_add(step as i16 as u16);
                buffer.push(seq, payload);
            }
            Op::Jump { seq: to, packet } => {
                seq = to;
                buffer.push(seq, packets[usize::from(packet) % packets.len()].clone());
            }
            // A packet that does not decode is an error for that tick, never a panic.
            Op::Pull => match buffer.pull() {
                Ok(Playout::Decoded(frame) | Playout::Concealed(frame)) => {
                    assert!(frame.samples.len() <= MAX_PACKET_SAMPLES);
                    assert_eq!((frame.sample_rate, frame.channels), (48_000, 1));
                }
                Ok(Playout::Silent) | Err(_) => {}
            },
            Op::Reset => buffer.reset(),
        }
        assert!(buffer.depth() <= 2 * MAX_TARGET, "depth {}", buffer.depth());
        assert!((1..=MAX_TARGET).contains(&buffer.target()));
        assert!(buffer.late_packets() >= late && buffer.concealed_frames() >= concealed);
        (late, concealed) = (buffer.late_packets(), buffer.concealed_frames());
    }
});
