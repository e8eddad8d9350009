//! Devices coming and going: login, re-sync, logout and lost connections.

use super::call::Phase;
use super::Switchboard;
use crate::DeviceKey;
use duet_protocol::{
    CallEvent, CallId, CallSnapshot, CallSnapshotPhase, CallStatus, EndReason, ServerMessage,
};

impl Switchboard {
    /// A device logged in (or reconnected). It gets a `resync` of the call it is in and of the
    /// calls ringing its account, and a party whose connection was lost is back in its call.
    /// With `call_waiting` the device is rung while in a call (see [`Self::handle_call`]'s
    /// invites); the setting lasts until its next login.
    pub fn handle_device_online(
        &mut self,
        key: &DeviceKey,
        nick: &str,
        call_waiting: bool,
        now_ms: u64,
    ) {
        let account = self.accounts.entry(key.account.clone()).or_default();
        account.nick = nick.to_owned();
        let device = account.devices.entry(key.device.clone()).or_default();
        device.online = true;
        device.call_waiting = call_waiting;
        let own_call = device.call.clone();
        let mut snapshots = Vec::new();
        if let Some(id) = own_call {
            if let Some(call) = self.calls.get_mut(&id) {
                match &mut call.phase {
                    Phase::Ringing {
                        caller_lost_at_ms, ..
                    } => *caller_lost_at_ms = None,
                    Phase::Active { lost, .. } => lost.retain(|(d, _)| d != key),
                }
                self.schedule(&id);
                snapshots.extend(self.snapshot(&id, key, now_ms));
            }
        }
        // A device in a call that takes waiting calls re-learns them too (with `waiting`).
        let ringable = self.device(key).is_some_and(|d| d.ringable());
        if ringable {
            let mut ringing: Vec<(u64, CallId)> = self
                .calls
                .values()
                .filter(|c| c.callee == key.account && matches!(c.phase, Phase::Ringing { .. }))
                .map(|c| (c.started_at_ms, c.id.clone()))
                .collect();
            ringing.sort();
            for (_, id) in ringing {
                if let Some(Phase::Ringing { rung, .. }) =
                    self.calls.get_mut(&id).map(|c| &mut c.phase)
                {
                    rung.insert(key.device.clone());
                }
                snapshots.extend(self.snapshot(&id, key, now_ms));
            }
        }
        // How calls ended while it was away, before the resync that no longer lists them.
        self.send_missed(key);
        super::resync::fit_in_one_frame(&mut snapshots);
        self.send(key, None, ServerMessage::Resync { calls: snapshots });
        self.report_presence(std::slice::from_ref(&key.account));
    }

    /// A device went away. With a `reason` (logout, kick, token expiry) its call ends now with that
    /// reason; without one the connection was lost, and its answered call waits the grace period.
    pub fn handle_device_offline(
        &mut self,
        key: &DeviceKey,
        reason: Option<EndReason>,
        now_ms: u64,
    ) {
        let Some(device) = self
            .accounts
            .get_mut(&key.account)
            .and_then(|a| a.devices.get_mut(&key.device))
        else {
            return;
        };
        device.online = false;
        let own_call = device.call.clone();
        for call in self.calls.values_mut() {
            if call.callee == key.account {
                if let Phase::Ringing { rung, .. } = &mut call.phase {
                    rung.remove(&key.device);
                }
            }
        }
        if let Some(id) = own_call {
            self.leave_call(key, &id, reason, now_ms);
        }
        self.report_presence(std::slice::from_ref(&key.account));
        self.forget_if_idle(key, now_ms);
    }

    fn leave_call(&mut self, key: &DeviceKey, id: &CallId, reason: Option<EndReason>, now_ms: u64) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let accounts = [call.caller.account.clone(), call.callee.clone()];
        let ringing = matches!(call.phase, Phase::Ringing { .. });
        match (reason, &mut call.phase) {
            (
                None,
                Phase::Ringing {
                    caller_lost_at_ms, ..
                },
            ) => *caller_lost_at_ms = Some(now_ms),
            (None, Phase::Active { lost, .. }) => lost.push((key.clone(), now_ms)),
            (Some(reason), _) if ringing => {
                for device in self.rung_devices(id, None) {
                    self.send_event(id, &device, None, CallEvent::Canceled);
                }
                self.end_call(id, CallStatus::Canceled, reason, now_ms);
            }
            (Some(reason), _) => {
                self.end_active(id, reason, Some(key.account.clone()), now_ms, now_ms)
            }
        }
        self.schedule(id);
        self.report_presence(&accounts);
    }

    /// The state of call `id` as `viewer` should re-learn it.
    fn snapshot(&self, id: &CallId, viewer: &DeviceKey, now_ms: u64) -> Option<CallSnapshot> {
        let call = self.calls.get(id)?;
        let call_token = self.tokens.issue(id, viewer);
        let phase = match &call.phase {
            Phase::Ringing { timeout_at_ms, .. } => CallSnapshotPhase::Ringing {
                expires_in_ms: timeout_at_ms.saturating_sub(now_ms),
                call_token,
                // Its own outgoing call is not waiting; a call ringing it while in another is.
                waiting: call.caller_key() != *viewer && self.in_call(viewer),
            },
            Phase::Active {
                callee,
                answered_at_ms,
                ..
            } => CallSnapshotPhase::Active {
                callee_device: callee.device.clone(),
                answered_at_ms: *answered_at_ms,
                call_token,
            },
        };
        Some(CallSnapshot {
            call_id: id.clone(),
            caller: call.caller.clone(),
            callee: call.callee.clone(),
            call_type: call.call_type,
            attachment: call.attachment.clone(),
            attachment_omitted: false,
            phase,
            seq: call.out_seq,
        })
    }
}
