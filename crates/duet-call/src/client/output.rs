//! What the client mirror tells its I/O layer (frames, media) and its user (events, with nertc-call's names).

use super::media_stats::MediaStats;
use super::types::{CallState, CurrentCall, Invite, Role, ServerError};
use duet_protocol::{
    AccountId, CallId, CallRecord, CallType, ClientFrame, Contact, DeviceId, EndReason, IceServer,
    Presence, ServerMessage, VideoOffReason,
};

/// One effect for the I/O layer, drained with [`super::ClientMirror::poll_output`].
#[derive(Debug, Clone, PartialEq)]
pub enum ClientOutput {
    /// Send this frame to the server.
    Send(ClientFrame),
    /// Start, release or close the media session of a call.
    Media(MediaAction),
    /// The server answered request `req` (an ack, an error or another answer), for whoever waits.
    Answer { req: u64, msg: ServerMessage },
    /// The server did not answer request `req` within the request timeout. A late answer is
    /// not handed out as an `Answer`, but still moves the mirror (the server did act on it: an
    /// accept that won puts this device in the call), while the connection lasts.
    TimedOut { req: u64 },
}

/// Media lifecycle: start while it rings, release on answer, close when it ends.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaAction {
    /// Start connecting media for a call that rings (caller on the invite's ack, callee on INVITED).
    Start {
        call_id: CallId,
        role: Role,
        call_type: CallType,
        ice_servers: Vec<IceServer>,
    },
    /// The call was answered: let media flow.
    Release { call_id: CallId },
    /// The call ended or stopped ringing here: tear media down.
    Close { call_id: CallId },
    /// Fresh STUN/TURN servers (new TURN credentials), for the calls that start from now on.
    IceServers { ice_servers: Vec<IceServer> },
}

/// A user-facing event; `name()` is nertc-call's event name.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "event")]
pub enum ClientEvent {
    /// A call rings this device.
    #[serde(rename = "INVITED")]
    Invited(Invite),
    /// The callee answered this device's call (also when glare merged two calls).
    #[serde(rename = "USER_ACCEPT")]
    UserAccept {
        call_id: CallId,
        peer: AccountId,
        /// The answering device (unknown only when glare merged into a call that never rang here).
        peer_device: Option<DeviceId>,
        call_type: CallType,
    },
    /// The callee declined.
    #[serde(rename = "USER_REJECT")]
    UserReject { call_id: CallId },
    /// The callee is busy.
    #[serde(rename = "USER_BUSY")]
    UserBusy { call_id: CallId },
    /// The caller cancelled a call that rang here.
    #[serde(rename = "USER_CANCEL")]
    UserCancel { call_id: CallId, from: AccountId },
    /// Nobody answered in time (the server said so, or the mirror's guard gave up on a silent server).
    #[serde(rename = "CALLING_TIMEOUT")]
    CallingTimeout { call_id: CallId },
    /// The answered call ended.
    #[serde(rename = "CALL_END")]
    CallEnd {
        call_id: CallId,
        reason: EndReason,
        by: Option<AccountId>,
    },
    /// Another device of this account answered a call that rang here.
    #[serde(rename = "OTHER_CLIENT_ACCEPT")]
    OtherClientAccept { call_id: CallId },
    /// Another device of this account declined a call that rang here.
    #[serde(rename = "OTHER_CLIENT_REJECT")]
    OtherClientReject { call_id: CallId },
    /// A call's one record.
    #[serde(rename = "MESSAGE_SENT")]
    MessageSent { record: CallRecord },
    /// The peer's microphone went on or off.
    #[serde(rename = "AUDIO_AVAILABLE")]
    AudioAvailable { call_id: CallId, available: bool },
    /// The peer's camera went on or off; `reason` `network` when it is off because the path
    /// cannot carry the peer's video (paused, back by itself when the network allows).
    #[serde(rename = "VIDEO_AVAILABLE")]
    VideoAvailable {
        call_id: CallId,
        available: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<VideoOffReason>,
    },
    /// The call type changed.
    #[serde(rename = "CALL_TYPE_CHANGE")]
    CallTypeChange {
        call_id: CallId,
        call_type: CallType,
    },
    /// The peer asks to switch to `call_type`; answer with `answer_switch`.
    #[serde(rename = "SWITCH_REQUESTED")]
    SwitchRequested {
        call_id: CallId,
        call_type: CallType,
    },
    /// The peer refused this device's switch request.
    #[serde(rename = "SWITCH_REFUSED")]
    SwitchRefused {
        call_id: CallId,
        call_type: CallType,
    },
    /// Media negotiation from the peer.
    #[serde(rename = "SIGNAL")]
    Signal {
        call_id: CallId,
        from: DeviceId,
        payload: serde_json::Value,
    },
    /// The server refused a call action.
    #[serde(rename = "ERROR")]
    Error(ServerError),
    /// Signaling was lost; the SDK reconnects.
    #[serde(rename = "onDisconnect")]
    Disconnected,
    /// After login or reconnect: the state the mirror converged to.
    #[serde(rename = "RESYNCED")]
    Resynced {
        status: CallState,
        current: Option<CurrentCall>,
        invites: Vec<Invite>,
        /// Calls this device knew about that ended while it was away.
        gone: Vec<CallId>,
    },
    /// A contact's presence changed (the server pushes it to accounts that list it).
    #[serde(rename = "PRESENCE")]
    Presence {
        account: AccountId,
        presence: Presence,
    },
    /// An entry of the contact list changed: a request arrived or was answered, a contact was
    /// added, removed or blocked (from any device of either account). `contact` is the entry as
    /// it now stands; `None`: `account` left the list.
    #[serde(rename = "CONTACTS_CHANGED")]
    ContactsChanged {
        account: AccountId,
        contact: Option<Contact>,
    },
    /// The first remote video frame of a call was decoded (after the answer).
    #[serde(rename = "FIRST_REMOTE_FRAME")]
    FirstRemoteFrame {
        call_id: CallId,
        width: u32,
        height: u32,
    },
    /// A call's media statistics, once a second while its media runs.
    #[serde(rename = "CALL_STATS")]
    CallStats {
        call_id: CallId,
        #[serde(flatten)]
        stats: MediaStats,
    },
    /// A screen or window started being shared in a call: by the peer (`remote`), or by this
    /// device once its share is under way.
    #[serde(rename = "SCREEN_SHARE_STARTED")]
    ScreenShareStarted { call_id: CallId, remote: bool },
    /// A screen share of a call stopped: the peer's (`remote`), or this device's. `reason` says
    /// why a share of this device ended by itself (the shared window was closed or minimised,
    /// the display went away, it could not start); `None` when someone stopped it.
    #[serde(rename = "SCREEN_SHARE_STOPPED")]
    ScreenShareStopped {
        call_id: CallId,
        remote: bool,
        reason: Option<String>,
    },
    /// A call's media could not start or a device failed; the call itself goes on.
    #[serde(rename = "MEDIA_FAILED")]
    MediaFailed {
        call_id: CallId,
        /// `start` (no media at all), `camera`, `microphone` or `speaker`.
        what: String,
        reason: String,
    },
}

