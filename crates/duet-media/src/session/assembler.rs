//! Rebuilds VP8 frames from RTP packets, releasing each frame on its marker bit.
//!
//! The stock SampleBuilder holds a frame until the next frame's first packet arrives (one frame
//! of extra latency); here a frame is complete when the marker-bit packet arrives and every
//! sequence number from the frame's first packet (VP8 descriptor S=1, partition 0) onward is
//! present. An incomplete frame is dropped and reported, and nothing is released until the next
//! keyframe, because VP8 delta frames decoded after a gap show corrupt pictures.

use bytes::Bytes;
use rtc::rtp::codec::vp8::Vp8Packet;
use rtc::rtp::packetizer::Depacketizer;

/// A complete VP8 frame ready for the decoder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledFrame {
    /// The VP8 bitstream.
    pub data: Vec<u8>,
    /// RTP timestamp shared by its packets.
    pub rtp_timestamp: u32,
    /// Whether it is a keyframe.
    pub keyframe: bool,
}

/// What one packet did to the assembler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssemblyOutcome {
    /// The packet was buffered; the frame is not done yet.
    Pending,
    /// A frame completed.
    Frame(AssembledFrame),
    /// Packets were lost: a keyframe is needed (send a PLI) before output resumes.
    NeedKeyframe,
}

/// Per-stream VP8 frame assembly state.
#[derive(Debug, Default)]
pub struct Vp8Assembler {
    current: Option<Partial>,
    last_seq: Option<u16>,
    waiting_for_keyframe: bool,
}

#[derive(Debug)]
struct Partial {
    timestamp: u32,
    next_seq: u16,
    data: Vec<u8>,
    broken: bool,
}

impl Vp8Assembler {
    /// A new assembler that waits for a keyframe before releasing anything.
    pub fn new() -> Self {
        Self {
            waiting_for_keyframe: true,
            ..Self::default()
        }
    }

    /// Drops any partial frame and waits for the next keyframe (used when output is reset).
    pub fn reset(&mut self) {
        self.current = None;
        self.waiting_for_keyframe = true;
    }

    /// Feeds one RTP packet's sequence number, timestamp, marker bit and payload.
    pub fn push(
        &mut self,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
    ) -> AssemblyOutcome {
        let mut outcome = AssemblyOutcome::Pending;
        if let Some(last) = self.last_seq {
            // Late or duplicate packets (e.g. a NACK retransmission of a frame already given
            // up) are ignored.
            if seq.wrapping_sub(last) == 0 || seq.wrapping_sub(last) > 0x8000 {
                return AssemblyOutcome::Pending;
            }
        }
        self.last_seq = Some(seq);
        let mut depacketizer = Vp8Packet::default();
        let payload = Bytes::copy_from_slice(payload);
        let Ok(media) = depacketizer.depacketize(&payload) else {
            return self.lose();
        };
        let frame_start = depacketizer.s == 1 && depacketizer.pid == 0;

        match &mut self.current {
            Some(partial) if partial.timestamp == timestamp => {
                if partial.next_seq != seq {
                    partial.broken = true;
                }
                partial.next_seq = seq.wrapping_add(1);
                partial.data.extend_from_slice(&media);
            }
            _ => {
                if self.current.take().is_some() {
                    // The previous frame never saw its marker bit.
                    outcome = self.lose();
                }
                self.current = Some(Partial {
                    timestamp,
                    next_seq: seq.wrapping_add(1),
                    data: media.to_vec(),
                    broken: !frame_start,
                });
            }
        }
        if !marker {
            return outcome;
        }
        let Some(partial) = self.current.take() else {
            return outcome;
        };
        if partial.broken || partial.data.is_empty() {
            return self.lose();
        }
        // VP8 payload header: bit 0 of the first byte is 0 for keyframes (RFC 6386 9.1).
        let keyframe = partial.data[0] & 0x01 == 0;
        if self.waiting_for_keyframe && !keyframe {
            // Every withheld delta frame repeats the request (the caller rate-limits PLIs),
            // so a lost PLI or keyframe cannot stall the picture for good.
            return AssemblyOutcome::NeedKeyframe;
        }
        self.waiting_for_keyframe = false;
        AssemblyOutcome::Frame(AssembledFrame {
            data: partial.data,
            rtp_timestamp: partial.timestamp,
            keyframe,
        })
    }

    fn lose(&mut self) -> AssemblyOutcome {
        self.current = None;
        self.waiting_for_keyframe = true;
        AssemblyOutcome::NeedKeyframe
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-byte VP8 payload descriptor (S bit as given, partition 0) and a three-byte payload
    /// whose first byte marks a keyframe or not (webrtc-rs rejects payloads under 4 bytes).
    fn packet(start: bool, key: bool, body: u8) -> Vec<u8> {
        vec![
            if start { 0x10 } else { 0x00 },
            if key { 0x00 } else { 0x01 },
            body,
            body,
        ]
    }

    #[test]
    fn releases_a_frame_on_its_marker_bit() {
        let mut a = Vp8Assembler::new();
        assert_eq!(
            a.push(1, 100, false, &packet(true, true, 7)),
            AssemblyOutcome::Pending
        );
        let AssemblyOutcome::Frame(f) = a.push(2, 100, true, &packet(false, true, 8)) else {
            panic!("frame expected");
        };
        assert!(f.keyframe);
        assert_eq!(f.data, vec![0x00, 7, 7, 0x00, 8, 8]);
        assert_eq!(f.rtp_timestamp, 100);
    }

    #[test]
    fn a_gap_asks_for_a_keyframe_and_holds_delta_frames() {
        let mut a = Vp8Assembler::new();
        assert!(matches!(
            a.push(1, 100, true, &packet(true, true, 1)),
            AssemblyOutcome::Frame(_)
        ));
        // Packet 3 lost: frame 200 is incomplete.
        assert_eq!(
            a.push(2, 200, false, &packet(true, false, 2)),
            AssemblyOutcome::Pending
        );
        assert_eq!(
            a.push(4, 200, true, &packet(false, false, 3)),
            AssemblyOutcome::NeedKeyframe
        );
        // A following delta frame is withheld until a keyframe arrives.
        assert_eq!(
            a.push(5, 300, true, &packet(true, false, 4)),
            AssemblyOutcome::NeedKeyframe
        );
        let AssemblyOutcome::Frame(f) = a.push(6, 400, true, &packet(true, true, 5)) else {
            panic!("keyframe expected");
        };
        assert!(f.keyframe);
    }

    #[test]
    fn starts_only_at_a_keyframe_and_ignores_duplicates() {
        let mut a = Vp8Assembler::new();
        assert_eq!(
            a.push(10, 100, true, &packet(true, false, 1)),
            AssemblyOutcome::NeedKeyframe
        );
        assert!(matches!(
            a.push(11, 200, true, &packet(true, true, 1)),
            AssemblyOutcome::Frame(_)
        ));
        assert_eq!(
            a.push(11, 200, true, &packet(true, true, 1)),
            AssemblyOutcome::Pending
        );
        assert_eq!(
            a.push(9, 50, true, &packet(true, true, 1)),
            AssemblyOutcome::Pending
        );
    }

    #[test]
    fn garbage_payloads_do_not_panic() {
        let mut a = Vp8Assembler::new();
        for (i, p) in [vec![], vec![0xff], vec![0x80, 0x80], vec![0x90; 40]]
            .iter()
            .enumerate()
        {
            let _ = a.push(i as u16, i as u32, true, p);
        }
    }
}
