//! Rebuilds VP8 frames from RTP packets, in order, releasing each frame on its marker bit.
//!
//! The stock SampleBuilder holds a frame until the next frame's first packet arrives (one frame
//! of extra latency); here a frame is released as soon as every packet from its first (VP8
//! descriptor S=1, partition 0) to its marker-bit packet is present and the frame before it was
//! released, so delta frames always decode on top of their reference.
//!
//! Packets may arrive out of order, and a lost packet may come back as a NACK retransmission
//! (same SSRC and sequence number: Duet does not negotiate RTX). Packets are therefore kept by
//! sequence number until the gap fills. A gap that stays open longer than [`MAX_GAP_WAIT`] is
//! given up: output waits for the next keyframe and the caller asks for one (PLI). A complete
//! keyframe after a gap is taken at once, without waiting.
//!
//! Padding-only packets (empty payload) count as present. Chromium sends them on the media SSRC
//! to probe bandwidth when RTX is not negotiated, between the packets of its frames; treating
//! them as damaged media broke the first half second of every call from a browser.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::rtp::codec::vp8::Vp8Packet;
use rtc::rtp::packetizer::Depacketizer;

/// How long a missing packet is waited for before output skips to the next keyframe: the NACK
/// generator's ten tries 40 ms apart (`peer.rs`). At high loss a keyframe request takes longer
/// (the keyframe's own packets need repair) and costs a keyframe; at low loss a gap is repaired
/// within a try or two and never waits this long.
pub const MAX_GAP_WAIT: Duration = Duration::from_millis(400);

/// Most packets held while waiting (a 1080p keyframe is a few hundred packets).
pub const MAX_HELD_PACKETS: usize = 1024;

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssemblyOutcome {
    /// Frames completed by this packet, oldest first (a retransmission can complete several).
    pub frames: Vec<AssembledFrame>,
    /// Output is waiting for a keyframe: ask the sender for one (the caller rate-limits PLIs).
    pub need_keyframe: bool,
}

/// Per-stream VP8 frame assembly state.
#[derive(Debug)]
pub struct Vp8Assembler {
    /// Held packets by extended sequence number.
    held: BTreeMap<u64, Held>,
    /// Extended sequence number of the packet after the last one released or skipped.
    next: Option<u64>,
    /// The last extended sequence number seen, to extend the next 16-bit one.
    newest: Option<u64>,
    waiting_for_keyframe: bool,
    /// Since when output has been blocked by a missing packet.
    gap_since: Option<Instant>,
}

/// Where a whole held frame lies.
#[derive(Debug, Clone, Copy)]
struct HeldFrame {
    start: u64,
    end: u64,
    timestamp: u32,
    keyframe: bool,
}

#[derive(Debug)]
struct Held {
    timestamp: u32,
    marker: bool,
    /// First packet of a frame (S=1, partition 0).
    frame_start: bool,
    /// The VP8 payload after the payload descriptor; empty for padding.
    media: Bytes,
}

impl Held {
    fn is_padding(&self) -> bool {
        self.media.is_empty()
    }

    /// Whether this frame-start packet begins a keyframe (RFC 6386 9.1: bit 0 of the first
    /// payload byte is 0 for keyframes).
    fn starts_keyframe(&self) -> bool {
        self.frame_start && self.media.first().is_some_and(|b| b & 0x01 == 0)
    }
}

impl Default for Vp8Assembler {
    fn default() -> Self {
        Self::new()
    }
}

impl Vp8Assembler {
    /// A new assembler that waits for a keyframe before releasing anything.
    pub fn new() -> Self {
        Self {
            held: BTreeMap::new(),
            next: None,
            newest: None,
            waiting_for_keyframe: true,
            gap_since: None,
        }
    }

    /// Packets held until their frame (or the frame before it) completes; at most
    /// [`MAX_HELD_PACKETS`].
    pub fn held_packets(&self) -> usize {
        self.held.len()
    }

    /// Whether output waits for a keyframe (one was asked for, or none came yet).
    pub fn waiting_for_keyframe(&self) -> bool {
        self.waiting_for_keyframe
    }

    /// Drops held packets and waits for the next keyframe (used when output is reset).
    pub fn reset(&mut self) {
        self.held.clear();
        self.waiting_for_keyframe = true;
        self.gap_since = None;
    }

