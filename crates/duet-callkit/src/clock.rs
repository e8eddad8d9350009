//! The mirror's clock: wall-clock milliseconds at start, advanced by tokio's (pausable) clock.

use std::time::{SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Milliseconds since the Unix epoch that follow `tokio::time`, so tests run in virtual time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start: Instant,
    start_ms: u64,
}

impl Clock {
    pub(crate) fn new() -> Self {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            start: Instant::now(),
            start_ms: u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX / 2),
        }
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.start_ms + u64::try_from(self.start.elapsed().as_millis()).unwrap_or(0)
    }

    /// The tokio instant at which the clock reads `at_ms`.
    pub(crate) fn instant_at(&self, at_ms: u64) -> Instant {
        self.start + std::time::Duration::from_millis(at_ms.saturating_sub(self.start_ms))
    }
}
