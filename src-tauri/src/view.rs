//! What the page shows, derived from the SDK's own state after every event: the SDK is the
//! truth about calls; this adds only what the SDK does not keep (when the call was answered,
//! the peer's microphone and camera, this user's mute and camera, a pending switch request).

use duet_callkit::{CallEvent, CallId, CallState, CallType, CurrentCall, Invite, Role};
use serde::Serialize;
use std::collections::HashMap;

/// The page's top-level status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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
pub enum Connection {
    /// Connected and logged in.
    Connected,
    /// Lost; the SDK reconnects.
    Reconnecting,
}

/// The call this user placed or answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    /// The call.
    pub call_id: String,
    /// The other account.
    pub peer: String,
    /// Its nickname, or the account when unknown.
    pub peer_nick: String,
    /// 1 audio, 2 video.
    pub call_type: CallType,
    /// This user placed it.
    pub outgoing: bool,
    /// Wall-clock milliseconds of the answer, for the duration counter.
    pub answered_at_ms: Option<u64>,
    /// This user's microphone is off.
    pub muted: bool,
    /// This user's camera is on.
    pub camera_on: bool,
    /// The peer's microphone is on.
    pub remote_audio: bool,
    /// The peer's camera is on.
    pub remote_video: bool,
    /// The peer asks to switch to this type.
    pub switch_request: Option<CallType>,
}

/// A call ringing here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    /// The call.
    pub call_id: String,
    /// The caller's account.
    pub from: String,
    /// The caller's nickname, or the account.
    pub nick: String,
    /// As the caller placed it.
    pub call_type: CallType,
}

/// Everything the page renders from (the `app-state` event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    /// Top-level status.
    pub status: Status,
    /// The current call, if any.
    pub call: Option<CallView>,
    /// The first ringing invite, shown in the popup.
    pub invite: Option<InviteView>,
    /// Signaling connectivity.
    pub connection: Connection,
    /// One higher for every state the backend publishes (0 until it publishes one); the page
    /// drops a state older than the one it shows, as events and replies can cross.
    pub revision: u64,
}

impl AppState {
    /// Nobody signed in.
    pub fn signed_out() -> Self {
        Self {
            status: Status::SignedOut,
            call: None,
            invite: None,
            connection: Connection::Connected,
            revision: 0,
        }
    }
}

/// What the SDK reports, read right after an event.
#[derive(Debug, Clone)]
pub struct SdkSnapshot {
    /// `call_status()`.
    pub status: CallState,
    /// `current_call()`.
    pub current: Option<CurrentCall>,
    /// `invites()`.
    pub invites: Vec<Invite>,
}

/// Per-call facts the SDK does not keep.
#[derive(Debug, Clone)]
struct CallExtras {
    answered_at_ms: Option<u64>,
    muted: bool,
    camera_on: bool,
    remote_audio: bool,
    remote_video: bool,
    switch_request: Option<CallType>,
}

impl Default for CallExtras {
    fn default() -> Self {
        Self {
            answered_at_ms: None,
            muted: false,
            camera_on: true,
            remote_audio: true,
            remote_video: true,
            switch_request: None,
        }
    }
}

/// Builds [`AppState`] from SDK snapshots and events.
#[derive(Debug, Default)]
pub struct ViewModel {
    extras: HashMap<CallId, CallExtras>,
    nicks: HashMap<String, String>,
    reconnecting: bool,
}

impl ViewModel {
    /// Remembers contacts' nicknames for the call screen.
    pub fn learn_nick(&mut self, account: &str, nick: &str) {
        if !nick.is_empty() {
            self.nicks.insert(account.to_owned(), nick.to_owned());
        }
    }

