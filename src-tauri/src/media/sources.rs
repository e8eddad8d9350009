//! Which camera, microphone and speaker calls use: the settings' devices by default, or
//! synthetic sources chosen by environment variables (tests and demos on machines without a
//! camera): `DUET_VIDEO_SOURCE=testsrc|camera[:N]|FILE.y4m|none`,
//! `DUET_AUDIO_SOURCE=tone[:HZ]|mic[:NAME]|FILE.wav|none`, `DUET_AUDIO_SINK=speaker|null|FILE.wav`,
//! and `DUET_MEDIA_BIND=127.0.0.1` to keep media on loopback.

use crate::error::{AppError, AppResult};
use crate::store::settings::Settings;
use duet_media::{AudioInput, AudioOutput, MediaConfig, VideoInput};

/// The media overrides read from the environment once at start.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceOverrides {
    /// Replaces the settings' camera.
    pub video: Option<VideoInput>,
    /// Replaces the settings' microphone.
    pub audio: Option<AudioInput>,
    /// Replaces the settings' speaker.
    pub audio_out: Option<AudioOutput>,
    /// Replaces the media bind address (0.0.0.0).
    pub bind: Option<String>,
}

impl SourceOverrides {
    /// Reads the `DUET_*` variables; a malformed one is an error naming it.
    pub fn from_env() -> AppResult<Self> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Ok(Self {
            video: var("DUET_VIDEO_SOURCE")
                .map(|v| parse_var("DUET_VIDEO_SOURCE", &v))
                .transpose()?,
            audio: var("DUET_AUDIO_SOURCE")
                .map(|v| parse_var("DUET_AUDIO_SOURCE", &v))
                .transpose()?,
            audio_out: var("DUET_AUDIO_SINK")
                .map(|v| parse_var("DUET_AUDIO_SINK", &v))
                .transpose()?,
            bind: var("DUET_MEDIA_BIND"),
        })
    }

    /// Whether a synthetic source replaces the camera (then the audio defaults need no device
    /// either, and noise suppression would eat a test tone).
    pub fn synthetic_audio(&self) -> bool {
        matches!(
            self.audio,
            Some(AudioInput::Tone { .. }) | Some(AudioInput::WavFile { .. })
        )
    }
}

/// Parses the variable `name`'s `value` with duet-media's source grammar ([`duet_media::spec`]).
fn parse_var<T>(name: &str, value: &str) -> AppResult<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e| AppError::Invalid(format!("{name}: {e}")))
}

/// The media configuration of the next call: the settings' devices and quality, then the
/// environment's overrides.
pub fn media_config(settings: &Settings, overrides: &SourceOverrides) -> MediaConfig {
    let (width, height) = settings.resolution.size();
    let camera_index = settings.camera.as_deref().and_then(|id| id.parse().ok());
    let mut config = MediaConfig {
        video_width: Some(width),
        video_height: Some(height),
        max_bitrate: settings.max_bitrate_kbps,
        min_bitrate: settings.min_bitrate_kbps(),
        video_input: VideoInput::Camera {
            index: camera_index,
        },
        audio_input: AudioInput::Microphone {
            name: settings.microphone.clone(),
        },
        audio_output: AudioOutput::Speaker {
            name: settings.speaker.clone(),
        },
        ..MediaConfig::default()
    };
    if let Some(video) = &overrides.video {
        config.video_input = video.clone();
    }
    if let Some(audio) = &overrides.audio {
        config.audio_input = audio.clone();
    }
    if overrides.synthetic_audio() {
        config.audio_processing = false;
    }
    if let Some(out) = &overrides.audio_out {
        config.audio_output = out.clone();
    }
    if let Some(bind) = &overrides.bind {
        config.bind_address = bind.clone();
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_like_duet_cli_flags() {
        let video = |v| parse_var::<VideoInput>("DUET_VIDEO_SOURCE", v);
        let audio = |v| parse_var::<AudioInput>("DUET_AUDIO_SOURCE", v);
        assert_eq!(video("testsrc").unwrap(), VideoInput::TestPattern);
        assert_eq!(
            video("camera:2").unwrap(),
            VideoInput::Camera { index: Some(2) }
        );
        assert!(video("camera:x").is_err());
        let refused = video("webcam").unwrap_err().to_string();
        assert!(refused.contains("DUET_VIDEO_SOURCE"), "{refused}");
        assert_eq!(
            audio("tone:660").unwrap(),
            AudioInput::Tone {
                frequency_hz: 660.0
            }
        );
        assert!(audio("tone:5").is_err());
        assert_eq!(
            parse_var::<AudioOutput>("DUET_AUDIO_SINK", "null").unwrap(),
            AudioOutput::Null
        );
    }

    #[test]
    fn the_real_devices_are_the_default_and_settings_choose_quality() {
        let settings = Settings {
            max_bitrate_kbps: 1200,
            ..Settings::default()
        };
        let config = media_config(&settings, &SourceOverrides::default());
        assert_eq!(config.video_input, VideoInput::Camera { index: None });
        assert_eq!(config.audio_input, AudioInput::Microphone { name: None });
        assert_eq!(config.audio_output, AudioOutput::Speaker { name: None });
        assert_eq!(
            (config.video_width, config.video_height),
            (Some(1280), Some(720))
        );
        assert_eq!((config.min_bitrate, config.max_bitrate), (300, 1200));
    }
}
