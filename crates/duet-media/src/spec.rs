//! The text form of media sources and sinks, shared by duet-cli's `--video`/`--audio` flags and
//! the app's `DUET_VIDEO_SOURCE`/`DUET_AUDIO_SOURCE`/`DUET_AUDIO_SINK` variables:
//!
//! | type | text |
//! |---|---|
//! | [`VideoInput`] | `testsrc`, `camera`, `camera:N`, `FILE.y4m`, `none` |
//! | [`AudioInput`] | `tone` (440 Hz), `tone:HZ` (20..=20000), `mic`, `mic:NAME`, `FILE.wav`, `none` |
//! | [`AudioOutput`] | `speaker`, `null`, any other text is the path of a WAV recording |
//!
//! Each type parses with [`str::parse`] and prints back (`Display`) to text that parses to the
//! same value.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::config::{AudioInput, AudioOutput, VideoInput};

/// The frequency `tone` alone plays.
pub const DEFAULT_TONE_HZ: f32 = 440.0;

/// Tone frequencies the text form accepts, in Hz.
pub const TONE_RANGE: std::ops::RangeInclusive<f32> = 20.0..=20_000.0;

/// Why a source's text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// `camera:` followed by something other than a number.
    #[error("`{0}` is not a camera number")]
    CameraIndex(String),
    /// `tone:` followed by something other than a frequency in range.
    #[error("`{0}` is not a frequency in 20..=20000 Hz")]
    ToneFrequency(String),
    /// Not a video source at all.
    #[error("`{0}` is not testsrc, FILE.y4m, camera[:N] or none")]
    Video(String),
    /// Not an audio source at all.
    #[error("`{0}` is not tone[:HZ], FILE.wav, mic[:NAME] or none")]
    Audio(String),
}

impl FromStr for VideoInput {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        match text {
            "testsrc" => Ok(VideoInput::TestPattern),
            "none" => Ok(VideoInput::None),
            "camera" => Ok(VideoInput::Camera { index: None }),
            _ => {
                if let Some(index) = text.strip_prefix("camera:") {
                    let index = index
                        .parse()
                        .map_err(|_| SpecError::CameraIndex(index.into()))?;
                    Ok(VideoInput::Camera { index: Some(index) })
                } else if text.ends_with(".y4m") {
                    Ok(VideoInput::Y4mFile {
                        path: PathBuf::from(text),
                    })
                } else {
                    Err(SpecError::Video(text.into()))
                }
            }
        }
    }
}

impl fmt::Display for VideoInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VideoInput::TestPattern => f.write_str("testsrc"),
            VideoInput::None => f.write_str("none"),
            VideoInput::Camera { index: None } => f.write_str("camera"),
            VideoInput::Camera { index: Some(n) } => write!(f, "camera:{n}"),
            VideoInput::Y4mFile { path } => write!(f, "{}", path.display()),
        }
    }
}

impl FromStr for AudioInput {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        match text {
            "tone" => Ok(AudioInput::Tone {
                frequency_hz: DEFAULT_TONE_HZ,
            }),
            "mic" => Ok(AudioInput::Microphone { name: None }),
            "none" => Ok(AudioInput::None),
            _ => {
                if let Some(hz) = text.strip_prefix("tone:") {
                    match hz.parse::<f32>() {
                        Ok(frequency_hz) if TONE_RANGE.contains(&frequency_hz) => {
                            Ok(AudioInput::Tone { frequency_hz })
                        }
                        _ => Err(SpecError::ToneFrequency(hz.into())),
                    }
                } else if text.ends_with(".wav") {
                    // Before `mic:`, so a recording's path always stays a path.
                    Ok(AudioInput::WavFile {
                        path: PathBuf::from(text),
                    })
                } else if let Some(name) = text.strip_prefix("mic:").filter(|n| !n.is_empty()) {
                    Ok(AudioInput::Microphone {
                        name: Some(name.into()),
                    })
                } else {
                    Err(SpecError::Audio(text.into()))
                }
            }
        }
    }
}

impl fmt::Display for AudioInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AudioInput::Tone { frequency_hz } => write!(f, "tone:{frequency_hz}"),
            AudioInput::Microphone { name: None } => f.write_str("mic"),
            AudioInput::Microphone { name: Some(name) } => write!(f, "mic:{name}"),
            AudioInput::None => f.write_str("none"),
            AudioInput::WavFile { path } => write!(f, "{}", path.display()),
        }
    }
}

impl FromStr for AudioOutput {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "speaker" => AudioOutput::Speaker { name: None },
            "null" => AudioOutput::Null,
            path => AudioOutput::WavFile {
                path: PathBuf::from(path),
            },
        })
    }
}