    /// Feeds one RTP packet's sequence number, timestamp, marker bit and payload, received at
    /// `now`.
    pub fn push(
        &mut self,
        seq: u16,
        timestamp: u32,
        marker: bool,
        payload: &[u8],
        now: Instant,
    ) -> AssemblyOutcome {
        let seq = self.extend(seq);
        let mut outcome = AssemblyOutcome::default();
        let late = self.next.is_some_and(|next| seq < next);
        if !late && !self.held.contains_key(&seq) {
            match parse(timestamp, marker, payload) {
                Some(packet) => {
                    self.held.insert(seq, packet);
                }
                // Undecodable payload: the frame it belongs to can never complete.
                None => self.give_up(&mut outcome),
            }
        }
        self.release(now, &mut outcome);
        if self.held.len() > MAX_HELD_PACKETS {
            self.held.clear();
            self.give_up(&mut outcome);
        }
        outcome
    }

    /// Extends a 16-bit sequence number to 64 bits, nearest to the newest one seen.
    fn extend(&mut self, seq: u16) -> u64 {
        let Some(newest) = self.newest else {
            let first = (1 << 16) + u64::from(seq);
            self.newest = Some(first);
            return first;
        };
        let delta = seq.wrapping_sub(newest as u16);
        let extended = if delta < 0x8000 {
            newest + u64::from(delta)
        } else {
            newest.saturating_sub(u64::from(delta.wrapping_neg()))
        };
        self.newest = Some(newest.max(extended));
        extended
    }

    /// Releases every frame that can go now, in order.
    fn release(&mut self, now: Instant, outcome: &mut AssemblyOutcome) {
        loop {
            if self.waiting_for_keyframe {
                let Some(start) = self.first_complete_keyframe() else {
                    // Each withheld delta frame repeats the request (the caller paces PLIs),
                    // so a lost PLI or keyframe cannot stall the picture for good.
                    outcome.need_keyframe |= self.hold_for_a_keyframe();
                    return;
                };
                self.skip_to(start);
                self.waiting_for_keyframe = false;
            }
            let Some(next) = self.next else { return };
            // Padding between frames is accounted for and dropped.
            if self.held.get(&next).is_some_and(Held::is_padding) {
                self.held.remove(&next);
                self.next = Some(next + 1);
                continue;
            }
            if let Some(frame) = self.take_frame_at(next) {
                self.gap_since = None;
                outcome.frames.push(frame);
                continue;
            }
            if self.held.is_empty() {
                self.gap_since = None;
                return;
            }
            // Blocked: a packet at or after `next` is missing (or the frame is still arriving).
            if let Some(start) = self.first_complete_keyframe() {
                self.skip_to(start);
                continue;
            }
            if !self.gap_is_real(next) {
                self.gap_since = None;
                return;
            }
            let since = *self.gap_since.get_or_insert(now);
            if now.duration_since(since) < MAX_GAP_WAIT {
                return;
            }
            self.give_up(outcome);
        }
    }

    /// Whether output is blocked by a hole rather than by a frame that is still arriving in
    /// order: some held packet lies beyond a missing one.
    fn gap_is_real(&self, next: u64) -> bool {
        self.held
            .keys()
            .skip_while(|&&seq| seq < next)
            .zip(next..)
            .any(|(&seq, expected)| seq != expected)
    }

    /// Takes the frame starting at `start` if all of it is held and `start` begins a frame.
    fn take_frame_at(&mut self, start: u64) -> Option<AssembledFrame> {
        let end = self.complete_frame_end(start)?;
        let first = self.held.get(&start)?;
        let (timestamp, keyframe) = (first.timestamp, first.starts_keyframe());
        let mut data = Vec::new();
        for seq in start..=end {
            if let Some(packet) = self.held.remove(&seq) {
                data.extend_from_slice(&packet.media);
            }
        }
        self.next = Some(end + 1);
        Some(AssembledFrame {
            data,
            rtp_timestamp: timestamp,
            keyframe,
        })
    }

    /// The marker packet's sequence number if a whole frame starting at `start` is held.
    /// Padding inside a frame (empty, whatever its timestamp) is allowed and contributes nothing.
    ///
    /// This must agree with [`Self::complete_frames`]: `release` skips to the frames that one
    /// finds and takes them with this one, and a frame only one of them saw complete (a padding
    /// packet with another timestamp carrying the marker) once made it loop forever.
    fn complete_frame_end(&self, start: u64) -> Option<u64> {
        let first = self.held.get(&start)?;
        if !first.frame_start || first.is_padding() {
            return None;
        }
        for (expected, (&seq, packet)) in (start..).zip(self.held.range(start..)) {
            if seq != expected {
                return None;
            }
            if !packet.is_padding() && packet.timestamp != first.timestamp {
                return None;
            }
            if packet.marker {
                return Some(seq);
            }
        }
        None
    }

