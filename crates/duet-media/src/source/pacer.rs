//! Sleeps a producer thread to a fixed period without accumulating drift.

use std::time::{Duration, Instant};

/// Releases a caller once per period, on absolute deadlines.
#[derive(Debug)]
pub struct Pacer {
    period: Duration,
    next: Option<Instant>,
}

impl Pacer {
    /// A pacer ticking every `period`.
    pub fn new(period: Duration) -> Self {
        Self { period, next: None }
    }

    /// Blocks until the next deadline. The first call returns at once; a caller that fell more
    /// than a period behind restarts from now instead of bursting to catch up.
    pub fn wait(&mut self) {
        let now = Instant::now();
        let deadline = self.deadline(now);
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        self.passed(deadline);
    }

    /// The next deadline as seen at `now`, for a caller that waits on something else meanwhile
    /// (a channel with a timeout): the first is `now`, and so is one more than a period late.
    pub fn deadline(&self, now: Instant) -> Instant {
        match self.next {
            None => now,
            Some(next) if next + self.period < now => now,
            Some(next) => next,
        }
    }

    /// Records that `deadline` (from [`Pacer::deadline`]) was reached: the next is a period on.
    pub fn passed(&mut self, deadline: Instant) {
        self.next = Some(deadline + self.period);
    }
}
