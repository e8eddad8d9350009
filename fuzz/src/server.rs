//! The switchboard as duet-server's hub drives it (devices come and go, the clock advances, the
//! process restarts from its stored calls), checking every output against what the protocol
//! promises:
//! - nothing is sent to a device that is not connected;
//! - each call ends once, in exactly one record, and nothing more is said about it after;
//! - each device hears at most one terminal event and at most one record per call;
//! - the call events a device receives number upwards, across reconnects and restarts, and a
//!   `resync` never says a lower number than one the device already saw;
//! - a record is consistent (completed exactly when answered, times in order);
//! - the stored copy of a call exists from its creation to its end (the store is the restart's
//!   only memory), and round-trips through its JSON.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use duet_call::SwitchboardConfig;
use duet_call::{CallRequest, CallTokens, DeviceKey, Output, StoredCall, Switchboard};
use duet_protocol::{
    AccountId, CallEvent, CallId, CallRecord, CallStatus, DeviceId, EndReason, ServerMessage,
};

/// The start of virtual time (2025-11-26).
pub const T0: u64 = 1_764_115_200_000;

/// A restart takes this long: connections drop, the process starts, the calls are restored.
pub const RESTART_MS: u64 = 2_000;

const TOKEN_KEY: &[u8] = b"fuzz key, not secret, 32 bytes!!";

pub fn key(account: &str, device: &str) -> DeviceKey {
    // The fuzz targets name accounts and devices from fixed, valid strings.
    DeviceKey::new(
        AccountId::new(account).expect("a valid account"),
        DeviceId::new(device).expect("a valid device"),
    )
}

pub fn cid(id: &str) -> CallId {
    CallId::new(id).expect("a valid call id")
}

/// A live call's parties, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCall {
    pub id: CallId,
    pub caller: DeviceKey,
    /// The device that answered; `None` while it rings.
    pub callee: Option<DeviceKey>,
}

/// One frame the switchboard sent to a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub to: DeviceKey,
    pub req: Option<u64>,
    pub msg: ServerMessage,
}

pub struct Server {
    pub sb: Switchboard,
    config: SwitchboardConfig,
    pub now: u64,
    online: BTreeSet<DeviceKey>,
    /// The store's live calls: what a restart restores.
    stored: BTreeMap<CallId, String>,
    /// The parties of each stored call, read from its JSON once when it was stored (the
    /// convergence checks ask for them after every step).
    parties: BTreeMap<CallId, LiveCall>,
    /// The store's records: one per call, ever.
    pub records: BTreeMap<CallId, CallRecord>,
    /// Every call the switchboard created (stored or ended).
    pub created: BTreeSet<CallId>,
    last_seq: HashMap<(DeviceKey, CallId), u64>,
    terminal_seen: HashSet<(DeviceKey, CallId)>,
    record_seen: HashSet<(DeviceKey, CallId)>,
    /// Frames sent since the caller last took them.
    pub outbox: Vec<Delivery>,
}

impl Server {
    pub fn new(config: SwitchboardConfig) -> Self {
        Self {
            sb: Switchboard::new(config.clone(), CallTokens::new(TOKEN_KEY)),
            config,
            now: T0,
            online: BTreeSet::new(),
            stored: BTreeMap::new(),
            parties: BTreeMap::new(),
            records: BTreeMap::new(),
            created: BTreeSet::new(),
            last_seq: HashMap::new(),
            terminal_seen: HashSet::new(),
            record_seen: HashSet::new(),
            outbox: Vec::new(),
        }
    }

    pub fn is_online(&self, key: &DeviceKey) -> bool {
        self.online.contains(key)
    }

    /// A device logged in (its `login.ok` is the I/O layer's; the switchboard sends `resync`).
    pub fn online(&mut self, key: &DeviceKey) {
        self.online.insert(key.clone());
        let nick = format!("{} nick", key.account);
        self.sb.handle_device_online(key, &nick, false, self.now);
        self.pump();
    }

    /// A device's connection closed: lost (`None`) or with a reason (logout, kick).
    pub fn offline(&mut self, key: &DeviceKey, reason: Option<EndReason>) {
        self.online.remove(key);
        self.sb.handle_device_offline(key, reason, self.now);
        self.pump();
    }

    pub fn call(&mut self, from: &DeviceKey, req: Option<u64>, request: CallRequest) {
        assert!(self.online.contains(from), "only a connected device acts");
        self.sb.handle_call(from, req, request, self.now);
        self.pump();
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.sb.handle_timeout(self.now);
        self.pump();
    }

    /// The process restarts: every connection drops, and a new switchboard restores the stored
    /// calls, as duet-server's hub does at start.
    pub fn restart(&mut self) {
        self.online.clear();
        self.now += RESTART_MS;
        let calls = self
            .stored
            .values()
            .map(|json| StoredCall::from_json(json).expect("a stored call reads back"))
            .collect();
        self.sb = Switchboard::new(self.config.clone(), CallTokens::new(TOKEN_KEY));
        self.sb.restore(calls, self.now);
        self.sb.handle_timeout(self.now);
        self.pump();
    }

