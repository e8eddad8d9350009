//! Retransmissions within a share of the bandwidth estimate: an interceptor on the write leg,
//! between webrtc-rs's NACK responder and the wire, that drops a retransmission when the
//! retransmissions of the last second and it would exceed their share of the send-side
//! estimate: [`RESEND_SHARE`], more on a path that loses packets whatever the rate
//! ([`resend_share`]).
//!
//! webrtc-rs's NACK responder resends every packet asked for. Into a capped link the first
//! overshoot loses most of what is sent; every lost packet was then asked for again and again
//! (up to ten times 40 ms apart, `peer.rs`), and in the network lab's 300 kbit/s cap the resends kept
//! the 200 ms queue full for five seconds after the encoder had come down to half the cap, until
//! video paused. libwebrtc bounds resends the same way (its retransmission rate limiter follows
//! the estimate). A bound on all that is sent (media and resends within the estimate) was tried
//! first: the encoder overshoots its target by a few per cent at times, and at 5 % random loss
//! the resends then found no room and video froze. On random loss the estimate stays high (the
//! loss judge tolerates it), and the encoder gets (1 − loss) of it (`bitrate.rs`,
//! `media_share_under_loss`), so the resends need about `loss` of the estimate: a fifth at 20 %
//! loss each way. (When that cut was first tried, the delay half was held under 1.5 times what
//! arrives, and the two fed each other down to the floor; that bound is gone, `delay_half.rs`.)

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::sansio::Protocol;
use rtc::shared::error::Error;

use super::bandwidth::{SharedPathLoss, MOST_INHERENT_LOSS};
use super::estimate::SharedEstimate;

/// The window resends are measured over.
const WINDOW: Duration = Duration::from_secs(1);
/// The share of the estimate resends may take on a path without loss of its own.
pub const RESEND_SHARE: f64 = 0.3;
/// The most resends may take of the estimate on a path that loses packets whatever the rate.
pub const MOST_RESEND_SHARE: f64 = 0.6;

/// The share of the estimate resends may take when the path loses `inherent` of all packets
/// whatever the rate (the estimator's loss judge found it; 0 for congestion, whose loss the
/// budget is there to stop feeding). Each lost packet is resent 1/(1 − loss) times on average,
/// so resends are loss/(1 − loss) of the media, which gets (1 − loss) of the estimate
/// (`media_share_under_loss`): about `loss` of the estimate. Twice loss/(1 − loss) leaves room
/// for keyframes, whose bursts lose many packets at once. At 20 % loss each way a 30 % budget dropped resends
/// (130 of 240 in the first second in the network lab); each one dropped is asked for again 40
/// ms later, the demand multiplied, and gaps went unrepaired until a keyframe was asked for.
pub fn resend_share(inherent: f64) -> f64 {
    let loss = inherent.clamp(0.0, MOST_INHERENT_LOSS);
    (2.0 * loss / (1.0 - loss)).clamp(RESEND_SHARE, MOST_RESEND_SHARE)
}
/// RTP, SRTP, UDP and IP headers a payload carries on the wire, roughly.
pub(super) const HEADER_BYTES: usize = 60;

