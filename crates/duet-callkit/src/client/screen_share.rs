//! [`CallKit`]'s screen sharing: what can be shared, and sharing it in the answered call as a
//! second video track beside the camera (beyond nertc-call, which has none).

use super::{Action, CallKit, CallKitError};
use crate::media::ShareTargetInfo;

impl CallKit {
    /// The screens and windows that can be shared now, the screen first, as the media engine
    /// lists them (empty without media, or without a display).
    pub fn screen_share_targets(&self) -> Result<Vec<ShareTargetInfo>, CallKitError> {
        self.inner
            .media
            .share_targets()
            .map_err(CallKitError::InvalidArgument)
    }

    /// Shares `target` (an id [`CallKit::screen_share_targets`] listed, or what else the media
    /// engine documents) in the answered call, or switches an ongoing share to it. The peer gets
    /// `SCREEN_SHARE_STARTED` (`remote`: true) and the track; this device gets it (`remote`:
    /// false) once the share is under way, or `SCREEN_SHARE_STOPPED` with a `reason` when it
    /// cannot start (the window is gone). Fails at once for a target the engine cannot share,
    /// or without an answered call.
    pub async fn start_screen_share(&self, target: &str) -> Result<(), CallKitError> {
        self.inner
            .media
            .check_share_target(target)
            .map_err(|reason| {
                CallKitError::InvalidArgument(format!("share `{target}`: {reason}"))
            })?;
        self.act(Action::ScreenShare(Some(target.to_owned())))
            .await
            .map(drop)
    }

    /// Stops sharing in the current call; both sides get `SCREEN_SHARE_STOPPED`. Nothing
    /// happens when nothing is shared.
    pub async fn stop_screen_share(&self) -> Result<(), CallKitError> {
        self.act(Action::ScreenShare(None)).await.map(drop)
    }
}
