//! One task per app that owns its [`Switchboard`] and routes what it says to connections.
//!
//! Architecture invariant: every input that can change a call goes through this task's queue and
//! is handled to completion before the next, so every race is decided atomically. The hub never
//! awaits the database for reads (connection tasks do the lookups first); call changes go to the
//! batching writer.

mod outlet;
mod refused;
mod registry;
mod watchers;

pub(crate) use outlet::{outbound_queue, OutboundReceiver, Outlet, QueueFull};
pub(crate) use registry::{HubError, Hubs};

use crate::clock::Clock;
use crate::cluster::RemoteHub;
use crate::metrics::Metrics;
use crate::store::writer::WriterHandle;
use crate::store::{CallWrite, RevokedTokens};
use duet_call::{CallRequest, CallTokens, DeviceKey, Output, StoredCall, Switchboard};
use duet_protocol::{
    encode, AccountId, CallAction, Contact, DeviceId, EndReason, ErrorCode, Presence, ServerFrame,
    ServerMessage,
};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use watchers::Watchers;

/// Identifies one WebSocket connection, so a replaced connection's late inputs are ignored.
pub(crate) type ConnId = u64;

/// What the hub hands a connection to write.
#[derive(Debug)]
pub(crate) enum Outbound {
    /// An encoded server frame.
    Frame(String),
    /// The same device logged in on a newer connection: this one must close.
    Replaced,
    /// Some of the account's login tokens were revoked: the connection closes if its is one.
    Revoked(RevokedTokens),
}

/// Inputs to a hub, from connection tasks.
#[derive(Debug)]
pub(crate) enum HubInput {
    /// A device logged in on connection `conn`; `contacts` are the accounts whose presence its
    /// account may see.
    Online {
        key: DeviceKey,
        nick: String,
        /// The login asked for call waiting (rung while in a call).
        call_waiting: bool,
        conn: ConnId,
        outbound: Outlet,
        contacts: Vec<AccountId>,
        /// Told whether the device was let in (false: its account has too many online).
        admitted: oneshot::Sender<bool>,
    },
    /// The connection ended: `None` if it was lost, else why the device left on purpose.
    Offline {
        key: DeviceKey,
        conn: ConnId,
        reason: Option<EndReason>,
    },
    /// A call action (an invite's callee was already checked to exist in this app).
    Call {
        key: DeviceKey,
        conn: ConnId,
        req: Option<u64>,
        request: CallRequest,
    },
    /// An invite to an account that blocked the caller: refused as if that account were busy,
    /// without the switchboard (the callee sees nothing).
    RefusedAsBusy {
        key: DeviceKey,
        conn: ConnId,
        req: Option<u64>,
        request: CallRequest,
    },
    /// Some of `account`'s login tokens were revoked (by an admin, maybe in another process).
    Revoked {
        account: AccountId,
        tokens: RevokedTokens,
    },
    /// Contact lists changed (a request, an answer, a removal or a block).
    ContactsChanged { changes: Vec<ContactChange> },
    /// The presence of each account, in order.
    Presences {
        accounts: Vec<AccountId>,
        reply: oneshot::Sender<Vec<Presence>>,
    },
    /// How many devices and calls the hub has now, for a metrics scrape.
    Stats { reply: oneshot::Sender<HubStats> },
}

/// One hub's counts at a metrics scrape.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct HubStats {
    pub devices: usize,
    pub ringing: usize,
    pub answered: usize,
}

/// How one account's entry for another changed.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct ContactChange {
    pub owner: AccountId,
    pub other: AccountId,
    /// The entry as it now stands (its presence is filled in by the hub); `None`: gone.
    pub entry: Option<Contact>,
    /// Whether `owner` now sees `other`'s presence.
    pub watch: bool,
    /// Whether `owner`'s devices are told (false when its entry did not change).
    pub push: bool,
}

/// Sends inputs to one app's hub, in this process or on the cluster node that holds the app's
/// lease; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) enum HubHandle {
    Local(mpsc::Sender<HubInput>),
    Remote(RemoteHub),
}

