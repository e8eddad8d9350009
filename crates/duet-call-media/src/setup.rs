//! What every call's media uses: sources, sinks and transport settings.

use std::path::PathBuf;
use std::sync::Arc;

use duet_callkit::CallId;
use duet_media::sink::y4m::Y4mSink;
use duet_media::sink::{AudioSink, VideoSink};
use duet_media::{AudioInput, AudioOutput, MediaConfig, MediaResult, Resolution, VideoInput};

/// Makes the extra sink that receives every decoded remote frame of a call.
pub type VideoSinkFactory = Arc<dyn Fn(&CallId) -> MediaResult<Box<dyn VideoSink>> + Send + Sync>;

/// Makes the sink that plays a call's remote audio (instead of `config.audio_output`).
pub type AudioSinkFactory = Arc<dyn Fn(&CallId) -> MediaResult<Box<dyn AudioSink>> + Send + Sync>;

/// Sources, sinks and transport settings shared by all calls of one [`crate::DuetMediaEngine`].
#[derive(Clone)]
pub struct MediaSetup {
    /// The base media settings; ICE servers and the camera are set per call.
    pub config: MediaConfig,
    /// Where decoded remote video also goes (a recorder, a test probe).
    pub video_sink: Option<VideoSinkFactory>,
    /// Where remote audio plays, overriding `config.audio_output`.
    pub audio_sink: Option<AudioSinkFactory>,
}

impl std::fmt::Debug for MediaSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSetup")
            .field("config", &self.config)
            .field("video_sink", &self.video_sink.is_some())
            .field("audio_sink", &self.audio_sink.is_some())
            .finish()
    }
}

impl MediaSetup {
    /// The real devices: default camera, microphone and speaker, bound to all interfaces.
    pub fn devices() -> Self {
        Self::from_config(MediaConfig::default())
    }

    /// Synthetic media for tests and bots: the 320x240 test pattern and a sine tone of
    /// `tone_hz`, remote audio discarded, UDP bound to 127.0.0.1.
    pub fn test_pattern_and_tone(tone_hz: f32) -> Self {
        Self::from_config(MediaConfig {
            resolution: Resolution::Low,
            video_input: VideoInput::TestPattern,
            audio_input: AudioInput::Tone {
                frequency_hz: tone_hz,
            },
            audio_output: AudioOutput::Null,
            bind_address: "127.0.0.1".into(),
            // Noise suppression would (rightly) treat a steady tone as noise and remove it.
            audio_processing: false,
            ..MediaConfig::default()
        })
    }

    /// Uses `config` as is, with no extra sinks.
    pub fn from_config(config: MediaConfig) -> Self {
        Self {
            config,
            video_sink: None,
            audio_sink: None,
        }
    }

    /// Records every call's remote video to the Y4M file `path` (each call overwrites it).
    pub fn record_video_to(mut self, path: PathBuf) -> Self {
        let fps = self.config.frame_rate;
        self.video_sink = Some(Arc::new(move |_: &CallId| {
            Ok(Box::new(Y4mSink::create(&path, fps)?) as Box<dyn VideoSink>)
        }));
        self
    }

    /// Sends every call's decoded remote video also to the sink `factory` makes.
    pub fn with_video_sink(mut self, factory: VideoSinkFactory) -> Self {
        self.video_sink = Some(factory);
        self
    }

    /// Plays every call's remote audio into the sink `factory` makes.
    pub fn with_audio_sink(mut self, factory: AudioSinkFactory) -> Self {
        self.audio_sink = Some(factory);
        self
    }
}
