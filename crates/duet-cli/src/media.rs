//! The media flags: what a call sends (`--video`, `--audio`, `--screen`) and where the peer's
//! media goes (`--record-video`, `--record-audio`, `--record-screen`). Without any of them the
//! CLI is signaling only.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{MediaEngine, NoMedia};
use duet_media::{AudioInput, AudioOutput, MediaConfig, VideoInput};

/// Media sources and recordings of every call.
#[derive(Debug, Args)]
pub struct MediaArgs {
    /// Video to send: testsrc, FILE.y4m, camera[:N] or none.
    #[arg(long, global = true)]
    pub video: Option<VideoInput>,
    /// Audio to send: tone[:HZ], FILE.wav, mic[:NAME] or none.
    #[arg(long, global = true)]
    pub audio: Option<AudioInput>,
    /// Record the peer's video to this Y4M file.
    #[arg(long, global = true)]
    pub record_video: Option<PathBuf>,
    /// Record the peer's audio to this 48 kHz WAV file.
    #[arg(long, global = true)]
    pub record_audio: Option<PathBuf>,
    /// Log when each of the peer's pictures was decoded to this file: a CSV line per picture,
    /// `unix_ms,width,height`.
    #[arg(long, global = true)]
    pub record_frame_times: Option<PathBuf>,
    /// Share a screen from the moment a call is answered: an X display (`:5`, its whole
    /// screen; without a value, $DISPLAY's), or a target: screen[:DISPLAY],
    /// window:[DISPLAY:]ID, testsrc or FILE.y4m.
    #[arg(long, global = true, num_args = 0..=1, default_missing_value = "screen")]
    pub screen: Option<String>,
    /// Record the peer's shared screen to this Y4M file.
    #[arg(long, global = true)]
    pub record_screen: Option<PathBuf>,
    /// Local address for media (UDP); 127.0.0.1 keeps a call on this machine.
    #[arg(long, default_value = "0.0.0.0", global = true)]
    pub media_bind: String,
    /// Refresh TURN allocations at least this often, e.g. 5s (default: at half their lifetime);
    /// for tests that must see a refresh within a short call.
    #[arg(long, value_parser = humantime::parse_duration, global = true)]
    pub turn_refresh: Option<std::time::Duration>,
}

impl MediaArgs {
    /// Whether any media flag was given.
    fn wants_media(&self) -> bool {
        self.video.is_some()
            || self.audio.is_some()
            || self.record_video.is_some()
            || self.record_audio.is_some()
            || self.record_frame_times.is_some()
            || self.screen.is_some()
            || self.record_screen.is_some()
    }

    /// The media engine these flags ask for: [`NoMedia`] when none is given.
    pub fn engine(&self) -> Arc<dyn MediaEngine> {
        if !self.wants_media() {
            return Arc::new(NoMedia);
        }
        let video = self.video.clone().unwrap_or(VideoInput::None);
        let audio = self.audio.clone().unwrap_or(AudioInput::None);
        let from_mic = matches!(audio, AudioInput::Microphone { .. });
        // A bot sending synthetic audio plays nothing aloud unless asked to record it.
        let output = match (&self.record_audio, from_mic) {
            (Some(path), _) => AudioOutput::WavFile { path: path.clone() },
            (None, true) => AudioOutput::Speaker { name: None },
            (None, false) => AudioOutput::Null,
        };
        let config = MediaConfig {
            open_camera: video != VideoInput::None,
            open_microphone: audio != AudioInput::None,
            video_input: video,
            audio_input: audio,
            audio_output: output,
            bind_address: self.media_bind.clone(),
            turn_refresh_interval: self.turn_refresh,
            // Echo cancellation and noise suppression are for microphones; they would remove a
            // steady tone as noise.
            audio_processing: from_mic,
            ..MediaConfig::default()
        };
        let mut setup = MediaSetup::from_config(config);
        if let Some(path) = &self.record_video {
            setup = setup.record_video_to(path.clone());
        }
        if let Some(path) = &self.record_frame_times {
            setup = setup.record_frame_times_to(path.clone());
        }
        if let Some(path) = &self.record_screen {
            setup = setup.record_screen_to(path.clone());
        }
        Arc::new(DuetMediaEngine::new(setup))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        media: MediaArgs,
    }

    #[test]
    fn flags_take_duet_medias_source_grammar() {
        let cli = Cli::try_parse_from(["duet-cli", "--video", "camera:2", "--audio", "tone:1000"])
            .unwrap();
        assert_eq!(cli.media.video, Some(VideoInput::Camera { index: Some(2) }));
        assert_eq!(
            cli.media.audio,
            Some(AudioInput::Tone {
                frequency_hz: 1000.0
            })
        );
        let refused = Cli::try_parse_from(["duet-cli", "--video", "clip.mp4"]).unwrap_err();
        assert!(
            refused.to_string().contains("is not testsrc, FILE.y4m"),
            "{refused}"
        );
    }
}
