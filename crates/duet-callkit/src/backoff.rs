//! Reconnect delays: exponential with jitter, so that many clients dropped at once by a server
//! restart do not all come back in the same instant.

use std::time::Duration;

/// The delay before reconnect attempt `attempt` (0-based): `min * 2^attempt` capped at `max`,
/// then a uniformly random point in its upper half ("equal jitter").
pub fn reconnect_delay(
    attempt: u32,
    min: Duration,
    max: Duration,
    rng: &mut fastrand::Rng,
) -> Duration {
    let factor = 2u32.saturating_pow(attempt.min(20));
    let ceiling = min.saturating_mul(factor).min(max);
    let half = ceiling / 2;
    let jitter_ms = rng.u64(0..=u64::try_from(half.as_millis()).unwrap_or(u64::MAX));
    half + Duration::from_millis(jitter_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_jitter_and_stop_at_the_cap() {
        let mut rng = fastrand::Rng::with_seed(7);
        let (min, max) = (Duration::from_millis(500), Duration::from_secs(30));
        for attempt in 0..40 {
            let ceiling = (min * 2u32.pow(attempt.min(20))).min(max);
            let d = reconnect_delay(attempt, min, max, &mut rng);
            assert!(
                d >= ceiling / 2 && d <= ceiling,
                "attempt {attempt}: {d:?} outside {ceiling:?}/2..={ceiling:?}"
            );
        }
    }
}