    fn first_complete_keyframe(&self) -> Option<u64> {
        self.complete_frames()
            .find(|frame| frame.keyframe)
            .map(|frame| frame.start)
    }

    /// While waiting for a keyframe, keeps only what a keyframe may still need: from the first
    /// keyframe start held on, or everything while none is (a keyframe whose first packet was
    /// lost looks like delta packets until the retransmission comes; [`MAX_HELD_PACKETS`]
    /// bounds the wait). Says whether a complete delta frame is withheld.
    ///
    /// Dropping every complete delta frame, as this did before, dropped the keyframe being
    /// repaired with them: at 20 % loss a keyframe's lost packets take a NACK round, and the
    /// small delta frames after it completed first, so keyframes rarely survived and the
    /// picture froze for seconds while PLI after PLI went out.
    fn hold_for_a_keyframe(&mut self) -> bool {
        if let Some(start) = self.first_keyframe_start() {
            if self.held.keys().next().is_some_and(|&first| first < start) {
                self.skip_to(start);
            }
        }
        self.complete_frames().any(|frame| !frame.keyframe)
    }

    /// The first held packet that begins a keyframe, whole or not.
    fn first_keyframe_start(&self) -> Option<u64> {
        self.held
            .iter()
            .find(|(_, packet)| packet.starts_keyframe())
            .map(|(&seq, _)| seq)
    }

    /// Every whole frame held, oldest first, in one pass over the held packets.
    fn complete_frames(&self) -> impl Iterator<Item = HeldFrame> + '_ {
        let mut open: Option<HeldFrame> = None;
        self.held.iter().filter_map(move |(&seq, packet)| {
            let contiguous = open.as_ref().is_some_and(|f| f.end + 1 == seq);
            if packet.frame_start {
                open = Some(HeldFrame {
                    start: seq,
                    end: seq,
                    timestamp: packet.timestamp,
                    keyframe: packet.starts_keyframe(),
                });
            } else if !contiguous
                || !(packet.is_padding()
                    || open
                        .as_ref()
                        .is_some_and(|f| f.timestamp == packet.timestamp))
            {
                open = None;
                return None;
            }
            let frame = open.as_mut()?;
            frame.end = seq;
            if packet.marker {
                return open.take();
            }
            None
        })
    }

    /// Forgets everything before `seq`, which becomes the next packet expected.
    fn skip_to(&mut self, seq: u64) {
        self.held = self.held.split_off(&seq);
        self.next = Some(seq);
        self.gap_since = None;
    }

    fn give_up(&mut self, outcome: &mut AssemblyOutcome) {
        self.waiting_for_keyframe = true;
        self.gap_since = None;
        outcome.need_keyframe = true;
    }
}