    /// Takes in an SDK event (before the next snapshot is read).
    pub fn on_event(&mut self, event: &CallEvent) {
        match event {
            CallEvent::Invited(invite) => {
                self.learn_nick(invite.caller.account.as_str(), &invite.caller.nick)
            }
            CallEvent::AudioAvailable { call_id, available } => {
                self.extras.entry(call_id.clone()).or_default().remote_audio = *available
            }
            CallEvent::VideoAvailable { call_id, available } => {
                self.extras.entry(call_id.clone()).or_default().remote_video = *available
            }
            CallEvent::SwitchRequested { call_id, call_type } => {
                self.extras
                    .entry(call_id.clone())
                    .or_default()
                    .switch_request = Some(*call_type)
            }
            CallEvent::CallTypeChange { call_id, call_type } => {
                let extras = self.extras.entry(call_id.clone()).or_default();
                extras.switch_request = None;
                if *call_type == CallType::Audio {
                    extras.camera_on = false;
                    extras.remote_video = false;
                } else {
                    extras.camera_on = true;
                    extras.remote_video = true;
                }
            }
            CallEvent::SwitchRefused { call_id, .. } => {
                self.extras
                    .entry(call_id.clone())
                    .or_default()
                    .switch_request = None
            }
            CallEvent::Disconnected => self.reconnecting = true,
            CallEvent::Resynced { .. } => self.reconnecting = false,
            _ => {}
        }
    }

    /// This user muted or unmuted the microphone of `call_id`.
    pub fn set_muted(&mut self, call_id: &CallId, muted: bool) {
        self.extras.entry(call_id.clone()).or_default().muted = muted;
    }

    /// This user turned the camera of `call_id` on or off.
    pub fn set_camera(&mut self, call_id: &CallId, on: bool) {
        self.extras.entry(call_id.clone()).or_default().camera_on = on;
    }

    /// The signaling connection came back without a resync event (a fresh login).
    pub fn set_connected(&mut self) {
        self.reconnecting = false;
    }

    /// The page's state for `sdk`, at wall-clock `now_ms`; forgets calls that are gone.
    pub fn derive(&mut self, sdk: &SdkSnapshot, now_ms: u64) -> AppState {
        let current_id = sdk.current.as_ref().map(|c| c.call_id.clone());
        let invite_ids: Vec<CallId> = sdk.invites.iter().map(|i| i.call_id.clone()).collect();
        self.extras
            .retain(|id, _| Some(id) == current_id.as_ref() || invite_ids.contains(id));

        let call = sdk.current.as_ref().map(|current| {
            let extras = self.extras.entry(current.call_id.clone()).or_default();
            if current.answered && extras.answered_at_ms.is_none() {
                extras.answered_at_ms = Some(now_ms);
            }
            let peer = current.peer.to_string();
            CallView {
                call_id: current.call_id.to_string(),
                peer_nick: self
                    .nicks
                    .get(&peer)
                    .cloned()
                    .unwrap_or_else(|| peer.clone()),
                peer,
                call_type: current.call_type,
                outgoing: current.role == Role::Caller,
                answered_at_ms: extras.answered_at_ms,
                muted: extras.muted,
                camera_on: extras.camera_on && current.call_type == CallType::Video,
                remote_audio: extras.remote_audio,
                remote_video: extras.remote_video && current.call_type == CallType::Video,
                switch_request: extras.switch_request,
            }
        });
        let invite = sdk.invites.first().map(|invite| InviteView {
            call_id: invite.call_id.to_string(),
            from: invite.caller.account.to_string(),
            nick: if invite.caller.nick.is_empty() {
                invite.caller.account.to_string()
            } else {
                invite.caller.nick.clone()
            },
            call_type: invite.call_type,
        });
        let status = match sdk.status {
            CallState::Idle => Status::Idle,
            CallState::Calling => Status::Calling,
            CallState::Called => Status::Ringing,
            CallState::InCall => Status::InCall,
        };
        AppState {
            status,
            call,
            // While in a call, a second invite is answered busy by the SDK's user (see session).
            invite: if status == Status::Ringing {
                invite
            } else {
                None
            },
            connection: if self.reconnecting {
                Connection::Reconnecting
            } else {
                Connection::Connected
            },
            // Numbered when published (`PublishedState`).
            revision: 0,
        }
    }
}
