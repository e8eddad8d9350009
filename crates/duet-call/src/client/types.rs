//! The values the client mirror hands out: its status, the current call and ringing invites.

use duet_protocol::{
    AccountId, CallId, CallType, DeviceId, ErrorCode, IceServer, Party, VideoOffReason,
};

/// nertc-call's `callStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// No call, nothing ringing.
    Idle,
    /// This device placed a call that rings.
    Calling,
    /// At least one call rings this device and it is in no call.
    Called,
    /// This device is in an answered call.
    InCall,
}

/// Which side of a call this device is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// This device placed the call.
    Caller,
    /// This device was rung and answered.
    Callee,
}

/// A call ringing this device (nertc-call's INVITED payload); pass it back to accept or reject.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Invite {
    /// The ringing call.
    pub call_id: CallId,
    /// Who calls, from which device.
    pub caller: Party,
    /// Audio or video, as the caller placed it.
    pub call_type: CallType,
    /// The caller's opaque attachment.
    pub attachment: serde_json::Value,
    /// When it stops ringing, on the mirror's clock.
    pub expires_at_ms: u64,
    /// Call waiting: the server rang this device while it was in another call (ring softly;
    /// answering needs that call ended first, see `end_and_accept`).
    pub waiting: bool,
    /// This device's per-call token (safe mode).
    #[serde(skip)]
    pub(crate) call_token: String,
    /// The next outgoing sequence number for this call.
    #[serde(skip)]
    pub(crate) next_seq: u64,
    /// The type this device asked to answer as (audio answers a video call as audio).
    #[serde(skip)]
    pub(crate) answer_as: Option<CallType>,
}

/// The call this device placed or answered.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CurrentCall {
    /// The call.
    pub call_id: CallId,
    /// Whether this device placed or answered it.
    pub role: Role,
    /// The other account.
    pub peer: AccountId,
    /// The other party's device, once known (the caller's from the start; the callee's on answer).
    pub peer_device: Option<DeviceId>,
    /// The current call type (it changes on switches).
    pub call_type: CallType,
    /// Whether the call was answered.
    pub answered: bool,
    /// When it was answered, on the mirror's clock (for a duration counter).
    pub answered_at_ms: Option<u64>,
    /// Microphones, cameras and a pending switch request, as this device last heard of them.
    pub media: CallMedia,
    /// This device's per-call token, once the server handed it out.
    #[serde(skip)]
    pub(crate) call_token: Option<String>,
    /// The user asked to cancel before the invite's ack brought the token; sent on ack.
    #[serde(skip)]
    pub(crate) cancel_on_ack: bool,
    /// When the mirror gives up on a silent server (calling, or in a call while disconnected).
    #[serde(skip)]
    pub(crate) guard_at_ms: Option<u64>,
    /// The next outgoing sequence number for this call.
    #[serde(skip)]
    pub(crate) next_seq: u64,
}

/// Who has microphone and camera on in the current call, and what the peer asks for. A call
/// starts from the device's defaults ([`ClientConfig::open_microphone`], `open_camera`) and the
/// peer's on; `call.media` events and switches change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CallMedia {
    /// This device sends its microphone.
    pub local_audio: bool,
    /// This device sends its camera (while the call is a video call).
    pub local_video: bool,
    /// This device's camera is on but paused because the path cannot carry its video (the
    /// peer is told `video` false with `video_reason` network).
    pub local_video_paused: bool,
    /// The peer announced its microphone on.
    pub remote_audio: bool,
    /// The peer announced its camera on (while the call is a video call).
    pub remote_video: bool,
    /// Why the peer's camera sends nothing although it is on, as the peer announced it.
    pub remote_video_reason: Option<VideoOffReason>,
    /// The peer asks to switch the call to this type; answer with `answer_switch`.
    pub switch_request: Option<CallType>,
}

impl CallMedia {
    /// A new call's media: this device as configured, the peer with everything on.
    pub fn starting(config: &ClientConfig) -> Self {
        Self {
            local_audio: config.open_microphone,
            local_video: config.open_camera,
            local_video_paused: false,
            remote_audio: true,
            remote_video: true,
            remote_video_reason: None,
            switch_request: None,
        }
    }

    /// The call became `call_type`: camera on both sides follows the type, any request is settled.
    pub(crate) fn switched_to(&mut self, call_type: CallType) {
        let video = call_type == CallType::Video;
        self.local_video = video;
        self.remote_video = video;
        self.local_video_paused = false;
        self.remote_video_reason = None;
        self.switch_request = None;
    }

    /// What `call.media` announces of this device: (audio, video, why video is off).
    pub(crate) fn announced(&self) -> (bool, bool, Option<VideoOffReason>) {
        let paused = self.local_video && self.local_video_paused;
        let reason = paused.then_some(VideoOffReason::Network);
        (self.local_audio, self.local_video && !paused, reason)
    }
}

/// What the session learned at login.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Session {
    /// Whether call actions need the per-call token.
    pub safe_mode: bool,
    /// The server's ping interval.
    pub heartbeat_ms: u64,
    /// STUN/TURN servers for media.
    pub ice_servers: Vec<IceServer>,
    /// This account's nickname.
    pub nick: String,
}

/// Limits and slack of the mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// This device's account.
    pub account: AccountId,
    /// This device.
    pub device: DeviceId,
    /// Added to every server deadline before the mirror gives up on its own.
    pub guard_slack_ms: u64,
    /// How long an answered call survives a lost connection on the server (its default).
    pub reconnect_grace_ms: u64,
    /// How long an answer to a request may take before the mirror forgets the request.
    pub request_timeout_ms: u64,
    /// Whether a new call starts with the microphone on (muting outside a call changes it).
    pub open_microphone: bool,
    /// Whether a new call starts with the camera on (turning it off outside a call changes it).
    pub open_camera: bool,
    /// The name this device's invites ask the callee to show (nertc-call's `nickName`); `None`:
    /// the account's nickname on the server.
    pub nick: Option<String>,
}

impl ClientConfig {
    /// Defaults that match the server's: 20 s grace, 5 s slack, 10 s per request.
    pub fn new(account: AccountId, device: DeviceId) -> Self {
        Self {
            account,
            device,
            guard_slack_ms: 5_000,
            reconnect_grace_ms: 20_000,
            request_timeout_ms: 10_000,
            open_microphone: true,
            open_camera: true,
            nick: None,
        }
    }
}

/// Why the mirror refused a local action; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// Not logged in (login completes with the `resync` that follows `login.ok`), or the
    /// connection is down.
    #[error("not connected to the signaling server")]
    NotConnected,
    /// A call is already placed or answered on this device.
    #[error("this device is already in call {0}")]
    AlreadyInCall(CallId),
    /// The action needs a current call.
    #[error("there is no current call")]
    NoCall,
    /// The invite is no longer ringing here.
    #[error("call {0} does not ring this device (it ended, or was answered elsewhere)")]
    NoSuchInvite(CallId),
    /// The action does not fit the current status.
    #[error("the call is {0:?}; this action needs another state")]
    WrongState(CallState),
    /// Calling one's own account.
    #[error("a call cannot be placed to this device's own account")]
    SelfCall,
}

/// An error answer from the server, as the mirror passes it on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServerError {
    /// The protocol's error code.
    pub code: ErrorCode,
    /// The server's explanation.
    pub message: String,
    /// The call the refused action was about.
    pub call_id: Option<CallId>,
}
