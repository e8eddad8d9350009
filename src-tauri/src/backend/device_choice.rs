//! What the backend does about this device's camera and microphone in a call: a device that is
//! missing, held by another program or broken is turned off in the SDK, so the peer is told
//! (`call.media`) and shows this user's avatar instead of a black picture; a device the user
//! picks from the call screen replaces it live and is turned back on.

use crate::backend::device_state::DeviceState;
use crate::backend::{lock, Backend};
use crate::error::{AppError, AppResult};
use duet_callkit::{CallKit, CallType, DeviceKind};
use serde::Deserialize;

/// The devices the backend turned off in one call because they do not work.
#[derive(Debug, Default)]
pub struct TurnedOff {
    call_id: String,
    camera: bool,
    microphone: bool,
}

/// A device the call screen (or settings) can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum PickableKind {
    /// Video in.
    Camera,
    /// Audio in.
    Microphone,
}

impl Backend {
    /// `MEDIA_FAILED` of `call_id` arrived: remember it, and turn the device off in the call.
    pub(crate) fn on_media_failed(&self, call_id: &str, what: &str, reason: &str) {
        lock(&self.inner.call_devices).failed(call_id, what, reason);
        let backend = self.clone();
        tokio::spawn(async move { backend.turn_off_failed_devices().await });
    }

    /// Turns off, in the current call, the camera and microphone its media reported as not
    /// working (once per call and device), so the peer hears of it. An incoming call's media
    /// reports while it rings, before it is the current call: `accept` calls this again.
    pub(crate) async fn turn_off_failed_devices(&self) {
        let Ok((kit, _)) = self.kit() else { return };
        let Some(call) = kit.current_call() else {
            return;
        };
        let call_id = call.call_id.to_string();
        let states = lock(&self.inner.call_devices).of(&call_id);
        let (camera, microphone) = {
            let mut off = lock(&self.inner.turned_off);
            if off.call_id != call_id {
                *off = TurnedOff {
                    call_id: call_id.clone(),
                    ..TurnedOff::default()
                };
            }
            let camera = states.camera != DeviceState::Ok
                && call.call_type == CallType::Video
                && call.media.local_video
                && !off.camera;
            let microphone =
                states.microphone != DeviceState::Ok && call.media.local_audio && !off.microphone;
            off.camera |= camera;
            off.microphone |= microphone;
            (camera, microphone)
        };
        if camera {
            tracing::info!(call_id, state = ?states.camera, "camera not working: turned off");
            if let Err(error) = kit.enable_local_video(false).await {
                tracing::warn!(%error, "camera not turned off");
            }
        }
        if microphone {
            tracing::info!(call_id, state = ?states.microphone, "microphone not working: muted");
            if let Err(error) = kit.mute_local_audio(true).await {
                tracing::warn!(%error, "microphone not muted");
            }
        }
        if camera || microphone {
            self.refresh().await;
        }
    }

    /// Uses the camera or microphone `id` (as `devices` lists it) from now on: saved in the
    /// settings for the next calls and the preview, and switched live in a running call, where a
    /// device the backend had turned off for not working is turned back on.
    pub async fn select_device(&self, kind: PickableKind, id: &str) -> AppResult<()> {
        if id.is_empty() {
            return Err(AppError::Invalid("a device id is needed".into()));
        }
        let mut settings = self.settings();
        match kind {
            PickableKind::Camera => settings.camera = Some(id.to_owned()),
            PickableKind::Microphone => settings.microphone = Some(id.to_owned()),
        }
        self.set_settings(settings)?;
        if let Ok((kit, _)) = self.kit() {
            if let Some(call) = kit.current_call() {
                self.switch_in_call(&kit, &call.call_id.to_string(), kind, id)
                    .await?;
            }
        }
        self.refresh().await;
        Ok(())
    }

    async fn switch_in_call(
        &self,
        kit: &CallKit,
        call_id: &str,
        kind: PickableKind,
        id: &str,
    ) -> AppResult<()> {
        // The SDK's device ids (crates/duet-call-media/src/devices.rs): `camera:N`, `mic:NAME`.
        let (sdk_kind, sdk_id) = match kind {
            PickableKind::Camera => (DeviceKind::Camera, format!("camera:{id}")),
            PickableKind::Microphone => (DeviceKind::Microphone, format!("mic:{id}")),
        };
        kit.select_device(sdk_kind, &sdk_id).await?;
        let camera = kind == PickableKind::Camera;
        lock(&self.inner.call_devices).chosen(call_id, camera);
        let was_off = {
            let mut off = lock(&self.inner.turned_off);
            let same_call = off.call_id == call_id;
            let slot = match camera {
                true => &mut off.camera,
                false => &mut off.microphone,
            };
            same_call && std::mem::take(slot)
        };
        if was_off {
            match camera {
                true => kit.enable_local_video(true).await?,
                false => kit.mute_local_audio(false).await?,
            }
        }
        Ok(())
    }
}
