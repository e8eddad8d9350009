//! Listing the cameras, microphones and speakers present.

use cpal::traits::{DeviceTrait, HostTrait};
use serde::{Deserialize, Serialize};

use crate::error::DeviceKind;

/// A capture or playback device as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Camera, microphone or speaker.
    pub kind: DeviceKind,
    /// What to pass back when choosing it (camera index or audio device name).
    pub id: String,
    /// Human-readable name.
    pub name: String,
}

/// Cameras present; empty when there are none.
pub fn list_cameras() -> Vec<DeviceInfo> {
    crate::source::camera::list()
}

/// Microphones present; empty when there are none or no audio system runs.
pub fn list_microphones() -> Vec<DeviceInfo> {
    let host = cpal::default_host();
    host.input_devices()
        .map(|devices| describe(devices, DeviceKind::Microphone))
        .unwrap_or_default()
}

/// Speakers present; empty when there are none or no audio system runs.
pub fn list_speakers() -> Vec<DeviceInfo> {
    let host = cpal::default_host();
    host.output_devices()
        .map(|devices| describe(devices, DeviceKind::Speaker))
        .unwrap_or_default()
}

fn describe(devices: impl Iterator<Item = cpal::Device>, kind: DeviceKind) -> Vec<DeviceInfo> {
    devices
        .map(|device| {
            let name = device_name(&device);
            DeviceInfo {
                kind,
                id: name.clone(),
                name,
            }
        })
        .collect()
}

/// The name cpal reports for `device`, which is also its id here.
pub(crate) fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_owned())
        .unwrap_or_else(|_| device.to_string())
}

/// Finds an audio device by name, or the default one when `name` is None.
pub(crate) fn find_audio_device(name: Option<&str>, kind: DeviceKind) -> Option<cpal::Device> {
    let host = cpal::default_host();
    match (name, kind) {
        (None, DeviceKind::Microphone) => host.default_input_device(),
        (None, _) => host.default_output_device(),
        (Some(wanted), DeviceKind::Microphone) => host
            .input_devices()
            .ok()?
            .find(|d| device_name(d) == wanted),
        (Some(wanted), _) => host
            .output_devices()
            .ok()?
            .find(|d| device_name(d) == wanted),
    }
}

/// The device's default config with a 20 ms buffer where the device allows one: some hosts
/// (ALSA's pulse plugin) otherwise pick buffers of seconds and feed the callback unevenly.
pub(crate) fn low_latency(config: &cpal::SupportedStreamConfig) -> cpal::StreamConfig {
    let mut stream_config = config.config();
    let wanted = config.sample_rate() / 50;
    if let cpal::SupportedBufferSize::Range { min, max } = *config.buffer_size() {
        stream_config.buffer_size = cpal::BufferSize::Fixed(wanted.clamp(min, max));
    }
    stream_config
}
