//! The hubs of all apps, started at boot for known apps and on first login for apps added later.

use super::{spawn_hub, HubBounds, HubHandle};
use crate::clock::Clock;
use crate::config::CallSettings;
use crate::metrics::Metrics;
use crate::store::writer::WriterHandle;
use crate::store::{App, Store, StoreError};
use duet_call::{CallTokens, StoredCall, Switchboard};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Starts, finds and stops hubs.
pub(crate) struct Hubs {
    hubs: tokio::sync::Mutex<HashMap<String, HubHandle>>,
    store: Arc<dyn Store>,
    clock: Clock,
    calls: CallSettings,
    queue: usize,
    /// Taken at shutdown, so that the writer ends once the hubs have.
    writer: Mutex<Option<WriterHandle>>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    metrics: Arc<Metrics>,
}

/// The key of an app's per-call tokens, derived from its secret so that tokens survive restarts.
fn call_token_key(app: &App) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app.secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(b"duet call tokens v1");
    mac.finalize().into_bytes().to_vec()
}

impl Hubs {
    /// No hub yet; hubs stop when `shutdown` is cancelled.
    pub(crate) fn new(
        store: Arc<dyn Store>,
        clock: Clock,
        calls: CallSettings,
        queue: usize,
        writer: WriterHandle,
        shutdown: CancellationToken,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            hubs: tokio::sync::Mutex::new(HashMap::new()),
            store,
            clock,
            calls,
            queue,
            writer: Mutex::new(Some(writer)),
            shutdown,
            tracker: TaskTracker::new(),
            metrics,
        }
    }

    /// Starts the hub of every app in the store, restoring its live calls.
    pub(crate) async fn start_all(&self) -> Result<(), StoreError> {
        for app in self.store.apps().await? {
            self.get(&app).await?;
        }
        Ok(())
    }

    /// The hub of `app`, started (with its live calls restored) if it is not running; `None`
    /// once the server is shutting down.
    pub(crate) async fn get(&self, app: &App) -> Result<Option<HubHandle>, StoreError> {
        let mut hubs = self.hubs.lock().await;
        if let Some(hub) = hubs.get(&app.app_key) {
            return Ok(Some(hub.clone()));
        }
        let Some(writer) = self.writer() else {
            return Ok(None);
        };
        let config = self.calls.switchboard(app.safe_mode);
        let tokens = CallTokens::new(&call_token_key(app));
        let mut switchboard = Switchboard::new(config, tokens.clone());
        let mut restored = Vec::new();
        for row in self.store.active_calls(&app.app_key).await? {
            match StoredCall::from_json(&row.state) {
                Ok(call) => restored.push(call),
                Err(error) => {
                    tracing::error!(app = %app.app_key, call_id = %row.call_id, %error, "stored call is unreadable; skipped")
                }
            }
        }
        if !restored.is_empty() {
            tracing::info!(app = %app.app_key, calls = restored.len(), "restoring live calls");
        }
        switchboard.restore(restored, self.clock.now_ms());
        let hub = spawn_hub(
            app.app_key.clone(),
            switchboard,
            tokens,
            self.clock.clone(),
            writer,
            HubBounds {
                queue: self.queue,
                max_devices: self.calls.max_devices_per_account,
            },
            self.shutdown.clone(),
            &self.tracker,
            self.metrics.clone(),
        );
        hubs.insert(app.app_key.clone(), hub.clone());
        Ok(Some(hub))
    }

    /// The hubs running now.
    pub(crate) async fn all(&self) -> Vec<HubHandle> {
        self.hubs.lock().await.values().cloned().collect()
    }

    /// The hub of `app_key` if it runs (an app without a hub has no one logged in).
    pub(crate) async fn running(&self, app_key: &str) -> Option<HubHandle> {
        self.hubs.lock().await.get(app_key).cloned()
    }

    /// The writer, until shutdown.
    pub(crate) fn writer(&self) -> Option<WriterHandle> {
        // A poisoned lock only means another thread panicked while swapping an Option; the value is intact.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Waits for every hub to stop (after `shutdown` was cancelled) and lets go of the writer.
    pub(crate) async fn stop(&self) {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        self.hubs.lock().await.clear();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
