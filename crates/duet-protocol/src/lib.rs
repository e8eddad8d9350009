#![forbid(unsafe_code)]
//! Duet's wire protocol: the one place the JSON shape of every message is defined.
//!
//! Every frame is a JSON object `{"v": 1, "type": "...", ...}`. Requests from a client may carry a
//! `req` number that the server echoes in its answer. Call-scoped messages carry the call id, the
//! sending device (its party id) and a per-call sequence number, so that a transport which drops or
//! repeats a message cannot corrupt a call. `docs/protocol.md` lists every message with an example;
//! the golden tests in `tests/golden/` pin the shape.

mod account;
mod attachment;
mod call;
mod client;
mod codec;
mod contact;
mod error;
mod ids;
mod nick;
mod record;
mod server;

pub use account::{Password, Registration};
pub use attachment::{
    check_attachment, AttachmentError, MAX_ATTACHMENT_BYTES, MAX_ATTACHMENT_DEPTH,
};
pub use call::{
    CallType, EndReason, IceServer, OtherDeviceAction, Party, Presence, VideoOffReason,
};
pub use client::{CallAction, ClientMessage};
pub use codec::{
    decode_client, decode_server, encode, ClientFrame, DecodeError, ServerFrame, MAX_FRAME_BYTES,
};
pub use contact::{ContactPolicy, ContactState};
pub use error::{ErrorCode, ProtocolError};
pub use ids::{AccountId, CallId, DeviceId, IdError};
pub use nick::{check_nick, NickError, MAX_NICK_CHARS};
pub use record::{CallRecord, CallStatus};
pub use server::{CallEvent, CallSnapshot, CallSnapshotPhase, Contact, ServerMessage, UserSummary};

/// The protocol version this crate speaks; frames with another `v` are refused.
pub const PROTOCOL_VERSION: u16 = 1;
