//! The seam to the media engine (crates/duet-media plugs in here); `NoMedia` does nothing.

use crate::events::EventHub;
use crate::{CallEvent, DeviceKind, MediaChoices, MediaDevice};
use duet_call::client::{MediaStats, Role};
use duet_protocol::{CallId, CallType, IceServer};
use tokio::sync::mpsc;

/// What a media session needs to know about its call.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaCallInfo {
    /// The call this session serves.
    pub call_id: CallId,
    /// Caller offers, callee answers.
    pub role: Role,
    /// Audio only, or audio and video.
    pub call_type: CallType,
    /// STUN/TURN servers handed out at login (or refreshed since).
    pub ice_servers: Vec<IceServer>,
    /// Which candidates the call may use.
    pub ice_policy: crate::IcePolicy,
    /// The video size, bitrates and audio quality the call sends (the SDK's configuration).
    pub profile: crate::MediaProfile,
    /// The devices chosen, the speaker and the peer's audio, as the call starts; changes during
    /// the call arrive through [`MediaSession`]'s methods.
    pub choices: MediaChoices,
}

/// Where a call's media reports to the SDK's users: each method delivers one SDK event
/// (`FIRST_REMOTE_FRAME`, `CALL_STATS`, `MEDIA_FAILED`) tagged with the call. Cheap to clone and
/// to call from any thread.
#[derive(Clone)]
pub struct MediaEvents {
    call_id: CallId,
    hub: Option<EventHub>,
    /// Where the SDK hears what its media changes in the call itself (no path found, video
    /// paused by the network).
    reports: Option<mpsc::UnboundedSender<(CallId, MediaReport)>>,
}

/// What a media session tells the SDK's driver, which acts on the call (not only an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaReport {
    /// No path between the peers was found: the call ends with `ice_failed`.
    IceFailed,
    /// The camera was paused (true) or resumed because of the network: the peer is told with
    /// `call.media`.
    VideoPausedByNetwork(bool),
}

impl std::fmt::Debug for MediaEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaEvents")
            .field("call_id", &self.call_id)
            .field("connected", &self.hub.is_some())
            .finish()
    }
}

impl MediaEvents {
    pub(crate) fn new(
        call_id: CallId,
        hub: EventHub,
        reports: mpsc::UnboundedSender<(CallId, MediaReport)>,
    ) -> Self {
        Self {
            call_id,
            hub: Some(hub),
            reports: Some(reports),
        }
    }

    /// A sink that drops every report: for engines driven outside an SDK (tests, tools).
    pub fn discard(call_id: CallId) -> Self {
        Self {
            call_id,
            hub: None,
            reports: None,
        }
    }

    /// The call these reports are about.
    pub fn call_id(&self) -> &CallId {
        &self.call_id
    }

    /// The first remote picture was decoded: `FIRST_REMOTE_FRAME`.
    pub fn first_remote_frame(&self, width: u32, height: u32) {
        self.deliver(CallEvent::FirstRemoteFrame {
            call_id: self.call_id.clone(),
            width,
            height,
        });
    }

    /// The last second's statistics: `CALL_STATS`.
    pub fn stats(&self, stats: MediaStats) {
        self.deliver(CallEvent::CallStats {
            call_id: self.call_id.clone(),
            stats,
        });
    }