impl HubHandle {
    /// Queues an input, waiting while the hub's queue is full; false if the hub has stopped
    /// (or, for a remote hub, the bus is unreachable).
    pub(crate) async fn send(&self, input: HubInput) -> bool {
        match self {
            HubHandle::Local(inputs) => inputs.send(input).await.is_ok(),
            HubHandle::Remote(remote) => remote.send(input).await,
        }
    }

    /// The node running this hub, if it is another node's: `None` for this node's own hub.
    pub(crate) fn remote_node(&self) -> Option<&str> {
        match self {
            HubHandle::Local(_) => None,
            HubHandle::Remote(remote) => Some(remote.holder()),
        }
    }

    /// Inputs waiting in the queue now.
    pub(crate) fn queued(&self) -> usize {
        match self {
            HubHandle::Local(inputs) => inputs.max_capacity().saturating_sub(inputs.capacity()),
            // Another node's hub: its own node reports it.
            HubHandle::Remote(_) => 0,
        }
    }

    /// The hub's counts, asked through its queue (so they are those of one moment); `None` if
    /// the hub has stopped.
    pub(crate) async fn stats(&self) -> Option<HubStats> {
        let (reply, answer) = oneshot::channel();
        if !self.send(HubInput::Stats { reply }).await {
            return None;
        }
        answer.await.ok()
    }
}

/// A connected device's way out.
#[derive(Debug)]
struct Link {
    conn: ConnId,
    outbound: Outlet,
}

struct Hub {
    app_key: String,
    switchboard: Switchboard,
    clock: Clock,
    writer: WriterHandle,
    links: HashMap<DeviceKey, Link>,
    /// Online devices per account, for presence pushes.
    online: HashMap<AccountId, Vec<DeviceId>>,
    watchers: Watchers,
    /// Most devices of one account online at once.
    max_devices: usize,
    /// The switchboard's call tokens, for invites refused before it.
    tokens: CallTokens,
    /// Records of refused invites, for the writer at the next drain.
    refused_records: Vec<CallWrite>,
    /// Devices found too slow while handling an input, disconnected at the next drain.
    too_slow: Vec<DeviceKey>,
    metrics: Arc<Metrics>,
}

/// A hub's bounds: its input queue and the devices of one account online at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HubBounds {
    pub queue: usize,
    pub max_devices: usize,
}

/// Starts the hub of `app_key` around `switchboard` (already restored).
#[allow(clippy::too_many_arguments)] // each is a distinct part the hub owns or reports to
pub(crate) fn spawn_hub(
    app_key: String,
    switchboard: Switchboard,
    tokens: CallTokens,
    clock: Clock,
    writer: WriterHandle,
    bounds: HubBounds,
    shutdown: CancellationToken,
    tracker: &tokio_util::task::TaskTracker,
    metrics: Arc<Metrics>,
) -> HubHandle {
    let HubBounds { queue, max_devices } = bounds;
    let (inputs, rx) = mpsc::channel(queue.max(1));
    let span = tracing::info_span!("hub", app = %app_key);
    let hub = Hub {
        app_key,
        switchboard,
        clock,
        writer,
        links: HashMap::new(),
        online: HashMap::new(),
        watchers: Watchers::default(),
        max_devices,
        tokens,
        refused_records: Vec::new(),
        too_slow: Vec::new(),
        metrics,
    };
    tracker.spawn(hub.run(rx, shutdown).instrument(span));
    HubHandle::Local(inputs)
}

