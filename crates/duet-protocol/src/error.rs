//! Errors the server reports to a client, with a stable machine-readable code.

use serde::{Deserialize, Serialize};

/// Machine-readable error codes carried in `error` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame is not valid JSON.
    BadJson,
    /// The frame is too large.
    FrameTooLarge,
    /// The frame's `v` is not a version this server speaks.
    UnsupportedVersion,
    /// The frame's `type` (or a call's `action`) is unknown.
    UnknownType,
    /// The frame's fields do not match its type.
    InvalidMessage,
    /// Only `login` is allowed before logging in.
    NotLoggedIn,
    AlreadyLoggedIn,
    UnknownApp,
    /// The login token is malformed, forged or for another account.
    BadToken,
    TokenExpired,
    TokenRevoked,
    UnknownAccount,
    /// A call to oneself.
    SelfCall,
    UnknownCall,
    /// The call has ended; nothing more can happen to it.
    CallEnded,
    /// The sender is not a party of the call.
    NotAParty,
    /// The `device` field is not the connection's device.
    WrongDevice,
    /// The sequence number is not above the last one seen from this device for this call.
    StaleSeq,
    /// Safe mode: the per-call token is missing, forged or for another call.
    BadCallToken,
    /// The action does not fit the call's state (e.g. accept after the call was answered).
    InvalidState,
    /// Another device of the account answered first.
    AnsweredElsewhere,
    /// This device is already in a call.
    Busy,
    /// Too many invites, or directory searches, too quickly.
    RateLimited,
    /// Too many invites, or too many contact requests, waiting for an answer.
    TooManyPending,
    /// A directory query shorter than two characters (after trimming spaces).
    QueryTooShort,
    /// The server is at its connection limit.
    ServerFull,
    /// The account has as many devices online as the server allows.
    TooManyDevices,
    /// The server cannot write to its database just now (a full disk, a locked or read-only
    /// file): new calls and history reads are refused until it recovers; try again shortly.
    StoreUnavailable,
    /// The app does not let people create accounts themselves.
    RegistrationClosed,
    /// The app's registration needs an invite code, and none was given.
    InviteRequired,
    /// The invite code is unknown, used up or expired.
    BadInvite,
    /// An account with that name exists already.
    AccountExists,
    /// The password is too short, too common or too close to the account name.
    WeakPassword,
    /// The account does not exist, has no password, or the password is wrong (not told apart).
    BadPassword,
    Internal,
}

/// A refused request: the code and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ProtocolError {
    pub code: ErrorCode,
    pub message: String,
}

impl ProtocolError {
    /// A refusal with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
