//! How calls end: records, deadlines, and the memory of ended calls.

use super::call::Phase;
use super::{Output, Switchboard};
use crate::DeviceKey;
use duet_protocol::{AccountId, CallEvent, CallId, CallStatus, EndReason};

impl Switchboard {
    /// Handles every deadline due at `now_ms`: ring timeouts and expired reconnect grace periods.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        while let Some(at) = self.poll_timeout() {
            if at > now_ms {
                break;
            }
            let Some(std::cmp::Reverse((_, id))) = self.timers.pop() else {
                break;
            };
            self.expire(&id, now_ms);
        }
    }

    fn expire(&mut self, id: &CallId, now_ms: u64) {
        let grace = self.config.reconnect_grace_ms;
        let Some(call) = self.calls.get(id) else {
            return;
        };
        let accounts = [call.caller.account.clone(), call.callee.clone()];
        let caller = call.caller_key();
        match &call.phase {
            Phase::Ringing {
                timeout_at_ms,
                caller_lost_at_ms,
                ..
            } => {
                let caller_gone =
                    caller_lost_at_ms.is_some_and(|lost| lost + grace < *timeout_at_ms);
                if caller_gone {
                    for device in self.rung_devices(id, None) {
                        self.send_event(id, &device, None, CallEvent::Canceled);
                    }
                    self.end_call(id, CallStatus::Canceled, EndReason::ConnectionLost, now_ms);
                } else {
                    self.send_event(id, &caller, None, CallEvent::Timeout);
                    for device in self.rung_devices(id, None) {
                        self.send_event(id, &device, None, CallEvent::Timeout);
                    }
                    self.end_call(id, CallStatus::Unanswered, EndReason::InviteTimeout, now_ms);
                }
            }
            Phase::Active { lost, .. } => {
                let first_lost = lost.iter().min_by_key(|(_, at)| *at).cloned();
                if let Some((device, lost_at)) = first_lost {
                    // The talk ended when the connection was lost, not when we gave up waiting.
                    self.end_active(
                        id,
                        EndReason::ConnectionLost,
                        Some(device.account),
                        lost_at,
                        now_ms,
                    );
                }
            }
        }
        self.report_presence(&accounts);
    }

    /// Ends an answered call: both parties get CALL_END, then the completed record is written.
    pub(super) fn end_active(
        &mut self,
        id: &CallId,
        reason: EndReason,
        by: Option<AccountId>,
        ended_at_ms: u64,
        now_ms: u64,
    ) {
        let Some(call) = self.calls.get(id) else {
            return;
        };
        let parties: Vec<DeviceKey> = std::iter::once(call.caller_key())
            .chain(call.callee_key())
            .collect();
        for party in parties {
            let event = CallEvent::Ended {
                reason,
                by: by.clone(),
            };
            self.send_event(id, &party, None, event);
        }
        self.end_call(id, CallStatus::Completed, reason, ended_at_ms.min(now_ms));
    }

    /// Removes a call, frees its parties, writes its one record and tells both accounts.
    pub(super) fn end_call(
        &mut self,
        id: &CallId,
        status: CallStatus,
        reason: EndReason,
        ended_at_ms: u64,
    ) {
        let Some(call) = self.calls.get(id) else {
            return;
        };
        let record = call.record(status, reason, ended_at_ms);
        let parties: Vec<DeviceKey> = std::iter::once(call.caller_key())
            .chain(call.callee_key())
            .collect();
        let mut audience = self.online_devices(&call.caller.account);
        audience.extend(self.online_devices(&call.callee));
        // A party away now hears it when it is back (`missed.rs`).
        audience.extend(parties.iter().filter(|p| !self.is_online(p)).cloned());
        for device in audience {
            let event = CallEvent::Record {
                record: record.clone(),
            };
            self.send_event(id, &device, None, event);
        }
        for party in &parties {
            let entry = self.device_mut(party);
            if entry.call.as_ref() == Some(id) {
                entry.call = None;
            }
        }
        self.calls.remove(id);
        for party in &parties {
            self.forget_if_idle(party, ended_at_ms);
        }
        self.remember_ended(id.clone());
        self.outputs.push_back(Output::CallEnded(record));
    }

    fn remember_ended(&mut self, id: CallId) {
        if self.ended.insert(id.clone()) {
            self.ended_order.push_back(id);
        }
        while self.ended_order.len() > self.config.ended_memory {
            if let Some(old) = self.ended_order.pop_front() {
                self.ended.remove(&old);
            }
        }
    }

    /// How many live calls ring and how many are answered, for metrics: walks every call, so
    /// it is for a scrape now and then, not for each input.
    pub fn call_counts(&self) -> (usize, usize) {
        self.calls
            .values()
            .fold((0, 0), |(ringing, answered), call| match call.phase {
                Phase::Ringing { .. } => (ringing + 1, answered),
                Phase::Active { .. } => (ringing, answered + 1),
            })
    }

    /// The phase name of a live call, for diagnostics.
    pub fn phase_of(&self, id: &CallId) -> Option<&'static str> {
        self.calls.get(id).map(|c| match c.phase {
            Phase::Ringing { .. } => "ringing",
            Phase::Active { .. } => "active",
        })
    }
}
