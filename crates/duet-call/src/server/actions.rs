//! Call actions from devices: validation, then one transition per (role, phase, action).

use super::call::{Call, Phase};
use super::{CallRequest, Switchboard};
use crate::DeviceKey;
use duet_protocol::{
    AccountId, CallAction, CallEvent, CallId, CallStatus, CallType, DeviceId, EndReason, ErrorCode,
    OtherDeviceAction, Party,
};
use std::collections::BTreeSet;

/// Who the sender is to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The device that placed the call.
    Caller,
    /// A device of the callee's account while the call rings.
    RingingCallee,
    /// The device that answered.
    Callee,
    /// Another device of the callee's account after the call was answered.
    OtherCalleeDevice,
}

fn role_of(call: &Call, from: &DeviceKey) -> Option<Role> {
    if *from == call.caller_key() {
        return Some(Role::Caller);
    }
    if from.account != call.callee {
        return None;
    }
    match call.callee_key() {
        None => Some(Role::RingingCallee),
        Some(callee) if callee == *from => Some(Role::Callee),
        Some(_) => Some(Role::OtherCalleeDevice),
    }
}

/// The fields of an invite.
pub(super) struct Invite {
    pub call_id: CallId,
    pub seq: u64,
    pub callee: AccountId,
    pub call_type: CallType,
    pub attachment: serde_json::Value,
    pub timeout_ms: u64,
    /// The name the caller asked to be shown as, instead of the account's nickname.
    pub nick: Option<String>,
}

impl Switchboard {
    /// Handles a call action from `from`, a logged-in device. A refusal changes nothing and
    /// answers the sender with an error.
    pub fn handle_call(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        msg: CallRequest,
        now_ms: u64,
    ) {
        let CallRequest {
            call_id,
            device,
            seq,
            call_token,
            action,
        } = msg;
        if device != from.device {
            let message = format!(
                "`device` is {device}, but this connection is device {}",
                from.device
            );
            return self.refuse(from, req, &call_id, ErrorCode::WrongDevice, message);
        }
        if let CallAction::Invite {
            callee,
            call_type,
            attachment,
            timeout_ms,
            nick,
        } = action
        {
            let invite = Invite {
                call_id,
                seq,
                callee,
                call_type,
                attachment,
                timeout_ms,
                nick,
            };
            self.invite(from, req, invite, now_ms);
            return self.report_presence(std::slice::from_ref(&from.account));
        }
        let Some(call) = self.calls.get(&call_id) else {
            let (code, message) = if self.ended.contains(&call_id) {
                (ErrorCode::CallEnded, format!("call {call_id} has ended"))
            } else {
                (ErrorCode::UnknownCall, format!("no call {call_id}"))
            };
            return self.refuse(from, req, &call_id, code, message);
        };
        let Some(role) = role_of(call, from) else {
            let message = format!("{} is not a party of call {call_id}", from.account);
            return self.refuse(from, req, &call_id, ErrorCode::NotAParty, message);
        };
        let accounts = [call.caller.account.clone(), call.callee.clone()];
        if self.config.safe_mode {
            let valid = call_token
                .as_deref()
                .is_some_and(|t| self.tokens.verify(t, &call_id, from));
            if !valid {
                let message = "safe mode: this action needs the call token issued to this device for this call";
                return self.refuse(from, req, &call_id, ErrorCode::BadCallToken, message);
            }
        }
        let ringing = matches!(call.phase, Phase::Ringing { .. });
        // The call was looked up above and nothing removed it since.
        let call = self.calls.get_mut(&call_id).expect("call looked up above");
        if !call.accept_seq(from, seq) {
            let message = format!(
                "sequence number {seq} is not above the last one this device sent for this call"
            );
            return self.refuse(from, req, &call_id, ErrorCode::StaleSeq, message);
        }
        self.act(from, req, &call_id, role, ringing, action, now_ms);
        self.report_presence(&accounts);
    }

