//! The VP8 frame assembler fed RTP packets in any order (well-formed VP8 payloads, padding and
//! garbage, with sequence numbers that repeat, reorder, wrap and jump, over advancing time): it
//! never panics, holds at most `MAX_HELD_PACKETS`, and after a start, a reset or a gap it gave
//! up on it releases a keyframe before any delta frame.

#![no_main]

use std::time::{Duration, Instant};

use arbitrary::Arbitrary;
use duet_media::session::{Vp8Assembler, MAX_HELD_PACKETS};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Op {
    Packet(Packet),
    /// The next packet's sequence number is this one (a restarted or hostile sender).
    Jump {
        seq: u16,
    },
    Reset,
}

#[derive(Debug, Arbitrary)]
struct Packet {
    /// Sequence numbers after the previous packet (0 repeats it, negative reorders).
    step: i8,
    /// RTP timestamp units after the previous packet's (0: the same frame).
    ts_step: u8,
    marker: bool,
    payload: Payload,
    /// Milliseconds since the previous packet arrived.
    after_ms: u8,
}

#[derive(Debug, Arbitrary)]
enum Payload {
    /// A VP8 payload descriptor (RFC 7741) and `len` media bytes whose first marks a keyframe
    /// or a delta frame.
    Vp8 {
        start: bool,
        partition: u8,
        picture_id: Option<u16>,
        key: bool,
        len: u8,
    },
    /// Padding (an empty payload), as Chromium sends to probe bandwidth.
    Padding,
    Raw(Vec<u8>),
}

impl Payload {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Payload::Vp8 {
                start,
                partition,
                picture_id,
                key,
                len,
            } => {
                let mut out = Vec::new();
                let x = if picture_id.is_some() { 0x80 } else { 0 };
                let s = if *start { 0x10 } else { 0 };
                out.push(x | s | (partition & 0x07));
                if let Some(id) = picture_id {
                    out.push(0x80);
                    out.push(0x80 | ((id >> 8) as u8 & 0x7f));
                    out.push(*id as u8);
                }
                out.push(if *key { 0x00 } else { 0x01 });
                out.extend((0..*len).map(|i| i.wrapping_mul(31)));
                out
            }
            Payload::Padding => Vec::new(),
            Payload::Raw(bytes) => bytes.clone(),
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut assembler = Vp8Assembler::new();
    let t0 = Instant::now();
    let (mut ms, mut seq, mut ts) = (0u64, 0u16, 0u32);
    // Output starts at a keyframe, and so it does again after a reset or when it gave up.
    let mut keyframe_due = true;
    for op in ops {
        let packet = match op {
            Op::Packet(packet) => packet,
            Op::Jump { seq: to } => {
                seq = to;
                continue;
            }
            Op::Reset => {
                assembler.reset();
                keyframe_due = true;
                continue;
            }
        };
        seq = seq.wrapping_add(packet.step as i16 as u16);
        ts = ts.wrapping_add(u32::from(packet.ts_step) * 3000);
        ms += u64::from(packet.after_ms);
        let now = t0 + Duration::from_millis(ms);
        let payload = packet.payload.bytes();
        let outcome = assembler.push(seq, ts, packet.marker, &payload, now);
        for frame in &outcome.frames {
            assert!(!frame.data.is_empty(), "an empty frame was released");
            assert!(
                frame.keyframe || !keyframe_due,
                "a delta frame was released while a keyframe was due: {outcome:?}"
            );
            keyframe_due = false;
        }
        if outcome.need_keyframe && outcome.frames.is_empty() {
            keyframe_due = true;
        }
        assert!(assembler.held_packets() <= MAX_HELD_PACKETS);
    }
});
