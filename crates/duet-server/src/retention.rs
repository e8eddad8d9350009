//! Deletes what would otherwise grow forever (see `Retention`): at start, then periodically.

use crate::server::Shared;
use std::sync::Arc;
use std::time::Duration;

/// Runs until shutdown.
pub(crate) async fn run(shared: Arc<Shared>) {
    let retention = &shared.config.retention;
    let mut ticks = tokio::time::interval(retention.every.max(Duration::from_secs(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shared.shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let now = shared.clock.now_ms();
        let keep_ms = u64::try_from(retention.records.as_millis()).unwrap_or(u64::MAX);
        let records_before = (keep_ms > 0).then(|| now.saturating_sub(keep_ms));
        match shared.store.prune(now, records_before).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "old rows deleted"),
            Err(error) => tracing::warn!(%error, "deleting old rows failed; trying again later"),
        }
    }
}
