//! Calls this user missed: incoming calls that ended while ringing because the caller gave up or
//! nobody answered in time (records `canceled` and `unanswered` with this account as callee).
//! A declined call (`rejected`), one answered on another device (`completed`) and a caller
//! refused as busy are not missed. Counted from `MESSAGE_SENT`, which reaches every device of the
//! account, until the user opens the history; each call counts once.

use duet_callkit::{CallRecord, CallStatus};
use std::collections::HashSet;

/// The count shown on the History tab and in the tray.
#[derive(Debug, Default)]
pub struct MissedCalls {
    unseen: HashSet<String>,
}

/// Whether `record` is a call `me` missed.
pub fn is_missed(record: &CallRecord, me: &str) -> bool {
    record.to.as_str() == me
        && matches!(record.status, CallStatus::Canceled | CallStatus::Unanswered)
}

impl MissedCalls {
    /// Counts `record` if `me` missed it; true when it is newly counted (then say so to the user).
    pub fn record(&mut self, record: &CallRecord, me: &str) -> bool {
        is_missed(record, me) && self.unseen.insert(record.call_id.to_string())
    }

    /// Missed calls the user has not seen in the history yet.
    pub fn count(&self) -> u32 {
        u32::try_from(self.unseen.len()).unwrap_or(u32::MAX)
    }

    /// The user opened the history (or signed out): nothing is unseen any more.
    pub fn seen(&mut self) {
        self.unseen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::{CallId, CallType, EndReason};
    use duet_protocol::AccountId;

    fn record(id: &str, from: &str, to: &str, status: CallStatus) -> CallRecord {
        CallRecord {
            call_id: CallId::new(id).unwrap(),
            from: AccountId::new(from).unwrap(),
            to: AccountId::new(to).unwrap(),
            call_type: CallType::Video,
            status,
            reason: EndReason::UserHangup,
            started_at_ms: 1,
            answered_at_ms: None,
            ended_at_ms: 2,
            duration_ms: 0,
        }
    }

    #[test]
    fn only_incoming_calls_given_up_or_unanswered_count_and_each_once() {
        let mut missed = MissedCalls::default();
        assert!(missed.record(&record("c1", "bob", "me", CallStatus::Canceled), "me"));
        assert!(!missed.record(&record("c1", "bob", "me", CallStatus::Canceled), "me"));
        assert!(missed.record(&record("c2", "bob", "me", CallStatus::Unanswered), "me"));
        for (id, from, to, status) in [
            ("c3", "bob", "me", CallStatus::Rejected),
            ("c4", "bob", "me", CallStatus::Completed),
            ("c5", "bob", "me", CallStatus::Busy),
            ("c6", "me", "bob", CallStatus::Unanswered),
        ] {
            assert!(!missed.record(&record(id, from, to, status), "me"), "{id}");
        }
        assert_eq!(missed.count(), 2);
        missed.seen();
        assert_eq!(missed.count(), 0);
    }
}
