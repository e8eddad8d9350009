//! Turns webrtc-rs callbacks into Duet events and receive pipelines.

use std::sync::{Arc, OnceLock, Weak};

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use webrtc::data_channel::DataChannel;
use webrtc::media_stream::track_remote::TrackRemote;
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionEventHandler, RTCPeerConnectionIceEvent, RTCPeerConnectionState,
};

use super::events::{ConnectionState, MediaEvent};
use super::lane::Lane;
use super::shared::{Phase, Shared};
use super::{audio_recv, control, video_recv};
use crate::signal::MediaSignal;

pub(crate) struct Handler {
    pub shared: Arc<Shared>,
    pub peer: OnceLock<Weak<dyn PeerConnection>>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            Ok(init) => self.shared.emit(MediaEvent::SignalToSend {
                signal: MediaSignal::Candidate {
                    candidate: init.candidate,
                    sdp_mid: init.sdp_mid,
                    sdp_mline_index: init.sdp_mline_index,
                },
            }),
            Err(e) => tracing::warn!(error = %e, "local candidate not serialisable"),
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        let state = match state {
            RTCPeerConnectionState::New => ConnectionState::New,
            RTCPeerConnectionState::Connecting => ConnectionState::Connecting,
            RTCPeerConnectionState::Connected => ConnectionState::Connected,
            RTCPeerConnectionState::Disconnected => ConnectionState::Disconnected,
            RTCPeerConnectionState::Failed => ConnectionState::Failed,
            RTCPeerConnectionState::Closed => ConnectionState::Closed,
            _ => return,
        };
        self.shared.emit(MediaEvent::ConnectionState { state });
        if state == ConnectionState::Connected {
            // Whatever was encoded before the DTLS handshake finished was dropped unencrypted
            // (webrtc-rs logs "local_srtp_context is not set yet"), the opening keyframe of an
            // instantly answered call among it: start the picture again with a keyframe.
            self.shared.request_lane_keyframe(Lane::Camera);
            self.shared.request_lane_keyframe(Lane::Screen);
        }
        if state == ConnectionState::Failed && self.shared.phase() != Phase::Closed {
            if let Some(pc) = self.peer.get().and_then(Weak::upgrade) {
                let shared = self.shared.clone();
                self.shared.runtime.spawn(async move {
                    if let Err(e) = super::negotiation::restart_ice(&shared, pc.as_ref()).await {
                        tracing::warn!(error = %e, "ICE restart failed");
                    }
                });
            }
        }
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        match track.kind().await {
            RtpCodecKind::Video => {
                let lane = Lane::of_remote_track(&track.track_id().await);
                video_recv::spawn(self.shared.clone(), lane, track)
            }
            RtpCodecKind::Audio => audio_recv::spawn(self.shared.clone(), track),
            _ => {}
        }
    }

    async fn on_data_channel(&self, channel: Arc<dyn DataChannel>) {
        if channel.label().await.is_ok_and(|l| l == control::LABEL) {
            control::attach(
                self.shared.clone(),
                channel,
                self.shared.availability.subscribe(),
            );
        }
    }
}
