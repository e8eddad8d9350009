//! One call's devices: where the peer plays (the chosen speaker, the setup's sink or output),
//! silenced or not, the speaker on or off, and camera or microphone changes during the call.
//! Every device opens off the call's media task, within duet-media's `OPEN_DEADLINE`.

use duet_callkit::{DeviceKind, MediaCallInfo, MediaEvents};
use duet_media::session::{open_within, OPEN_DEADLINE};
use duet_media::sink::{open_audio_output, AudioSink};
use duet_media::{AudioOutput, CallMedia, DeviceKind as MediaDeviceKind, MediaConfig};
use tracing::{info, warn};

use crate::devices::{parse, DeviceSource};
use crate::playout::{playout, report_speaker, PlayoutCommand, PlayoutControl};
use crate::setup::MediaSetup;

/// The playout side of a call's devices, for the call's media task.
pub(crate) struct CallDevices {
    setup: MediaSetup,
    call: MediaCallInfo,
    events: MediaEvents,
    /// The speaker chosen; `None`: the setup's audio sink, or else its `audio_output`.
    speaker: Option<AudioOutput>,
    speaker_on: bool,
    playout: PlayoutControl,
}

/// The chosen camera and microphone in the call's settings, so the call opens them. The SDK
/// checked the ids; one that still does not parse keeps the setup's source.
pub(crate) fn choose_sources(config: &mut MediaConfig, call: &MediaCallInfo) {
    for kind in [DeviceKind::Camera, DeviceKind::Microphone] {
        let Some(id) = call.choices.device(kind) else {
            continue;
        };
        match parse(kind, id) {
            Ok(DeviceSource::Camera(input)) => config.video_input = input,
            Ok(DeviceSource::Microphone(input)) => config.audio_input = input,
            Ok(DeviceSource::Speaker(_)) => {}
            Err(reason) => warn!(%kind, id, %reason, "device choice ignored"),
        }
    }
}

impl CallDevices {
    /// Makes `media` play the peer as `call.choices` say: through the chosen speaker, the
    /// setup's sink or its output; nowhere when the speaker is off.
    pub(crate) async fn install(
        media: &CallMedia,
        setup: &MediaSetup,
        call: &MediaCallInfo,
        events: &MediaEvents,
    ) -> Self {
        let speaker = match call
            .choices
            .speaker
            .as_deref()
            .map(|id| parse(DeviceKind::Speaker, id))
        {
            Some(Ok(DeviceSource::Speaker(output))) => Some(output),
            Some(other) => {
                warn!(?other, "speaker choice ignored");
                None
            }
            None => None,
        };
        let (playout, control) = playout(None, call.choices.remote_audio_muted, events.clone());
        let mut devices = Self {
            setup: setup.clone(),
            call: call.clone(),
            events: events.clone(),
            speaker,
            speaker_on: false,
            playout: control,
        };
        media.replace_audio_sink(Box::new(playout));
        devices
            .set_speaker_enabled(call.choices.speaker_enabled)
            .await;
        devices
    }

    /// Silences the peer, or plays it again; the speaker stays open.
    pub(crate) fn set_remote_audio_muted(&self, muted: bool) {
        info!(muted, "remote audio muted");
        self.playout.send(PlayoutCommand::Mute(muted));
    }

    /// Opens the speaker and plays the peer, or releases the speaker.
    pub(crate) async fn set_speaker_enabled(&mut self, enabled: bool) {
        if enabled == self.speaker_on {
            return;
        }
        info!(enabled, "speaker");
        self.speaker_on = enabled;
        let sink = match enabled {
            true => self.open_speaker().await,
            false => None,
        };
        self.playout.send(PlayoutCommand::Sink(sink));
    }

    /// Captures from or plays into `id` from now on (a speaker if it is on); a device that does
    /// not open (opened off this task, within duet-media's `OPEN_DEADLINE`) is reported and the
    /// previous one keeps going.
    pub(crate) async fn select(
        &mut self,
        media: &CallMedia,
        config: &mut MediaConfig,
        video_open: bool,
        kind: DeviceKind,
        id: &str,
    ) {
        let source = match parse(kind, id) {
            Ok(source) => source,
            Err(reason) => {
                // The SDK checked the id with the engine; this only guards a direct caller.
                warn!(%kind, id, %reason, "device choice ignored");
                return;
            }
        };
        info!(%kind, id, "device chosen");
        match source {
            DeviceSource::Camera(input) => {
                config.video_input = input;
                // An audio call opens the chosen camera when it becomes a video call.
                if video_open {
                    if let Err(error) = media.set_video_source(&config.video_input).await {
                        warn!(%error, "camera not switched");
                    }
                }
            }
            DeviceSource::Microphone(input) => {
                config.audio_input = input;
                if config.open_microphone {
                    if let Err(error) = media.set_audio_source(&config.audio_input).await {
                        warn!(%error, "microphone not switched");
                    }
                }
            }
            DeviceSource::Speaker(output) => {
                let previous = self.speaker.replace(output);
                if !self.speaker_on {
                    return;
                }
                match self.open_speaker().await {
                    Some(sink) => self.playout.send(PlayoutCommand::Sink(Some(sink))),
                    None => self.speaker = previous,
                }
            }
        }
    }

    /// The speaker to play into now, or `None` (reported) when it cannot be opened. Opened off
    /// the media task, within duet-media's `OPEN_DEADLINE`, as the camera and the microphone.
    async fn open_speaker(&self) -> Option<Box<dyn AudioSink>> {
        let speaker = self.speaker.clone();
        let factory = self.setup.audio_sink.clone();
        let call_id = self.call.call_id.clone();
        let output = self.setup.config.audio_output.clone();
        let opened = open_within(MediaDeviceKind::Speaker, OPEN_DEADLINE, move || {
            match (speaker, factory) {
                (Some(chosen), _) => open_audio_output(&chosen),
                (None, Some(factory)) => factory(&call_id),
                (None, None) => open_audio_output(&output),
            }
        })
        .await;
        opened
            .inspect_err(|error| {
                warn!(%error, "speaker not opened");
                report_speaker(&self.events, error);
            })
            .ok()
    }
}
