//! Listing the cameras, microphones and speakers present.

use cpal::traits::{DeviceTrait, HostTrait};
use serde::{Deserialize, Serialize};

use crate::audio_host;
use crate::error::DeviceKind;

/// A capture or playback device as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Camera, microphone or speaker.
    pub kind: DeviceKind,
    /// What to pass back when choosing it: a camera's index, or an audio device's stable id
    /// (`pulseaudio:alsa_output.pci-0000_00_1f.3.analog-stereo`, `alsa:sysdefault:CARD=PCH`).
    pub id: String,
    /// The name the user knows it by: PulseAudio's description ("Built-in Audio Analog
    /// Stereo"), the same as the desktop's sound settings show.
    pub name: String,
}

/// Which audio system the devices come from: "PulseAudio" or "ALSA" (for diagnostics). That is
/// cpal's PulseAudio host when a PulseAudio (or PipeWire's Pulse) server answers, its ALSA host
/// otherwise; the process keeps one (`audio_host.rs`).
pub fn audio_system() -> &'static str {
    audio_host::current().id().name()
}

/// Cameras present; empty when there are none.
pub fn list_cameras() -> Vec<DeviceInfo> {
    crate::source::camera::list()
}

/// Microphones present, the system's default first (the one a call opens when none was
/// chosen); empty when there are none or no audio system runs. PulseAudio's monitors of its
/// outputs (what a speaker plays, not a microphone) are left out.
pub fn list_microphones() -> Vec<DeviceInfo> {
    let listed = audio_host::with_host(|host| {
        let found = describe(host.input_devices()?, DeviceKind::Microphone);
        Ok((found, host.default_input_device().map(|d| device_id(&d))))
    });
    let Ok((found, default)) = listed else {
        return Vec::new();
    };
    let found = found.into_iter().filter(|d| !is_monitor(&d.id)).collect();
    default_first(found, default)
}

/// Speakers present, the system's default first; empty when there are none or no audio system
/// runs.
pub fn list_speakers() -> Vec<DeviceInfo> {
    let listed = audio_host::with_host(|host| {
        let found = describe(host.output_devices()?, DeviceKind::Speaker);
        Ok((found, host.default_output_device().map(|d| device_id(&d))))
    });
    let Ok((found, default)) = listed else {
        return Vec::new();
    };
    default_first(found, default)
}

/// Moves the device whose id is `default` to the front, keeping the others' order: a menu that
/// marks the first device as the one in use (nothing chosen yet) is then right.
fn default_first(mut devices: Vec<DeviceInfo>, default: Option<String>) -> Vec<DeviceInfo> {
    if let Some(at) = default.and_then(|id| devices.iter().position(|d| d.id == id)) {
        let device = devices.remove(at);
        devices.insert(0, device);
    }
    devices
}

/// A PulseAudio source that records what an output plays (`<sink>.monitor`).
fn is_monitor(id: &str) -> bool {
    id.starts_with("pulseaudio:") && id.ends_with(".monitor")
}

fn describe(devices: impl Iterator<Item = cpal::Device>, kind: DeviceKind) -> Vec<DeviceInfo> {
    devices
        .map(|device| DeviceInfo {
            kind,
            id: device_id(&device),
            name: device_name(&device),
        })
        .collect()
}

/// The name cpal reports for `device`: what the user reads.
pub(crate) fn device_name(device: &cpal::Device) -> String {
    device
        .description()
        .map(|d| d.name().to_owned())
        .unwrap_or_else(|_| device.to_string())
}

/// The stable id of `device` (`host:device`), or its name where the host gives none.
fn device_id(device: &cpal::Device) -> String {
    device
        .id()
        .map(|id| id.to_string())
        .unwrap_or_else(|_| device_name(device))
}

/// Finds an audio device by id, or by name (what earlier versions stored), or the default one
/// when `wanted` is None.
pub(crate) fn find_audio_device(wanted: Option<&str>, kind: DeviceKind) -> Option<cpal::Device> {
    // Listing first also finds out whether the kept host's server is still there; the default
    // device is asked for only when none is named.
    let (devices, default) = audio_host::with_host(|host| {
        let devices: Vec<cpal::Device> = match kind {
            DeviceKind::Microphone => host.input_devices()?.collect(),
            _ => host.output_devices()?.collect(),
        };
        let default = match (wanted, kind) {
            (Some(_), _) => None,
            (None, DeviceKind::Microphone) => host.default_input_device(),
            (None, _) => host.default_output_device(),
        };
        Ok((devices, default))
    })
    .ok()?;
    let Some(wanted) = wanted else {
        return default;
    };
    let by_id = devices.iter().position(|d| device_id(d) == wanted);
    let at = by_id.or_else(|| devices.iter().position(|d| device_name(d) == wanted))?;
    devices.into_iter().nth(at)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mics(ids: &[&str]) -> Vec<DeviceInfo> {
        ids.iter()
            .map(|id| DeviceInfo {
                kind: DeviceKind::Microphone,
                id: (*id).to_owned(),
                name: id.to_uppercase(),
            })
            .collect()
    }

    fn ids(devices: &[DeviceInfo]) -> Vec<&str> {
        devices.iter().map(|d| d.id.as_str()).collect()
    }

    #[test]
    fn the_default_device_comes_first_and_the_others_keep_their_order() {
        let listed = default_first(mics(&["a", "b", "c"]), Some("c".into()));
        assert_eq!(ids(&listed), ["c", "a", "b"]);
        let listed = default_first(mics(&["a", "b", "c"]), Some("a".into()));
        assert_eq!(ids(&listed), ["a", "b", "c"]);
        // A default that is not listed (a monitor left out, a host's alias) changes nothing.
        let listed = default_first(mics(&["a", "b"]), Some("default".into()));
        assert_eq!(ids(&listed), ["a", "b"]);
        assert_eq!(ids(&default_first(mics(&["a", "b"]), None)), ["a", "b"]);
    }
}
