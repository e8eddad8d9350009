//! Ends live sessions whose login token was revoked. `duet-server user revoke` writes to the
//! database from another process, so the server polls the `revocations` log (cheap: one indexed
//! query for ids above the last one seen) instead of waiting for the next login to notice.

use crate::hub::HubInput;
use crate::server::Shared;
use std::sync::Arc;
use std::time::Duration;

/// Revocations read per query; more wait for the next round, a moment later.
const BATCH: u32 = 512;

/// Polls every `revocation_poll_ms` until shutdown, starting after the newest revocation at
/// start (older ones were already refused at login).
pub(crate) async fn watch(shared: Arc<Shared>) {
    let (store, hubs, shutdown) = (&shared.store, &shared.hubs, &shared.shutdown);
    let every = Duration::from_millis(shared.config.revocation_poll_ms.max(1));
    let mut last = match store.last_revocation_id().await {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(%error, "cannot read the revocation log; revocations apply at login only");
            return;
        }
    };
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        let found = match store.revocations_after(last, BATCH).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "reading the revocation log failed; trying again");
                continue;
            }
        };
        for revocation in found {
            last = revocation.id;
            let Some(hub) = hubs.running(&revocation.app_key).await else {
                continue;
            };
            let input = HubInput::Revoked {
                account: revocation.account,
                tokens: revocation.tokens,
            };
            if !hub.send(input).await {
                return;
            }
        }
    }
}
