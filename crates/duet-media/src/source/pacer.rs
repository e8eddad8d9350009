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
        let deadline = match self.next {
            None => now,
            Some(next) if next + self.period < now => now,
            Some(next) => next,
        };
        if deadline > now {
            std::thread::sleep(deadline - now);
        }
        self.next = Some(deadline + self.period);
    }
}
