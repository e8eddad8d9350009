//! Pacing: video leaves at 2.5 times the bandwidth estimate, a packet or two at a time, rather
//! than each frame's packets back to back as the encoder hands them over.
//!
//! Why: without it a 30 fps picture reaches the wire as 30 bursts a second, a keyframe as one
//! burst of 20–60 packets. The bursts arrive as bursts, and the delay half of the estimator
//! (`delay_half.rs`) sees their spread as queueing noise: its adaptive threshold sat at 27–41 in
//! the network lab's caps, so it flagged overuse only once the link's queue was already full, and
//! a keyframe into a 300 kbit/s link's 200 ms queue overflowed it at once. libwebrtc paces the
//! same way (its `PacingController`: 2.5 times the target, audio first, then retransmissions,
//! then video). 2.5 times is far above what the encoder produces on average (it is held to the
//! estimate, `bitrate.rs`), so the queue stays empty between frames and a frame waits only for
//! its own packets: 13 ms for a 30 fps frame at its average size, 130 ms for a keyframe ten
//! times that.
//!
//! - **Audio is never held:** its packets pass at once and are charged to the budget, so video
//!   makes room for them. Opus's 20 ms packets are small and steady; a voice delayed behind a
//!   keyframe would be heard.
//! - **Retransmissions before new video:** the receiver is waiting for them.
//! - **RTCP is never held.**
//! - **No estimate yet** (the first feedback has not come): nothing is held.
//! - **The queue is bounded in time, not in packets:** no packet waits more than
//!   [`MAX_QUEUE_TIME`]; when the pacing rate would not send the whole queue before its oldest
//!   packet's time is up, the rate rises until it does (libwebrtc bounds its queue at 2 s the
//!   same way; real-time video that late is useless, so 300 ms here).
//!
//! It sits at [`rtc::interceptor::Slot::Pacer`]: application-ward of the transport-wide sequence
//! numbering and the send history, so packets are numbered and their departure recorded when
//! they leave here, not when they were queued (the estimator would otherwise take this queue for
//! the network's); wire-ward of the NACK responder and the retransmission budget, whose resends
//! it meters with the rest. webrtc-rs has a pacer of its own (`PacerInterceptor`), at the
//! estimate itself, with one queue and a burst of 100 ms; its bucket ([`rtc::interceptor::Pacer`])
//! is used here.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use rtc::interceptor::{Attribute, Interceptor, Pacer, Packet, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use super::estimate::SharedEstimate;
use super::retransmit_budget::HEADER_BYTES;

/// The pacing rate over the estimate: libwebrtc's `kDefaultPaceMultiplier`.
pub const PACING_FACTOR: f64 = 2.5;
/// What may leave back to back: two full-size packets.
const BURST_BITS: f64 = 2.0 * 1500.0 * 8.0;
/// The longest a packet waits here: the rate rises to keep to it.
pub const MAX_QUEUE_TIME: Duration = Duration::from_millis(300);
/// The time left the rate is computed for once a packet is due: the queue then goes within it.
const MIN_TIME_LEFT: Duration = Duration::from_millis(5);

