//! This device's cameras, microphones and speakers: what is present, and the choices the SDK
//! keeps across calls (which device, the peer's audio muted, the speaker off).

/// A kind of media device; `as_str` is the `what` of its `MEDIA_FAILED`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Video in.
    Camera,
    /// Audio in.
    Microphone,
    /// Audio out: where the peer is heard.
    Speaker,
}

impl DeviceKind {
    /// `camera`, `microphone` or `speaker`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Camera => "camera",
            DeviceKind::Microphone => "microphone",
            DeviceKind::Speaker => "speaker",
        }
    }
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A device present on this machine, as the media engine lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaDevice {
    /// Camera, microphone or speaker.
    pub kind: DeviceKind,
    /// What to pass to [`crate::CallKit::select_device`].
    pub id: String,
    /// What to show a person.
    pub name: String,
}

/// This device's media choices. The SDK keeps them across calls (and logins), hands them to each
/// call's media when it starts and passes every change to the calls running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaChoices {
    /// The camera chosen; `None`: the media engine's own.
    pub camera: Option<String>,
    /// The microphone chosen; `None`: the media engine's own.
    pub microphone: Option<String>,
    /// The speaker chosen; `None`: the media engine's own.
    pub speaker: Option<String>,
    /// Whether the peer is played at all; off releases the speaker.
    pub speaker_enabled: bool,
    /// Whether what this device plays of the peer is silenced (the speaker stays open).
    pub remote_audio_muted: bool,
}

impl Default for MediaChoices {
    fn default() -> Self {
        Self {
            camera: None,
            microphone: None,
            speaker: None,
            speaker_enabled: true,
            remote_audio_muted: false,
        }
    }
}

impl MediaChoices {
    /// The device chosen for `kind`, if any.
    pub fn device(&self, kind: DeviceKind) -> Option<&str> {
        match kind {
            DeviceKind::Camera => self.camera.as_deref(),
            DeviceKind::Microphone => self.microphone.as_deref(),
            DeviceKind::Speaker => self.speaker.as_deref(),
        }
    }

    pub(crate) fn set_device(&mut self, kind: DeviceKind, id: String) {
        let slot = match kind {
            DeviceKind::Camera => &mut self.camera,
            DeviceKind::Microphone => &mut self.microphone,
            DeviceKind::Speaker => &mut self.speaker,
        };
        *slot = Some(id);
    }
}

/// One change of [`MediaChoices`], for the calls running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MediaChoice {
    Device { kind: DeviceKind, id: String },
    RemoteAudioMuted(bool),
    SpeakerEnabled(bool),
}

impl MediaChoice {
    /// Records this change in `choices`.
    pub(crate) fn apply_to(&self, choices: &mut MediaChoices) {
        match self {
            MediaChoice::Device { kind, id } => choices.set_device(*kind, id.clone()),
            MediaChoice::RemoteAudioMuted(muted) => choices.remote_audio_muted = *muted,
            MediaChoice::SpeakerEnabled(enabled) => choices.speaker_enabled = *enabled,
        }
    }

    /// Hands this change to one call's media.
    pub(crate) fn apply_to_session(&self, session: &mut dyn crate::MediaSession) {
        match self {
            MediaChoice::Device { kind, id } => session.select_device(*kind, id),
            MediaChoice::RemoteAudioMuted(muted) => session.set_remote_audio_muted(*muted),
            MediaChoice::SpeakerEnabled(enabled) => session.set_speaker_enabled(*enabled),
        }
    }
}
