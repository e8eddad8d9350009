//! Token buckets: how many messages one connection may send, and how many password attempts
//! an account or an address may make ([`AttemptLimiter`]).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
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
        Self::with_rate(burst, per_second as f32, Instant::now())
    }

    /// A full bucket refilled at `per_second` (which may be below one), as of `now`.
    pub(crate) fn with_rate(burst: u32, per_second: f32, now: Instant) -> Self {
        Self {
            tokens: burst as f32,
            burst: burst as f32,
            per_second,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f32();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
    }

    /// Whether a token is left, without taking it.
    pub(crate) fn has_token(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= 1.0
    }

    /// Whether the bucket is full again (nothing to remember about its key).
    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.burst
    }

    /// Takes a token if one is left.
    pub(crate) fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Keys remembered by an [`AttemptLimiter`] before full buckets are forgotten.
const MAX_TRACKED_KEYS: usize = 100_000;

/// One bucket per key (an account, an address): `burst` attempts, then one per `refill_every`.
/// Callers check [`AttemptLimiter::allows`] before the attempt and [`AttemptLimiter::spend`] only
/// for attempts that count (a failed password), so that a user who types it right is never
/// slowed by the limit. Memory is bounded: buckets that refilled are forgotten first.
#[derive(Debug)]
pub(crate) struct AttemptLimiter<K> {
    burst: u32,
    per_second: f32,
    buckets: Mutex<HashMap<K, TokenBucket>>,
}

impl<K: Hash + Eq> AttemptLimiter<K> {
    /// `burst` attempts per key, refilled at one per `refill_every`.
    pub(crate) fn new(burst: u32, refill_every: std::time::Duration) -> Self {
        Self {
            burst,
            per_second: 1.0 / refill_every.as_secs_f32().max(f32::EPSILON),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, TokenBucket>> {
        // A poisoned lock only means a panic elsewhere mid-update; the buckets are still valid.
        self.buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `key` may make an attempt now.
    pub(crate) fn allows(&self, key: &K, now: Instant) -> bool {
        self.lock()
            .get_mut(key)
            .is_none_or(|bucket| bucket.has_token(now))
    }

    /// Counts one attempt of `key`.
    pub(crate) fn spend(&self, key: K, now: Instant) {
        let mut buckets = self.lock();
        if buckets.len() >= MAX_TRACKED_KEYS {
            buckets.retain(|_, bucket| !bucket.is_full(now));
            // Pruning must free a good share, or every later attempt would scan the whole map
            // again; under a flood of distinct keys, forgetting all beats growing without bound.
            if buckets.len() >= MAX_TRACKED_KEYS / 2 {
                buckets.clear();
            }
        }
        let (burst, per_second) = (self.burst, self.per_second);
        buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::with_rate(burst, per_second, now))
            .take(now);
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

    #[test]
    fn an_attempt_limiter_counts_only_what_is_spent_per_key() {
        let start = Instant::now();
        let limiter = AttemptLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.allows(&"alice", start));
        limiter.spend("alice", start);
        limiter.spend("alice", start);
        assert!(!limiter.allows(&"alice", start));
        assert!(limiter.allows(&"bob", start), "keys are independent");
        assert!(!limiter.allows(&"alice", start + Duration::from_secs(59)));
        assert!(limiter.allows(&"alice", start + Duration::from_secs(60)));
    }
}
