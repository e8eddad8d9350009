//! One call as the switchboard holds it, and its stored form.

use crate::DeviceKey;
use duet_protocol::{
    AccountId, CallId, CallRecord, CallStatus, CallType, DeviceId, EndReason, Party,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// How many event numbers past the last one used a stored call vouches for. A call sends a few
/// dozen events (most of them ICE candidates while it rings), so it is stored again about once
/// for them, beyond the stores of its changes of phase.
pub(crate) const SEQ_RESERVE: u64 = 64;

/// The authoritative state of one live call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Call {
    pub id: CallId,
    pub caller: Party,
    pub callee: AccountId,
    /// The current call type (changes on accept-as-audio and on switches).
    pub call_type: CallType,
    pub attachment: serde_json::Value,
    pub started_at_ms: u64,
    pub phase: Phase,
    /// Last sequence number used for events about this call.
    pub out_seq: u64,
    /// Event numbers up to this one may have been sent before the stored copy was replaced
    /// again: a call restored after a restart numbers its events from here, above every number
    /// its devices already saw (events such as signals are sent without storing the call).
    /// Absent from calls stored before it existed.
    #[serde(default)]
    pub seq_reserved: u64,
    /// Last sequence number seen from each device, per call.
    pub in_seq: Vec<(DeviceKey, u64)>,
}

/// Ringing or answered; ended calls leave the switchboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum Phase {
    Ringing {
        timeout_at_ms: u64,
        /// Callee devices that were told about the call and have not left.
        rung: BTreeSet<DeviceId>,
        /// When the caller's connection was lost, if it is gone.
        caller_lost_at_ms: Option<u64>,
    },
    Active {
        callee: Party,
        answered_at_ms: u64,
        /// The type the call was answered as; it is the record's type.
        answered_type: CallType,
        /// Parties whose connection is lost, and since when.
        lost: Vec<(DeviceKey, u64)>,
        /// A pending request to switch type: who asked, and for which type.
        switch_request: Option<(AccountId, CallType)>,
    },
}

impl Call {
    pub fn caller_key(&self) -> DeviceKey {
        DeviceKey::new(self.caller.account.clone(), self.caller.device.clone())
    }

    /// The answering device, once answered.
    pub fn callee_key(&self) -> Option<DeviceKey> {
        match &self.phase {
            Phase::Active { callee, .. } => Some(DeviceKey::new(
                callee.account.clone(),
                callee.device.clone(),
            )),
            Phase::Ringing { .. } => None,
        }
    }

    /// The other party of an answered call, seen from `me`.
    pub fn peer_of(&self, me: &DeviceKey) -> Option<DeviceKey> {
        let callee = self.callee_key()?;
        if *me == self.caller_key() {
            Some(callee)
        } else if *me == callee {
            Some(self.caller_key())
        } else {
            None
        }
    }

    /// The earliest moment something must happen to this call without any input.
    pub fn deadline(&self, grace_ms: u64) -> Option<u64> {
        match &self.phase {
            Phase::Ringing {
                timeout_at_ms,
                caller_lost_at_ms,
                ..
            } => Some(match caller_lost_at_ms {
                Some(lost) => (*timeout_at_ms).min(lost + grace_ms),
                None => *timeout_at_ms,
            }),
            Phase::Active { lost, .. } => lost.iter().map(|(_, at)| at + grace_ms).min(),
        }
    }

    pub fn next_seq(&mut self) -> u64 {
        self.out_seq += 1;
        self.out_seq
    }

    /// Reserves the next [`SEQ_RESERVE`] event numbers, for the stored copy about to be written.
    pub fn reserve_seq(&mut self) {
        self.seq_reserved = self.out_seq + SEQ_RESERVE;
    }

    /// Whether the reservation runs low and the call must be stored again. It is renewed while
    /// half of it is left, so that the numbers sent while the new copy is being written are
    /// still covered by the old one if the process dies meanwhile.
    pub fn reservation_low(&self) -> bool {
        self.out_seq + SEQ_RESERVE / 2 > self.seq_reserved
    }

    /// After a restart: numbers continue above every one reserved, hence above every one sent.
    pub fn resume_seq(&mut self) {
        self.out_seq = self.out_seq.max(self.seq_reserved);
    }

    /// Records `seq` from `device`; false if it is not above the last one seen.
    pub fn accept_seq(&mut self, device: &DeviceKey, seq: u64) -> bool {
        match self.in_seq.iter_mut().find(|(d, _)| d == device) {
            Some((_, last)) if seq <= *last => false,
            Some((_, last)) => {
                *last = seq;
                true
            }
            None => {
                self.in_seq.push((device.clone(), seq));
                true
            }
        }
    }

    /// The record of this call ending now with `status`.
    pub fn record(&self, status: CallStatus, reason: EndReason, ended_at_ms: u64) -> CallRecord {
        let (answered_at_ms, call_type) = match &self.phase {
            Phase::Active {
                answered_at_ms,
                answered_type,
                ..
            } => (Some(*answered_at_ms), *answered_type),
            Phase::Ringing { .. } => (None, self.call_type),
        };
        let ended_at_ms = ended_at_ms.max(self.started_at_ms);
        let duration_ms = match (status, answered_at_ms) {
            (CallStatus::Completed, Some(answered)) => ended_at_ms.saturating_sub(answered),
            _ => 0,
        };
        CallRecord {
            call_id: self.id.clone(),
            from: self.caller.account.clone(),
            to: self.callee.clone(),
            call_type,
            status,
            reason,
            started_at_ms: self.started_at_ms,
            answered_at_ms,
            ended_at_ms,
            duration_ms,
        }
    }
}

/// A live call in the form the I/O layer persists (as JSON) so that it survives a restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StoredCall(pub(crate) Call);

impl StoredCall {
    /// The call's id, the key it is stored under.
    pub fn call_id(&self) -> &CallId {
        &self.0.id
    }

    /// The stored form as JSON text.
    pub fn to_json(&self) -> String {
        // A Call holds only strings, numbers, sets and JSON values: serialising cannot fail.
        serde_json::to_string(self).expect("a stored call always serialises")
    }

    /// Reads a stored call back; an error means the stored text is corrupt or from another version.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}