impl ClientEvent {
    /// nertc-call's name of this event (`INVITED`, `CALL_END`, `onDisconnect`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            ClientEvent::Invited(_) => "INVITED",
            ClientEvent::UserAccept { .. } => "USER_ACCEPT",
            ClientEvent::UserReject { .. } => "USER_REJECT",
            ClientEvent::UserBusy { .. } => "USER_BUSY",
            ClientEvent::UserCancel { .. } => "USER_CANCEL",
            ClientEvent::CallingTimeout { .. } => "CALLING_TIMEOUT",
            ClientEvent::CallEnd { .. } => "CALL_END",
            ClientEvent::OtherClientAccept { .. } => "OTHER_CLIENT_ACCEPT",
            ClientEvent::OtherClientReject { .. } => "OTHER_CLIENT_REJECT",
            ClientEvent::MessageSent { .. } => "MESSAGE_SENT",
            ClientEvent::AudioAvailable { .. } => "AUDIO_AVAILABLE",
            ClientEvent::VideoAvailable { .. } => "VIDEO_AVAILABLE",
            ClientEvent::CallTypeChange { .. } => "CALL_TYPE_CHANGE",
            ClientEvent::SwitchRequested { .. } => "SWITCH_REQUESTED",
            ClientEvent::SwitchRefused { .. } => "SWITCH_REFUSED",
            ClientEvent::Signal { .. } => "SIGNAL",
            ClientEvent::Error(_) => "ERROR",
            ClientEvent::Disconnected => "onDisconnect",
            ClientEvent::Resynced { .. } => "RESYNCED",
            ClientEvent::Presence { .. } => "PRESENCE",
            ClientEvent::ContactsChanged { .. } => "CONTACTS_CHANGED",
            ClientEvent::FirstRemoteFrame { .. } => "FIRST_REMOTE_FRAME",
            ClientEvent::CallStats { .. } => "CALL_STATS",
            ClientEvent::MediaFailed { .. } => "MEDIA_FAILED",
            ClientEvent::ScreenShareStarted { .. } => "SCREEN_SHARE_STARTED",
            ClientEvent::ScreenShareStopped { .. } => "SCREEN_SHARE_STOPPED",
        }
    }

    /// The call this event is about, if any.
    pub fn call_id(&self) -> Option<&CallId> {
        match self {
            ClientEvent::Invited(invite) => Some(&invite.call_id),
            ClientEvent::UserAccept { call_id, .. }
            | ClientEvent::UserReject { call_id }
            | ClientEvent::UserBusy { call_id }
            | ClientEvent::UserCancel { call_id, .. }
            | ClientEvent::CallingTimeout { call_id }
            | ClientEvent::CallEnd { call_id, .. }
            | ClientEvent::OtherClientAccept { call_id }
            | ClientEvent::OtherClientReject { call_id }
            | ClientEvent::AudioAvailable { call_id, .. }
            | ClientEvent::VideoAvailable { call_id, .. }
            | ClientEvent::CallTypeChange { call_id, .. }
            | ClientEvent::SwitchRequested { call_id, .. }
            | ClientEvent::SwitchRefused { call_id, .. }
            | ClientEvent::Signal { call_id, .. }
            | ClientEvent::FirstRemoteFrame { call_id, .. }
            | ClientEvent::CallStats { call_id, .. }
            | ClientEvent::MediaFailed { call_id, .. }
            | ClientEvent::ScreenShareStarted { call_id, .. }
            | ClientEvent::ScreenShareStopped { call_id, .. } => Some(call_id),
            ClientEvent::MessageSent { record } => Some(&record.call_id),
            ClientEvent::Error(e) => e.call_id.as_ref(),
            ClientEvent::Disconnected
            | ClientEvent::Resynced { .. }
            | ClientEvent::Presence { .. }
            | ClientEvent::ContactsChanged { .. } => None,
        }
    }
}
