//! Messages a client sends to the server.

use crate::{AccountId, CallId, CallType, DeviceId, EndReason, Password, VideoOffReason};
use serde::{Deserialize, Serialize};

/// Every message from a client, told apart by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ClientMessage {
    /// First message on a connection: nertc-call's `login({account, token})`.
    #[serde(rename = "login")]
    Login {
        app_key: String,
        account: AccountId,
        /// The login token (nertc-call's imToken) issued by `duet-server user add` or `user token`.
        token: String,
        /// This installation; stable across restarts so that re-syncs find its calls.
        device: DeviceId,
        /// Call waiting: this device is rung (`invited` with `waiting`) while it is in a call,
        /// instead of counting as busy. Absent: false.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        call_waiting: bool,
    },
    /// Before a login: creates an account in an app whose registration is `open`, or `invite`
    /// with a valid `code`. Answered with `token`; the connection then sends `login` with it.
    #[serde(rename = "register")]
    Register {
        /// The app; absent: the server's default app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app_key: Option<String>,
        account: AccountId,
        /// Display name; absent or empty: the account.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        password: Password,
        /// The invite code, when the app's registration is `invite`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// Before a login: trades an account's password for a login token (answered with `token`).
    #[serde(rename = "login.password")]
    PasswordLogin {
        /// The app; absent: the server's default app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app_key: Option<String>,
        account: AccountId,
        password: Password,
    },
    /// Before or after a login: what an app allows (answered with `app.info`).
    #[serde(rename = "app.info")]
    AppInfo {
        /// The app; absent: the server's default app.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app_key: Option<String>,
    },
    /// Ends the session: calls of this device end with `logged_out`.
    #[serde(rename = "logout")]
    Logout,
    /// Heartbeat; the server answers `pong`.
    #[serde(rename = "ping")]
    Ping,
    #[serde(rename = "contacts.list")]
    ContactsList,
    /// Asks `account` to become a contact (app policy `mutual`), or accepts its pending request
    /// if it asked first; under policy `open`, adds it at once, one-way.
    #[serde(rename = "contacts.add")]
    ContactsAdd { account: AccountId },
    /// Accepts `account`'s pending request: both become contacts.
    #[serde(rename = "contacts.accept")]
    ContactsAccept { account: AccountId },
    /// Drops `account`'s pending request without telling it; a repeat does not arrive again.
    #[serde(rename = "contacts.ignore")]
    ContactsIgnore { account: AccountId },
    /// Ends the relationship with `account` on both sides, or withdraws a request to it.
    #[serde(rename = "contacts.remove")]
    ContactsRemove { account: AccountId },
    /// Blocks `account`: no relationship, no requests, no calls, no presence, not found.
    #[serde(rename = "contacts.block")]
    ContactsBlock { account: AccountId },
    /// Lifts a block (the contact is not restored).
    #[serde(rename = "contacts.unblock")]
    ContactsUnblock { account: AccountId },
    /// Finds accounts of the same app whose account or nickname contains `query`.
    #[serde(rename = "directory.search")]
    DirectorySearch {
        query: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// One page of the account's call records, newest first; `before` is the `next` of the previous page.
    #[serde(rename = "history.list")]
    HistoryList {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        before: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u32>,
    },
    /// An action on one call.
    #[serde(rename = "call")]
    Call {
        call_id: CallId,
        /// The sending device: it must be the connection's own device.
        device: DeviceId,
        /// Per call and per device, strictly increasing; a repeat or an older number is refused.
        seq: u64,
        /// The per-call token the server handed this device on invite (in the ack, or in the invited
        /// event for a callee device). Required on every action but `invite` in safe mode (nertc-call's checkSum).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_token: Option<String>,
        #[serde(flatten)]
        action: CallAction,
    },
}

/// What a party does to a call, told apart by `action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CallAction {
    /// Places the call (nertc-call's `call({userId, type, attachment})`).
    Invite {
        callee: AccountId,
        call_type: CallType,
        /// Opaque JSON delivered to the callee as is; at most [`crate::MAX_ATTACHMENT_BYTES`]
        /// and [`crate::MAX_ATTACHMENT_DEPTH`] deep.
        #[serde(
            default,
            deserialize_with = "crate::attachment::deserialize",
            skip_serializing_if = "serde_json::Value::is_null"
        )]
        attachment: serde_json::Value,
        /// How long the call rings before it times out; the server caps it.
        timeout_ms: u64,
        /// The caller's display name for this call (nertc-call's `nickName`), shown to the callee
        /// instead of the account's nickname; 1 to 64 characters, no control characters.
        #[serde(
            default,
            deserialize_with = "crate::nick::deserialize_optional",
            skip_serializing_if = "Option::is_none"
        )]
        nick: Option<String>,
    },
    /// Answers a ringing call; `call_type` audio answers a video call as audio.
    Accept {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_type: Option<CallType>,
    },
    /// Declines a ringing call; `busy` declines as busy (the caller sees USER_BUSY).
    Reject {
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        busy: bool,
    },
    /// The caller withdraws a ringing call.
    Cancel,
    /// Ends an answered call.
    Hangup {
        #[serde(default = "default_hangup_reason")]
        reason: EndReason,
    },
    /// Opaque media negotiation (SDP, ICE candidates) relayed to the other party. While a call rings,
    /// the caller may address one rung callee device with `to` (pre-connecting media before the
    /// answer); without `to` it goes to every rung device, or to the other party once answered.
    Signal {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<DeviceId>,
        payload: serde_json::Value,
    },
    /// This party's microphone and camera state, shown to the peer as AUDIO_/VIDEO_AVAILABLE;
    /// `video_reason` says why video is off although the user has the camera on.
    Media {
        audio: bool,
        video: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        video_reason: Option<VideoOffReason>,
    },
    /// Asks to change the call type: video to audio happens at once, audio to video asks the peer.
    SwitchType { call_type: CallType },
    /// The peer's answer to a request to switch to `call_type`.
    SwitchAnswer { call_type: CallType, accept: bool },
}

fn default_hangup_reason() -> EndReason {
    EndReason::UserHangup
}

impl CallAction {
    /// The action's wire name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            CallAction::Invite { .. } => "invite",
            CallAction::Accept { .. } => "accept",
            CallAction::Reject { .. } => "reject",
            CallAction::Cancel => "cancel",
            CallAction::Hangup { .. } => "hangup",
            CallAction::Signal { .. } => "signal",
            CallAction::Media { .. } => "media",
            CallAction::SwitchType { .. } => "switch_type",
            CallAction::SwitchAnswer { .. } => "switch_answer",
        }
    }
}
