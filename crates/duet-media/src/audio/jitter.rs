//! The receive-side jitter buffer: reorders Opus packets, absorbs arrival jitter and conceals
//! loss, feeding a playout clock that pulls one 20 ms frame per tick.
//!
//! Packets are keyed by extended RTP sequence number. Playout starts once `target` packets are
//! buffered. Each pull decodes the next packet if present; if it is missing but a later one is
//! here, the gap is filled from that packet's in-band FEC (for the frame just before it) or by
//! Opus PLC; if the buffer ran dry, PLC covers [`MAX_CONCEALED`] frames and then playout
//! pauses and rebuffers. The depth adapts: an underrun raises the target by one packet (up to
//! [`MAX_TARGET`]), and each 10 s without one lowers it (down to 1).

use std::collections::BTreeMap;

use crate::codec::opus::OpusDecoder;
use crate::error::MediaResult;
use crate::frame::AudioFrame;

/// Frames synthesised after the buffer runs dry before playout pauses.
pub const MAX_CONCEALED: u32 = 5;
/// Deepest target, in 20 ms packets.
pub const MAX_TARGET: usize = 8;
/// Pulls (20 ms each) without underrun after which the target shrinks by one.
const CALM_PULLS: u32 = 500;

/// What one pull produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// A decoded packet.
    Decoded(AudioFrame),
    /// A frame rebuilt from the next packet's FEC or synthesised by PLC.
    Concealed(AudioFrame),
    /// Nothing to play (buffering, or the sender is silent/muted).
    Silent,
}

/// An adaptive jitter buffer around an Opus decoder.
#[derive(Debug)]
pub struct JitterBuffer {
    decoder: OpusDecoder,
    packets: BTreeMap<u64, Vec<u8>>,
    /// Extended sequence number of the next frame to play; None while buffering.
    next: Option<u64>,
    highest: Option<u64>,
    target: usize,
    dry_pulls: u32,
    calm_pulls: u32,
    late_packets: u64,
    concealed_frames: u64,
}

impl JitterBuffer {
    /// A buffer that starts playing once `target` packets (clamped to 1..=MAX_TARGET) wait.
    pub fn new(target: usize) -> MediaResult<Self> {
        Ok(Self {
            decoder: OpusDecoder::new()?,
            packets: BTreeMap::new(),
            next: None,
            highest: None,
            target: target.clamp(1, MAX_TARGET),
            dry_pulls: 0,
            calm_pulls: 0,
            late_packets: 0,
            concealed_frames: 0,
        })
    }

    /// Current target depth in packets.
    pub fn target(&self) -> usize {
        self.target
    }

    /// Packets waiting.
    pub fn depth(&self) -> usize {
        self.packets.len()
    }

    /// Packets that arrived after their slot was played or concealed.
    pub fn late_packets(&self) -> u64 {
        self.late_packets
    }

    /// Frames rebuilt by FEC or PLC.
    pub fn concealed_frames(&self) -> u64 {
        self.concealed_frames
    }

    /// Empties the buffer and waits to rebuffer (after a pause in the stream).
    pub fn reset(&mut self) {
        self.packets.clear();
        self.next = None;
        self.highest = None;
        self.dry_pulls = 0;
    }

    /// Extends a 16-bit sequence number to the one closest to the highest seen.
    fn extend(&self, seq: u16) -> u64 {
        let Some(highest) = self.highest else {
            return (1 << 16) + seq as u64;
        };
        let candidate = (highest & !0xFFFF) | seq as u64;
        if candidate + 0x8000 < highest {
            candidate + 0x1_0000
        } else if candidate > highest + 0x8000 && candidate >= 0x1_0000 {
            candidate - 0x1_0000
        } else {
            candidate
        }
    }