/// Splits a packet's payload into its frame-start flag and VP8 media; `None` if it is not VP8.
fn parse(timestamp: u32, marker: bool, payload: &[u8]) -> Option<Held> {
    if payload.is_empty() {
        return Some(Held {
            timestamp,
            marker,
            frame_start: false,
            media: Bytes::new(),
        });
    }
    let mut depacketizer = Vp8Packet::default();
    let media = depacketizer
        .depacketize(&Bytes::copy_from_slice(payload))
        .ok()?;
    if media.is_empty() {
        return None;
    }
    Some(Held {
        timestamp,
        marker,
        frame_start: depacketizer.s == 1 && depacketizer.pid == 0,
        media,
    })
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

    struct Feed {
        assembler: Vp8Assembler,
        t0: Instant,
    }

    impl Feed {
        fn new() -> Self {
            Self {
                assembler: Vp8Assembler::new(),
                t0: Instant::now(),
            }
        }

        /// Pushes at `ms` milliseconds and returns the released frames' timestamps and whether
        /// a keyframe is needed.
        fn push(&mut self, ms: u64, seq: u16, ts: u32, marker: bool, p: &[u8]) -> (Vec<u32>, bool) {
            let now = self.t0 + Duration::from_millis(ms);
            let out = self.assembler.push(seq, ts, marker, p, now);
            (
                out.frames.iter().map(|f| f.rtp_timestamp).collect(),
                out.need_keyframe,
            )
        }
    }

    #[test]
    fn releases_a_frame_on_its_marker_bit() {
        let mut a = Vp8Assembler::new();
        let now = Instant::now();
        let out = a.push(1, 100, false, &packet(true, true, 7), now);
        assert!(out.frames.is_empty());
        let out = a.push(2, 100, true, &packet(false, true, 8), now);
        let [f] = out.frames.as_slice() else {
            panic!("one frame expected: {out:?}");
        };
        assert!(f.keyframe);
        assert_eq!(f.data, vec![0x00, 7, 7, 0x00, 8, 8]);
        assert_eq!(f.rtp_timestamp, 100);
        assert!(!out.need_keyframe);
    }

    #[test]
    fn padding_between_and_inside_frames_is_not_loss() {
        // Chromium's bandwidth probes: empty packets carrying the previous frame's timestamp.
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        for seq in 2..6 {
            assert_eq!(f.push(1, seq, 100, false, &[]), (vec![], false));
        }
        assert_eq!(
            f.push(2, 6, 200, false, &packet(true, false, 2)),
            (vec![], false)
        );
        assert_eq!(f.push(2, 7, 200, false, &[]), (vec![], false));
        assert_eq!(
            f.push(3, 8, 200, true, &packet(false, false, 3)),
            (vec![200], false)
        );
    }

    #[test]
    fn a_retransmitted_packet_fills_the_gap_and_releases_frames_in_order() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        // Packet 3 (the end of frame 200) is late; frame 300 completes meanwhile.
        assert_eq!(
            f.push(1, 2, 200, false, &packet(true, false, 2)),
            (vec![], false)
        );
        assert_eq!(
            f.push(2, 4, 300, true, &packet(true, false, 4)),
            (vec![], false)
        );
        assert_eq!(
            f.push(50, 3, 200, true, &packet(false, false, 3)),
            (vec![200, 300], false)
        );
        // Duplicates and packets from before the released point are ignored.
        assert_eq!(
            f.push(51, 3, 200, true, &packet(false, false, 3)),
            (vec![], false)
        );
        assert_eq!(
            f.push(52, 1, 100, true, &packet(true, true, 1)),
            (vec![], false)
        );
    }

    #[test]
    fn a_gap_open_too_long_waits_for_a_keyframe() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        // Packet 2 never arrives.
        assert_eq!(
            f.push(10, 3, 200, true, &packet(false, false, 3)),
            (vec![], false)
        );
        assert_eq!(
            f.push(20, 4, 300, true, &packet(true, false, 4)),
            (vec![], false)
        );
        let waited = MAX_GAP_WAIT.as_millis() as u64;
        assert_eq!(
            f.push(10 + waited, 5, 400, true, &packet(true, false, 5)),
            (vec![], true)
        );
        // Delta frames keep asking until the keyframe comes.
        assert_eq!(
            f.push(20 + waited, 6, 500, true, &packet(true, false, 6)),
            (vec![], true)
        );
        assert_eq!(
            f.push(30 + waited, 7, 600, true, &packet(true, true, 7)),
            (vec![600], false)
        );
        assert_eq!(
            f.push(40 + waited, 8, 700, true, &packet(true, false, 8)),
            (vec![700], false)
        );
    }

    #[test]
    fn a_complete_keyframe_after_a_gap_is_taken_without_waiting() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        assert_eq!(
            f.push(1, 3, 200, true, &packet(false, false, 3)),
            (vec![], false)
        );
        assert_eq!(
            f.push(2, 4, 300, false, &packet(true, true, 4)),
            (vec![], false)
        );
        assert_eq!(
            f.push(3, 5, 300, true, &packet(false, true, 5)),
            (vec![300], false)
        );
    }

    #[test]
    fn a_frame_still_arriving_in_order_is_not_a_gap() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, false, &packet(true, true, 1)),
            (vec![], false)
        );
        let later = MAX_GAP_WAIT.as_millis() as u64 * 3;
        assert_eq!(
            f.push(later, 2, 100, true, &packet(false, true, 2)),
            (vec![100], false)
        );
    }

    #[test]
    fn starts_only_at_a_keyframe() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 10, 100, true, &packet(true, false, 1)),
            (vec![], true)
        );
        assert_eq!(
            f.push(1, 11, 200, true, &packet(true, true, 1)),
            (vec![200], false)
        );
    }

    #[test]
    fn sequence_numbers_wrap() {
        // 65535 starts frame 200 and 0 ends it, arriving out of order.
        let mut g = Feed::new();
        assert_eq!(
            g.push(0, 65534, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        assert_eq!(
            g.push(1, 0, 200, true, &packet(false, false, 3)),
            (vec![], false)
        );
        assert_eq!(
            g.push(2, 65535, 200, false, &packet(true, false, 2)),
            (vec![200], false)
        );
        assert_eq!(
            g.push(3, 1, 300, true, &packet(true, false, 4)),
            (vec![300], false)
        );
    }

    #[test]
    fn reset_waits_for_the_next_keyframe() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, true, 1)),
            (vec![100], false)
        );
        f.assembler.reset();
        assert_eq!(
            f.push(1, 2, 200, true, &packet(true, false, 2)),
            (vec![], true)
        );
        assert_eq!(
            f.push(2, 3, 300, true, &packet(true, true, 3)),
            (vec![300], false)
        );
    }

    #[test]
    fn a_keyframe_being_repaired_outlives_the_delta_frames_completing_after_it() {
        let mut f = Feed::new();
        // The keyframe's middle packet is lost; the delta frame after it arrives whole.
        assert_eq!(
            f.push(0, 10, 1000, false, &packet(true, true, 1)),
            (vec![], false)
        );
        assert_eq!(
            f.push(1, 12, 1000, true, &packet(false, true, 3)),
            (vec![], false)
        );
        assert_eq!(
            f.push(33, 13, 1100, true, &packet(true, false, 4)),
            (vec![], true)
        );
        // The retransmission completes the keyframe: both frames go, in order.
        assert_eq!(
            f.push(41, 11, 1000, false, &packet(false, true, 2)),
            (vec![1000, 1100], false)
        );
    }

    #[test]
    fn a_keyframe_whose_first_packet_comes_last_is_still_taken() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 21, 2000, false, &packet(false, true, 2)),
            (vec![], false)
        );
        assert_eq!(
            f.push(1, 22, 2000, true, &packet(false, true, 3)),
            (vec![], false)
        );
        assert_eq!(
            f.push(33, 23, 2100, true, &packet(true, false, 4)),
            (vec![], true)
        );
        assert_eq!(
            f.push(41, 20, 2000, false, &packet(true, true, 1)),
            (vec![2000, 2100], false)
        );
    }

    #[test]
    fn delta_frames_before_a_keyframe_start_are_dropped_while_it_completes() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(0, 1, 100, true, &packet(true, false, 1)),
            (vec![], true)
        );
        assert_eq!(
            f.push(1, 2, 200, false, &packet(true, true, 2)),
            (vec![], false),
            "the keyframe is arriving: nothing withheld to ask about"
        );
        assert_eq!(
            f.assembler.held.len(),
            1,
            "the delta frame before the keyframe is gone"
        );
        assert_eq!(
            f.push(2, 3, 200, true, &packet(false, true, 3)),
            (vec![200], false)
        );
    }

    /// Found by the vp8_assembler fuzz target (fuzz/, scripts/fuzz.sh): a keyframe's first
    /// packet, then a padding packet with the marker bit and another timestamp. One check saw a
    /// complete keyframe there and the other did not, and `push` never returned.
    #[test]
    fn padding_with_the_marker_and_another_timestamp_does_not_hang() {
        let mut f = Feed::new();
        assert_eq!(
            f.push(56, 65408, 0, false, &packet(true, true, 1)),
            (vec![], false)
        );
        assert_eq!(f.push(101, 65409, 765_000, true, &[]), (vec![0], false));
        assert_eq!(
            f.push(102, 65410, 768_000, true, &packet(true, false, 2)),
            (vec![768_000], false)
        );
    }

    #[test]
    fn garbage_payloads_do_not_panic() {
        let mut a = Vp8Assembler::new();
        let now = Instant::now();
        for (i, p) in [vec![], vec![0xff], vec![0x80, 0x80], vec![0x90; 40]]
            .iter()
            .enumerate()
        {
            let _ = a.push(i as u16, i as u32, true, p, now);
        }
    }

    #[test]
    fn a_flood_of_unfinished_frames_stays_bounded() {
        let mut a = Vp8Assembler::new();
        let now = Instant::now();
        for seq in 0..(MAX_HELD_PACKETS as u32 * 3) {
            // Every frame is missing its end.
            let _ = a.push(seq as u16, seq, false, &packet(true, false, 1), now);
        }
        assert!(a.held.len() <= MAX_HELD_PACKETS);
    }
}
