//! Call records: every call that was placed ends in exactly one (nertc-call's MESSAGE_SENT).

use crate::{AccountId, CallId, CallType, EndReason};
use serde::{Deserialize, Serialize};

/// nertc-call's record `status`: 1 completed, 2 canceled, 3 rejected, 4 unanswered, 5 busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum CallStatus {
    Completed,
    Canceled,
    Rejected,
    Unanswered,
    Busy,
}

impl CallStatus {
    /// All statuses, in nertc-call's numbering order.
    pub const ALL: [CallStatus; 5] = [
        CallStatus::Completed,
        CallStatus::Canceled,
        CallStatus::Rejected,
        CallStatus::Unanswered,
        CallStatus::Busy,
    ];

    /// nertc-call's demo Chinese status text, as seen by the caller or by the callee.
    pub fn text_zh(self, viewer_is_callee: bool) -> &'static str {
        match (self, viewer_is_callee) {
            (CallStatus::Completed, _) => "已完成",
            (CallStatus::Canceled, true) => "对方已取消",
            (CallStatus::Canceled, false) => "已取消",
            (CallStatus::Rejected, true) => "已拒绝",
            (CallStatus::Rejected, false) => "对方已拒绝",
            (CallStatus::Unanswered, _) => "未接听",
            (CallStatus::Busy, true) => "未接听",
            (CallStatus::Busy, false) => "对方忙线",
        }
    }

    /// The same texts in English.
    pub fn text_en(self, viewer_is_callee: bool) -> &'static str {
        match (self, viewer_is_callee) {
            (CallStatus::Completed, _) => "Completed",
            (CallStatus::Canceled, true) => "Caller canceled",
            (CallStatus::Canceled, false) => "Canceled",
            (CallStatus::Rejected, true) => "Declined",
            (CallStatus::Rejected, false) => "Callee declined",
            (CallStatus::Unanswered, _) => "Unanswered",
            (CallStatus::Busy, true) => "Unanswered",
            (CallStatus::Busy, false) => "Callee busy",
        }
    }
}

impl From<CallStatus> for u8 {
    fn from(s: CallStatus) -> u8 {
        match s {
            CallStatus::Completed => 1,
            CallStatus::Canceled => 2,
            CallStatus::Rejected => 3,
            CallStatus::Unanswered => 4,
            CallStatus::Busy => 5,
        }
    }
}

impl TryFrom<u8> for CallStatus {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        CallStatus::ALL
            .get(usize::from(n).wrapping_sub(1))
            .copied()
            .ok_or_else(|| format!("call status must be 1..=5, not {n}"))
    }
}

/// The one record a placed call ends in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRecord {
    pub call_id: CallId,
    /// The caller's account (nertc-call's `from`).
    pub from: AccountId,
    /// The callee's account (nertc-call's `to`).
    pub to: AccountId,
    pub call_type: CallType,
    pub status: CallStatus,
    pub reason: EndReason,
    /// When the call was placed, in milliseconds since the Unix epoch.
    pub started_at_ms: u64,
    /// When the callee answered, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at_ms: Option<u64>,
    /// When the call ended.
    pub ended_at_ms: u64,
    /// Talk time: from answer to end; 0 for calls never answered.
    pub duration_ms: u64,
}