/// Holds video and retransmissions to the pacing rate; see the module's doc.
pub struct Pacing {
    estimate: SharedEstimate,
    bucket: Pacer,
    /// The SSRCs of the audio streams sent, whose packets are never held.
    audio: HashSet<u32>,
    resends: VecDeque<TaggedPacket>,
    video: VecDeque<TaggedPacket>,
    queued_bits: f64,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl Pacing {
    pub fn new(estimate: SharedEstimate) -> Self {
        Self {
            estimate,
            bucket: Pacer::new(0.0).with_burst_bits(BURST_BITS),
            audio: HashSet::new(),
            resends: VecDeque::new(),
            video: VecDeque::new(),
            queued_bits: 0.0,
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }

    /// The rate packets leave at `now`, in bits per second: 0 without an estimate (nothing is
    /// held); at least what sends the whole queue before its oldest packet has waited
    /// [`MAX_QUEUE_TIME`].
    fn rate(&self, now: Instant) -> f64 {
        let paced = self.estimate.bps() as f64 * PACING_FACTOR;
        if paced <= 0.0 {
            return 0.0;
        }
        let oldest = [self.resends.front(), self.video.front()]
            .into_iter()
            .flatten()
            .map(|p| p.now)
            .min();
        let Some(oldest) = oldest else {
            return paced;
        };
        let left = (oldest + MAX_QUEUE_TIME)
            .saturating_duration_since(now)
            .max(MIN_TIME_LEFT);
        paced.max(self.queued_bits / left.as_secs_f64())
    }

    fn bits(packet: &TaggedPacket) -> f64 {
        match &packet.message.packet {
            Packet::Rtp(rtp) => ((rtp.payload.len() + HEADER_BYTES) * 8) as f64,
            // RTCP, and whatever else may come on the belt, is never held.
            _ => 0.0,
        }
    }

    fn head(&self) -> Option<&TaggedPacket> {
        self.resends.front().or_else(|| self.video.front())
    }

    /// Sends what the budget allows at `now`, resends first.
    fn release(&mut self, now: Instant) {
        let rate = self.rate(now);
        // The time since the last refill is credited at the rate it passed at.
        self.bucket.refill(now);
        self.bucket.set_target_bitrate(rate);
        while let Some(head) = self.head() {
            let bits = Self::bits(head);
            if rate > 0.0 && !self.bucket.can_release(bits) {
                break;
            }
            // The packet taken is the one the budget was asked about: resends first.
            let queue = if self.resends.is_empty() {
                &mut self.video
            } else {
                &mut self.resends
            };
            let Some(mut packet) = queue.pop_front() else {
                break;
            };
            self.queued_bits -= bits;
            if rate > 0.0 {
                self.bucket.consume(bits);
            }
            // It leaves now: what is wire-ward (numbering, the send history) must see this
            // instant, not when it was queued.
            packet.now = now;
            self.write_queue.push_back(packet);
        }
        if self.head().is_none() {
            // Rounding must not leave a phantom queue raising the rate.
            self.queued_bits = 0.0;
        }
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for Pacing {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.read_queue.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<Self::Rout> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        let now = msg.now;
        let Packet::Rtp(rtp) = &msg.message.packet else {
            self.write_queue.push_back(msg);
            return Ok(());
        };
        if self.audio.contains(&rtp.header.ssrc) {
            if self.estimate.bps() > 0 {
                // Charged, so the video after it makes room.
                self.bucket.refill(now);
                self.bucket.consume(Self::bits(&msg));
            }
            self.write_queue.push_back(msg);
            return Ok(());
        }
        self.queued_bits += Self::bits(&msg);
        if msg.message.has(&Attribute::Retransmission) {
            self.resends.push_back(msg);
        } else {
            self.video.push_back(msg);
        }
        self.release(now);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        if self.head().is_some() {
            self.release(now);
        }
        Ok(())
    }

    fn poll_timeout(&mut self) -> Option<Instant> {
        let bits = Self::bits(self.head()?);
        self.bucket.releasable_at(bits)
    }
}

impl Interceptor for Pacing {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if info.mime_type.to_ascii_lowercase().starts_with("audio/") {
            self.audio.insert(info.ssrc);
        }
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        self.audio.remove(&info.ssrc);
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::AttributedPacket;

    fn rtp(now: Instant, ssrc: u32, payload: usize, resend: bool) -> TaggedPacket {
        let mut packet = rtc::rtp::Packet {
            payload: vec![0; payload].into(),
            ..Default::default()
        };
        packet.header.ssrc = ssrc;
        let mut message = AttributedPacket::new(Packet::Rtp(packet));
        if resend {
            message.add(Attribute::Retransmission);
        }
        TaggedPacket {
            now,
            transport: Default::default(),
            message,
        }
    }

    const VIDEO: u32 = 1;
    const AUDIO: u32 = 2;

    fn pacing(estimate_bps: u64) -> Pacing {
        let estimate = SharedEstimate::default();
        estimate.store(estimate_bps);
        let mut pacing = Pacing::new(estimate);
        pacing.bind_local_stream(&StreamInfo {
            ssrc: AUDIO,
            mime_type: "audio/opus".into(),
            ..Default::default()
        });
        pacing
    }

    /// Runs the pacer's clock from `start` until its queue is empty, as the chain's driver
    /// does (waking at each `poll_timeout`); every packet with the instant it left.
    fn drain(pacing: &mut Pacing, start: Instant) -> Vec<(Instant, u32, bool)> {
        let mut left = vec![];
        let mut now = start;
        loop {
            while let Some(p) = pacing.poll_write() {
                let Packet::Rtp(rtp) = &p.message.packet else {
                    continue;
                };
                left.push((
                    p.now,
                    rtp.header.ssrc,
                    p.message.has(&Attribute::Retransmission),
                ));
            }
            let Some(next) = pacing.poll_timeout() else {
                return left;
            };
            assert!(next >= now, "a deadline in the past would spin the driver");
            now = next.max(now + Duration::from_micros(1));
            pacing.handle_timeout(now).unwrap();
        }
    }

    /// Hands the pacer `packets` video packets of 1,250 bytes on the wire (10 kbit) at `at`.
    fn write_video(pacing: &mut Pacing, at: Instant, packets: usize) {
        for _ in 0..packets {
            pacing.handle_write(rtp(at, VIDEO, 1_190, false)).unwrap();
        }
    }

    #[test]
    fn a_keyframe_burst_leaves_at_two_and_a_half_times_the_estimate() {
        // 400 kbit/s: paced at 1 Mbit/s. 25 packets of 1,190 + 60 bytes = 250 kbit: 250 ms at
        // 1 Mbit/s, less the first packet, which the budget allows at once.
        let mut pacing = pacing(400_000);
        let t0 = Instant::now();
        write_video(&mut pacing, t0, 25);
        let left = drain(&mut pacing, t0);
        assert_eq!(left.len(), 25);
        let took = left.last().unwrap().0 - t0;
        assert!(
            took >= Duration::from_millis(230) && took <= Duration::from_millis(250),
            "took {took:?}"
        );
        // No instant has more than the two-packet burst leaving at it.
        let most_at_once = left
            .iter()
            .map(|(at, ..)| left.iter().filter(|(other, ..)| other == at).count())
            .max()
            .unwrap();
        assert!(most_at_once <= 2, "{most_at_once} packets left at once");
    }

    #[test]
    fn audio_is_never_held_and_resends_go_before_queued_video() {
        let mut pacing = pacing(400_000);
        let t0 = Instant::now();
        write_video(&mut pacing, t0, 10);
        pacing.handle_write(rtp(t0, AUDIO, 100, false)).unwrap();
        pacing.handle_write(rtp(t0, VIDEO, 1_190, true)).unwrap();
        let left = drain(&mut pacing, t0);
        assert_eq!(left.len(), 12);
        // The audio packet left at once though video was waiting and the budget spent.
        let audio = left.iter().position(|p| p.1 == AUDIO).unwrap();
        assert_eq!(left[audio].0, t0);
        assert!(left[audio + 1..].iter().all(|p| p.0 > t0));
        // The resend, queued behind the video still waiting, left before all of it.
        assert!(left[audio + 1].2, "the resend is next: {left:?}");
        assert_eq!(left.iter().filter(|p| p.2).count(), 1);
    }

    #[test]
    fn without_an_estimate_nothing_is_held() {
        let mut pacing = pacing(0);
        let t0 = Instant::now();
        write_video(&mut pacing, t0, 40);
        let left = drain(&mut pacing, t0);
        assert_eq!(left.len(), 40);
        assert!(left.iter().all(|(at, ..)| *at == t0));
        assert_eq!(pacing.poll_timeout(), None);
    }

    #[test]
    fn a_queue_longer_than_the_limit_is_sent_within_it() {
        // 100 kbit/s, paced at 250 kbit/s: 200 packets of 10 kbit (2 Mbit) would take 8 s; the
        // rate rises so that all of it goes within 300 ms of its arrival.
        let mut pacing = pacing(100_000);
        let t0 = Instant::now();
        write_video(&mut pacing, t0, 200);
        let left = drain(&mut pacing, t0);
        assert_eq!(left.len(), 200);
        let took = left.last().unwrap().0 - t0;
        assert!(took <= MAX_QUEUE_TIME, "took {took:?}");
        // Still paced, not sent at once: spread over most of the time allowed.
        assert!(
            took >= MAX_QUEUE_TIME - Duration::from_millis(10),
            "took {took:?}"
        );
    }
}