impl fmt::Display for AudioOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A named speaker has no text form; the default one is `speaker`.
            AudioOutput::Speaker { .. } => f.write_str("speaker"),
            AudioOutput::Null => f.write_str("null"),
            AudioOutput::WavFile { path } => write!(f, "{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn video_table() {
        let cases: &[(&str, Result<VideoInput, SpecError>)] = &[
            ("testsrc", Ok(VideoInput::TestPattern)),
            ("none", Ok(VideoInput::None)),
            ("camera", Ok(VideoInput::Camera { index: None })),
            ("camera:2", Ok(VideoInput::Camera { index: Some(2) })),
            (
                "clip.y4m",
                Ok(VideoInput::Y4mFile {
                    path: "clip.y4m".into(),
                }),
            ),
            (
                "/tmp/a b.y4m",
                Ok(VideoInput::Y4mFile {
                    path: "/tmp/a b.y4m".into(),
                }),
            ),
            ("camera:x", Err(SpecError::CameraIndex("x".into()))),
            ("camera:-1", Err(SpecError::CameraIndex("-1".into()))),
            ("camera:", Err(SpecError::CameraIndex("".into()))),
            ("webcam", Err(SpecError::Video("webcam".into()))),
            ("clip.mp4", Err(SpecError::Video("clip.mp4".into()))),
            ("", Err(SpecError::Video("".into()))),
            ("TESTSRC", Err(SpecError::Video("TESTSRC".into()))),
        ];
        for (text, expected) in cases {
            assert_eq!(&text.parse::<VideoInput>(), expected, "{text:?}");
        }
    }

    #[test]
    fn audio_table() {
        let tone = |frequency_hz| Ok(AudioInput::Tone { frequency_hz });
        let cases: &[(&str, Result<AudioInput, SpecError>)] = &[
            ("tone", tone(DEFAULT_TONE_HZ)),
            ("tone:1000", tone(1000.0)),
            ("tone:20", tone(20.0)),
            ("tone:20000", tone(20_000.0)),
            ("tone:660.5", tone(660.5)),
            ("mic", Ok(AudioInput::Microphone { name: None })),
            (
                "mic:USB Audio: Mic",
                Ok(AudioInput::Microphone {
                    name: Some("USB Audio: Mic".into()),
                }),
            ),
            ("mic:", Err(SpecError::Audio("mic:".into()))),
            ("none", Ok(AudioInput::None)),
            (
                "voice.wav",
                Ok(AudioInput::WavFile {
                    path: "voice.wav".into(),
                }),
            ),
            ("tone:5", Err(SpecError::ToneFrequency("5".into()))),
            ("tone:-5", Err(SpecError::ToneFrequency("-5".into()))),
            ("tone:20001", Err(SpecError::ToneFrequency("20001".into()))),
            ("tone:loud", Err(SpecError::ToneFrequency("loud".into()))),
            ("tone:NaN", Err(SpecError::ToneFrequency("NaN".into()))),
            ("song.mp3", Err(SpecError::Audio("song.mp3".into()))),
            ("", Err(SpecError::Audio("".into()))),
        ];
        for (text, expected) in cases {
            assert_eq!(&text.parse::<AudioInput>(), expected, "{text:?}");
        }
    }

    #[test]
    fn output_table() {
        let cases = [
            ("speaker", AudioOutput::Speaker { name: None }),
            ("null", AudioOutput::Null),
            (
                "out.wav",
                AudioOutput::WavFile {
                    path: "out.wav".into(),
                },
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<AudioOutput>(), Ok(expected), "{text:?}");
        }
    }

    /// File names without `:` (so never `camera:` or `tone:`), ending as `ext` asks.
    fn file(ext: &'static str) -> impl Strategy<Value = PathBuf> {
        "[a-z0-9_./ -]{1,20}".prop_map(move |stem| PathBuf::from(format!("{stem}{ext}")))
    }

    fn video_input() -> impl Strategy<Value = VideoInput> {
        prop_oneof![
            Just(VideoInput::TestPattern),
            Just(VideoInput::None),
            proptest::option::of(any::<u32>()).prop_map(|index| VideoInput::Camera { index }),
            file(".y4m").prop_map(|path| VideoInput::Y4mFile { path }),
        ]
    }

    fn audio_input() -> impl Strategy<Value = AudioInput> {
        prop_oneof![
            Just(AudioInput::Microphone { name: None }),
            "[a-zA-Z0-9 :_-]{1,20}".prop_map(|name| AudioInput::Microphone { name: Some(name) }),
            Just(AudioInput::None),
            TONE_RANGE.prop_map(|frequency_hz| AudioInput::Tone { frequency_hz }),
            file(".wav").prop_map(|path| AudioInput::WavFile { path }),
        ]
    }

    proptest! {
        #[test]
        fn video_prints_to_text_that_parses_back(input in video_input()) {
            prop_assert_eq!(input.to_string().parse::<VideoInput>(), Ok(input));
        }

        #[test]
        fn audio_prints_to_text_that_parses_back(input in audio_input()) {
            prop_assert_eq!(input.to_string().parse::<AudioInput>(), Ok(input));
        }

        #[test]
        fn any_text_parses_or_is_refused_without_panicking(text in ".{0,40}") {
            if let Ok(video) = text.parse::<VideoInput>() {
                prop_assert_eq!(video.to_string().parse::<VideoInput>(), Ok(video));
            }
            if let Ok(audio) = text.parse::<AudioInput>() {
                prop_assert_eq!(audio.to_string().parse::<AudioInput>(), Ok(audio));
            }
        }
    }
}