impl Hub {
    async fn run(mut self, mut rx: mpsc::Receiver<HubInput>, shutdown: CancellationToken) {
        // Calls restored at start may already have stored changes or due deadlines.
        self.switchboard.handle_timeout(self.clock.now_ms());
        self.drain();
        loop {
            let deadline = self
                .switchboard
                .poll_timeout()
                .and_then(|at| self.clock.instant_at(at));
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                input = rx.recv() => match input {
                    Some(input) => self.handle(input),
                    None => break,
                },
                () = sleep_until(deadline) => {
                    self.switchboard.handle_timeout(self.clock.now_ms());
                }
            }
            self.drain();
        }
        tracing::debug!("hub stopped");
    }

    fn handle(&mut self, input: HubInput) {
        let now = self.clock.now_ms();
        match input {
            HubInput::Online {
                key,
                nick,
                call_waiting,
                conn,
                outbound,
                contacts,
                admitted,
            } => {
                let devices = self.online.get(&key.account).map_or(&[][..], Vec::as_slice);
                if devices.len() >= self.max_devices && !devices.contains(&key.device) {
                    let _ = admitted.send(false);
                    return;
                }
                let _ = admitted.send(true);
                let link = Link { conn, outbound };
                if let Some(old) = self.links.insert(key.clone(), link) {
                    // A newer login of the same device: a reconnect, not the end of its call.
                    tracing::info!(device = %key, "device logged in again; closing its older connection");
                    let _ = old.outbound.offer(Outbound::Replaced);
                }
                let devices = self.online.entry(key.account.clone()).or_default();
                if devices.is_empty() {
                    self.watchers.start(&key.account, contacts);
                }
                if !devices.contains(&key.device) {
                    devices.push(key.device.clone());
                }
                self.switchboard
                    .handle_device_online(&key, &nick, call_waiting, now);
            }
            HubInput::Offline { key, conn, reason } => {
                if self.links.get(&key).is_some_and(|l| l.conn == conn) {
                    self.disconnect(&key, reason, now);
                }
            }
            HubInput::Call {
                key,
                conn,
                req,
                request,
            } => {
                if self.links.get(&key).is_some_and(|l| l.conn == conn) {
                    if self.refused_for_store(&key, req, &request) {
                        return;
                    }
                    let span =
                        tracing::info_span!("call", call_id = %request.call_id, device = %key);
                    let _entered = span.enter();
                    tracing::debug!(
                        action = request.action.name(),
                        seq = request.seq,
                        "call action"
                    );
                    self.switchboard.handle_call(&key, req, request, now);
                }
            }
            HubInput::Revoked { account, tokens } => self.revoked(&account, tokens),
            HubInput::RefusedAsBusy {
                key,
                conn,
                req,
                request,
            } => {
                if self.links.get(&key).is_some_and(|l| l.conn == conn)
                    && !self.refused_for_store(&key, req, &request)
                {
                    self.refuse_as_busy(&key, req, request, now);
                }
            }
            HubInput::ContactsChanged { changes } => {
                for change in changes {
                    self.contact_changed(change);
                }
            }
            HubInput::Presences { accounts, reply } => {
                let presences = accounts
                    .iter()
                    .map(|a| self.switchboard.presence(a))
                    .collect();
                let _ = reply.send(presences);
            }
            HubInput::Stats { reply } => {
                let (ringing, answered) = self.switchboard.call_counts();
                let stats = HubStats {
                    devices: self.links.len(),
                    ringing,
                    answered,
                };
                let _ = reply.send(stats);
            }
        }
    }

    /// Tells each connection of `account` about the revocation; each checks its own token (the
    /// hub does not keep tokens) and leaves, telling the hub as any leaving connection does.
    fn revoked(&self, account: &AccountId, tokens: RevokedTokens) {
        let Some(devices) = self.online.get(account) else {
            return;
        };
        for device in devices {
            let key = DeviceKey::new(account.clone(), device.clone());
            if let Some(link) = self.links.get(&key) {
                // A full queue means the connection is already being dropped as too slow.
                let _ = link.outbound.offer(Outbound::Revoked(tokens.clone()));
            }
        }
    }

    /// Refuses an invite while the store cannot keep its record (commits fail, or too many
    /// changes wait): the caller gets `store_unavailable` and may try again. Calls already
    /// running are not affected.
    fn refused_for_store(
        &mut self,
        key: &DeviceKey,
        req: Option<u64>,
        request: &CallRequest,
    ) -> bool {
        if !matches!(request.action, CallAction::Invite { .. })
            || self.writer.health().takes_new_calls()
        {
            return false;
        }
        tracing::warn!(call_id = %request.call_id, device = %key, "invite refused: the store is not taking writes");
        let error = ServerMessage::Error {
            code: ErrorCode::StoreUnavailable,
            message: "the server cannot save calls right now; try again in a moment".to_owned(),
            call_id: Some(request.call_id.clone()),
        };
        let mut too_slow = std::mem::take(&mut self.too_slow);
        self.deliver(key, req, error, &mut too_slow);
        self.too_slow = too_slow;
        true
    }

    /// Forgets the device's connection and tells the switchboard it left.
    fn disconnect(&mut self, key: &DeviceKey, reason: Option<EndReason>, now: u64) {
        self.links.remove(key);
        if let Some(devices) = self.online.get_mut(&key.account) {
            devices.retain(|d| *d != key.device);
            if devices.is_empty() {
                self.online.remove(&key.account);
                self.watchers.stop(&key.account);
            }
        }
        self.switchboard.handle_device_offline(key, reason, now);
    }

    /// Carries out everything the switchboard asked for, until it has nothing more to say.
    fn drain(&mut self) {
        for write in std::mem::take(&mut self.refused_records) {
            self.writer.write(write);
        }
        loop {
            let mut too_slow = std::mem::take(&mut self.too_slow);
            while let Some(output) = self.switchboard.poll_output() {
                match output {
                    Output::Send { to, req, msg } => self.deliver(&to, req, msg, &mut too_slow),
                    Output::Presence { account, presence } => {
                        self.push_presence(&account, presence, &mut too_slow)
                    }
                    Output::CallStored(stored) => {
                        let write = stored_write(&self.app_key, &stored, self.clock.now_ms());
                        self.writer.write(write);
                    }
                    Output::CallEnded(record) => {
                        tracing::info!(call_id = %record.call_id, status = ?record.status, reason = ?record.reason, "call ended");
                        self.metrics.call_ended(&record, self.clock.now_ms());
                        let app_key = self.app_key.clone();
                        let write = CallWrite::Ended {
                            app_key,
                            record,
                            hidden_from_callee: false,
                        };
                        self.writer.write(write);
                    }
                }
            }
            if too_slow.is_empty() {
                return;
            }
            let now = self.clock.now_ms();
            for key in too_slow {
                if self.links.contains_key(&key) {
                    tracing::warn!(device = %key, "client cannot keep up with its messages; disconnecting it");
                    self.disconnect(&key, None, now);
                }
            }
        }
    }

    fn deliver(
        &self,
        to: &DeviceKey,
        req: Option<u64>,
        msg: ServerMessage,
        too_slow: &mut Vec<DeviceKey>,
    ) {
        let Some(link) = self.links.get(to) else {
            return;
        };
        let frame = encode(&ServerFrame::new(req, msg));
        if link.outbound.offer(Outbound::Frame(frame)).is_err() {
            too_slow.push(to.clone());
        }
    }

    /// Applies one account's changed entry: the presence index, and a `contacts.changed` push
    /// to each of its online devices.
    fn contact_changed(&mut self, change: ContactChange) {
        self.watchers
            .set(&change.owner, &change.other, change.watch);
        if !change.push {
            return;
        }
        let contact = change.entry.map(|mut entry| {
            if change.watch {
                entry.presence = self.switchboard.presence(&entry.account);
            }
            entry
        });
        let msg = ServerMessage::ContactsChanged {
            account: change.other,
            contact,
        };
        let mut too_slow = Vec::new();
        self.deliver_to_account(&change.owner, &msg, &mut too_slow);
        self.too_slow.extend(too_slow);
    }

    /// Sends `msg` to every online device of `account`.
    fn deliver_to_account(
        &self,
        account: &AccountId,
        msg: &ServerMessage,
        too_slow: &mut Vec<DeviceKey>,
    ) {
        for device in self.online.get(account).into_iter().flatten() {
            let key = DeviceKey::new(account.clone(), device.clone());
            self.deliver(&key, None, msg.clone(), too_slow);
        }
    }

    fn push_presence(
        &self,
        account: &AccountId,
        presence: Presence,
        too_slow: &mut Vec<DeviceKey>,
    ) {
        for watcher in self.watchers.of(account) {
            for device in self.online.get(watcher).into_iter().flatten() {
                let key = DeviceKey::new(watcher.clone(), device.clone());
                let msg = ServerMessage::Presence {
                    account: account.clone(),
                    presence,
                };
                self.deliver(&key, None, msg, too_slow);
            }
        }
    }
}

fn stored_write(app_key: &str, stored: &StoredCall, now_ms: u64) -> CallWrite {
    CallWrite::Stored {
        app_key: app_key.to_owned(),
        call_id: stored.call_id().to_string(),
        state: stored.to_json(),
        at_ms: now_ms,
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
