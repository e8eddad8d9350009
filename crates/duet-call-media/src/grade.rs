//! The network grade of a call's statistics: graded only while media arrives. Statistics come
//! once a second; a second with nothing received does not yet mean the media stopped (a video
//! frame can straddle it), so the grade turns `unknown` after [`SILENCE`] without a packet.

use duet_callkit::NetworkQuality;
use std::time::{Duration, Instant};

/// How long without receiving any media before the grade is `unknown` again (2–3 s at one
/// report a second).
pub(crate) const SILENCE: Duration = Duration::from_millis(2500);

/// Remembers when media last arrived; time is an input, so tests run in virtual time.
#[derive(Debug, Default)]
pub(crate) struct Grader {
    last_received: Option<Instant>,
}

impl Grader {
    /// The grade of the interval ending `now`, in which `recv_kbps` arrived; `video_paused`
    /// says our camera is paused because the path cannot carry it, which is a poor network
    /// whatever loss and RTT say (at best `poor`; `bad` stays `bad`).
    pub(crate) fn grade(
        &mut self,
        now: Instant,
        loss_pct: f64,
        rtt_ms: Option<f64>,
        recv_kbps: f64,
        video_paused: bool,
    ) -> NetworkQuality {
        if recv_kbps > 0.0 {
            self.last_received = Some(now);
        }
        let flowing = self
            .last_received
            .is_some_and(|at| now.saturating_duration_since(at) < SILENCE);
        match NetworkQuality::grade(loss_pct, rtt_ms, flowing) {
            NetworkQuality::Bad => NetworkQuality::Bad,
            _ if video_paused => NetworkQuality::Poor,
            grade => grade,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use NetworkQuality::*;

    /// Grades a report `secs` seconds after `t0`.
    fn at(
        grader: &mut Grader,
        t0: Instant,
        secs: f64,
        rtt: Option<f64>,
        recv: f64,
    ) -> NetworkQuality {
        grader.grade(t0 + Duration::from_secs_f64(secs), 0.0, rtt, recv, false)
    }

    #[test]
    fn no_media_at_all_is_never_excellent_even_with_an_rtt() {
        // Neither side has a device: ICE answers (an RTT) but nothing is sent or received.
        let mut grader = Grader::default();
        let t0 = Instant::now();
        for second in 0..10 {
            assert_eq!(
                at(&mut grader, t0, f64::from(second), Some(5.0), 0.0),
                Unknown
            );
        }
    }

    #[test]
    fn media_flowing_is_graded_and_its_stop_turns_unknown_within_three_seconds() {
        let mut grader = Grader::default();
        let t0 = Instant::now();
        assert_eq!(at(&mut grader, t0, 1.0, Some(20.0), 300.0), Excellent);
        // One or two silent reports: a gap, not yet a stop.
        assert_eq!(at(&mut grader, t0, 2.0, Some(20.0), 0.0), Excellent);
        assert_eq!(at(&mut grader, t0, 3.0, Some(20.0), 0.0), Excellent);
        // 3 s without a packet (> 2.5 s): no media.
        assert_eq!(at(&mut grader, t0, 4.0, Some(20.0), 0.0), Unknown);
        assert_eq!(at(&mut grader, t0, 9.0, Some(20.0), 0.0), Unknown);
        // Media again: graded again at once, by loss and RTT as before.
        assert_eq!(at(&mut grader, t0, 10.0, Some(150.0), 40.0), Good);
    }

    #[test]
    fn the_silence_limit_is_exclusive() {
        let mut grader = Grader::default();
        let t0 = Instant::now();
        assert_eq!(grader.grade(t0, 0.0, None, 64.0, false), Excellent);
        assert_eq!(
            grader.grade(
                t0 + SILENCE - Duration::from_millis(1),
                0.0,
                None,
                0.0,
                false
            ),
            Excellent
        );
        assert_eq!(grader.grade(t0 + SILENCE, 0.0, None, 0.0, false), Unknown);
    }

    #[test]
    fn video_paused_by_the_network_is_at_best_poor() {
        let mut grader = Grader::default();
        let t0 = Instant::now();
        assert_eq!(grader.grade(t0, 0.0, Some(20.0), 40.0, true), Poor);
        assert_eq!(grader.grade(t0, 0.0, Some(150.0), 40.0, true), Poor);
        assert_eq!(
            grader.grade(t0, 20.0, Some(20.0), 40.0, true),
            Bad,
            "bad stays"
        );
        // Nothing received (the peer sends nothing either): still a poor network, not unknown.
        let t1 = t0 + Duration::from_secs(10);
        assert_eq!(grader.grade(t1, 0.0, None, 0.0, true), Poor);
        assert_eq!(grader.grade(t1, 0.0, Some(20.0), 40.0, false), Excellent);
    }
}
