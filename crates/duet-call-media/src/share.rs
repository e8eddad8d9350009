//! Screen sharing for SDK calls: what a share target names, listing what can be shared, and
//! starting, stopping and ending a call's share as its media task's commands.
//!
//! A target is one of duet-screen's forms (`screen`, `screen::5` for X display `:5`,
//! `window:0x1a00003`, `window::5:0x1a00003`), or, for tests and bots with no display, `testsrc`
//! (the moving test pattern) or a `.y4m` file (played at its own rate, looping).

use std::path::PathBuf;

use duet_callkit::{MediaEvents, ShareTargetInfo};
use duet_media::source::screen::{ScreenShareSettings, ScreenSource};
use duet_media::source::test_pattern::TestPatternSource;
use duet_media::source::y4m::Y4mSource;
use duet_media::source::VideoSource;
use duet_media::{CallMedia, MediaResult};
use duet_screen::ShareTarget;
use tracing::{info, warn};

/// What a share target names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShareSource {
    /// A screen or window of an X display, or the Wayland desktop's choice (the portal).
    Display(ShareTarget),
    /// The moving test pattern, at the share's largest size.
    TestPattern,
    /// A YUV4MPEG2 file.
    Y4mFile(PathBuf),
}

impl ShareSource {
    /// Reads a target's text; why not, for text that names nothing shareable.
    pub fn parse(target: &str) -> Result<Self, String> {
        if target == "testsrc" {
            return Ok(ShareSource::TestPattern);
        }
        if target.ends_with(".y4m") {
            return Ok(ShareSource::Y4mFile(PathBuf::from(target)));
        }
        target
            .parse::<ShareTarget>()
            .map(ShareSource::Display)
            .map_err(|e| {
                format!(
                    "{e} (a share target is `screen`, `window:ID`, `portal`, `testsrc` or a .y4m \
                     file)"
                )
            })
    }

    /// Opens it for sharing with `settings`.
    pub fn open(&self, settings: ScreenShareSettings) -> MediaResult<Box<dyn VideoSource>> {
        Ok(match self {
            ShareSource::Display(target) => Box::new(ScreenSource::open(target, settings)?),
            ShareSource::TestPattern => Box::new(TestPatternSource::new(
                settings.max_width,
                settings.max_height,
                settings.frame_rate,
            )?),
            ShareSource::Y4mFile(path) => Box::new(Y4mSource::open(path)?),
        })
    }
}

/// The screens and windows of `$DISPLAY`, the screen first.
pub(crate) fn targets() -> Result<Vec<ShareTargetInfo>, String> {
    let listed = duet_screen::list_targets(None).map_err(|e| e.to_string())?;
    Ok(listed
        .into_iter()
        .map(|info| ShareTargetInfo {
            id: info.target.to_string(),
            kind: match info.target {
                ShareTarget::Screen { .. } => "screen".into(),
                ShareTarget::Window { .. } => "window".into(),
                ShareTarget::Portal => "portal".into(),
            },
            title: info.title,
            width: info.width,
            height: info.height,
        })
        .collect())
}

/// A call's share, as its media task keeps it.
#[derive(Debug, Default)]
pub(crate) struct Share {
    sharing: bool,
}

impl Share {
    /// Shares `target` (or switches an ongoing share to it); reports the start, or why not.
    pub async fn start(
        &mut self,
        media: &CallMedia,
        target: &str,
        settings: ScreenShareSettings,
        events: &MediaEvents,
    ) {
        // Opened off the task's thread: the desktop's portal waits for the user to pick in its
        // dialog, and an X display may be slow to answer.
        let opened = match ShareSource::parse(target) {
            Ok(source) => tokio::task::spawn_blocking(move || source.open(settings))
                .await
                .unwrap_or_else(|e| {
                    Err(duet_media::MediaError::ScreenShare(format!(
                        "opening the share failed: {e}"
                    )))
                })
                .map_err(|e| e.reason()),
            Err(reason) => Err(reason),
        };
        let started = match opened {
            Ok(source) => media
                .start_screen_share(source)
                .await
                .map_err(|e| e.reason()),
            Err(reason) => Err(reason),
        };
        match started {
            Ok(()) => {
                info!(target, "screen share started");
                if !std::mem::replace(&mut self.sharing, true) {
                    events.screen_share_started(false);
                }
            }
            Err(reason) => {
                warn!(target, %reason, "screen share not started");
                // A switch that failed leaves the share as it was (the old source runs on).
                if !self.sharing {
                    events.screen_share_stopped(false, Some(&reason));
                }
            }
        }
    }

    /// Stops sharing; `reason` when the share ended by itself (its source failed).
    pub async fn stop(&mut self, media: &CallMedia, reason: Option<&str>, events: &MediaEvents) {
        if let Err(error) = media.stop_screen_share().await {
            warn!(%error, "screen share not stopped cleanly");
        }
        if std::mem::take(&mut self.sharing) {
            info!(reason, "screen share stopped");
            events.screen_share_stopped(false, reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_to_what_they_name() {
        assert_eq!(ShareSource::parse("testsrc"), Ok(ShareSource::TestPattern));
        assert_eq!(
            ShareSource::parse("/tmp/a.y4m"),
            Ok(ShareSource::Y4mFile("/tmp/a.y4m".into()))
        );
        assert!(matches!(
            ShareSource::parse("screen::5"),
            Ok(ShareSource::Display(ShareTarget::Screen { display: Some(d) })) if d == ":5"
        ));
        assert_eq!(
            ShareSource::parse("portal"),
            Ok(ShareSource::Display(ShareTarget::Portal))
        );
        let bad = ShareSource::parse("camera:0").unwrap_err();
        assert!(bad.contains("a share target is"), "{bad}");
    }
}