/// Drops retransmissions that would take the last second's resends over their share.
pub struct RetransmitBudget {
    estimate: SharedEstimate,
    path_loss: SharedPathLoss,
    /// Every resend let through in the last [`WINDOW`]: when, and its size on the wire.
    sent: VecDeque<(Instant, usize)>,
    bytes_in_window: usize,
    dropped: u64,
    /// Retransmissions let through so far.
    passed: u64,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl RetransmitBudget {
    pub fn new(estimate: SharedEstimate, path_loss: SharedPathLoss) -> Self {
        Self {
            estimate,
            path_loss,
            sent: VecDeque::new(),
            bytes_in_window: 0,
            dropped: 0,
            passed: 0,
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }

    /// Retransmissions dropped so far.
    #[cfg(test)]
    fn dropped(&self) -> u64 {
        self.dropped
    }

    fn expire(&mut self, now: Instant) {
        while let Some(&(at, size)) = self.sent.front() {
            if now.saturating_duration_since(at) < WINDOW {
                break;
            }
            self.sent.pop_front();
            self.bytes_in_window -= size;
        }
    }

    /// Whether a retransmission of `size` bytes fits: always while there is no estimate yet.
    fn fits(&self, size: usize) -> bool {
        let estimate_bps = self.estimate.bps();
        if estimate_bps == 0 {
            return true;
        }
        let bits = (self.bytes_in_window + size) as f64 * 8.0;
        let share = resend_share(self.path_loss.inherent());
        bits <= estimate_bps as f64 * share * WINDOW.as_secs_f64()
    }
}

impl Protocol<TaggedPacket, TaggedPacket, ()> for RetransmitBudget {
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
        let Packet::Rtp(packet) = &msg.message.packet else {
            self.write_queue.push_back(msg);
            return Ok(());
        };
        if !msg.message.has(&Attribute::Retransmission) {
            self.write_queue.push_back(msg);
            return Ok(());
        }
        let size = packet.payload.len() + HEADER_BYTES;
        self.expire(msg.now);
        if !self.fits(size) {
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                tracing::debug!(
                    dropped = self.dropped,
                    passed = self.passed,
                    estimate_bps = self.estimate.bps(),
                    window_bytes = self.bytes_in_window,
                    "retransmissions dropped: over the estimate"
                );
            }
            return Ok(());
        }
        self.passed += 1;
        self.sent.push_back((msg.now, size));
        self.bytes_in_window += size;
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<Self::Wout> {
        self.write_queue.pop_front()
    }
}

impl Interceptor for RetransmitBudget {
    fn bind_local_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_local_stream(&mut self, _info: &StreamInfo) {}
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtc::interceptor::AttributedPacket;

    fn rtp(now: Instant, bytes: usize, resend: bool) -> TaggedPacket {
        let packet = rtc::rtp::Packet {
            payload: vec![0; bytes].into(),
            ..Default::default()
        };
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

    fn passed(budget: &mut RetransmitBudget) -> usize {
        std::iter::from_fn(|| budget.poll_write()).count()
    }

    #[test]
    fn media_always_passes_and_resends_only_within_their_share() {
        let estimate = SharedEstimate::default();
        // 100 kbit/s: resends may take 30 kbit/s, 3,750 bytes a second.
        estimate.store(100_000);
        let mut budget = RetransmitBudget::new(estimate, SharedPathLoss::default());
        let t0 = Instant::now();
        // Media is never held back, even over the estimate.
        for n in 0..20u64 {
            budget
                .handle_write(rtp(t0 + Duration::from_millis(n * 25), 940, false))
                .unwrap();
        }
        assert_eq!(passed(&mut budget), 20);
        // Three 1,000-byte resends fit in the second; the rest are dropped.
        for _ in 0..5 {
            budget
                .handle_write(rtp(t0 + Duration::from_millis(600), 940, true))
                .unwrap();
        }
        assert_eq!(passed(&mut budget), 3);
        assert_eq!(budget.dropped(), 2);
        // A second later the window is empty again.
        budget
            .handle_write(rtp(t0 + Duration::from_millis(1700), 940, true))
            .unwrap();
        assert_eq!(passed(&mut budget), 1);
    }

    #[test]
    fn a_path_that_loses_packets_of_its_own_leaves_resends_more_room() {
        assert_eq!(
            resend_share(0.0),
            RESEND_SHARE,
            "congestion: the base share"
        );
        assert_eq!(resend_share(0.05), RESEND_SHARE);
        assert!(
            (resend_share(0.2) - 0.5).abs() < 1e-9,
            "{}",
            resend_share(0.2)
        );
        assert_eq!(resend_share(0.4), MOST_RESEND_SHARE);
        assert_eq!(
            resend_share(1.0),
            MOST_RESEND_SHARE,
            "all lost: still bounded"
        );

        let estimate = SharedEstimate::default();
        estimate.store(100_000);
        let path_loss = SharedPathLoss::default();
        // 20 % of the path's own: 50 kbit/s, 6,250 bytes a second, six 1,000-byte resends.
        path_loss.store(0.2, Some(0.2));
        let mut budget = RetransmitBudget::new(estimate, path_loss);
        let now = Instant::now();
        for _ in 0..8 {
            budget.handle_write(rtp(now, 940, true)).unwrap();
        }
        assert_eq!(passed(&mut budget), 6);
    }

    #[test]
    fn without_an_estimate_every_resend_passes() {
        let mut budget =
            RetransmitBudget::new(SharedEstimate::default(), SharedPathLoss::default());
        let now = Instant::now();
        for _ in 0..100 {
            budget.handle_write(rtp(now, 1200, true)).unwrap();
        }
        assert_eq!(passed(&mut budget), 100);
    }
}
