//! The server's notion of now: wall-clock milliseconds derived from tokio's clock.
//!
//! The wall clock is read once at start; later times add tokio's elapsed time to it, so tests that
//! pause tokio's clock move the server's time too, and a wall-clock jump cannot reorder deadlines.

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Milliseconds since the Unix epoch, read from the system clock (for admin commands).
pub fn wall_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Converts between tokio instants and milliseconds since the epoch.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base_ms: u64,
    base: Instant,
}

impl Clock {
    /// A clock anchored at the current wall-clock time.
    pub fn start() -> Self {
        Self {
            base_ms: wall_now_ms(),
            base: Instant::now(),
        }
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.base_ms.saturating_add(elapsed)
    }

    /// The tokio instant of `at_ms` (ms since the epoch); `None` if it is too far away to wait for.
    pub fn instant_at(&self, at_ms: u64) -> Option<Instant> {
        let offset = Duration::from_millis(at_ms.saturating_sub(self.base_ms));
        self.base.checked_add(offset)
    }
}
