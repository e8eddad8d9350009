//! The server's authoritative call state for one app: [`Switchboard`].

mod actions;
mod call;
mod config;
mod devices;
mod ending;
mod missed;
mod output;
mod resync;

pub use call::StoredCall;
pub use config::SwitchboardConfig;
pub use output::Output;

use crate::{CallTokens, DeviceKey};
use call::{Call, Phase};
use duet_protocol::{
    AccountId, CallAction, CallEvent, CallId, DeviceId, ErrorCode, Presence, ServerMessage,
};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

/// A call action as it arrived from a device (the fields of a `call` message); serializable so
/// that a server node can hand it to the node whose switchboard decides the call.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CallRequest {
    pub call_id: CallId,
    /// The device the message claims to come from; it must be the connection's own.
    pub device: DeviceId,
    pub seq: u64,
    pub call_token: Option<String>,
    pub action: CallAction,
}

#[derive(Debug, Default)]
struct DeviceEntry {
    online: bool,
    /// The call this device takes part in: its outgoing ringing call, or an answered call.
    call: Option<CallId>,
    /// Call waiting, as its last login asked: while in a call the device is still rung
    /// (`invited` with `waiting`) rather than counting as busy.
    call_waiting: bool,
}

impl DeviceEntry {
    /// Whether an incoming call may ring this device: it is in no call, or it takes waiting calls.
    fn ringable(&self) -> bool {
        self.call.is_none() || self.call_waiting
    }
}

#[derive(Debug, Default)]
struct AccountEntry {
    nick: String,
    devices: HashMap<DeviceId, DeviceEntry>,
    /// When this account's recent invites were placed, for the rate limit.
    recent_invites: VecDeque<u64>,
    /// When and to whom this account's invites of the last repeat window went, oldest first.
    recent_callees: VecDeque<(u64, AccountId)>,
}

impl AccountEntry {
    /// Whether the entry holds nothing worth keeping once its devices are gone: no device and
    /// no invite still counted by a rate limit (forgetting those would let a caller reset its
    /// limits by logging out and in).
    fn is_idle(&self, now_ms: u64, repeat_window_ms: u64) -> bool {
        let recent = |t: u64, window: u64| now_ms.saturating_sub(t) < window;
        self.devices.is_empty()
            && !self.recent_invites.iter().any(|t| recent(*t, 60_000))
            && !self
                .recent_callees
                .iter()
                .any(|(t, _)| recent(*t, repeat_window_ms))
    }
}

/// The authoritative state of every call of one app, and of the devices taking part.
///
/// Architecture invariant: no I/O and no clock reads here. Every input carries `now_ms`
/// (milliseconds since the Unix epoch) and every effect is an [`Output`].
#[derive(Debug)]
pub struct Switchboard {
    config: SwitchboardConfig,
    tokens: CallTokens,
    calls: HashMap<CallId, Call>,
    accounts: HashMap<AccountId, AccountEntry>,
    /// Deadlines of calls; entries made stale by later changes are skipped when they come due.
    timers: BinaryHeap<Reverse<(u64, CallId)>>,
    ended: HashSet<CallId>,
    ended_order: VecDeque<CallId>,
    /// How their calls ended, for devices that were away then (see `missed.rs`).
    missed: HashMap<DeviceKey, Vec<ServerMessage>>,
    missed_order: VecDeque<DeviceKey>,
    presence: HashMap<AccountId, Presence>,
    outputs: VecDeque<Output>,
}

