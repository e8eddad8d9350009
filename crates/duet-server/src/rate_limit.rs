//! A token bucket bounding how many messages one connection may send.

use tokio::time::Instant;

/// Holds up to `burst` tokens, refilled at `per_second`; each message takes one.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    tokens: f32,
    burst: f32,
    per_second: f32,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket.
    pub(crate) fn new(burst: u32, per_second: u32) -> Self {
        Self {
            tokens: burst as f32,
            burst: burst as f32,
            per_second: per_second as f32,
            last: Instant::now(),
        }
    }

    /// Takes a token if one is left.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f32();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_over_time() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(2, 1);
        assert!(bucket.take(start));
        assert!(bucket.take(start));
        assert!(!bucket.take(start));
        assert!(bucket.take(start + Duration::from_secs(1)));
        assert!(!bucket.take(start + Duration::from_secs(1)));
    }
}