    /// Stores one received packet.
    pub fn push(&mut self, seq: u16, payload: Vec<u8>) {
        if payload.is_empty() {
            return;
        }
        let ext = self.extend(seq);
        if self.next.is_some_and(|next| ext < next) {
            self.late_packets += 1;
            return;
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.packets.entry(ext).or_insert(payload);
        // Far more than the target waiting means the clock fell behind: drop the oldest so
        // latency stays bounded.
        while self.packets.len() > 2 * MAX_TARGET {
            if let Some((&first, _)) = self.packets.iter().next() {
                self.packets.remove(&first);
                self.next = self.next.map(|n| n.max(first + 1));
            }
        }
    }

    /// Produces the next 20 ms for the playout clock.
    pub fn pull(&mut self) -> MediaResult<Playout> {
        let next = match self.next {
            Some(next) => next,
            None => {
                if self.packets.len() < self.target {
                    return Ok(Playout::Silent);
                }
                // Start from the oldest waiting packet.
                match self.packets.keys().next() {
                    Some(&first) => first,
                    None => return Ok(Playout::Silent),
                }
            }
        };
        if let Some(packet) = self.packets.remove(&next) {
            self.next = Some(next + 1);
            self.dry_pulls = 0;
            self.calm_pulls += 1;
            if self.calm_pulls >= CALM_PULLS {
                self.calm_pulls = 0;
                self.target = (self.target - 1).max(1);
            }
            return Ok(Playout::Decoded(self.decoder.decode(&packet)?));
        }
        self.next = Some(next + 1);
        if let Some(following) = self.packets.get(&(next + 1)) {
            // Lost, and its successor is here: its FEC copy rebuilds this frame.
            self.concealed_frames += 1;
            return Ok(Playout::Concealed(
                self.decoder.recover_from_fec(following)?,
            ));
        }
        if self.packets.is_empty() {
            self.dry_pulls += 1;
            if self.dry_pulls == 1 {
                self.calm_pulls = 0;
                self.target = (self.target + 1).min(MAX_TARGET);
            }
            if self.dry_pulls > MAX_CONCEALED {
                self.next = None;
                self.dry_pulls = 0;
                return Ok(Playout::Silent);
            }
        }
        self.concealed_frames += 1;
        Ok(Playout::Concealed(self.decoder.conceal()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::opus::{OpusEncoder, FRAME_SAMPLES};
    use crate::config::AudioQuality;

    fn packets(n: usize) -> Vec<Vec<u8>> {
        let mut enc = OpusEncoder::new(AudioQuality::Speech).unwrap();
        let mut t = 0f64;
        (0..n)
            .map(|_| {
                let pcm: Vec<i16> = (0..FRAME_SAMPLES)
                    .map(|_| {
                        t += 1.0;
                        ((t * 2.0 * std::f64::consts::PI * 440.0 / 48_000.0).sin() * 8000.0) as i16
                    })
                    .collect();
                enc.encode(&pcm).unwrap()
            })
            .collect()
    }

    fn kinds(buffer: &mut JitterBuffer, pulls: usize) -> String {
        (0..pulls)
            .map(|_| match buffer.pull().unwrap() {
                Playout::Decoded(f) => {
                    assert_eq!(f.samples.len(), FRAME_SAMPLES);
                    'D'
                }
                Playout::Concealed(f) => {
                    assert_eq!(f.samples.len(), FRAME_SAMPLES);
                    'C'
                }
                Playout::Silent => '.',
            })
            .collect()
    }

    #[test]
    fn buffers_to_the_target_then_reorders() {
        let p = packets(6);
        let mut b = JitterBuffer::new(3).unwrap();
        b.push(65534, p[0].clone());
        assert_eq!(kinds(&mut b, 1), ".");
        // Arrives out of order, across the 16-bit wrap.
        b.push(0, p[2].clone());
        b.push(65535, p[1].clone());
        b.push(1, p[3].clone());
        assert_eq!(kinds(&mut b, 4), "DDDD");
        assert_eq!(b.concealed_frames(), 0);
    }

    #[test]
    fn a_lost_packet_is_rebuilt_and_a_late_one_dropped() {
        let p = packets(5);
        let mut b = JitterBuffer::new(1).unwrap();
        b.push(10, p[0].clone());
        b.push(12, p[2].clone());
        b.push(13, p[3].clone());
        assert_eq!(kinds(&mut b, 4), "DCDD");
        b.push(11, p[1].clone());
        assert_eq!(b.late_packets(), 1);
        assert_eq!(b.concealed_frames(), 1);
    }

    #[test]
    fn running_dry_conceals_then_rebuffers_deeper() {
        let p = packets(12);
        let mut b = JitterBuffer::new(1).unwrap();
        b.push(0, p[0].clone());
        assert_eq!(kinds(&mut b, 1 + MAX_CONCEALED as usize + 2), "DCCCCC..");
        assert_eq!(b.target(), 2);
        b.push(20, p[1].clone());
        assert_eq!(kinds(&mut b, 1), ".");
        b.push(21, p[2].clone());
        assert_eq!(kinds(&mut b, 2), "DD");
    }

    #[test]
    fn depth_stays_bounded_when_the_clock_stalls() {
        let p = packets(1);
        let mut b = JitterBuffer::new(2).unwrap();
        for seq in 0..100u16 {
            b.push(seq, p[0].clone());
        }
        assert!(b.depth() <= 2 * MAX_TARGET);
        assert!(matches!(b.pull().unwrap(), Playout::Decoded(_)));
    }
}
