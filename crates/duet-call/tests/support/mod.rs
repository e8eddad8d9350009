//! A simulated platform for the switchboard: devices that log in and send call actions with the
//! right sequence numbers and tokens, a manual clock, and inboxes of what each device was told.

#![allow(dead_code)]

use duet_call::{
    CallRequest, CallTokens, DeviceKey, Output, StoredCall, Switchboard, SwitchboardConfig,
};
use duet_protocol::*;
use std::collections::HashMap;

pub const T0: u64 = 1_764_115_200_000;

pub fn key(account: &str, device: &str) -> DeviceKey {
    DeviceKey::new(
        AccountId::new(account).unwrap(),
        DeviceId::new(device).unwrap(),
    )
}

pub fn cid(id: &str) -> CallId {
    CallId::new(id).unwrap()
}

/// What one device received, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub req: Option<u64>,
    pub msg: ServerMessage,
}

pub struct Harness {
    pub sb: Switchboard,
    pub now: u64,
    pub inbox: HashMap<DeviceKey, Vec<Received>>,
    pub records: Vec<CallRecord>,
    pub stored: HashMap<CallId, StoredCall>,
    pub presence: Vec<(AccountId, Presence)>,
    seqs: HashMap<(CallId, DeviceKey), u64>,
    tokens: HashMap<(CallId, DeviceKey), String>,
    next_req: u64,
}

pub fn config() -> SwitchboardConfig {
    SwitchboardConfig::default()
}

impl Harness {
    pub fn new() -> Self {
        Self::with_config(config())
    }

    pub fn with_config(config: SwitchboardConfig) -> Self {
        Self {
            sb: Switchboard::new(config, CallTokens::new(b"test key, not secret, 32 bytes!!")),
            now: T0,
            inbox: HashMap::new(),
            records: Vec::new(),
            stored: HashMap::new(),
            presence: Vec::new(),
            seqs: HashMap::new(),
            tokens: HashMap::new(),
            next_req: 1,
        }
    }

    /// Drains the switchboard's outputs into inboxes, the record list and the call store.
    pub fn pump(&mut self) {
        while let Some(out) = self.sb.poll_output() {
            match out {
                Output::Send { to, req, msg } => {
                    self.learn_token(&to, &msg);
                    self.inbox
                        .entry(to)
                        .or_default()
                        .push(Received { req, msg });
                }
                Output::Presence { account, presence } => self.presence.push((account, presence)),
                Output::CallStored(stored) => {
                    self.stored.insert(stored.call_id().clone(), stored);
                }
                Output::CallEnded(record) => {
                    assert!(
                        self.stored.remove(&record.call_id).is_some()
                            || record.status == CallStatus::Busy,
                        "a call that was never stored ended: {record:?}"
                    );
                    self.records.push(record);
                }
            }
        }
    }

    fn learn_token(&mut self, to: &DeviceKey, msg: &ServerMessage) {
        let learned = match msg {
            ServerMessage::CallAck {
                call_id,
                call_token: Some(t),
            } => Some((call_id.clone(), t.clone())),
            ServerMessage::Call {
                call_id,
                event: CallEvent::Invited { call_token, .. },
                ..
            } => Some((call_id.clone(), call_token.clone())),
            ServerMessage::Call {
                event: CallEvent::Merged { into, call_token },
                ..
            } => Some((into.clone(), call_token.clone())),
            _ => None,
        };
        if let Some((id, token)) = learned {
            self.tokens.insert((id, to.clone()), token);
        }
        if let ServerMessage::Resync { calls } = msg {
            for snap in calls {
                let token = match &snap.phase {
                    CallSnapshotPhase::Ringing { call_token, .. } => call_token,
                    CallSnapshotPhase::Active { call_token, .. } => call_token,
                };
                self.tokens
                    .insert((snap.call_id.clone(), to.clone()), token.clone());
            }
        }
    }

    pub fn login(&mut self, who: &DeviceKey) {
        self.login_with(who, false);
    }

    /// Logs `who` in with call waiting on: it is rung while in a call.
    pub fn login_waiting(&mut self, who: &DeviceKey) {
        self.login_with(who, true);
    }

    pub fn login_with(&mut self, who: &DeviceKey, call_waiting: bool) {
        let nick = format!("{} nick", who.account);
        self.sb
            .handle_device_online(who, &nick, call_waiting, self.now);
        self.pump();
    }

    pub fn lose(&mut self, who: &DeviceKey) {
        self.sb.handle_device_offline(who, None, self.now);
        self.pump();
    }

    pub fn logout(&mut self, who: &DeviceKey, reason: EndReason) {
        self.sb.handle_device_offline(who, Some(reason), self.now);
        self.pump();
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.sb.handle_timeout(self.now);
        self.pump();
    }

