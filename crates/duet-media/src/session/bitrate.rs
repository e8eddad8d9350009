//! Keeps the VP8 target bitrate between minBitrate and maxBitrate, following the path.
//!
//! Two inputs. The send-side bandwidth estimate (Google Congestion Control over transport-wide
//! feedback, see `peer.rs`) bounds what video may use once audio and packet overhead are paid:
//! it reacts to queues building up (delay gradient) before loss appears. Under it, a loss and
//! RTT controller on what RTCP receiver reports say: back off multiplicatively on loss or a
//! bloated RTT, recover additively (about 5% of the range per report) when the path is clean.

use super::bandwidth::MOST_INHERENT_LOSS;

/// Loss above which the target is cut.
pub const HIGH_LOSS: f64 = 0.10;
/// Loss under which the target may grow.
pub const LOW_LOSS: f64 = 0.02;
/// Round-trip time above which the path counts as congested.
pub const HIGH_RTT_MS: f64 = 400.0;
/// Share of the estimate taken by RTP, SRTP, UDP and IP headers (about 60 bytes of 1200).
pub const PACKET_OVERHEAD: f64 = 0.05;

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

    /// The video target to apply: [`Self::target_kbps`], held under what `estimate_kbps` (the
    /// whole send estimate, if known) leaves once `audio_kbps` and packet overhead are paid, and
    /// on a path that loses `inherent_loss` of its packets whatever the rate, once the resends
    /// of that loss are paid too ([`media_share_under_loss`]); never under the floor.
    pub fn video_target_kbps(
        &self,
        estimate_kbps: Option<u32>,
        audio_kbps: f64,
        inherent_loss: f64,
    ) -> u32 {
        let Some(budget) = video_budget_kbps(estimate_kbps, audio_kbps) else {
            return self.target_kbps;
        };
        let media = (f64::from(budget) * media_share_under_loss(inherent_loss)).round() as u32;
        media
            .min(self.target_kbps)
            .clamp(self.min_kbps, self.max_kbps)
    }
}

/// The share of the video budget the encoder gets on a path that loses `inherent_loss` of its
/// packets whatever the rate (the estimator's loss judge measured it; 0 on a clean or merely
/// congested path): 1 − loss. A packet lost with probability L is sent 1/(1 − L) times on
/// average, so media at (1 − L) of the budget and its resends fill the budget together. Media
/// at the whole budget left the resends nothing but their own share of the estimate, and at
/// 40 % loss each way they need two thirds of the media: the resend budget dropped 1,024 of
/// about 2,570 in the network lab, lost packets outlived their retries, and video froze for 26
/// s of 30 waiting for keyframes. Fewer packets a second also means fewer that outlive their
/// retries. The estimate itself is left alone: only the encoder's share changes.
pub fn media_share_under_loss(inherent_loss: f64) -> f64 {
    1.0 - inherent_loss.clamp(0.0, MOST_INHERENT_LOSS)
}

/// What `estimate_kbps` (the whole send estimate, if known) leaves for video once `audio_kbps`
/// and packet overhead are paid, before any floor: what decides whether video pauses
/// (`video_pause.rs`).
pub fn video_budget_kbps(estimate_kbps: Option<u32>, audio_kbps: f64) -> Option<u32> {
    let estimate = estimate_kbps?;
    let budget = (f64::from(estimate) * (1.0 - PACKET_OVERHEAD) - audio_kbps).max(0.0);
    Some(budget.round() as u32)
}

/// The camera's share of the video budget while a screen is shared: the far side shows the
/// screen large and the camera small, so the screen gets the rest.
pub const CAMERA_SHARE_WHILE_SHARING: f64 = 0.25;
/// The least the camera is given while a screen is shared (a thumbnail still moves).
pub const CAMERA_FLOOR_WHILE_SHARING_KBPS: u32 = 100;
/// The least a shared screen is given: under it even a still screen's updates would crawl.
pub const SCREEN_FLOOR_KBPS: u32 = 150;

/// Splits `video_kbps` (what [`BitrateController::video_target_kbps`] allows all video) between
/// the camera and a shared screen: (camera, screen). The camera keeps a quarter, at least its
/// floor and never more than `video_kbps` leaves the screen's floor; the screen takes the rest.
pub fn split_for_screen(video_kbps: u32) -> (u32, u32) {
    let camera = ((f64::from(video_kbps) * CAMERA_SHARE_WHILE_SHARING).round() as u32)
        .max(CAMERA_FLOOR_WHILE_SHARING_KBPS)
        .min(video_kbps.saturating_sub(SCREEN_FLOOR_KBPS));
    let screen = video_kbps.saturating_sub(camera).max(SCREEN_FLOOR_KBPS);
    (camera, screen)
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

    #[test]
    fn the_estimate_bounds_video_after_audio_and_overhead() {
        let c = BitrateController::new(100, 900);
        assert_eq!(c.video_target_kbps(None, 40.0, 0.0), 900, "no estimate yet");
        // 400 kbit/s estimated: 380 after overhead, 340 after 40 kbit/s of audio.
        assert_eq!(c.video_target_kbps(Some(400), 40.0, 0.0), 340);
        assert_eq!(
            c.video_target_kbps(Some(5_000), 40.0, 0.0),
            900,
            "the ceiling"
        );
        assert_eq!(c.video_target_kbps(Some(50), 40.0, 0.0), 100, "the floor");
        assert_eq!(
            video_budget_kbps(Some(50), 40.0),
            Some(8),
            "no floor in the budget"
        );
        assert_eq!(video_budget_kbps(None, 40.0), None);
    }

    #[test]
    fn a_path_that_loses_packets_of_its_own_leaves_the_resends_their_room() {
        let c = BitrateController::new(100, 2_000);
        // 1,000 kbit/s estimated: 950 after overhead, 910 after 40 kbit/s of audio.
        assert_eq!(c.video_target_kbps(Some(1_000), 40.0, 0.0), 910);
        // At 40 % loss each way media gets 546, and with its resends (546 / 0.6) fills 910.
        assert_eq!(c.video_target_kbps(Some(1_000), 40.0, 0.4), 546);
        assert_eq!(c.video_target_kbps(Some(1_000), 40.0, 0.2), 728);
        // Never under the floor, and an unjudged path (no estimate) keeps the controller's.
        assert_eq!(c.video_target_kbps(Some(1_000), 40.0, 0.95), 100);
        assert_eq!(c.video_target_kbps(None, 40.0, 0.4), 2_000);
    }

    #[test]
    fn a_shared_screen_takes_three_quarters_and_both_keep_a_floor() {
        assert_eq!(split_for_screen(900), (225, 675));
        assert_eq!(split_for_screen(300), (100, 200));
        assert_eq!(split_for_screen(200), (50, 150), "the screen's floor first");
        assert_eq!(split_for_screen(100), (0, 150));
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
