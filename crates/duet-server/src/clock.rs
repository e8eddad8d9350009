//! The server's notion of now: wall-clock milliseconds for timestamps (records, token expiry,
//! deadlines stored as times), with tokio's monotonic clock as the floor.
//!
//! The monotonic clock stops while a laptop sleeps, so following it alone from a wall-clock base
//! read at start drifts by every sleep (the desktop app's embedded server did). Now is the later
//! of the wall clock and "base + monotonic time elapsed", and never earlier than any now given
//! before: a wall clock stepped back cannot reorder deadlines, and tests that pause tokio's clock
//! still move the server's time (the monotonic term runs ahead of the wall clock then).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Milliseconds since the Unix epoch, read from the system clock (for admin commands).
pub fn wall_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Converts between tokio instants and milliseconds since the epoch; cheap to clone.
#[derive(Debug, Clone)]
pub struct Clock {
    base_ms: u64,
    base: Instant,
    /// The latest now given out, so that now never goes back.
    latest: Arc<AtomicU64>,
    wall: fn() -> u64,
}

impl Clock {
    /// A clock anchored at the current wall-clock time.
    pub fn start() -> Self {
        Self::with_wall(wall_now_ms)
    }

    /// A clock reading the wall clock from `wall` (tests simulate sleeps and clock steps).
    fn with_wall(wall: fn() -> u64) -> Self {
        let base_ms = wall();
        Self {
            base_ms,
            base: Instant::now(),
            latest: Arc::new(AtomicU64::new(base_ms)),
            wall,
        }
    }

    /// Now, in milliseconds since the epoch.
    pub fn now_ms(&self) -> u64 {
        let elapsed = u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX);
        let monotonic = self.base_ms.saturating_add(elapsed);
        let candidate = monotonic.max((self.wall)());
        let before = self.latest.fetch_max(candidate, Ordering::AcqRel);
        before.max(candidate)
    }

    /// The tokio instant of `at_ms` (ms since the epoch): now if it has passed; `None` if it is
    /// too far away to wait for.
    pub fn instant_at(&self, at_ms: u64) -> Option<Instant> {
        let offset = Duration::from_millis(at_ms.saturating_sub(self.now_ms()));
        Instant::now().checked_add(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static WALL: AtomicU64 = AtomicU64::new(1_764_115_200_000);

    fn test_wall() -> u64 {
        WALL.load(Ordering::SeqCst)
    }

    // One test drives the shared fake wall clock, so no other test can move it meanwhile.
    #[tokio::test(start_paused = true)]
    async fn finding_10_now_follows_the_wall_clock_across_a_sleep_and_never_goes_back() {
        let start = test_wall();
        let clock = Clock::with_wall(test_wall);
        assert_eq!(clock.now_ms(), start);

        // Awake: both clocks advance together.
        tokio::time::advance(Duration::from_secs(10)).await;
        WALL.fetch_add(10_000, Ordering::SeqCst);
        assert_eq!(clock.now_ms(), start + 10_000);

        // The laptop sleeps an hour: the monotonic clock stops, the wall clock does not.
        WALL.fetch_add(3_600_000, Ordering::SeqCst);
        assert_eq!(
            clock.now_ms(),
            start + 3_610_000,
            "timestamps follow the wall clock"
        );
        let due = clock.instant_at(start + 20_000).unwrap();
        assert!(
            due <= Instant::now(),
            "a deadline that passed in the sleep is due now"
        );

        // The wall clock is stepped back (NTP): now stays where it was.
        WALL.fetch_sub(600_000, Ordering::SeqCst);
        assert_eq!(clock.now_ms(), start + 3_610_000);

        // Paused tokio time (tests) still moves the server's time.
        tokio::time::advance(Duration::from_secs(3_700)).await;
        assert_eq!(clock.now_ms(), start + 3_710_000);
    }
}
