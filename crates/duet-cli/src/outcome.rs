//! Exit codes: how a call ended, as a number a script can branch on (docs/cli.md).

use duet_callkit::{CallEvent, CallStatus, EndReason};

/// The call completed (or `listen` was stopped with Ctrl-C).
pub const COMPLETED: u8 = 0;
/// Any other failure.
pub const OTHER_ERROR: u8 = 1;
/// A usage error: a flag is missing or wrong (clap uses the same code).
pub const USAGE: u8 = 2;
/// Login failed (bad token, unknown account, server unreachable).
pub const LOGIN_FAILED: u8 = 3;
/// Signaling was lost and the call's outcome never arrived.
pub const CONNECTION_LOST: u8 = 4;
/// The callee declined (or this device declined).
pub const REJECTED: u8 = 10;
/// The callee was busy (or this device declined as busy).
pub const BUSY: u8 = 11;
/// Nobody answered in time.
pub const UNANSWERED: u8 = 12;
/// The caller cancelled.
pub const CANCELED: u8 = 13;
/// Another device of this account answered (OTHER_CLIENT_ACCEPT).
pub const ANSWERED_ELSEWHERE: u8 = 14;
/// Another device of this account declined (OTHER_CLIENT_REJECT).
pub const DECLINED_ELSEWHERE: u8 = 15;

/// The exit code of a call's record.
pub fn of_status(status: CallStatus) -> u8 {
    match status {
        CallStatus::Completed => COMPLETED,
        CallStatus::Canceled => CANCELED,
        CallStatus::Rejected => REJECTED,
        CallStatus::Unanswered => UNANSWERED,
        CallStatus::Busy => BUSY,
    }
}

/// The exit code an event implies when no record follows (the server went away).
pub fn of_final_event(event: &CallEvent) -> Option<u8> {
    match event {
        CallEvent::UserReject { .. } => Some(REJECTED),
        CallEvent::UserBusy { .. } => Some(BUSY),
        CallEvent::CallingTimeout { .. } => Some(UNANSWERED),
        CallEvent::UserCancel { .. } => Some(CANCELED),
        CallEvent::CallEnd {
            reason: EndReason::ConnectionLost,
            ..
        } => Some(CONNECTION_LOST),
        CallEvent::CallEnd { .. } => Some(COMPLETED),
        _ => None,
    }
}
