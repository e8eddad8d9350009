//! [`CallKit`]'s devices and playout: what is present, which device each call uses, the
//! speaker and the peer's audio. The SDK keeps these choices; each call's media gets them.

use super::{Action, CallKit, CallKitError};
use crate::devices::{DeviceKind, MediaChoice, MediaChoices, MediaDevice};
use std::sync::Mutex;

impl CallKit {
    /// The devices of `kind` present now, as the media engine lists them; asked anew each time,
    /// so a device plugged in since shows up. Empty without media.
    pub fn devices(&self, kind: DeviceKind) -> Vec<MediaDevice> {
        self.inner.media.devices(kind)
    }

    /// Uses device `id` as this device's `kind` (an id [`CallKit::devices`] listed, or what else
    /// the media engine documents): in the running call at once, and in every later call. An id
    /// the engine cannot take is `InvalidArgument` and changes nothing; a device that fails to
    /// open is `MEDIA_FAILED` (`what` = the kind) and the call keeps the previous one. Works
    /// logged in or not.
    pub async fn select_device(&self, kind: DeviceKind, id: &str) -> Result<(), CallKitError> {
        self.inner
            .media
            .check_device(kind, id)
            .map_err(|reason| CallKitError::InvalidArgument(format!("{kind} `{id}`: {reason}")))?;
        self.choose(MediaChoice::Device {
            kind,
            id: id.to_owned(),
        })
        .await
    }

    /// nertc-call's `setAudioMute` for the peer: silences what this device plays of the peer
    /// (true) or plays it again (false), in the running call and in later calls. The peer is
    /// not told and still sends. Works logged in or not.
    pub async fn set_remote_audio_muted(&self, muted: bool) -> Result<(), CallKitError> {
        self.choose(MediaChoice::RemoteAudioMuted(muted)).await
    }

    /// Speaker on or off: off releases the speaker and plays nothing of the peer, on opens it
    /// again, in the running call and in later calls. Works logged in or not.
    pub async fn set_speaker_enabled(&self, enabled: bool) -> Result<(), CallKitError> {
        self.choose(MediaChoice::SpeakerEnabled(enabled)).await
    }

    /// The devices chosen, the speaker and the peer's audio, as the next call starts with them.
    pub fn media_choices(&self) -> MediaChoices {
        lock(&self.inner.choices).clone()
    }

    /// Records `choice` for later calls and hands it to the running ones.
    async fn choose(&self, choice: MediaChoice) -> Result<(), CallKitError> {
        choice.apply_to(&mut lock(&self.inner.choices));
        match self.act(Action::Choice(choice)).await {
            // Logged out there is no call to change; the next one starts with the choice.
            Err(CallKitError::NotLoggedIn) => Ok(()),
            other => other.map(drop),
        }
    }
}

/// Locks state that is only ever replaced whole, so a panic elsewhere cannot leave it
/// half-written and a poisoned lock is still consistent.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