    /// Media could not start (`what` = `start`) or a device failed (`camera`, `microphone`,
    /// `speaker`): `MEDIA_FAILED`. The call itself goes on.
    pub fn failed(&self, what: &str, reason: &str) {
        self.deliver(CallEvent::MediaFailed {
            call_id: self.call_id.clone(),
            what: what.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// A screen share started: the peer's (`remote`), or this device's once it is under way:
    /// `SCREEN_SHARE_STARTED`.
    pub fn screen_share_started(&self, remote: bool) {
        self.deliver(CallEvent::ScreenShareStarted {
            call_id: self.call_id.clone(),
            remote,
        });
    }

    /// A screen share stopped: the peer's (`remote`), or this device's, with `reason` when it
    /// ended by itself (`None` when someone stopped it): `SCREEN_SHARE_STOPPED`.
    pub fn screen_share_stopped(&self, remote: bool, reason: Option<&str>) {
        self.deliver(CallEvent::ScreenShareStopped {
            call_id: self.call_id.clone(),
            remote,
            reason: reason.map(str::to_owned),
        });
    }

    /// No path between the peers was found (ICE failed): `MEDIA_FAILED` with `what` =
    /// `connection` and `reason` = `ice_failed`, and the SDK ends the call with reason
    /// `ice_failed` once it is answered, so both records say why.
    pub fn ice_failed(&self) {
        self.failed("connection", "ice_failed");
        self.report(MediaReport::IceFailed);
    }

    /// This device's camera was paused (true) because the path cannot carry its lowest bitrate,
    /// or resumed: the SDK tells the peer (VIDEO_AVAILABLE false with reason `network`, or
    /// true). The user's own camera switch is kept apart.
    pub fn video_paused_by_network(&self, paused: bool) {
        self.report(MediaReport::VideoPausedByNetwork(paused));
    }

    fn report(&self, report: MediaReport) {
        // The driver is gone only with the SDK, when nobody is left to tell.
        if let Some(reports) = &self.reports {
            let _ = reports.send((self.call_id.clone(), report));
        }
    }

    fn deliver(&self, event: CallEvent) {
        if let Some(hub) = &self.hub {
            hub.deliver(event);
        }
    }
}

/// Makes one media session per call. It is started while the call rings, so media connects
/// before the answer.
pub trait MediaEngine: Send + Sync {
    /// Starts connecting media for `call`; negotiation to send goes into `signals_out`, and the
    /// SDK relays it to the peer as `call.signal`. `events` reports media happenings (first
    /// frame, statistics, failures) as SDK events; engines with nothing to report ignore it, and
    /// callers outside an SDK pass [`MediaEvents::discard`].
    fn start(
        &self,
        call: MediaCallInfo,
        signals_out: mpsc::UnboundedSender<serde_json::Value>,
        events: MediaEvents,
    ) -> Box<dyn MediaSession>;

    /// Sets the beauty (smoothing) level, 0..=9 (already checked by the SDK), for every call
    /// from its next frame on, running or future.
    fn set_beauty_level(&self, level: u8) {
        let _ = level;
    }

    /// Sets the whiteness level, 0..=9 (already checked by the SDK), like
    /// [`MediaEngine::set_beauty_level`].
    fn set_whiteness_level(&self, level: u8) {
        let _ = level;
    }

    /// The devices of `kind` present now. Asked anew each time, so a device plugged in since
    /// the last call is listed. Engines without devices list none.
    fn devices(&self, kind: DeviceKind) -> Vec<MediaDevice> {
        let _ = kind;
        Vec::new()
    }

    /// Whether `id` names something this engine can open as `kind` (a listed device, or what
    /// else the engine documents); why not, if not. A well-formed id whose device is missing
    /// is not refused here: the call reports it with `MEDIA_FAILED` when it opens it.
    fn check_device(&self, kind: DeviceKind, id: &str) -> Result<(), String> {
        let _ = id;
        Err(format!("this media engine has no {kind}"))
    }

    /// The screens and windows that can be shared now, the screen first. Engines that cannot
    /// share list none.
    fn share_targets(&self) -> Result<Vec<ShareTargetInfo>, String> {
        Ok(Vec::new())
    }

    /// Whether `target` (a [`ShareTargetInfo::id`], or what else the engine documents) is
    /// something this engine can share; why not, if not. A target that vanishes before the
    /// share opens it is reported with `SCREEN_SHARE_STOPPED` instead.
    fn check_share_target(&self, target: &str) -> Result<(), String> {
        let _ = target;
        Err("this media engine cannot share a screen".into())
    }
}

/// A screen or window that can be shared.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareTargetInfo {
    /// What to pass to [`crate::CallKit::start_screen_share`].
    pub id: String,
    /// `screen`, `window`, or `portal` (Wayland: the desktop's dialog picks either).
    pub kind: String,
    /// The window's title, or the screen's name.
    pub title: String,
    /// Its size in pixels now.
    pub width: u32,
    /// Its height in pixels now.
    pub height: u32,
}

/// One call's media.
pub trait MediaSession: Send {
    /// Negotiation from the peer (SDP, ICE candidates), as it sent it.
    fn handle_remote_signal(&mut self, payload: serde_json::Value);
    /// The call was answered: let audio and video flow.
    fn release(&mut self);
    /// Turns the local microphone on or off.
    fn set_audio_enabled(&mut self, enabled: bool);
    /// Turns the local camera on or off.
    fn set_video_enabled(&mut self, enabled: bool);
    /// The call type changed: to audio the camera closes at once, to video it opens (the
    /// user's camera switch still applies).
    fn set_call_type(&mut self, call_type: CallType) {
        let _ = call_type;
    }
    /// Uses device `id` (already checked with [`MediaEngine::check_device`]) as `kind` from now
    /// on: a camera or microphone in use is replaced, a failure reported with `MEDIA_FAILED`
    /// and the old one kept.
    fn select_device(&mut self, kind: DeviceKind, id: &str) {
        let _ = (kind, id);
    }
    /// Silences (or not) what this device plays of the peer; the speaker stays open.
    fn set_remote_audio_muted(&mut self, muted: bool) {
        let _ = muted;
    }
    /// Plays the peer (true) or releases the speaker and plays nothing (false).
    fn set_speaker_enabled(&mut self, enabled: bool) {
        let _ = enabled;
    }
    /// Shares `target` (checked with [`MediaEngine::check_share_target`]) as a second video
    /// track, or switches an ongoing share to it. Reports `SCREEN_SHARE_STARTED` once under way,
    /// or `SCREEN_SHARE_STOPPED` with a reason when it cannot start.
    fn start_screen_share(&mut self, target: &str) {
        let _ = target;
    }
    /// Stops sharing (nothing when not sharing); reports `SCREEN_SHARE_STOPPED`.
    fn stop_screen_share(&mut self) {}
    /// The call ended or stopped ringing here: release devices and sockets.
    fn close(&mut self);
}

/// A media engine that does nothing: signaling-only clients, bots and tests.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMedia;

impl MediaEngine for NoMedia {
    fn start(
        &self,
        _call: MediaCallInfo,
        _signals_out: mpsc::UnboundedSender<serde_json::Value>,
        _events: MediaEvents,
    ) -> Box<dyn MediaSession> {
        Box::new(NoMedia)
    }
}

impl MediaSession for NoMedia {
    fn handle_remote_signal(&mut self, _payload: serde_json::Value) {}
    fn release(&mut self) {}
    fn set_audio_enabled(&mut self, _enabled: bool) {}
    fn set_video_enabled(&mut self, _enabled: bool) {}
    fn close(&mut self) {}
}
