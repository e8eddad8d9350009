//! What the page renders: one snapshot derived from the SDK's own state (status, current call
//! with its media facts, ringing invites, connection) plus who is signed in and the contacts.
//! Nothing here tracks events: the SDK is the truth, and a snapshot is a function of it.

use crate::backend::device_state::LocalDevices;
use crate::backend::screen_share::Sharing;
use crate::backend::transport::Transport;
use duet_callkit::{
    CallState, CallType, Contact, ContactState, CurrentCall, Invite, Presence, Role, VideoOffReason,
};
use serde::Serialize;
use std::collections::HashMap;

/// The page's top-level status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Status {
    /// No account is signed in.
    SignedOut,
    /// Signed in, no call.
    Idle,
    /// This user's outgoing call rings.
    Calling,
    /// An incoming call rings here.
    Ringing,
    /// In an answered call.
    InCall,
}

/// Signaling connectivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Connection {
    /// Connected and logged in.
    Connected,
    /// Lost; the SDK reconnects.
    Reconnecting,
}

/// The call this user placed or answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "CallInfo"))]
pub struct CallView {
    /// The call.
    pub call_id: String,
    /// The other account.
    pub peer: String,
    /// Its nickname, or the account when unknown.
    pub peer_nick: String,
    /// 1 audio, 2 video.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: CallType,
    /// This user placed it.
    pub outgoing: bool,
    /// Wall-clock milliseconds of the answer, for the duration counter.
    #[cfg_attr(test, ts(type = "number | null"))]
    pub answered_at_ms: Option<u64>,
    /// This user's microphone is off.
    pub muted: bool,
    /// This user's camera is on.
    pub camera_on: bool,
    /// The peer's microphone is on.
    pub remote_audio: bool,
    /// The peer's camera is on.
    pub remote_video: bool,
    /// The peer's camera is on but its video is paused because the network cannot carry it
    /// (VIDEO_AVAILABLE false, reason `network`): the call screen says "Poor network, video
    /// paused" instead of "Camera is off".
    pub remote_video_paused: bool,
    /// The peer asks to switch to this type.
    #[cfg_attr(test, ts(type = "CallType | null"))]
    pub switch_request: Option<CallType>,
    /// Whether this device's camera and microphone work in this call (from `MEDIA_FAILED`).
    pub devices: LocalDevices,
    /// This user shares a screen or window (from `SCREEN_SHARE_STARTED` / `_STOPPED`).
    pub sharing: bool,
    /// The peer shares one: its picture comes on the remote-screen frames stream.
    pub remote_sharing: bool,
}

/// Who is signed in, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SignedIn {
    /// The account.
    pub account: String,
    /// Its nickname from the server.
    pub nick: String,
    /// The server URL.
    pub server: String,
    /// Whether that is the app's own embedded server.
    pub embedded: bool,
    /// How the signaling connection is protected; `plain` is shown as not secure.
    pub transport: Transport,
}

/// A contact in the list, with presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Contact"))]
pub struct ContactView {
    /// The account.
    pub account: String,
    /// Its nickname, or empty.
    pub nick: String,
    /// Online, in a call, or offline (always offline unless `state` is `accepted`).
    #[cfg_attr(test, ts(type = "Presence"))]
    pub presence: Presence,
    /// A contact, a request either way, or a blocked account.
    #[cfg_attr(test, ts(type = "ContactState"))]
    pub state: ContactState,
}

impl From<&Contact> for ContactView {
    fn from(contact: &Contact) -> Self {
        Self {
            account: contact.account.to_string(),
            nick: contact.nick.clone(),
            presence: contact.presence,
            state: contact.state,
        }
    }
}

/// A call ringing here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Invite"))]
pub struct InviteView {
    /// The call.
    pub call_id: String,
    /// The caller's account.
    pub from: String,
    /// The caller's nickname, or the account.
    pub nick: String,
    /// As the caller placed it.
    #[cfg_attr(test, ts(type = "CallType"))]
    pub call_type: CallType,
}

/// Everything the page renders from (the `app-state` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AppState {
    /// Top-level status.
    pub status: Status,
    /// The current call, if any.
    pub call: Option<CallView>,
    /// The first ringing invite, shown in the popup (only while this user is in no call).
    pub invite: Option<InviteView>,
    /// Call waiting: the first invite ringing while this user is in a call (or calling out),
    /// shown as a banner in the call screen with "End and answer" and "Decline".
    pub waiting: Option<InviteView>,
    /// Signaling connectivity.
    pub connection: Connection,
    /// The signed-in account, or `None` when signed out.
    pub signed_in: Option<SignedIn>,
    /// This account's contacts with presence, as last heard from the server.
    pub contacts: Vec<ContactView>,
    /// Incoming calls missed since the user last opened the history (the History tab's badge).
    pub missed_calls: u32,
    /// The settings preview's camera and microphone while it runs; `None` when it is off.
    pub preview: Option<LocalDevices>,
    /// One higher for every state the backend publishes (0 until it publishes one); the page
    /// drops a state older than the one it shows, as events and replies can cross.
    #[cfg_attr(test, ts(type = "number"))]
    pub revision: u64,
}

