//! The app's media engine: each call gets duet-media with the settings of the moment (devices,
//! resolution, bitrate); remote video goes to the page's remote slot, the peer's shared screen to
//! the remote-screen slot and the filtered camera picture to the local preview slot; one beauty control serves every call and the preview.

use crate::frames::{FrameHub, Stream};
use crate::media::sources::{media_config, SourceOverrides};
use crate::store::settings::Settings;
use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{
    DeviceKind, MediaCallInfo, MediaDevice, MediaEngine, MediaEvents, MediaSession, ShareTargetInfo,
};
use duet_media::sink::VideoSink;
use duet_media::BeautyControl;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Builds each call's media from the current settings.
pub struct AppMediaEngine {
    settings: Arc<Mutex<Settings>>,
    overrides: SourceOverrides,
    frames: FrameHub,
    beauty: BeautyControl,
}

impl AppMediaEngine {
    /// An engine reading `settings` at the start of every call, with the settings' filter levels.
    pub fn new(
        settings: Arc<Mutex<Settings>>,
        overrides: SourceOverrides,
        frames: FrameHub,
    ) -> Self {
        let engine = Self {
            settings,
            overrides,
            frames,
            beauty: BeautyControl::new(),
        };
        let current = engine.current_settings();
        engine.apply_filter_levels(&current);
        engine
    }

    fn current_settings(&self) -> Settings {
        self.settings
            .lock()
            // Settings are replaced whole; a panic elsewhere cannot leave them half-written.
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Sets the beauty and whiteness levels of running calls and previews (next frame on).
    pub fn apply_filter_levels(&self, settings: &Settings) {
        // Settings were validated (0..=9), so the control accepts both.
        if let Err(error) = self.beauty.set_beauty_level(settings.beauty) {
            tracing::warn!(%error, "beauty level refused");
        }
        if let Err(error) = self.beauty.set_whiteness_level(settings.whiteness) {
            tracing::warn!(%error, "whiteness level refused");
        }
    }

    /// The media setup a call (or preview) started now would use.
    pub fn setup(&self) -> MediaSetup {
        let settings = self.current_settings();
        let remote = self.frames.clone();
        let local = self.frames.clone();
        let screen = self.frames.clone();
        MediaSetup::from_config(media_config(&settings, &self.overrides))
            .with_beauty(self.beauty.clone())
            .with_video_sink(Arc::new(move |_call| {
                Ok(Box::new(remote.sink(Stream::Remote)) as Box<dyn VideoSink>)
            }))
            .with_local_preview(Arc::new(move |_call| {
                Ok(Box::new(local.sink(Stream::LocalFiltered)) as Box<dyn VideoSink>)
            }))
            .with_screen_sink(Arc::new(move |_call| {
                Ok(Box::new(screen.sink(Stream::RemoteScreen)) as Box<dyn VideoSink>)
            }))
    }
}

impl MediaEngine for AppMediaEngine {
    fn start(
        &self,
        mut call: MediaCallInfo,
        signals_out: mpsc::UnboundedSender<serde_json::Value>,
        events: MediaEvents,
    ) -> Box<dyn MediaSession> {
        // The SDK's config holds the policy, size and bitrates of the sign-in; a change in
        // settings since then applies from this call on, without signing in again.
        let settings = self.current_settings();
        call.ice_policy = settings.ice_policy.into();
        (call.profile.video_width, call.profile.video_height) = settings.resolution.size();
        call.profile.min_bitrate_kbps = settings.min_bitrate_kbps();
        call.profile.max_bitrate_kbps = settings.max_bitrate_kbps;
        // A new call must not flash the previous call's last frames.
        self.frames.clear(Stream::Remote);
        self.frames.clear(Stream::LocalFiltered);
        self.frames.clear(Stream::RemoteScreen);
        // Statistics and the first-frame event flow back to the SDK through `events`.
        DuetMediaEngine::new(self.setup()).start(call, signals_out, events)
    }

    fn set_beauty_level(&self, level: u8) {
        if let Err(error) = self.beauty.set_beauty_level(level) {
            tracing::warn!(%error, "beauty level refused");
        }
    }

    fn set_whiteness_level(&self, level: u8) {
        if let Err(error) = self.beauty.set_whiteness_level(level) {
            tracing::warn!(%error, "whiteness level refused");
        }
    }

    fn devices(&self, kind: DeviceKind) -> Vec<MediaDevice> {
        DuetMediaEngine::new(self.setup()).devices(kind)
    }

    fn check_device(&self, kind: DeviceKind, id: &str) -> Result<(), String> {
        DuetMediaEngine::new(self.setup()).check_device(kind, id)
    }

    fn share_targets(&self) -> Result<Vec<ShareTargetInfo>, String> {
        DuetMediaEngine::new(self.setup()).share_targets()
    }

    fn check_share_target(&self, target: &str) -> Result<(), String> {
        DuetMediaEngine::new(self.setup()).check_share_target(target)
    }
}