    /// Takes what the switchboard said, checking each output.
    fn pump(&mut self) {
        while let Some(output) = self.sb.poll_output() {
            match output {
                Output::Send { to, req, msg } => {
                    assert!(
                        self.online.contains(&to),
                        "the switchboard sent to {to}, which is not connected: {msg:?}"
                    );
                    self.check_sent(&to, &msg);
                    self.outbox.push(Delivery { to, req, msg });
                }
                Output::Presence { .. } => {}
                Output::CallStored(stored) => {
                    let id = stored.call_id().clone();
                    assert!(
                        !self.records.contains_key(&id),
                        "call {id} was stored after its record"
                    );
                    let json = stored.to_json();
                    let back = StoredCall::from_json(&json).expect("a stored call reads back");
                    assert_eq!(back, stored, "a stored call changed through its JSON");
                    self.created.insert(id.clone());
                    self.parties.insert(id.clone(), live_call(&json));
                    self.stored.insert(id, json);
                }
                Output::CallEnded(record) => self.check_record(record),
            }
        }
    }

    fn check_record(&mut self, record: CallRecord) {
        let id = record.call_id.clone();
        self.parties.remove(&id);
        assert!(
            self.stored.remove(&id).is_some() || record.status == CallStatus::Busy,
            "call {id} ended but was never stored: {record:?}"
        );
        assert_eq!(
            record.status == CallStatus::Completed,
            record.answered_at_ms.is_some(),
            "completed exactly when answered: {record:?}"
        );
        assert!(record.started_at_ms <= record.ended_at_ms, "{record:?}");
        if let Some(answered) = record.answered_at_ms {
            assert!(record.started_at_ms <= answered, "{record:?}");
            assert_eq!(
                record.duration_ms,
                record.ended_at_ms.saturating_sub(answered)
            );
        } else {
            assert_eq!(record.duration_ms, 0, "{record:?}");
        }
        assert_ne!(record.from, record.to, "a call to oneself: {record:?}");
        assert_eq!(
            self.sb.phase_of(&id),
            None,
            "call {id} is still live after its record"
        );
        self.created.insert(id.clone());
        if let Some(first) = self.records.insert(id.clone(), record.clone()) {
            panic!("call {id} has two records: {first:?} and {record:?}");
        }
    }

    fn check_sent(&mut self, to: &DeviceKey, msg: &ServerMessage) {
        match msg {
            ServerMessage::Call {
                call_id,
                seq,
                event,
            } => {
                // Glare's `merged` is about the new call id, which never becomes a call.
                if matches!(event, CallEvent::Merged { .. }) {
                    return;
                }
                assert!(
                    !self.records.contains_key(call_id),
                    "{to} was told {event:?} about call {call_id} after its record"
                );
                let key = (to.clone(), call_id.clone());
                let last = self.last_seq.entry(key.clone()).or_insert(0);
                assert!(
                    *seq > *last,
                    "{to}: event seq {seq} for {call_id} after {last} ({event:?})"
                );
                *last = *seq;
                let terminal = matches!(
                    event,
                    CallEvent::Rejected
                        | CallEvent::Busy
                        | CallEvent::Canceled
                        | CallEvent::Timeout
                        | CallEvent::Ended { .. }
                        | CallEvent::OtherDevice { .. }
                );
                if terminal {
                    assert!(
                        self.terminal_seen.insert(key.clone()),
                        "{to} heard a second terminal event for {call_id}: {event:?}"
                    );
                }
                if let CallEvent::Record { record } = event {
                    assert_eq!(record.call_id, *call_id);
                    assert!(
                        self.record_seen.insert(key),
                        "{to} got a second record for {call_id}"
                    );
                }
            }
            ServerMessage::Resync { calls } => {
                for snapshot in calls {
                    let key = (to.clone(), snapshot.call_id.clone());
                    let last = self.last_seq.entry(key).or_insert(0);
                    assert!(
                        snapshot.seq >= *last,
                        "{to}: resync says {} is at seq {}, but it already saw {last}",
                        snapshot.call_id,
                        snapshot.seq
                    );
                    *last = snapshot.seq;
                }
            }
            _ => {}
        }
    }

    /// The live calls as the store holds them (the switchboard replaces the stored copy on
    /// every change of phase): each call's caller, and its answering device once answered.
    pub fn live(&self) -> Vec<LiveCall> {
        self.parties.values().cloned().collect()
    }

    /// At the end of a run, once everyone logged out and time ran past every deadline: no call
    /// lives, none is stored, every call created has its one record.
    pub fn check_all_ended(&self) {
        assert_eq!(self.sb.live_calls(), 0, "every call ends");
        assert!(
            self.stored.is_empty(),
            "stored calls outlive their end: {:?}",
            self.stored.keys()
        );
        for id in &self.created {
            assert!(self.records.contains_key(id), "call {id} has no record");
        }
    }
}

/// A stored call's id, caller and answering device, read from its JSON.
fn live_call(json: &str) -> LiveCall {
    let call: serde_json::Value = serde_json::from_str(json).expect("stored JSON");
    let party = |p: &serde_json::Value| {
        let text = |field: &str| p[field].as_str().expect("a party field").to_owned();
        key(&text("account"), &text("device"))
    };
    LiveCall {
        id: cid(call["id"].as_str().expect("a call id")),
        caller: party(&call["caller"]),
        callee: call["phase"]
            .get("Active")
            .map(|active| party(&active["callee"])),
    }
}
