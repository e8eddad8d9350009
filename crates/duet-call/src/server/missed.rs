//! How a call ended, kept for a party whose device was away (its connection lost) when it
//! ended, and told to that device when it logs in again, before its `resync`.
//!
//! Without this a device that comes back after its call ended (the peer hung up during a
//! network drop) finds the call gone from its resync and can only report it lost; with it, it
//! hears the same `ended` (or `rejected`, `busy`, `canceled`, `timeout`) and `record` it would
//! have heard online, so its user sees "Alice hung up", not "connection lost". Kept in memory
//! for the last `ended_memory` such devices: a device away longer, or a hub restarted meanwhile,
//! falls back to the resync.

use super::{Phase, Switchboard};
use crate::DeviceKey;
use duet_protocol::{CallEvent, CallId, ServerMessage};

impl Switchboard {
    /// Keeps `event` of call `id` for device `to`, which is offline, if it ends the call for it
    /// and `to` is a party whose connection was lost.
    pub(super) fn keep_missed(&mut self, id: &CallId, to: &DeviceKey, event: CallEvent) {
        let ends_it = matches!(
            event,
            CallEvent::Ended { .. }
                | CallEvent::Record { .. }
                | CallEvent::Rejected
                | CallEvent::Busy
                | CallEvent::Canceled
                | CallEvent::Timeout
        );
        // A party whose connection was lost, not one that left on purpose (logout, kick): that
        // one ended the call itself.
        let lost = self.calls.get(id).is_some_and(|call| match &call.phase {
            Phase::Ringing {
                caller_lost_at_ms, ..
            } => caller_lost_at_ms.is_some() && call.caller_key() == *to,
            Phase::Active { lost, .. } => lost.iter().any(|(device, _)| device == to),
        });
        if !ends_it || !lost {
            return;
        }
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        let msg = ServerMessage::Call {
            call_id: id.clone(),
            seq: call.next_seq(),
            event,
        };
        // As `send_event`: numbers handed out stay above what a restart restores.
        if call.reservation_low() {
            self.persist(id);
        }
        let kept = self.missed.entry(to.clone()).or_default();
        if kept.is_empty() {
            self.missed_order.push_back(to.clone());
        }
        kept.push(msg);
        while self.missed_order.len() > self.config.ended_memory {
            if let Some(old) = self.missed_order.pop_front() {
                self.missed.remove(&old);
            }
        }
    }

    /// Sends device `key`, logging in, what it missed while away; once.
    pub(super) fn send_missed(&mut self, key: &DeviceKey) {
        let Some(kept) = self.missed.remove(key) else {
            return;
        };
        self.missed_order.retain(|k| k != key);
        for msg in kept {
            self.send(key, None, msg);
        }
    }
}
