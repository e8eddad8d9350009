//! Sharing a screen or window: a second video track beside the camera, added when sharing
//! starts and removed when it stops, each time renegotiated over the call's signaling.
//!
//! The far side learns of it twice: the new track arrives through the renegotiated SDP (its id
//! is `duet-screen-<ssrc>`, which routes it to the screen's decode thread), and the control
//! channel's `screen` flag turns into its `RemoteScreenShare` event.

use std::sync::Arc;

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use tokio::sync::watch;

use super::lane::Lane;
use super::shared::Phase;
use super::start::{add_local_track, random_ssrc};
use super::video_capture::VideoCommand;
use super::video_send::Outlet;
use super::{negotiation, peer, CallMedia};
use crate::error::{MediaError, MediaResult};
use crate::frame::I420Frame;
use crate::sink::VideoSink;
use crate::source::VideoSource;

impl CallMedia {
    /// Starts sharing what `source` captures (a screen, a window, a file standing in for them)
    /// as a second video track, and renegotiates. While sharing already, the source is swapped
    /// with no renegotiation. Only in an answered call.
    pub async fn start_screen_share(&self, source: Box<dyn VideoSource>) -> MediaResult<()> {
        match self.shared.phase() {
            Phase::Released => {}
            Phase::Ringing => {
                return Err(MediaError::ScreenShare(
                    "a screen can be shared only once the call is answered".into(),
                ))
            }
            Phase::Closed => return Err(MediaError::Closed),
        }
        let mut sharing = self.screen.lock().await;
        if sharing.is_some() {
            return self.send_screen(VideoCommand::SetSource(Some(source)));
        }
        let ssrc = random_ssrc();
        let track = add_local_track(
            self.pc.as_ref(),
            RtpCodecKind::Video,
            Lane::Screen.name(),
            peer::vp8_codec(),
            ssrc,
        )
        .await?;
        *sharing = Some(track.sender.clone());
        self.screen_outlet.send_replace(Some(Outlet {
            track: track.track,
            sender: track.sender,
            ssrc: track.ssrc,
        }));
        self.send_screen(VideoCommand::SetSource(Some(source)))?;
        // The screen's thread starts sending (and tells the far side) from here on.
        self.send_screen(VideoCommand::Release)?;
        negotiation::renegotiate(&self.shared, self.pc.as_ref()).await
    }

    /// Stops sharing: the far side is told, the track is removed and the call renegotiated.
    /// Idempotent.
    pub async fn stop_screen_share(&self) -> MediaResult<()> {
        let mut sharing = self.screen.lock().await;
        let Some(sender) = sharing.take() else {
            return Ok(());
        };
        // A closed thread has nothing left to stop.
        let _ = self.send_screen(VideoCommand::SetSource(None));
        self.screen_outlet.send_replace(None);
        if self.shared.phase() == Phase::Closed {
            return Ok(());
        }
        self.pc.remove_track(&sender).await?;
        negotiation::renegotiate(&self.shared, self.pc.as_ref()).await
    }

    /// Whether we are sharing (a share whose source failed counts until it is stopped).
    pub async fn is_sharing_screen(&self) -> bool {
        self.screen.lock().await.is_some()
    }

    /// The latest decoded picture of the far side's shared screen; `changed().await` wakes on
    /// each new one.
    pub fn remote_screen(&self) -> watch::Receiver<Option<Arc<I420Frame>>> {
        self.remote_screen.clone()
    }

    /// Also sends every decoded picture of the far side's shared screen to `sink` (a recorder,
    /// a test probe). The old sink is finished when this returns.
    pub fn set_screen_sink(&self, sink: Option<Box<dyn VideoSink>>) {
        self.set_lane_sink(Lane::Screen, sink);
    }

    fn send_screen(&self, command: VideoCommand) -> MediaResult<()> {
        match self.shared.send_lane(Lane::Screen, command) {
            true => Ok(()),
            false => Err(MediaError::Closed),
        }
    }
}