    /// Sends `action` from `who` with the next sequence number and the device's token.
    pub fn act(&mut self, who: &DeviceKey, id: &CallId, action: CallAction) -> u64 {
        let seq = {
            let s = self.seqs.entry((id.clone(), who.clone())).or_insert(0);
            *s += 1;
            *s
        };
        let token = self.tokens.get(&(id.clone(), who.clone())).cloned();
        self.send_raw(who, id, seq, token, action)
    }

    /// Sends exactly what is given; returns the request number used.
    pub fn send_raw(
        &mut self,
        who: &DeviceKey,
        id: &CallId,
        seq: u64,
        token: Option<String>,
        action: CallAction,
    ) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        let msg = CallRequest {
            call_id: id.clone(),
            device: who.device.clone(),
            seq,
            call_token: token,
            action,
        };
        self.sb.handle_call(who, Some(req), msg, self.now);
        self.pump();
        req
    }

    pub fn token(&self, id: &CallId, who: &DeviceKey) -> Option<String> {
        self.tokens.get(&(id.clone(), who.clone())).cloned()
    }

    pub fn invite(
        &mut self,
        who: &DeviceKey,
        id: &CallId,
        callee: &str,
        call_type: CallType,
    ) -> u64 {
        self.act(
            who,
            id,
            CallAction::Invite {
                callee: AccountId::new(callee).unwrap(),
                call_type,
                attachment: serde_json::json!({"call": "testValue"}),
                timeout_ms: 0,
                nick: None,
            },
        )
    }

    pub fn accept(&mut self, who: &DeviceKey, id: &CallId) -> u64 {
        self.act(who, id, CallAction::Accept { call_type: None })
    }

    pub fn hangup(&mut self, who: &DeviceKey, id: &CallId) -> u64 {
        self.act(
            who,
            id,
            CallAction::Hangup {
                reason: EndReason::UserHangup,
            },
        )
    }

    /// Takes everything `who` received so far.
    pub fn take(&mut self, who: &DeviceKey) -> Vec<Received> {
        self.inbox.remove(who).unwrap_or_default()
    }

    /// The call events `who` received so far (taking them), as (call id, event).
    pub fn events(&mut self, who: &DeviceKey) -> Vec<(CallId, CallEvent)> {
        self.take(who)
            .into_iter()
            .filter_map(|r| match r.msg {
                ServerMessage::Call { call_id, event, .. } => Some((call_id, event)),
                _ => None,
            })
            .collect()
    }

    /// The short names of the call events `who` received (taking them), records included.
    pub fn event_names(&mut self, who: &DeviceKey) -> Vec<&'static str> {
        self.events(who)
            .iter()
            .map(|(_, e)| event_name(e))
            .collect()
    }

    /// The error code answering request `req` of `who`, if it was refused.
    pub fn error_for(&self, who: &DeviceKey, req: u64) -> Option<ErrorCode> {
        self.inbox
            .get(who)?
            .iter()
            .find_map(|r| match (&r.msg, r.req) {
                (ServerMessage::Error { code, .. }, Some(q)) if q == req => Some(*code),
                _ => None,
            })
    }

    pub fn records_of(&self, id: &CallId) -> Vec<&CallRecord> {
        self.records.iter().filter(|r| r.call_id == *id).collect()
    }

    pub fn only_record(&self, id: &CallId) -> CallRecord {
        let records = self.records_of(id);
        assert_eq!(
            records.len(),
            1,
            "call {id} must have exactly one record: {records:?}"
        );
        records[0].clone()
    }
}

/// nertc-call's name for a server call event.
pub fn event_name(event: &CallEvent) -> &'static str {
    match event {
        CallEvent::Invited { .. } => "INVITED",
        CallEvent::Accepted { .. } => "USER_ACCEPT",
        CallEvent::OtherDevice {
            action: OtherDeviceAction::Accepted,
        } => "OTHER_CLIENT_ACCEPT",
        CallEvent::OtherDevice {
            action: OtherDeviceAction::Rejected,
        } => "OTHER_CLIENT_REJECT",
        CallEvent::Rejected => "USER_REJECT",
        CallEvent::Busy => "USER_BUSY",
        CallEvent::Canceled => "USER_CANCEL",
        CallEvent::Timeout => "CALLING_TIMEOUT",
        CallEvent::Ended { .. } => "CALL_END",
        CallEvent::Record { .. } => "MESSAGE_SENT",
        CallEvent::Signal { .. } => "SIGNAL",
        CallEvent::Media { .. } => "MEDIA",
        CallEvent::SwitchRequested { .. } => "SWITCH_REQUESTED",
        CallEvent::TypeChanged { .. } => "CALL_TYPE_CHANGE",
        CallEvent::SwitchRefused { .. } => "SWITCH_REFUSED",
        CallEvent::Merged { .. } => "MERGED",
    }
}
