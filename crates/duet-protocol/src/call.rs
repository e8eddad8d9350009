//! Small value types shared by requests, events and records.

use crate::{AccountId, DeviceId};
use serde::{Deserialize, Serialize};

/// nertc-call's call `type`: 1 audio, 2 video. On the wire it is that number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum CallType {
    Audio,
    Video,
}

impl From<CallType> for u8 {
    fn from(t: CallType) -> u8 {
        match t {
            CallType::Audio => 1,
            CallType::Video => 2,
        }
    }
}

impl TryFrom<u8> for CallType {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        match n {
            1 => Ok(CallType::Audio),
            2 => Ok(CallType::Video),
            other => Err(format!(
                "call type must be 1 (audio) or 2 (video), not {other}"
            )),
        }
    }
}

/// Why a party's camera sends no video although its user has it on (`call.media`'s
/// `video_reason`, with `video` false). Absent: the user turned it off, or it has no camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VideoOffReason {
    /// The path cannot carry the video's lowest bitrate: video is paused and comes back by
    /// itself when the network allows (docs/media.md, "Pausing video on a poor network").
    Network,
}

/// Why a call ended; Matrix's list of hang-up reasons plus the ones a ringing call can end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// A party hung up.
    UserHangup,
    /// The caller cancelled before an answer.
    Canceled,
    /// The callee declined.
    Rejected,
    /// Nobody answered within the call timeout (or the invite's lifetime).
    InviteTimeout,
    /// The callee was busy on every device, or declined as busy.
    UserBusy,
    /// Media could not connect.
    IceFailed,
    /// Media connected but the path broke for longer than the grace period.
    IceTimeout,
    /// A party could not open its media devices.
    UserMediaFailed,
    /// Another device of the callee's account answered.
    AnsweredElsewhere,
    /// Another device of the callee's account declined.
    DeclinedElsewhere,
    /// A party logged out.
    LoggedOut,
    /// A party's connection was closed by the server (a newer login, an admin action).
    Kicked,
    /// A party's login token expired or was revoked.
    TokenExpired,
    /// A party's signaling connection was lost for longer than the grace period.
    ConnectionLost,
    /// The server could not keep the call.
    ServerError,
}

/// Presence of an account as its contacts see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    InCall,
    Offline,
}

/// One side of a call: an account and the device acting for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Party {
    pub account: AccountId,
    pub device: DeviceId,
    /// The name to show: the account's nickname, or for a caller the `nick` its invite gave.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nick: String,
}

/// What another device of the same account did with an invite (OTHER_CLIENT_ACCEPT / _REJECT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OtherDeviceAction {
    Accepted,
    Rejected,
}

/// A STUN or TURN server for the media session, handed out by the signaling server at login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}
