//! The [`MediaEngine`] the SDK calls: one media task per call.

use duet_callkit::{
    DeviceKind, MediaCallInfo, MediaDevice, MediaEngine, MediaEvents, MediaSession, ShareTargetInfo,
};
use tokio::sync::mpsc;

use crate::session::{self, SessionHandle};
use crate::setup::MediaSetup;

/// Gives each SDK call real audio and video through duet-media.
#[derive(Debug, Clone)]
pub struct DuetMediaEngine {
    setup: MediaSetup,
}

impl DuetMediaEngine {
    /// An engine whose calls use the sources and sinks of `setup`.
    pub fn new(setup: MediaSetup) -> Self {
        Self { setup }
    }

    /// The sources and sinks every call uses.
    pub fn setup(&self) -> &MediaSetup {
        &self.setup
    }
}

impl MediaEngine for DuetMediaEngine {
    fn start(
        &self,
        call: MediaCallInfo,
        signals_out: mpsc::UnboundedSender<serde_json::Value>,
        events: MediaEvents,
    ) -> Box<dyn MediaSession> {
        let (commands, inbox) = mpsc::unbounded_channel();
        // The SDK calls `start` from its own task, so a runtime is always there to spawn on.
        tokio::spawn(session::run(
            self.setup.clone(),
            call,
            signals_out,
            events,
            inbox,
        ));
        Box::new(SessionHandle::new(commands))
    }

    fn set_beauty_level(&self, level: u8) {
        // The SDK checked the range; a refusal here would only repeat its check.
        if let Err(error) = self.setup.beauty().set_beauty_level(level) {
            tracing::warn!(%error, "beauty level refused");
        }
    }

    fn set_whiteness_level(&self, level: u8) {
        if let Err(error) = self.setup.beauty().set_whiteness_level(level) {
            tracing::warn!(%error, "whiteness level refused");
        }
    }

    /// The cameras, microphones or speakers the system reports now (`camera:N`, `mic:NAME`,
    /// `speaker:NAME`).
    fn devices(&self, kind: DeviceKind) -> Vec<MediaDevice> {
        crate::devices::list(kind)
    }

    /// A listed id, or a source in duet-media's grammar (`testsrc`, `tone:HZ`, `FILE.wav`, ...;
    /// docs/sdk.md).
    fn check_device(&self, kind: DeviceKind, id: &str) -> Result<(), String> {
        crate::devices::parse(kind, id).map(drop)
    }

    /// The screen and windows of `$DISPLAY` (X11), ids in duet-screen's form.
    fn share_targets(&self) -> Result<Vec<ShareTargetInfo>, String> {
        crate::share::targets()
    }

    /// A listed id, an X display's screen or window (`screen::5`, `window::5:0x1a00003`),
    /// `testsrc` or a `.y4m` file (docs/sdk.md).
    fn check_share_target(&self, target: &str) -> Result<(), String> {
        crate::share::ShareSource::parse(target).map(drop)
    }
}