impl Switchboard {
    /// An empty switchboard issuing call tokens with `tokens`.
    pub fn new(config: SwitchboardConfig, tokens: CallTokens) -> Self {
        Self {
            config,
            tokens,
            calls: HashMap::new(),
            accounts: HashMap::new(),
            timers: BinaryHeap::new(),
            ended: HashSet::new(),
            ended_order: VecDeque::new(),
            missed: HashMap::new(),
            missed_order: VecDeque::new(),
            presence: HashMap::new(),
            outputs: VecDeque::new(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &SwitchboardConfig {
        &self.config
    }

    /// The next effect to carry out, until `None`.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Self::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&mut self) -> Option<u64> {
        while let Some(Reverse((at, id))) = self.timers.peek() {
            let live = self
                .calls
                .get(id)
                .and_then(|c| c.deadline(self.config.reconnect_grace_ms))
                == Some(*at);
            if live {
                return Some(*at);
            }
            self.timers.pop();
        }
        None
    }

    /// An account's presence as its contacts see it.
    pub fn presence(&self, account: &AccountId) -> Presence {
        let Some(entry) = self.accounts.get(account) else {
            return Presence::Offline;
        };
        let in_call = entry.devices.values().any(|d| {
            d.call
                .as_ref()
                .and_then(|id| self.calls.get(id))
                .is_some_and(|c| matches!(c.phase, Phase::Active { .. }))
        });
        if in_call {
            Presence::InCall
        } else if entry.devices.values().any(|d| d.online) {
            Presence::Online
        } else {
            Presence::Offline
        }
    }

    /// Number of live (ringing or answered) calls.
    pub fn live_calls(&self) -> usize {
        self.calls.len()
    }

    /// Re-creates calls persisted before a restart. Every device starts offline, so each call gets
    /// the reconnect grace period for its parties to come back.
    pub fn restore(&mut self, calls: Vec<StoredCall>, now_ms: u64) {
        for StoredCall(mut call) in calls {
            call.resume_seq();
            let caller = call.caller_key();
            let callee = call.callee_key();
            match &mut call.phase {
                Phase::Ringing {
                    rung,
                    caller_lost_at_ms,
                    ..
                } => {
                    rung.clear();
                    *caller_lost_at_ms = Some(now_ms);
                }
                Phase::Active { lost, .. } => {
                    lost.clear();
                    lost.push((caller.clone(), now_ms));
                    if let Some(callee) = &callee {
                        lost.push((callee.clone(), now_ms));
                    }
                }
            }
            self.device_mut(&caller).call = Some(call.id.clone());
            if let Some(callee) = &callee {
                self.device_mut(callee).call = Some(call.id.clone());
            }
            let id = call.id.clone();
            self.calls.insert(id.clone(), call);
            self.schedule(&id);
        }
    }

    fn device_mut(&mut self, key: &DeviceKey) -> &mut DeviceEntry {
        self.accounts
            .entry(key.account.clone())
            .or_default()
            .devices
            .entry(key.device.clone())
            .or_default()
    }

    /// Forgets a device that is offline and in no call, and its account once nothing of it is
    /// left (see [`AccountEntry::is_idle`]): otherwise every device id ever used stays in memory
    /// and slows presence and invites down.
    fn forget_if_idle(&mut self, key: &DeviceKey, now_ms: u64) {
        let window = self.config.repeat_window_ms;
        let Some(account) = self.accounts.get_mut(&key.account) else {
            return;
        };
        if account
            .devices
            .get(&key.device)
            .is_some_and(|d| !d.online && d.call.is_none())
        {
            account.devices.remove(&key.device);
        }
        if account.is_idle(now_ms, window) {
            self.accounts.remove(&key.account);
            if self.presence.get(&key.account) == Some(&Presence::Offline) {
                self.presence.remove(&key.account);
            }
        }
    }

    /// Devices the switchboard keeps an entry for, over all accounts (for tests of pruning).
    pub fn device_entries(&self) -> usize {
        self.accounts.values().map(|a| a.devices.len()).sum()
    }

    fn device(&self, key: &DeviceKey) -> Option<&DeviceEntry> {
        self.accounts.get(&key.account)?.devices.get(&key.device)
    }

    fn nick(&self, account: &AccountId) -> String {
        self.accounts
            .get(account)
            .map(|a| a.nick.clone())
            .unwrap_or_default()
    }

    fn online_devices(&self, account: &AccountId) -> Vec<DeviceKey> {
        let Some(entry) = self.accounts.get(account) else {
            return Vec::new();
        };
        let mut devices: Vec<DeviceKey> = entry
            .devices
            .iter()
            .filter(|(_, d)| d.online)
            .map(|(id, _)| DeviceKey::new(account.clone(), id.clone()))
            .collect();
        devices.sort();
        devices
    }

    /// Whether `key` takes part in a call (its own ringing call or an answered one).
    fn in_call(&self, key: &DeviceKey) -> bool {
        self.device(key).is_some_and(|d| d.call.is_some())
    }

    fn is_online(&self, key: &DeviceKey) -> bool {
        self.device(key).is_some_and(|d| d.online)
    }

    fn schedule(&mut self, id: &CallId) {
        if let Some(at) = self
            .calls
            .get(id)
            .and_then(|c| c.deadline(self.config.reconnect_grace_ms))
        {
            self.timers.push(Reverse((at, id.clone())));
        }
    }

    /// Sends a call event to `to` if it is connected, numbering it in the call's sequence.
    fn send_event(&mut self, id: &CallId, to: &DeviceKey, req: Option<u64>, event: CallEvent) {
        if !self.is_online(to) {
            self.keep_missed(id, to, event);
            return;
        }
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let seq = call.next_seq();
        let reservation_low = call.reservation_low();
        self.outputs.push_back(Output::Send {
            to: to.clone(),
            req,
            msg: ServerMessage::Call {
                call_id: id.clone(),
                seq,
                event,
            },
        });
        if reservation_low {
            self.persist(id);
        }
    }

    fn send(&mut self, to: &DeviceKey, req: Option<u64>, msg: ServerMessage) {
        self.outputs.push_back(Output::Send {
            to: to.clone(),
            req,
            msg,
        });
    }

    fn refuse(
        &mut self,
        to: &DeviceKey,
        req: Option<u64>,
        call_id: &CallId,
        code: ErrorCode,
        message: impl Into<String>,
    ) {
        self.send(
            to,
            req,
            ServerMessage::Error {
                code,
                message: message.into(),
                call_id: Some(call_id.clone()),
            },
        );
    }

    fn ack(&mut self, to: &DeviceKey, req: Option<u64>, call_id: &CallId, token: Option<String>) {
        if req.is_some() || token.is_some() {
            self.send(
                to,
                req,
                ServerMessage::CallAck {
                    call_id: call_id.clone(),
                    call_token: token,
                },
            );
        }
    }

    fn store(&mut self, id: &CallId) {
        self.persist(id);
        self.schedule(id);
    }

    /// Replaces the stored copy of call `id`, reserving the event numbers it may use meanwhile.
    fn persist(&mut self, id: &CallId) {
        if let Some(call) = self.calls.get_mut(id) {
            call.reserve_seq();
            self.outputs
                .push_back(Output::CallStored(StoredCall(call.clone())));
        }
    }

    /// Emits presence changes for `accounts` since they were last reported.
    fn report_presence(&mut self, accounts: &[AccountId]) {
        for account in accounts {
            let now = self.presence(account);
            let before = self
                .presence
                .insert(account.clone(), now)
                .unwrap_or(Presence::Offline);
            if before != now {
                self.outputs.push_back(Output::Presence {
                    account: account.clone(),
                    presence: now,
                });
            }
            if now == Presence::Offline {
                self.presence.remove(account);
            }
        }
    }
}
