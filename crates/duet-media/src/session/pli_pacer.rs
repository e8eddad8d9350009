//! When the receiver asks for a keyframe (PLI): at once after a loss it could not repair, then
//! again only after a while if the keyframe asked for does not come.

use std::time::{Duration, Instant};

use super::assembler::MAX_GAP_WAIT;

/// Fewest milliseconds between two PLIs, so a burst of loss sends one request.
pub const PLI_INTERVAL: Duration = Duration::from_millis(200);
/// Fewest milliseconds between a PLI and its repeat while the keyframe it asked for has not
/// come. A keyframe is many packets, and at 20 % loss some of them need a NACK round or two (up
/// to [`MAX_GAP_WAIT`]). Repeated every 200 ms, the requests made the sender start a new
/// keyframe before the last one was whole, the bursts of lost keyframe packets ran its resends
/// over their budget, and none completed: the picture froze for two seconds at a time in the
/// network lab.
pub const PLI_REPEAT_INTERVAL: Duration = Duration::from_millis(500);

const _: () = assert!(PLI_REPEAT_INTERVAL.as_millis() > MAX_GAP_WAIT.as_millis());

/// Paces keyframe requests.
#[derive(Debug, Default)]
pub struct PliPacer {
    last: Option<Instant>,
    /// Whether a PLI went out while output waits for the keyframe it asked for.
    asked_while_waiting: bool,
}

impl PliPacer {
    /// Whether to send a PLI at `now`: `needed` says output needs a keyframe, `waiting` that
    /// it is waiting for one (after this packet).
    pub fn decide(&mut self, now: Instant, needed: bool, waiting: bool) -> bool {
        if !needed {
            if !waiting {
                self.asked_while_waiting = false;
            }
            return false;
        }
        let interval = if waiting && self.asked_while_waiting {
            PLI_REPEAT_INTERVAL
        } else {
            PLI_INTERVAL
        };
        let due = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= interval);
        if due {
            self.last = Some(now);
        }
        self.asked_while_waiting = waiting;
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_loss_asks_at_once_and_a_burst_asks_once() {
        let mut pacer = PliPacer::default();
        let t0 = Instant::now();
        assert!(pacer.decide(t0, true, true));
        assert!(!pacer.decide(t0 + ms(50), true, true));
        assert!(!pacer.decide(t0 + ms(199), false, true));
    }

    #[test]
    fn a_keyframe_that_does_not_come_is_asked_for_again_after_the_longer_wait() {
        let mut pacer = PliPacer::default();
        let t0 = Instant::now();
        assert!(pacer.decide(t0, true, true));
        // Withheld frames keep needing one while the keyframe is being repaired.
        for n in 1..10 {
            assert!(!pacer.decide(t0 + ms(n * 50), true, true), "{} ms", n * 50);
        }
        assert!(pacer.decide(t0 + PLI_REPEAT_INTERVAL, true, true));
    }

    #[test]
    fn once_the_keyframe_came_the_next_loss_asks_after_the_short_interval() {
        let mut pacer = PliPacer::default();
        let t0 = Instant::now();
        assert!(pacer.decide(t0, true, true));
        // The keyframe arrived: output flows again.
        assert!(!pacer.decide(t0 + ms(100), false, false));
        assert!(pacer.decide(t0 + PLI_INTERVAL, true, true));
    }

    #[test]
    fn a_decoder_that_fell_behind_asks_without_waiting_for_a_keyframe_state() {
        let mut pacer = PliPacer::default();
        let t0 = Instant::now();
        assert!(pacer.decide(t0, true, false));
        assert!(pacer.decide(t0 + PLI_INTERVAL, true, true));
    }
}
