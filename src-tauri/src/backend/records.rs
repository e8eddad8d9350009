//! Call records as the history screen shows them: from this user's side.

use duet_callkit::CallRecord;
use serde::Serialize;

/// One record with the viewer's side (docs/app-interface.md, `HistoryRecord`).
#[derive(Debug, Clone, PartialEq, Serialize)]
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