impl AppState {
    /// Nobody signed in.
    pub fn signed_out() -> Self {
        Self {
            status: Status::SignedOut,
            call: None,
            invite: None,
            waiting: None,
            connection: Connection::Connected,
            signed_in: None,
            contacts: Vec::new(),
            missed_calls: 0,
            preview: None,
            revision: 0,
        }
    }
}

/// What the SDK reports, read at once.
#[derive(Debug, Clone)]
pub struct SdkSnapshot {
    /// `call_status()`.
    pub status: CallState,
    /// `current_call()`, with its media facts and answer time.
    pub current: Option<CurrentCall>,
    /// `invites()`.
    pub invites: Vec<Invite>,
    /// Whether the SDK's session is up (`session()` is some).
    pub connected: bool,
}

/// Everything a snapshot is derived from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// The SDK, when an account is signed in.
    pub sdk: Option<SdkSnapshot>,
    /// The signed-in account.
    pub signed_in: Option<SignedIn>,
    /// The contact list.
    pub contacts: Vec<Contact>,
    /// Incoming calls missed since the user last opened the history.
    pub missed_calls: u32,
    /// The current call's device states.
    pub call_devices: LocalDevices,
    /// Who shares a screen in the current call.
    pub call_sharing: Sharing,
    /// The settings preview's device states, while it runs.
    pub preview: Option<LocalDevices>,
}

/// Turns [`Inputs`] into [`AppState`]. Its only memory is the nicknames of callers that rang
/// here, so a stranger's call still shows their name once the invite is gone.
#[derive(Debug, Default)]
pub struct Deriver {
    caller_nicks: HashMap<String, String>,
}

impl Deriver {
    /// The page's state for `inputs` (revision 0: numbered when published).
    pub fn derive(&mut self, inputs: &Inputs) -> AppState {
        let Some(sdk) = &inputs.sdk else {
            return AppState::signed_out();
        };
        for invite in &sdk.invites {
            if !invite.caller.nick.is_empty() {
                self.caller_nicks.insert(
                    invite.caller.account.to_string(),
                    invite.caller.nick.clone(),
                );
            }
        }
        let call = sdk.current.as_ref().map(|current| {
            self.call_view(
                current,
                &inputs.contacts,
                inputs.call_devices,
                inputs.call_sharing,
            )
        });
        let status = match sdk.status {
            CallState::Idle => Status::Idle,
            CallState::Calling => Status::Calling,
            CallState::Called => Status::Ringing,
            CallState::InCall => Status::InCall,
        };
        // The popup rings only while this user is in no call; during one (the SDK logs in with
        // call waiting) the call screen shows the invite instead. A waiting invite whose call
        // ends by itself becomes the popup's.
        let first = sdk.invites.first().map(invite_view);
        let (invite, waiting) = match status {
            Status::Ringing => (first, None),
            Status::Calling | Status::InCall => (None, first),
            Status::SignedOut | Status::Idle => (None, None),
        };
        AppState {
            status,
            call,
            invite,
            waiting,
            connection: if sdk.connected {
                Connection::Connected
            } else {
                Connection::Reconnecting
            },
            signed_in: inputs.signed_in.clone(),
            contacts: inputs.contacts.iter().map(ContactView::from).collect(),
            missed_calls: inputs.missed_calls,
            preview: inputs.preview,
            revision: 0,
        }
    }

    fn call_view(
        &self,
        current: &CurrentCall,
        contacts: &[Contact],
        devices: LocalDevices,
        sharing: Sharing,
    ) -> CallView {
        let peer = current.peer.to_string();
        let contact_nick = contacts
            .iter()
            .find(|c| c.account == current.peer && !c.nick.is_empty())
            .map(|c| c.nick.clone());
        let video = current.call_type == CallType::Video;
        let media = &current.media;
        CallView {
            call_id: current.call_id.to_string(),
            peer_nick: contact_nick
                .or_else(|| self.caller_nicks.get(&peer).cloned())
                .unwrap_or_else(|| peer.clone()),
            peer,
            call_type: current.call_type,
            outgoing: current.role == Role::Caller,
            answered_at_ms: current.answered_at_ms,
            muted: !media.local_audio,
            camera_on: media.local_video && video,
            remote_audio: media.remote_audio,
            remote_video: media.remote_video && video,
            remote_video_paused: video
                && !media.remote_video
                && media.remote_video_reason == Some(VideoOffReason::Network),
            switch_request: media.switch_request,
            devices,
            // Shared in answered calls only; a share event may outlive its call by a moment.
            sharing: sharing.local && current.answered_at_ms.is_some(),
            remote_sharing: sharing.remote && current.answered_at_ms.is_some(),
        }
    }
}

fn invite_view(invite: &Invite) -> InviteView {
    InviteView {
        call_id: invite.call_id.to_string(),
        from: invite.caller.account.to_string(),
        nick: if invite.caller.nick.is_empty() {
            invite.caller.account.to_string()
        } else {
            invite.caller.nick.clone()
        },
        call_type: invite.call_type,
    }
}
