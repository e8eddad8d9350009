//! Device ids as `DuetMediaEngine` lists and takes them: duet-media's source grammar
//! (docs/media.md) plus the audio system's id (or name) of a microphone or a speaker, so that a
//! listed device, a test pattern and a recording are chosen the same way. Listed audio ids are
//! cpal's `host:device` (`pulseaudio:alsa_input.usb-…`, `alsa:sysdefault:CARD=…`); a name is
//! still accepted.
//!
//! | kind | ids |
//! |---|---|
//! | camera | `camera:N` (listed), `camera` (the first), `testsrc`, `FILE.y4m`, `none` |
//! | microphone | `mic:ID` (listed), `mic:NAME`, `mic` (the default), `tone[:HZ]`, `FILE.wav`, `none` |
//! | speaker | `speaker:ID` (listed), `speaker:NAME`, `speaker` (the default), `FILE.wav` (a recording), `null` |

use duet_callkit::{DeviceKind, MediaDevice};
use duet_media::devices::{list_cameras, list_microphones, list_speakers, DeviceInfo};
use duet_media::{AudioInput, AudioOutput, VideoInput};

/// What a device id opens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeviceSource {
    Camera(VideoInput),
    Microphone(AudioInput),
    Speaker(AudioOutput),
}

/// The devices of `kind` the system reports now, with their ids.
pub(crate) fn list(kind: DeviceKind) -> Vec<MediaDevice> {
    let (found, prefix) = match kind {
        DeviceKind::Camera => (list_cameras(), "camera"),
        DeviceKind::Microphone => (list_microphones(), "mic"),
        DeviceKind::Speaker => (list_speakers(), "speaker"),
    };
    found
        .into_iter()
        .map(|DeviceInfo { id, name, .. }| MediaDevice {
            kind,
            id: format!("{prefix}:{id}"),
            name,
        })
        .collect()
}

/// What `id` opens as `kind`, or why it names nothing.
pub(crate) fn parse(kind: DeviceKind, id: &str) -> Result<DeviceSource, String> {
    match kind {
        DeviceKind::Camera => id
            .parse()
            .map(DeviceSource::Camera)
            .map_err(|e: duet_media::SpecError| e.to_string()),
        DeviceKind::Microphone => match id.strip_prefix("mic:") {
            Some(name) => named(name, "mic")
                .map(|name| DeviceSource::Microphone(AudioInput::Microphone { name: Some(name) })),
            None => id
                .parse()
                .map(DeviceSource::Microphone)
                .map_err(|e: duet_media::SpecError| e.to_string()),
        },
        DeviceKind::Speaker => match id {
            "speaker" => Ok(DeviceSource::Speaker(AudioOutput::Speaker { name: None })),
            "null" => Ok(DeviceSource::Speaker(AudioOutput::Null)),
            _ => match id.strip_prefix("speaker:") {
                Some(name) => named(name, "speaker")
                    .map(|name| DeviceSource::Speaker(AudioOutput::Speaker { name: Some(name) })),
                // Only a `.wav` name records, so a mistyped device does not become a file.
                None if id.ends_with(".wav") => Ok(DeviceSource::Speaker(AudioOutput::WavFile {
                    path: id.into(),
                })),
                None => Err(format!(
                    "`{id}` is not speaker, speaker:NAME, FILE.wav or null"
                )),
            },
        },
    }
}

fn named(name: &str, prefix: &str) -> Result<String, String> {
    match name.is_empty() {
        true => Err(format!("`{prefix}:` needs a device name after the colon")),
        false => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_devices_and_synthetic_sources_alike() {
        assert_eq!(
            parse(DeviceKind::Camera, "camera:1"),
            Ok(DeviceSource::Camera(VideoInput::Camera { index: Some(1) }))
        );
        assert_eq!(
            parse(DeviceKind::Camera, "testsrc"),
            Ok(DeviceSource::Camera(VideoInput::TestPattern))
        );
        assert_eq!(
            parse(DeviceKind::Microphone, "mic:USB Audio: Mic"),
            Ok(DeviceSource::Microphone(AudioInput::Microphone {
                name: Some("USB Audio: Mic".into())
            }))
        );
        assert_eq!(
            parse(DeviceKind::Microphone, "tone:880"),
            Ok(DeviceSource::Microphone(AudioInput::Tone {
                frequency_hz: 880.0
            }))
        );
        assert_eq!(
            parse(DeviceKind::Speaker, "speaker:HDMI"),
            Ok(DeviceSource::Speaker(AudioOutput::Speaker {
                name: Some("HDMI".into())
            }))
        );
        assert_eq!(
            parse(DeviceKind::Speaker, "out.wav"),
            Ok(DeviceSource::Speaker(AudioOutput::WavFile {
                path: "out.wav".into()
            }))
        );
    }

    #[test]
    fn ids_that_name_nothing_say_what_would() {
        let refused = |kind, id| parse(kind, id).unwrap_err();
        assert!(refused(DeviceKind::Camera, "webcam").contains("camera[:N]"));
        assert!(refused(DeviceKind::Camera, "camera:x").contains("camera number"));
        assert!(refused(DeviceKind::Microphone, "mic:").contains("device name"));
        assert!(refused(DeviceKind::Microphone, "speaker").contains("tone[:HZ]"));
        assert!(refused(DeviceKind::Speaker, "headphones").contains("speaker:NAME"));
        assert!(refused(DeviceKind::Speaker, "speaker:").contains("device name"));
    }
}
