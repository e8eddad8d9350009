//! Several nodes sharing one database: each app's hub runs on exactly one node, placed there by
//! a lease in Redis, and the other nodes forward their devices' hub inputs to it over Redis
//! pub/sub (one channel per node).
//!
//! One authority per call, as on a single node: every race of an app's calls is decided by its
//! one hub. A node that stops renewing its leases (killed, cut off from the bus) stops its hubs
//! before the leases expire; another node then takes each lease and restores the app's live
//! calls from the store. Connections whose hub moved are closed, and their clients reconnect and
//! resync as after any lost connection; media never passes through the server, so calls go on.
//! The limit: one app's call traffic is one hub's (one task on one node).

mod bus;
mod inbox;
mod outbox;
mod remote_hub;
mod upkeep;
mod wire;

pub use bus::BusError;
pub(crate) use bus::{Bus, BusMetrics, Lease};
pub(crate) use inbox::serve_inbox;
pub(crate) use outbox::NodeOutlet;
pub(crate) use remote_hub::RemoteHub;
pub(crate) use upkeep::{keep_alive, keep_up};

use crate::hub::{ConnId, Outbound, Outlet};
use duet_call::DeviceKey;
use duet_protocol::Presence;
use outbox::Outbox;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// A reply awaited from another node's hub.
enum Awaited {
    Admitted(oneshot::Sender<bool>),
    Presences(oneshot::Sender<Vec<Presence>>),
}

struct Pending {
    app: String,
    since: Instant,
    awaited: Awaited,
}

/// A connection of this node whose app's hub runs on another node.
struct Route {
    app: String,
    holder: String,
    key: DeviceKey,
    outbound: Outlet,
}

/// Devices of one node linked to hubs of this node: connection, app and device.
pub(crate) type DeviceLinks = HashMap<ConnId, (String, DeviceKey)>;

/// On a hub's node: another node's devices linked to hubs here, and the outbox of their frames.
struct RemoteNode {
    devices: DeviceLinks,
    outbox: Arc<Outbox>,
}

/// Waits longer than this for another node's answer mean the answer was lost on the bus.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// This node's part of the cluster; cheap to clone.
#[derive(Clone)]
pub(crate) struct Cluster {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("node", &self.inner.bus.node())
            .finish_non_exhaustive()
    }
}

struct Inner {
    bus: Bus,
    next_reply: std::sync::atomic::AtomicU64,
    pending: Mutex<HashMap<u64, Pending>>,
    routes: Mutex<HashMap<ConnId, Route>>,
    /// On a hub's node: each other node with devices linked to its hubs.
    remote_nodes: Mutex<HashMap<String, RemoteNode>>,
}