    #[allow(clippy::too_many_arguments)]
    fn act(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        id: &CallId,
        role: Role,
        ringing: bool,
        action: CallAction,
        now_ms: u64,
    ) {
        use CallAction as A;
        match (role, action) {
            (Role::RingingCallee, A::Accept { call_type }) => {
                self.accept(from, req, id, call_type, now_ms)
            }
            (Role::Callee, A::Accept { .. }) => self.ack(from, req, id, None),
            (Role::OtherCalleeDevice, A::Accept { .. } | A::Reject { .. }) => {
                let message = format!("call {id} was answered on another device");
                self.refuse(from, req, id, ErrorCode::AnsweredElsewhere, message)
            }
            (Role::RingingCallee, A::Reject { busy }) => self.reject(from, req, id, busy, now_ms),
            (Role::RingingCallee, A::Hangup { .. }) => self.reject(from, req, id, false, now_ms),
            (Role::Caller, A::Cancel | A::Hangup { .. }) if ringing => {
                self.cancel(from, req, id, now_ms)
            }
            // Cancel racing an accept that won becomes a hang-up: the call ends normally for both.
            (Role::Caller, A::Cancel) => self.hangup(from, req, id, EndReason::UserHangup, now_ms),
            (Role::Caller | Role::Callee, A::Hangup { reason }) => {
                self.hangup(from, req, id, reason, now_ms)
            }
            (Role::Caller | Role::Callee | Role::RingingCallee, A::Signal { to, payload }) => {
                self.relay_signal(from, req, id, to, payload)
            }
            (
                Role::Caller | Role::Callee | Role::RingingCallee,
                A::Media {
                    audio,
                    video,
                    video_reason,
                },
            ) => {
                self.ack(from, req, id, None);
                for to in self.counterparts(id, from, None) {
                    let media = CallEvent::Media {
                        audio,
                        video,
                        video_reason,
                    };
                    self.send_event(id, &to, None, media);
                }
            }
            (Role::Caller | Role::Callee, A::SwitchType { call_type }) if !ringing => {
                self.switch_type(from, req, id, call_type)
            }
            (Role::Caller | Role::Callee, A::SwitchAnswer { call_type, accept }) if !ringing => {
                self.switch_answer(from, req, id, call_type, accept)
            }
            (role, action) => {
                let phase = if ringing { "ringing" } else { "answered" };
                let message = format!(
                    "`{}` does not fit a {phase} call for {role:?}",
                    action.name()
                );
                self.refuse(from, req, id, ErrorCode::InvalidState, message)
            }
        }
    }

    fn invite(&mut self, from: &DeviceKey, req: Option<u64>, invite: Invite, now_ms: u64) {
        let id = invite.call_id.clone();
        if let Some(existing) = self.calls.get(&id) {
            // A re-sent invite (the ack was lost to a reconnect) is answered again, idempotently.
            if existing.caller_key() == *from {
                let token = self.tokens.issue(&id, from);
                return self.ack(from, req, &id, Some(token));
            }
            return self.refuse(
                from,
                req,
                &id,
                ErrorCode::InvalidState,
                format!("call id {id} is taken"),
            );
        }
        if self.ended.contains(&id) {
            return self.refuse(
                from,
                req,
                &id,
                ErrorCode::CallEnded,
                format!("call {id} has ended"),
            );
        }
        if invite.callee == from.account {
            return self.refuse(
                from,
                req,
                &id,
                ErrorCode::SelfCall,
                "an account cannot call itself",
            );
        }
        let busy_with = self.device(from).and_then(|d| d.call.clone());
        if let Some(current) = busy_with {
            let recall = self.calls.get(&current).is_some_and(|c| {
                matches!(c.phase, Phase::Ringing { .. }) && c.callee == invite.callee
            });
            if !recall {
                let message = format!("this device is already in call {current}");
                return self.refuse(from, req, &id, ErrorCode::Busy, message);
            }
        }
        if let Err(message) = self.take_invite_slot(&from.account, &invite.callee, now_ms) {
            return self.refuse(from, req, &id, ErrorCode::RateLimited, message);
        }
        if let Some(crossing) = self.ringing_between(&invite.callee, &from.account) {
            return self.merge_glare(from, req, &id, &crossing, now_ms);
        }
        // Re-call: a new invite from the same caller replaces its stale ringing ones, silently.
        for stale in self
            .ringing_between(&from.account, &invite.callee)
            .into_iter()
        {
            self.end_call(&stale, CallStatus::Canceled, EndReason::Canceled, now_ms);
        }
        let pending = self
            .calls
            .values()
            .filter(|c| c.callee == invite.callee && matches!(c.phase, Phase::Ringing { .. }))
            .count();
        if pending >= self.config.max_pending_invites {
            let message = format!("{} has too many calls waiting", invite.callee);
            return self.refuse(from, req, &id, ErrorCode::TooManyPending, message);
        }
        let online = self.online_devices(&invite.callee);
        // Devices in no call, and devices in a call that take waiting calls.
        let ringable: BTreeSet<DeviceId> = online
            .iter()
            .filter(|d| self.device(d).is_some_and(|e| e.ringable()))
            .map(|d| d.device.clone())
            .collect();
        let timeout = match invite.timeout_ms {
            0 => self.config.default_timeout_ms,
            t => t.min(self.config.max_timeout_ms),
        };
        let call = Call {
            id: id.clone(),
            caller: Party {
                account: from.account.clone(),
                device: from.device.clone(),
                nick: invite.nick.unwrap_or_else(|| self.nick(&from.account)),
            },
            callee: invite.callee.clone(),
            call_type: invite.call_type,
            attachment: invite.attachment,
            started_at_ms: now_ms,
            phase: Phase::Ringing {
                timeout_at_ms: now_ms + timeout,
                rung: BTreeSet::new(),
                caller_lost_at_ms: None,
            },
            out_seq: 0,
            // Covers the rings below; the store that ends the invite reserves from there.
            seq_reserved: super::call::SEQ_RESERVE,
            in_seq: vec![(from.clone(), invite.seq)],
        };
        self.calls.insert(id.clone(), call);
        let token = self.tokens.issue(&id, from);
        self.ack(from, req, &id, Some(token));
        if !online.is_empty() && ringable.is_empty() {
            // Every connected device of the callee is in a call and none takes waiting calls:
            // busy at once, nothing rings.
            self.send_event(&id, from, None, CallEvent::Busy);
            return self.end_call(&id, CallStatus::Busy, EndReason::UserBusy, now_ms);
        }
        self.device_mut(from).call = Some(id.clone());
        for device in ringable {
            self.ring(&id, &DeviceKey::new(invite.callee.clone(), device), now_ms);
        }
        self.store(&id);
    }

