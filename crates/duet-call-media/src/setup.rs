//! What every call's media uses: sources, sinks and transport settings.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use duet_callkit::CallId;
use duet_media::sink::frame_times::{FrameTimesSink, TeeSink};
use duet_media::sink::y4m::Y4mSink;
use duet_media::sink::{AudioSink, VideoSink};
use duet_media::source::screen::ScreenShareSettings;
use duet_media::{
    AudioInput, AudioOutput, BeautyControl, MediaConfig, MediaResult, Resolution, VideoInput,
};

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
    /// Where the decoded pictures of the peer's shared screen also go (a recorder, a probe).
    pub screen_sink: Option<VideoSinkFactory>,
    /// How this device's screen shares are sent: largest size and frame rate.
    pub screen_share: ScreenShareSettings,
    /// Where every local frame goes after the filters (what is encoded).
    pub(crate) local_preview: Option<VideoSinkFactory>,
    /// Where every local frame goes before the filters.
    pub(crate) unfiltered_preview: Option<VideoSinkFactory>,
    /// The beauty and whiteness levels every call and preview of this setup follows.
    pub(crate) beauty: BeautyControl,
    /// Send back the call's own remote media after this delay instead of capturing.
    pub(crate) echo_delay: Option<Duration>,
}

impl std::fmt::Debug for MediaSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaSetup")
            .field("config", &self.config)
            .field("video_sink", &self.video_sink.is_some())
            .field("audio_sink", &self.audio_sink.is_some())
            .field("screen_sink", &self.screen_sink.is_some())
            .field("screen_share", &self.screen_share)
            .field("local_preview", &self.local_preview.is_some())
            .field("unfiltered_preview", &self.unfiltered_preview.is_some())
            .field("beauty", &self.beauty.levels())
            .field("echo_delay", &self.echo_delay)
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
            screen_sink: None,
            screen_share: ScreenShareSettings::default(),
            local_preview: None,
            unfiltered_preview: None,
            beauty: BeautyControl::new(),
            echo_delay: None,
        }
    }

    /// An echo peer for the app's "echo test" contact: each call sends back the video and audio
    /// it receives, `delay` later (about a second lets users see and hear themselves), instead
    /// of capturing anything. Remote media is not played or recorded; the `video_sink` and
    /// `audio_sink` factories are not used. UDP binds to all interfaces (set
    /// `config.bind_address` to change it).
    pub fn echo(delay: Duration) -> Self {
        let mut setup = Self::from_config(MediaConfig {
            // Only the size of the black frames sent before the first echo.
            resolution: Resolution::Standard,
            video_input: VideoInput::None,
            audio_input: AudioInput::None,
            audio_output: AudioOutput::Null,
            // The echoed audio was processed at the far end already.
            audio_processing: false,
            ..MediaConfig::default()
        });
        setup.echo_delay = Some(delay);
        setup
    }

    /// The echo delay when this is an echo setup ([`MediaSetup::echo`]).
    pub fn echo_delay(&self) -> Option<Duration> {
        self.echo_delay
    }

    /// Sends every local frame of every call, after the beauty filters (exactly what is
    /// encoded), to the sink `factory` makes for the call. Frames flow while the call's video
    /// is sent: from the answer on, while the camera is on.
    pub fn with_local_preview(mut self, factory: VideoSinkFactory) -> Self {
        self.local_preview = Some(factory);
        self
    }

    /// Like [`MediaSetup::with_local_preview`], with the frames before the filters.
    pub fn with_unfiltered_preview(mut self, factory: VideoSinkFactory) -> Self {
        self.unfiltered_preview = Some(factory);
        self
    }

    /// Makes calls and previews follow `control`'s beauty and whiteness levels (instead of a
    /// control of their own starting at 0, 0).
    pub fn with_beauty(mut self, control: BeautyControl) -> Self {
        self.beauty = control;
        self
    }

    /// The beauty and whiteness levels of this setup's calls and previews; changing them takes
    /// effect from the next frame ([`duet_callkit::CallKit::set_beauty_level`] does it too).
    pub fn beauty(&self) -> &BeautyControl {
        &self.beauty
    }

    /// Records every call's remote video to the Y4M file `path` (each call overwrites it).
    pub fn record_video_to(mut self, path: PathBuf) -> Self {
        let fps = self.config.frame_rate;
        self.video_sink = Some(Arc::new(move |_: &CallId| {
            Ok(Box::new(Y4mSink::create(&path, fps)?) as Box<dyn VideoSink>)
        }));
        self
    }

    /// Logs when each of every call's remote pictures was decoded to the file `path` (each call
    /// overwrites it; duet-media's `FrameTimesSink`), beside any recording of the pictures.
    pub fn record_frame_times_to(mut self, path: PathBuf) -> Self {
        let times: VideoSinkFactory = Arc::new(move |_: &CallId| {
            Ok(Box::new(FrameTimesSink::create(&path)?) as Box<dyn VideoSink>)
        });
        self.video_sink = Some(match self.video_sink.take() {
            None => times,
            Some(first) => Arc::new(move |call: &CallId| {
                Ok(Box::new(TeeSink(vec![first(call)?, times(call)?])) as Box<dyn VideoSink>)
            }),
        });
        self
    }

    /// Records the peer's shared screen of every call to the Y4M file `path` (each call
    /// overwrites it), at the share's frame rate.
    pub fn record_screen_to(mut self, path: PathBuf) -> Self {
        let fps = self.screen_share.frame_rate;
        self.screen_sink = Some(Arc::new(move |_: &CallId| {
            Ok(Box::new(Y4mSink::create(&path, fps)?) as Box<dyn VideoSink>)
        }));
        self
    }

    /// Sends the decoded pictures of the peer's shared screen, in every call, also to the sink
    /// `factory` makes.
    pub fn with_screen_sink(mut self, factory: VideoSinkFactory) -> Self {
        self.screen_sink = Some(factory);
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
