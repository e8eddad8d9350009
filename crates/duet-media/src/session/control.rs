//! The control data channel: tells the far side whether our audio, video and shared screen are
//! available.
//!
//! Mute and camera-off stop RTP entirely (no bandwidth spent on silence or black frames), so
//! the far side cannot infer them from the media; instead each side sends
//! `{"audio": bool, "video": bool, "screen": bool}` on an ordered SCTP data channel whenever its
//! state changes and when the channel opens (`screen` may be absent: a peer that cannot share
//! sends none, read as false). The receiver turns changes into `RemoteAudioAvailable` /
//! `RemoteVideoAvailable` events (nertc-call's AUDIO_AVAILABLE and VIDEO_AVAILABLE) and
//! `RemoteScreenShare` (SCREEN_SHARE_STARTED / SCREEN_SHARE_STOPPED).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::watch;
use webrtc::data_channel::{DataChannel, DataChannelEvent};

use super::events::MediaEvent;
use super::shared::Shared;

/// The data channel's label; the caller creates it, the callee accepts it.
pub const LABEL: &str = "duet-control";

/// One availability message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// Our microphone is sending.
    pub audio: bool,
    /// Our camera is sending.
    pub video: bool,
    /// We are sharing a screen or window (its track is negotiated and sending).
    #[serde(default)]
    pub screen: bool,
    /// Our camera is on but paused because the path cannot carry minBitrate
    /// (`video_pause.rs`); `video` is false meanwhile. Local only: the far side learns it from
    /// signaling's `call.media`, so it is not sent on the channel.
    #[serde(skip)]
    pub video_paused: bool,
}

/// What the far side said last: audio and video `None` until it first says; not sharing is
/// where a call starts, so only a change from it is news.
#[derive(Debug, Default)]
struct RemoteState {
    audio: Option<bool>,
    video: Option<bool>,
    screen: bool,
}

/// Runs the channel on a task that alone holds it: sends our state on open and on each change,
/// applies the far side's, and lets go of the channel when either side closes.
pub(crate) fn attach(
    shared: Arc<Shared>,
    channel: Arc<dyn DataChannel>,
    mut local: watch::Receiver<Availability>,
) {
    let runtime = shared.runtime.clone();
    runtime.spawn(async move {
        // The callee may get the channel already open, so try once straight away.
        let state = *local.borrow_and_update();
        send(&channel, state).await;
        let mut remote = RemoteState::default();
        loop {
            tokio::select! {
                event = channel.poll() => match event {
                    Some(DataChannelEvent::OnOpen) => {
                        let state = *local.borrow_and_update();
                        send(&channel, state).await;
                    }
                    Some(DataChannelEvent::OnMessage(message)) => {
                        apply(&shared, &mut remote, &message.data)
                    }
                    Some(DataChannelEvent::OnClose) | None => break,
                    Some(_) => {}
                },
                () = shared.wait_closed() => break,
                changed = local.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    // Before the channel opens this fails; OnOpen then sends the latest state.
                    let state = *local.borrow_and_update();
                    send(&channel, state).await;
                }
            }
        }
    });
}

async fn send(channel: &Arc<dyn DataChannel>, state: Availability) {
    let text = serde_json::json!({
        "audio": state.audio,
        "video": state.video,
        "screen": state.screen,
    })
    .to_string();
    if let Err(e) = channel.send_text(&text).await {
        tracing::debug!(error = %e, "control message not sent yet");
    }
}

fn apply(shared: &Shared, remote: &mut RemoteState, data: &[u8]) {
    let Ok(state) = serde_json::from_slice::<Availability>(data) else {
        tracing::warn!("ignoring malformed control message");
        return;
    };
    if remote.audio != Some(state.audio) {
        remote.audio = Some(state.audio);
        shared.emit(MediaEvent::RemoteAudioAvailable {
            available: state.audio,
        });
    }
    if remote.video != Some(state.video) {
        remote.video = Some(state.video);
        shared.emit(MediaEvent::RemoteVideoAvailable {
            available: state.video,
        });
    }
    if remote.screen != state.screen {
        remote.screen = state.screen;
        shared.emit(MediaEvent::RemoteScreenShare {
            sharing: state.screen,
        });
    }
}