    /// Rings `device` for the ringing call `id` and remembers that it was rung. A device in
    /// another call (one that takes waiting calls) is told so with `waiting`.
    pub(super) fn ring(&mut self, id: &CallId, device: &DeviceKey, now_ms: u64) {
        let waiting = self.in_call(device);
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let Phase::Ringing {
            timeout_at_ms,
            rung,
            ..
        } = &mut call.phase
        else {
            return;
        };
        rung.insert(device.device.clone());
        let event = CallEvent::Invited {
            caller: call.caller.clone(),
            callee: call.callee.clone(),
            call_type: call.call_type,
            attachment: call.attachment.clone(),
            expires_in_ms: timeout_at_ms.saturating_sub(now_ms),
            call_token: self.tokens.issue(id, device),
            waiting,
        };
        self.send_event(id, device, None, event);
    }

    /// Counts an invite from `account` to `callee` against the rolling one-minute limit and the
    /// per-callee repeat limit; the refusal's message when either is full.
    fn take_invite_slot(
        &mut self,
        account: &AccountId,
        callee: &AccountId,
        now_ms: u64,
    ) -> Result<(), String> {
        let per_minute = self.config.invites_per_minute;
        let (per_callee, window) = (self.config.invites_per_callee, self.config.repeat_window_ms);
        let entry = self.accounts.entry(account.clone()).or_default();
        let recent = &mut entry.recent_invites;
        while recent
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= 60_000)
        {
            recent.pop_front();
        }
        let callees = &mut entry.recent_callees;
        while callees
            .front()
            .is_some_and(|(t, _)| now_ms.saturating_sub(*t) >= window)
        {
            callees.pop_front();
        }
        if recent.len() >= per_minute {
            return Err(format!("at most {per_minute} invites a minute"));
        }
        if callees.iter().filter(|(_, c)| c == callee).count() >= per_callee {
            return Err(format!(
                "at most {per_callee} invites to `{callee}` in {} minutes",
                window / 60_000
            ));
        }
        recent.push_back(now_ms);
        callees.push_back((now_ms, callee.clone()));
        Ok(())
    }

    /// Ringing calls placed by `caller` to `callee`.
    fn ringing_between(&self, caller: &AccountId, callee: &AccountId) -> Option<CallId> {
        self.calls
            .values()
            .filter(|c| c.caller.account == *caller && c.callee == *callee)
            .filter(|c| matches!(c.phase, Phase::Ringing { .. }))
            .min_by_key(|c| (c.started_at_ms, c.id.clone()))
            .map(|c| c.id.clone())
    }

    /// Glare: `from` invites the caller of the ringing call `crossing`; both meant to talk, so
    /// `crossing` is answered by `from` and the new invite never becomes a call of its own.
    fn merge_glare(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        new_id: &CallId,
        crossing: &CallId,
        now_ms: u64,
    ) {
        self.answer(from, crossing, None, now_ms);
        let call_token = self.tokens.issue(crossing, from);
        self.send(
            from,
            req,
            duet_protocol::ServerMessage::Call {
                call_id: new_id.clone(),
                seq: 1,
                event: CallEvent::Merged {
                    into: crossing.clone(),
                    call_token,
                },
            },
        );
        let accounts = self
            .calls
            .get(crossing)
            .map(|c| [c.caller.account.clone(), c.callee.clone()]);
        if let Some(accounts) = accounts {
            self.report_presence(&accounts);
        }
    }

    fn accept(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        id: &CallId,
        as_type: Option<CallType>,
        now_ms: u64,
    ) {
        if let Some(other) = self.device(from).and_then(|d| d.call.clone()) {
            let message = format!("this device is in call {other}; hang it up first");
            return self.refuse(from, req, id, ErrorCode::Busy, message);
        }
        let token = self.tokens.issue(id, from);
        self.ack(from, req, id, Some(token));
        self.answer(from, id, as_type, now_ms);
    }

    /// Moves a ringing call to answered on `by`, and tells the caller and the other rung devices.
    fn answer(&mut self, by: &DeviceKey, id: &CallId, as_type: Option<CallType>, now_ms: u64) {
        let nick = self.nick(&by.account);
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let Phase::Ringing { rung, .. } = &call.phase else {
            return;
        };
        let others: Vec<DeviceKey> = rung
            .iter()
            .filter(|d| **d != by.device)
            .map(|d| DeviceKey::new(call.callee.clone(), d.clone()))
            .collect();
        let call_type = match (call.call_type, as_type) {
            (CallType::Video, Some(CallType::Audio)) => CallType::Audio,
            (current, _) => current,
        };
        call.call_type = call_type;
        let callee = Party {
            account: by.account.clone(),
            device: by.device.clone(),
            nick,
        };
        call.phase = Phase::Active {
            callee: callee.clone(),
            answered_at_ms: now_ms,
            answered_type: call_type,
            lost: Vec::new(),
            switch_request: None,
        };
        let caller = call.caller_key();
        self.device_mut(by).call = Some(id.clone());
        self.send_event(id, &caller, None, CallEvent::Accepted { callee, call_type });
        for other in others {
            let event = CallEvent::OtherDevice {
                action: OtherDeviceAction::Accepted,
            };
            self.send_event(id, &other, None, event);
        }
        self.store(id);
    }

    fn reject(&mut self, from: &DeviceKey, req: Option<u64>, id: &CallId, busy: bool, now_ms: u64) {
        self.ack(from, req, id, None);
        let Some(call) = self.calls.get(id) else {
            return;
        };
        let caller = call.caller_key();
        let others = self.rung_devices(id, Some(from));
        let (status, reason, event) = if busy {
            (CallStatus::Busy, EndReason::UserBusy, CallEvent::Busy)
        } else {
            (
                CallStatus::Rejected,
                EndReason::Rejected,
                CallEvent::Rejected,
            )
        };
        self.send_event(id, &caller, None, event);
        for other in others {
            let event = CallEvent::OtherDevice {
                action: OtherDeviceAction::Rejected,
            };
            self.send_event(id, &other, None, event);
        }
        self.end_call(id, status, reason, now_ms);
    }

    fn cancel(&mut self, from: &DeviceKey, req: Option<u64>, id: &CallId, now_ms: u64) {
        self.ack(from, req, id, None);
        for device in self.rung_devices(id, None) {
            self.send_event(id, &device, None, CallEvent::Canceled);
        }
        self.end_call(id, CallStatus::Canceled, EndReason::Canceled, now_ms);
    }

    fn hangup(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        id: &CallId,
        reason: EndReason,
        now_ms: u64,
    ) {
        self.ack(from, req, id, None);
        self.end_active(id, reason, Some(from.account.clone()), now_ms, now_ms);
    }

    /// Callee devices rung for `id`, except `except`.
    pub(super) fn rung_devices(&self, id: &CallId, except: Option<&DeviceKey>) -> Vec<DeviceKey> {
        let Some(call) = self.calls.get(id) else {
            return Vec::new();
        };
        let Phase::Ringing { rung, .. } = &call.phase else {
            return Vec::new();
        };
        rung.iter()
            .map(|d| DeviceKey::new(call.callee.clone(), d.clone()))
            .filter(|d| Some(d) != except)
            .collect()
    }

    /// Who hears what `from` says in call `id`: the other party once answered; while ringing, the
    /// rung devices for the caller, and the caller for a rung device. A `to` keeps only the device
    /// it names, so a `to` naming nobody who would hear it leaves nobody.
    fn counterparts(&self, id: &CallId, from: &DeviceKey, to: Option<&DeviceId>) -> Vec<DeviceKey> {
        let Some(call) = self.calls.get(id) else {
            return Vec::new();
        };
        let heard_by = if let Some(peer) = call.peer_of(from) {
            vec![peer]
        } else if *from == call.caller_key() {
            self.rung_devices(id, None)
        } else {
            match &call.phase {
                Phase::Ringing { rung, .. } if rung.contains(&from.device) => {
                    vec![call.caller_key()]
                }
                _ => Vec::new(),
            }
        };
        heard_by
            .into_iter()
            .filter(|d| to.is_none_or(|t| *t == d.device))
            .collect()
    }

    fn relay_signal(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        id: &CallId,
        to: Option<DeviceId>,
        payload: serde_json::Value,
    ) {
        let targets = self.counterparts(id, from, to.as_ref());
        if targets.is_empty() {
            let message =
                "nobody to relay this signal to (wrong `to`, or this device was not rung)";
            return self.refuse(from, req, id, ErrorCode::InvalidState, message);
        }
        self.ack(from, req, id, None);
        for target in targets {
            let event = CallEvent::Signal {
                from: from.device.clone(),
                payload: payload.clone(),
            };
            self.send_event(id, &target, None, event);
        }
    }

    fn switch_type(&mut self, from: &DeviceKey, req: Option<u64>, id: &CallId, wanted: CallType) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let peer = call.peer_of(from);
        let current = call.call_type;
        let Phase::Active { switch_request, .. } = &mut call.phase else {
            return;
        };
        if current == wanted {
            let message = format!("the call is already {wanted:?}");
            return self.refuse(from, req, id, ErrorCode::InvalidState, message);
        }
        if wanted == CallType::Audio {
            // Dropping video needs nobody's consent.
            *switch_request = None;
            call.call_type = CallType::Audio;
            self.ack(from, req, id, None);
            let event = CallEvent::TypeChanged {
                call_type: CallType::Audio,
            };
            self.send_event(id, from, None, event.clone());
            if let Some(peer) = peer {
                self.send_event(id, &peer, None, event);
            }
        } else {
            *switch_request = Some((from.account.clone(), wanted));
            self.ack(from, req, id, None);
            if let Some(peer) = peer {
                self.send_event(
                    id,
                    &peer,
                    None,
                    CallEvent::SwitchRequested { call_type: wanted },
                );
            }
        }
    }

    fn switch_answer(
        &mut self,
        from: &DeviceKey,
        req: Option<u64>,
        id: &CallId,
        wanted: CallType,
        accept: bool,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let peer = call.peer_of(from);
        let Phase::Active { switch_request, .. } = &mut call.phase else {
            return;
        };
        let asked_by_peer =
            matches!(switch_request, Some((asker, t)) if *asker != from.account && *t == wanted);
        if !asked_by_peer {
            let message =
                format!("there is no pending request from the other party to switch to {wanted:?}");
            return self.refuse(from, req, id, ErrorCode::InvalidState, message);
        }
        *switch_request = None;
        if accept {
            call.call_type = wanted;
        }
        self.ack(from, req, id, None);
        if accept {
            let event = CallEvent::TypeChanged { call_type: wanted };
            self.send_event(id, from, None, event.clone());
            if let Some(peer) = peer {
                self.send_event(id, &peer, None, event);
            }
        } else if let Some(peer) = peer {
            self.send_event(
                id,
                &peer,
                None,
                CallEvent::SwitchRefused { call_type: wanted },
            );
        }
    }
}