/// Locks `mutex`; a poisoned lock only means a thread panicked between two map operations,
/// each of which leaves the map whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Cluster {
    pub(crate) fn new(bus: Bus) -> Self {
        Self {
            inner: Arc::new(Inner {
                bus,
                next_reply: std::sync::atomic::AtomicU64::new(1),
                pending: Mutex::default(),
                routes: Mutex::default(),
                remote_nodes: Mutex::default(),
            }),
        }
    }

    pub(crate) fn bus(&self) -> &Bus {
        &self.inner.bus
    }

    /// A handle that forwards inputs to `app`'s hub on node `holder`.
    pub(crate) fn remote_hub(&self, app: &str, holder: String) -> RemoteHub {
        RemoteHub::new(self.clone(), app.to_owned(), holder)
    }

    fn expect_reply(&self, app: &str, awaited: Awaited) -> u64 {
        let id = self
            .inner
            .next_reply
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let pending = Pending {
            app: app.to_owned(),
            since: Instant::now(),
            awaited,
        };
        lock(&self.inner.pending).insert(id, pending);
        id
    }

    /// The request `id` waits for its answer; its wait is timed for `/metrics`.
    fn take_reply(&self, id: u64) -> Option<Awaited> {
        let pending = lock(&self.inner.pending).remove(&id)?;
        self.inner.bus.hub_answered(pending.since.elapsed());
        Some(pending.awaited)
    }

    fn add_route(&self, conn: ConnId, app: &str, holder: &str, key: DeviceKey, outbound: Outlet) {
        let route = Route {
            app: app.to_owned(),
            holder: holder.to_owned(),
            key,
            outbound,
        };
        lock(&self.inner.routes).insert(conn, route);
    }

    /// Forgets a routed connection; dropping its outbound queue ends its session.
    fn remove_route(&self, conn: ConnId) {
        lock(&self.inner.routes).remove(&conn);
    }

    /// Hands `out` to routed connection `conn`; a connection that cannot keep up is dropped,
    /// as a local hub drops it.
    fn deliver(&self, conn: ConnId, out: Outbound) {
        let mut routes = lock(&self.inner.routes);
        let Some(route) = routes.get(&conn) else {
            return;
        };
        if route.outbound.offer(out).is_err() {
            tracing::warn!(conn, "a routed connection cannot keep up; closing it");
            routes.remove(&conn);
        }
    }

    /// Apps with connections routed to another node, and the node each expects.
    pub(crate) fn routed_apps(&self) -> HashMap<String, String> {
        let mut apps = HashMap::new();
        for route in lock(&self.inner.routes).values() {
            apps.insert(route.app.clone(), route.holder.clone());
        }
        apps
    }

    /// Closes every connection routed to `app`'s hub on a node that no longer holds it, and
    /// gives up the replies they wait for: their clients reconnect and find the new holder.
    pub(crate) fn drop_routes(&self, app: &str) {
        let mut routes = lock(&self.inner.routes);
        let before = routes.len();
        routes.retain(|_, route| route.app != app);
        let closed = before - routes.len();
        drop(routes);
        lock(&self.inner.pending).retain(|_, p| p.app != app);
        if closed > 0 {
            tracing::info!(
                app,
                closed,
                "the app's hub moved; its routed connections close"
            );
        }
    }

    /// Closes every routed connection and tells each one's hub it was lost (after this node's
    /// subscription was down, when frames for them may have been lost).
    pub(crate) async fn drop_all_routes(&self) {
        let routes = std::mem::take(&mut *lock(&self.inner.routes));
        lock(&self.inner.pending).clear();
        if !routes.is_empty() {
            tracing::warn!(
                closed = routes.len(),
                "bus messages may have been lost; routed connections close"
            );
        }
        for (conn, route) in routes {
            let input = wire::WireInput::Offline {
                key: route.key,
                conn,
                reason: None,
            };
            let message = wire::BusMessage::Input {
                app: route.app,
                from: self.inner.bus.node().to_owned(),
                input: Box::new(input),
            };
            if let Err(error) = self.inner.bus.publish(&route.holder, &message).await {
                tracing::debug!(%error, "telling a hub a routed connection was lost failed");
            }
        }
    }

    /// Gives up replies waited for too long (their messages were lost on the bus).
    pub(crate) fn expire_replies(&self) {
        lock(&self.inner.pending).retain(|_, p| p.since.elapsed() < REPLY_TIMEOUT);
    }

    /// Records that device `key` of node `node` is linked to `app`'s hub here, and returns
    /// the outlet its hub hands its frames to (`per_device`: as many as a connection's queue).
    fn remote_device_linked(
        &self,
        node: &str,
        conn: ConnId,
        app: &str,
        key: DeviceKey,
        per_device: usize,
    ) -> NodeOutlet {
        let mut nodes = lock(&self.inner.remote_nodes);
        let remote = nodes.entry(node.to_owned()).or_insert_with(|| RemoteNode {
            devices: DeviceLinks::new(),
            outbox: Outbox::open(self, node, per_device),
        });
        remote.devices.insert(conn, (app.to_owned(), key));
        remote.outbox.outlet(conn)
    }

    fn remote_device_gone(&self, node: &str, conn: ConnId) {
        let mut nodes = lock(&self.inner.remote_nodes);
        if let Some(remote) = nodes.get_mut(node) {
            remote.devices.remove(&conn);
            if remote.devices.is_empty() {
                // Its outbox's task ends once the outlets still held by hubs are gone.
                nodes.remove(node);
            }
        }
    }

    /// Nodes with devices linked to hubs here.
    pub(crate) fn nodes_with_devices(&self) -> Vec<String> {
        lock(&self.inner.remote_nodes).keys().cloned().collect()
    }

    /// Forgets node `node`'s devices (the node stopped), returning them so that their hubs can
    /// be told they are gone.
    pub(crate) fn take_devices_of(&self, node: &str) -> DeviceLinks {
        lock(&self.inner.remote_nodes)
            .remove(node)
            .map(|remote| remote.devices)
            .unwrap_or_default()
    }
}
