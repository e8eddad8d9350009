//! The hubs of all apps, started at boot for known apps and on first login for apps added later.
//! In a cluster, a hub starts only on the node that takes the app's lease, and stops as soon as
//! that node cannot renew it.

use super::{spawn_hub, HubBounds, HubHandle};
use crate::clock::Clock;
use crate::cluster::{BusError, Cluster, Lease};
use crate::config::CallSettings;
use crate::metrics::Metrics;
use crate::store::writer::WriterHandle;
use crate::store::{App, Store, StoreError};
use duet_call::{CallTokens, StoredCall, Switchboard};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Why an app's hub could not be found or started.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HubError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Bus(#[from] BusError),
    /// The app's lease expired between taking and reading it; trying again places it.
    #[error("the app's hub is moving between nodes; try again")]
    Moving,
}

/// A hub running in this process, and the token that stops it alone.
struct Running {
    handle: HubHandle,
    stop: CancellationToken,
}

type RunningHubs = Arc<tokio::sync::Mutex<HashMap<String, Running>>>;

/// Starts, finds and stops hubs.
pub(crate) struct Hubs {
    hubs: RunningHubs,
    /// The cluster this node belongs to, if any.
    cluster: Option<Cluster>,
    store: Arc<dyn Store>,
    clock: Clock,
    calls: CallSettings,
    queue: usize,
    /// Taken at shutdown, so that the writer ends once the hubs have.
    writer: Mutex<Option<WriterHandle>>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    metrics: Arc<Metrics>,
    /// Apps whose hubs ran here when the hubs stopped, for [`Hubs::release_leases`].
    held_at_stop: Mutex<Vec<String>>,
    /// Set by [`Hubs::hand_over`]: no hub starts here any more.
    handed_over: std::sync::atomic::AtomicBool,
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
    #[allow(clippy::too_many_arguments)] // each is a distinct part the hubs share or report to
    pub(crate) fn new(
        store: Arc<dyn Store>,
        clock: Clock,
        calls: CallSettings,
        queue: usize,
        writer: WriterHandle,
        shutdown: CancellationToken,
        metrics: Arc<Metrics>,
        cluster: Option<Cluster>,
    ) -> Self {
        Self {
            hubs: RunningHubs::default(),
            cluster,
            store,
            clock,
            calls,
            queue,
            writer: Mutex::new(Some(writer)),
            shutdown,
            tracker: TaskTracker::new(),
            metrics,
            held_at_stop: Mutex::default(),
            handed_over: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Starts the hub of every app in the store, restoring its live calls (in a cluster: of
    /// every app no node holds).
    pub(crate) async fn start_all(&self) -> Result<(), HubError> {
        for app in self.store.apps().await? {
            self.get(&app).await?;
        }
        Ok(())
    }

    /// The hub of `app`, started (with its live calls restored) if it is not running; `None`
    /// once the server is shutting down.
    /// In a cluster: the hub of the node holding the app's lease, taking the lease (and starting
    /// the hub here) if no node holds it.
    pub(crate) async fn get(&self, app: &App) -> Result<Option<HubHandle>, HubError> {
        let mut hubs = self.hubs.lock().await;
        if let Some(hub) = hubs.get(&app.app_key) {
            return Ok(Some(hub.handle.clone()));
        }
        let Some(writer) = self.writer() else {
            return Ok(None);
        };
        let mut taken_at = Instant::now();
        if let Some(cluster) = &self.cluster {
            if self.handed_over.load(std::sync::atomic::Ordering::Relaxed) {
                // Draining: the app's hub runs elsewhere now, or will once a node takes it.
                return match cluster.bus().holder(&app.app_key).await? {
                    Some(node) if node != cluster.bus().node() => Ok(Some(HubHandle::Remote(
                        cluster.remote_hub(&app.app_key, node),
                    ))),
                    _ => Err(HubError::Moving),
                };
            }
            match cluster.bus().take_or_find(&app.app_key).await? {
                Lease::Taken => {
                    // If Redis lost its keys (restarted), the node that ran this hub until then
                    // may not know yet: it finds out at its next renewal and stops within this
                    // wait, so that two hubs never decide the same calls.
                    tokio::time::sleep(settle_time(cluster.bus().lease())).await;
                }
                Lease::Held => {}
                Lease::Other(node) => {
                    return Ok(Some(HubHandle::Remote(
                        cluster.remote_hub(&app.app_key, node),
                    )))
                }
                Lease::Vanished => return Err(HubError::Moving),
            }
            taken_at = Instant::now();
        }
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
        let stop = self.shutdown.child_token();
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
            stop.clone(),
            &self.tracker,
            self.metrics.clone(),
        );
        if let Some(cluster) = &self.cluster {
            tracing::info!(app = %app.app_key, node = cluster.bus().node(), "this node holds the app's hub");
            let keeper = keep_lease(
                self.hubs.clone(),
                cluster.clone(),
                app.app_key.clone(),
                stop.clone(),
                taken_at,
            );
            self.tracker.spawn(keeper);
        }
        let running = Running {
            handle: hub.clone(),
            stop,
        };
        hubs.insert(app.app_key.clone(), running);
        Ok(Some(hub))
    }

    /// The hubs running now.
    pub(crate) async fn all(&self) -> Vec<HubHandle> {
        self.hubs
            .lock()
            .await
            .values()
            .map(|r| r.handle.clone())
            .collect()
    }

    /// Apps whose hub runs in this process.
    pub(crate) async fn local_apps(&self) -> Vec<String> {
        self.hubs.lock().await.keys().cloned().collect()
    }

    /// The writer, until shutdown.
    /// The hub of `app_key` if it runs (an app without a hub has no one logged in).
    pub(crate) async fn running(&self, app_key: &str) -> Option<HubHandle> {
        self.hubs
            .lock()
            .await
            .get(app_key)
            .map(|r| r.handle.clone())
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
        let held = self.local_apps().await;
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        self.hubs.lock().await.clear();
        self.tracker.close();
        self.tracker.wait().await;
        self.held_at_stop
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(held);
    }

    /// On a node of a cluster that starts draining: stops its hubs, waits until their last
    /// changes are committed, and gives up their leases, so that another node takes each app at
    /// once (restoring its calls) and the devices that move find the app's hub there instead of
    /// being routed back to this node. No hub starts here afterwards.
    pub(crate) async fn hand_over(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        self.handed_over
            .store(true, std::sync::atomic::Ordering::Relaxed);
        let running: Vec<(String, Running)> = self.hubs.lock().await.drain().collect();
        for (_, hub) in &running {
            hub.stop.cancel();
        }
        for (_, hub) in &running {
            if let HubHandle::Local(inputs) = &hub.handle {
                // The hub's queue closes when its task has returned.
                inputs.closed().await;
            }
        }
        if let Some(writer) = self.writer() {
            writer.flush().await;
        }
        for (app, _) in running {
            tracing::info!(%app, "draining: handing the app's hub over to another node");
            if let Err(error) = cluster.bus().release(&app).await {
                tracing::warn!(%app, %error, "giving up the app's lease failed; it expires by itself");
            }
        }
    }

    /// Gives up the leases of the hubs that ran here (after their last changes are committed),
    /// so that other nodes take the apps at once instead of after the lease.
    pub(crate) async fn release_leases(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        let held = std::mem::take(
            &mut *self
                .held_at_stop
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
        for app in held {
            if let Err(error) = cluster.bus().release(&app).await {
                tracing::warn!(%app, %error, "giving up the app's lease failed; it expires by itself");
            }
        }
        if let Err(error) = cluster.bus().leave().await {
            tracing::warn!(%error, "saying this node left failed; other nodes notice within a lease");
        }
    }
}

/// How long a node waits after taking a lease before starting the hub: long enough for the
/// previous holder's next renewal (every third of a lease, each given a quarter lease to answer)
/// to fail and stop its hub.
fn settle_time(lease: std::time::Duration) -> std::time::Duration {
    lease * 2 / 3
}

/// Renews this node's lease on `app` while its hub runs; when the lease cannot be renewed in
/// time, stops the hub before the lease can expire (so that two nodes never run it at once) and
/// forgets it, closing its connections.
async fn keep_lease(
    hubs: RunningHubs,
    cluster: Cluster,
    app: String,
    stop: CancellationToken,
    taken_at: Instant,
) {
    let lease = cluster.bus().lease();
    let mut renewed_at = taken_at;
    loop {
        let asked_at = Instant::now();
        match cluster.bus().renew(&app).await {
            Ok(true) => renewed_at = asked_at,
            Ok(false) => {
                tracing::warn!(%app, "another node holds the app's lease; stopping its hub here");
                break;
            }
            Err(error) if renewed_at.elapsed() >= lease * 2 / 3 => {
                tracing::warn!(%app, %error, "the app's lease could not be renewed in time; stopping its hub here");
                break;
            }
            Err(error) => tracing::warn!(%app, %error, "renewing the app's lease failed; retrying"),
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(lease / 3) => {}
        }
    }
    stop.cancel();
    let mut running = hubs.lock().await;
    if running.get(&app).is_some_and(|r| r.stop.is_cancelled()) {
        running.remove(&app);
    }
}
