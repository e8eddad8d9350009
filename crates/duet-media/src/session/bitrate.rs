//! Keeps the VP8 target bitrate between minBitrate and maxBitrate, following loss and RTT.
//!
//! webrtc-rs's default interceptors have no send-side bandwidth estimation, so this uses what
//! the receiver reports in RTCP: back off multiplicatively on loss or a bloated RTT, recover
//! additively (about 5% of the range per report) when the path is clean. The same shape as
//! libwebrtc's loss-based controller, without the delay-based part.

/// Loss above which the target is cut.
pub const HIGH_LOSS: f64 = 0.10;
/// Loss under which the target may grow.
pub const LOW_LOSS: f64 = 0.02;
/// Round-trip time above which the path counts as congested.
pub const HIGH_RTT_MS: f64 = 400.0;

/// The loss- and RTT-driven bitrate controller.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BitrateController {
    min_kbps: u32,
    max_kbps: u32,
    target_kbps: u32,
}

impl BitrateController {
    /// Starts at `max_kbps` (calls start on a fresh path; loss brings it down quickly).
    pub fn new(min_kbps: u32, max_kbps: u32) -> Self {
        let max_kbps = max_kbps.max(min_kbps);
        Self {
            min_kbps,
            max_kbps,
            target_kbps: max_kbps,
        }
    }

    /// The current target.
    pub fn target_kbps(&self) -> u32 {
        self.target_kbps
    }

    /// Applies one receiver report (`loss` as a fraction 0..=1, `rtt_ms` if measured) and
    /// returns the new target.
    pub fn on_report(&mut self, loss: f64, rtt_ms: Option<f64>) -> u32 {
        let congested = rtt_ms.is_some_and(|rtt| rtt > HIGH_RTT_MS);
        let next = if loss > HIGH_LOSS {
            self.target_kbps as f64 * (1.0 - 0.5 * loss.min(0.5))
        } else if congested {
            self.target_kbps as f64 * 0.9
        } else if loss < LOW_LOSS {
            self.target_kbps as f64 + (self.max_kbps - self.min_kbps).max(20) as f64 * 0.05
        } else {
            self.target_kbps as f64
        };
        self.target_kbps = (next.round() as u32).clamp(self.min_kbps, self.max_kbps);
        self.target_kbps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn loss_cuts_and_clean_reports_recover() {
        let mut c = BitrateController::new(600, 900);
        assert_eq!(c.target_kbps(), 900);
        let cut = c.on_report(0.2, Some(50.0));
        assert!(cut < 900);
        let mut last = cut;
        for _ in 0..40 {
            let next = c.on_report(0.0, Some(50.0));
            assert!(next >= last);
            last = next;
        }
        assert_eq!(last, 900);
    }

    #[test]
    fn high_rtt_backs_off_to_the_floor() {
        let mut c = BitrateController::new(600, 900);
        for _ in 0..50 {
            c.on_report(0.0, Some(800.0));
        }
        assert_eq!(c.target_kbps(), 600);
    }

    proptest! {
        #[test]
        fn target_always_stays_in_range(
            min in 1u32..2000, span in 0u32..3000,
            reports in proptest::collection::vec((0.0f64..=1.0, proptest::option::of(0.0f64..2000.0)), 0..60)
        ) {
            let mut c = BitrateController::new(min, min + span);
            for (loss, rtt) in reports {
                let t = c.on_report(loss, rtt);
                prop_assert!((min..=min + span).contains(&t));
            }
        }
    }
}
