//! Call records as the history screen shows them: from this user's side.

use duet_callkit::CallRecord;
use serde::Serialize;

/// One record with the viewer's side (docs/app-interface.md, `HistoryRecord`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(as = "shape::HistoryRecordShape"))]
pub struct HistoryRecord {
    /// The record as the server keeps it.
    #[serde(flatten)]
    pub record: CallRecord,
    /// The other party.
    pub peer: String,
    /// The viewer was the callee.
    pub incoming: bool,
}

impl HistoryRecord {
    /// `record` as `me` sees it.
    pub fn for_viewer(record: CallRecord, me: &str) -> Self {
        let incoming = record.to.as_str() == me;
        let peer = if incoming {
            record.from.to_string()
        } else {
            record.to.to_string()
        };
        Self {
            record,
            peer,
            incoming,
        }
    }
}

/// The page's `HistoryRecord` type. ts-rs cannot flatten a type from another crate, so this
/// states the record's fields for it (`HistoryRecord`'s TypeScript is this); [`tests`] checks
/// that a [`HistoryRecord`] serializes to exactly these fields.
#[cfg(test)]
pub(crate) mod shape {
    use duet_callkit::{CallRecord, CallStatus, CallType, EndReason};
    use serde::Serialize;

    /// A call record from this user's side: the protocol's record (snake_case) plus `peer` and
    /// `incoming`.
    #[derive(Serialize, ts_rs::TS)]
    pub(crate) struct HistoryRecordShape {
        /// The call.
        pub call_id: String,
        /// The caller's account.
        pub from: String,
        /// The callee's account.
        pub to: String,
        /// 1 audio, 2 video.
        #[ts(type = "CallType")]
        pub call_type: CallType,
        /// 1 completed, 2 canceled, 3 rejected, 4 unanswered, 5 busy.
        #[ts(type = "HistoryStatus")]
        pub status: CallStatus,
        /// Why it ended (snake_case).
        #[ts(type = "string")]
        pub reason: EndReason,
        /// When it was placed, milliseconds since the Unix epoch.
        #[ts(type = "number")]
        pub started_at_ms: u64,
        /// When the callee answered, if it did.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        pub answered_at_ms: Option<u64>,
        /// When it ended.
        #[ts(type = "number")]
        pub ended_at_ms: u64,
        /// Talk time: from answer to end; 0 for calls never answered.
        #[ts(type = "number")]
        pub duration_ms: u64,
        /// The other party's account, from this user's side.
        pub peer: String,
        /// This user was the callee.
        pub incoming: bool,
    }

    impl HistoryRecordShape {
        pub(crate) fn new(record: &CallRecord, peer: &str, incoming: bool) -> Self {
            Self {
                call_id: record.call_id.to_string(),
                from: record.from.to_string(),
                to: record.to.to_string(),
                call_type: record.call_type,
                status: record.status,
                reason: record.reason,
                started_at_ms: record.started_at_ms,
                answered_at_ms: record.answered_at_ms,
                ended_at_ms: record.ended_at_ms,
                duration_ms: record.duration_ms,
                peer: peer.to_owned(),
                incoming,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shape::HistoryRecordShape;
    use super::HistoryRecord;
    use duet_callkit::{CallId, CallRecord, CallStatus, CallType, EndReason};
    use duet_protocol::AccountId;

    fn record(answered_at_ms: Option<u64>) -> CallRecord {
        CallRecord {
            call_id: CallId::new("c1").unwrap(),
            from: AccountId::new("alice").unwrap(),
            to: AccountId::new("bob").unwrap(),
            call_type: CallType::Video,
            status: CallStatus::Completed,
            reason: EndReason::UserHangup,
            started_at_ms: 1_000,
            answered_at_ms,
            ended_at_ms: 9_000,
            duration_ms: 7_000,
        }
    }

    #[test]
    fn a_history_record_serializes_to_the_pages_shape() {
        for answered in [Some(2_000), None] {
            let sent = HistoryRecord::for_viewer(record(answered), "bob");
            let shape = HistoryRecordShape::new(&sent.record, &sent.peer, sent.incoming);
            assert_eq!(
                serde_json::to_value(&sent).unwrap(),
                serde_json::to_value(&shape).unwrap()
            );
            assert_eq!((sent.peer.as_str(), sent.incoming), ("alice", true));
        }
    }
}
