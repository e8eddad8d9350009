//! Messages the server sends to a client.

use crate::{
    AccountId, CallId, CallRecord, CallType, ContactState, DeviceId, EndReason, ErrorCode,
    IceServer, OtherDeviceAction, Party, Presence, Registration, VideoOffReason,
};
use serde::{Deserialize, Serialize};

/// Every message from the server, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ServerMessage {
    /// The login succeeded. A `resync` follows at once.
    #[serde(rename = "login.ok")]
    LoginOk {
        account: AccountId,
        nick: String,
        device: DeviceId,
        /// Send a `ping` at least this often; the server drops a connection silent for three times as long.
        heartbeat_ms: u64,
        /// STUN/TURN servers for media.
        ice_servers: Vec<IceServer>,
        /// When the TURN credentials in `ice_servers` expire (milliseconds since the Unix epoch);
        /// absent when there are none. An `ice.servers` push brings fresh ones before then.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ice_expires_at_ms: Option<u64>,
        /// Whether call-scoped messages need the per-call token (safe mode).
        safe_mode: bool,
        /// The server's clock, in milliseconds since the Unix epoch.
        server_time_ms: u64,
    },
    /// Fresh TURN credentials, pushed before the previous ones expire: they replace the
    /// login's `ice_servers` for every later call and for the relays of calls in progress.
    #[serde(rename = "ice.servers")]
    IceServers {
        ice_servers: Vec<IceServer>,
        /// Milliseconds since the Unix epoch.
        ice_expires_at_ms: u64,
    },
    /// The answer to `register` and `login.password`: a login token for `login`.
    #[serde(rename = "token")]
    Token {
        app_key: String,
        account: AccountId,
        token: String,
        /// When the token expires, in milliseconds since the Unix epoch.
        expires_at_ms: u64,
    },
    /// The answer to `app.info`.
    #[serde(rename = "app.info")]
    AppInfo {
        app_key: String,
        registration: Registration,
        /// The least number of characters a password must have.
        min_password_chars: u32,
    },
    #[serde(rename = "pong")]
    Pong,
    /// A request without a more specific answer succeeded.
    #[serde(rename = "ok")]
    Ok,
    /// A request was refused; it changed nothing.
    #[serde(rename = "error")]
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<CallId>,
    },
    #[serde(rename = "contacts")]
    Contacts { contacts: Vec<Contact> },
    /// Pushed to every online device of an account whose list changed (a request arrived or was
    /// answered, a contact was removed, added or blocked): the entry as it now stands, or no
    /// `contact` when `account` left the list.
    #[serde(rename = "contacts.changed")]
    ContactsChanged {
        account: AccountId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        contact: Option<Contact>,
    },
    /// A contact's presence changed.
    #[serde(rename = "presence")]
    Presence {
        account: AccountId,
        presence: Presence,
    },
    #[serde(rename = "directory")]
    Directory { users: Vec<UserSummary> },
    /// A page of records, newest first; `next` fetches the following page.
    #[serde(rename = "history")]
    History {
        records: Vec<CallRecord>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next: Option<String>,
    },
    /// A call action was taken. On invite and accept it carries the per-call token.
    #[serde(rename = "call.ack")]
    CallAck {
        call_id: CallId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_token: Option<String>,
    },
    /// Something happened to a call this device takes part in or is rung for.
    #[serde(rename = "call")]
    Call {
        call_id: CallId,
        /// Per call, strictly increasing across everything the server sends about it.
        seq: u64,
        #[serde(flatten)]
        event: CallEvent,
    },
    /// Sent after login and reconnect: the calls ringing this device and the call it is in.
    #[serde(rename = "resync")]
    Resync { calls: Vec<CallSnapshot> },
    /// The server is stopping (draining): pushed once to every logged-in connection. The client
    /// connects to another server of the same service now and logs in there as after a lost
    /// connection; its calls go on (media is peer to peer) and are re-synced there. The server
    /// takes no new connections meanwhile and closes this one after `closes_in_ms` at the latest.
    #[serde(rename = "server.draining")]
    ServerDraining {
        /// How long the server still waits for this connection to leave before closing it.
        closes_in_ms: u64,
    },
}

/// What happened to a call, told apart by `event`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum CallEvent {
    /// A call rings this device (INVITED).
    Invited {
        caller: Party,
        callee: AccountId,
        call_type: CallType,
        #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
        attachment: serde_json::Value,
        /// How much longer it rings.
        expires_in_ms: u64,
        /// This device's per-call token, to send with its answer and later messages (safe mode).
        call_token: String,
        /// Call waiting: this device is in another call (it logged in with `call_waiting`), so
        /// the client rings softly; answering needs that call hung up first. Absent: false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        waiting: bool,
    },
    /// The callee answered (USER_ACCEPT), possibly as another call type.
    Accepted { callee: Party, call_type: CallType },
    /// Another device of this account answered or declined (OTHER_CLIENT_ACCEPT / _REJECT).
    OtherDevice { action: OtherDeviceAction },
    /// The callee declined (USER_REJECT).
    Rejected,
    /// The callee is busy (USER_BUSY).
    Busy,
    /// The caller cancelled (USER_CANCEL).
    Canceled,
    /// Nobody answered in time (CALLING_TIMEOUT).
    Timeout,
    /// The answered call ended (CALL_END).
    Ended {
        reason: EndReason,
        /// The account whose action or fault ended it, if one did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<AccountId>,
    },
    /// The call's record (MESSAGE_SENT).
    Record { record: CallRecord },
    /// Media negotiation from the other party, as it sent it.
    Signal {
        from: DeviceId,
        payload: serde_json::Value,
    },
    /// The other party's microphone and camera (AUDIO_AVAILABLE / VIDEO_AVAILABLE), and why
    /// its video is off although its camera is on (`video_reason`).
    Media {
        audio: bool,
        video: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        video_reason: Option<VideoOffReason>,
    },
    /// The other party asks to switch to `call_type`; answer with `switch_answer`.
    SwitchRequested { call_type: CallType },
    /// The call type changed (CALL_TYPE_CHANGE).
    TypeChanged { call_type: CallType },
    /// The other party refused to switch to `call_type`.
    SwitchRefused { call_type: CallType },
    /// Glare: this device's outgoing call crossed an incoming call from the same person; the two
    /// became call `into`, already answered, with this device as the callee.
    Merged { into: CallId, call_token: String },
}

/// A call as it stands, for re-sync after login or reconnect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallSnapshot {
    pub call_id: CallId,
    pub caller: Party,
    pub callee: AccountId,
    pub call_type: CallType,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub attachment: serde_json::Value,
    /// The attachment was left out to keep the `resync` within the frame size limit (it was
    /// delivered whole with `call.invited`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub attachment_omitted: bool,
    #[serde(flatten)]
    pub phase: CallSnapshotPhase,
    /// The last per-call sequence number the server used for this call.
    pub seq: u64,
}

/// Whether a re-synced call rings or is answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum CallSnapshotPhase {
    Ringing {
        expires_in_ms: u64,
        /// This device's per-call token.
        call_token: String,
        /// Call waiting: it rings this device while the device is in another call (as
        /// `invited`'s `waiting`). Absent: false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        waiting: bool,
    },
    Active {
        callee_device: DeviceId,
        answered_at_ms: u64,
        call_token: String,
    },
}

/// An entry of the contact list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub account: AccountId,
    pub nick: String,
    /// Always `offline` unless `state` is `accepted`.
    pub presence: Presence,
    #[serde(default)]
    pub state: ContactState,
}

/// An account found by a directory search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub account: AccountId,
    pub nick: String,
}
