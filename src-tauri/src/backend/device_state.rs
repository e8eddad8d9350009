//! Whether this device's camera and microphone work, as the call screen and the settings preview
//! say it: from the media engine's own reports (the SDK's `MEDIA_FAILED` in a call, the open
//! errors of the preview), never from a guess. A device nobody reported on is `ok`.

use duet_media::MediaError;
use serde::Serialize;

/// One device's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum DeviceState {
    /// Opened (or not reported on).
    #[default]
    Ok,
    /// No such device on this machine (none at all, or the chosen one is gone).
    NotFound,
    /// The device exists but another program holds it.
    Busy,
    /// The device exists but failed to open or stopped working.
    Failed,
}

impl DeviceState {
    /// The state a failure `reason` describes (a `MEDIA_FAILED` reason: the media engine's
    /// "no such device" for a missing one, else the platform's words). V4L2 and ALSA say
    /// "Device or resource busy" (EBUSY, os error 16) for a device another program holds, and
    /// "No such device" (ENODEV, os error 19) for one unplugged.
    pub fn from_reason(reason: &str) -> Self {
        let reason = reason.to_ascii_lowercase();
        if reason.contains("no such device")
            || reason.contains("os error 19")
            || reason.contains("device found")
        {
            DeviceState::NotFound
        } else if reason.contains("busy") || reason.contains("os error 16") {
            DeviceState::Busy
        } else {
            DeviceState::Failed
        }
    }

    /// The state an open error of duet-media describes.
    pub fn from_error(error: &MediaError) -> Self {
        match error {
            MediaError::DeviceMissing(_) => DeviceState::NotFound,
            MediaError::Device { reason, .. } => DeviceState::from_reason(reason),
            _ => DeviceState::Failed,
        }
    }
}

/// This device's camera and microphone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LocalDevices {
    /// The camera (only opened in video calls).
    pub camera: DeviceState,
    /// The microphone.
    pub microphone: DeviceState,
}

/// The device states of the calls this session saw, by the SDK's `MEDIA_FAILED` events. Only
/// the newest call is kept: a call's media reports before it is answered (it starts ringing).
#[derive(Debug, Default)]
pub struct CallDeviceStates {
    call_id: String,
    devices: LocalDevices,
}

impl CallDeviceStates {
    /// `MEDIA_FAILED` of `call_id`: `what` is `camera`, `microphone`, `speaker`, `start` (media
    /// did not start: neither device is used) or `connection` (not a device).
    pub fn failed(&mut self, call_id: &str, what: &str, reason: &str) {
        if self.call_id != call_id {
            self.call_id = call_id.to_owned();
            self.devices = LocalDevices::default();
        }
        let state = DeviceState::from_reason(reason);
        match what {
            "camera" => self.devices.camera = state,
            "microphone" => self.devices.microphone = state,
            "start" => {
                self.devices.camera = DeviceState::Failed;
                self.devices.microphone = DeviceState::Failed;
            }
            _ => {}
        }
    }

    /// The user chose another device of `kind` for `call_id`: `ok` until the media reports
    /// otherwise.
    pub fn chosen(&mut self, call_id: &str, camera: bool) {
        if self.call_id == call_id {
            match camera {
                true => self.devices.camera = DeviceState::Ok,
                false => self.devices.microphone = DeviceState::Ok,
            }
        }
    }

    /// The states of `call_id` (all `ok` when nothing was reported on it).
    pub fn of(&self, call_id: &str) -> LocalDevices {
        if self.call_id == call_id {
            self.devices
        } else {
            LocalDevices::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_media::DeviceKind;

    #[test]
    fn failure_reasons_name_the_state() {
        let cases = [
            ("no such device", DeviceState::NotFound),
            ("No such device (os error 19)", DeviceState::NotFound),
            ("no camera device found", DeviceState::NotFound),
            (
                "Could not open device: Device or resource busy (os error 16)",
                DeviceState::Busy,
            ),
            ("The requested device is busy", DeviceState::Busy),
            ("Permission denied (os error 13)", DeviceState::Failed),
            ("camera thread ended", DeviceState::Failed),
        ];
        for (reason, want) in cases {
            assert_eq!(DeviceState::from_reason(reason), want, "{reason}");
        }
        assert_eq!(
            DeviceState::from_error(&MediaError::DeviceMissing(DeviceKind::Camera)),
            DeviceState::NotFound
        );
        assert_eq!(
            DeviceState::from_error(&MediaError::Device {
                kind: DeviceKind::Microphone,
                reason: "ALSA function 'snd_pcm_open' failed with error 'EBUSY: Device or resource busy'".into(),
            }),
            DeviceState::Busy
        );
        assert_eq!(
            DeviceState::from_error(&MediaError::InvalidConfig("x".into())),
            DeviceState::Failed
        );
    }

    #[test]
    fn a_calls_failures_are_its_own_and_a_new_choice_clears_them() {
        let mut states = CallDeviceStates::default();
        assert_eq!(states.of("c1"), LocalDevices::default());
        states.failed("c1", "camera", "no such device");
        states.failed("c1", "microphone", "Device or resource busy");
        states.failed("c1", "connection", "ice_failed");
        let c1 = LocalDevices {
            camera: DeviceState::NotFound,
            microphone: DeviceState::Busy,
        };
        assert_eq!(states.of("c1"), c1);
        // Another call starts from scratch; the old call's states are not its.
        assert_eq!(states.of("c2"), LocalDevices::default());
        states.failed("c2", "start", "no network");
        assert_eq!(states.of("c2").camera, DeviceState::Failed);
        assert_eq!(states.of("c1"), LocalDevices::default());
        // A device chosen during the call is ok until its media says otherwise.
        states.failed("c3", "camera", "no such device");
        states.chosen("c2", true);
        assert_eq!(states.of("c3").camera, DeviceState::NotFound);
        states.chosen("c3", true);
        assert_eq!(states.of("c3").camera, DeviceState::Ok);
    }
}
