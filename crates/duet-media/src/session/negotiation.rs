//! Offer/answer, trickled candidates, ICE restarts and renegotiation (a shared screen's track
//! added or removed).
//!
//! Only the caller makes offers, one at a time: an offer wanted while one awaits its answer
//! (a restart, a track added) is queued and sent when the answer is in.

use rtc::rtp_transceiver::rtp_sender::RtpCodecKind;
use rtc::rtp_transceiver::{RTCRtpTransceiverDirection, RTCRtpTransceiverInit};
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit, RTCSessionDescription};

use super::events::{MediaEvent, Role};
use super::shared::{lock, Queued, Shared};
use crate::error::{MediaError, MediaResult};
use crate::signal::MediaSignal;

fn signal_error(e: impl std::fmt::Display) -> MediaError {
    MediaError::Signal(e.to_string())
}

/// Creates and sends an offer (the caller's first, or an ICE restart).
pub(crate) async fn send_offer(shared: &Shared, pc: &dyn PeerConnection) -> MediaResult<()> {
    lock(&shared.offer_state).awaiting_answer = true;
    let offer = pc.create_offer(None).await?;
    pc.set_local_description(offer.clone()).await?;
    shared.emit(MediaEvent::SignalToSend {
        signal: MediaSignal::Offer { sdp: offer.sdp },
    });
    Ok(())
}

/// Applies a remote offer and sends the answer.
pub(crate) async fn answer(
    shared: &Shared,
    pc: &dyn PeerConnection,
    sdp: String,
) -> MediaResult<()> {
    let offer = RTCSessionDescription::offer(sdp).map_err(signal_error)?;
    pc.set_remote_description(offer)
        .await
        .map_err(signal_error)?;
    let answer = pc.create_answer(None).await?;
    pc.set_local_description(answer.clone()).await?;
    shared.emit(MediaEvent::SignalToSend {
        signal: MediaSignal::Answer { sdp: answer.sdp },
    });
    Ok(())
}

/// Applies the remote answer, then runs an ICE restart that was asked for meanwhile.
pub(crate) async fn accept_answer(
    shared: &Shared,
    pc: &dyn PeerConnection,
    sdp: String,
) -> MediaResult<()> {
    let answer = RTCSessionDescription::answer(sdp).map_err(signal_error)?;
    pc.set_remote_description(answer)
        .await
        .map_err(signal_error)?;
    let queued = {
        let mut state = lock(&shared.offer_state);
        state.awaiting_answer = false;
        std::mem::take(&mut state.queued)
    };
    match queued {
        Some(Queued { ice_restart }) => offer_when_free(shared, pc, ice_restart).await,
        None => Ok(()),
    }
}

/// Sends an offer now, or queues it (merged with any queued one) while an answer is awaited.
async fn offer_when_free(
    shared: &Shared,
    pc: &dyn PeerConnection,
    ice_restart: bool,
) -> MediaResult<()> {
    {
        // One offer at a time: a second one before the answer would make that answer arrive
        // in the wrong state.
        let mut state = lock(&shared.offer_state);
        if state.awaiting_answer {
            let queued = state.queued.get_or_insert(Queued::default());
            queued.ice_restart |= ice_restart;
            return Ok(());
        }
        state.awaiting_answer = true;
    }
    if ice_restart {
        pc.restart_ice().await?;
    }
    send_offer(shared, pc).await
}

/// Renegotiates after a local track was added or removed: the caller offers, the callee asks
/// the caller to.
pub(crate) async fn renegotiate(shared: &Shared, pc: &dyn PeerConnection) -> MediaResult<()> {
    match shared.role {
        Role::Caller => offer_when_free(shared, pc, false).await,
        Role::Callee => {
            shared.emit(MediaEvent::SignalToSend {
                signal: MediaSignal::RenegotiationRequest,
            });
            Ok(())
        }
    }
}

/// The caller's answer to a [`MediaSignal::RenegotiationRequest`]: an offer with a video
/// section the callee's new track can take. Besides the camera's, that is the section of our
/// own shared screen (used or not), or else a receive-only one added now; the callee's track
/// then takes it (RFC 9429 5.10: a remote section is matched to a local transceiver of the same
/// kind that no section has yet).
pub(crate) async fn offer_for_callee_track(
    shared: &Shared,
    pc: &dyn PeerConnection,
) -> MediaResult<()> {
    let mut video_transceivers = 0;
    for transceiver in pc.get_transceivers().await {
        let receives_video = match transceiver.receiver().await {
            Ok(Some(receiver)) => receiver.track().kind().await == RtpCodecKind::Video,
            _ => false,
        };
        if receives_video {
            video_transceivers += 1;
        }
    }
    if video_transceivers < 2 {
        let init = RTCRtpTransceiverInit {
            direction: RTCRtpTransceiverDirection::Recvonly,
            streams: Vec::new(),
            send_encodings: Vec::new(),
        };
        pc.add_transceiver_from_kind(RtpCodecKind::Video, Some(init))
            .await?;
    }
    offer_when_free(shared, pc, false).await
}

/// Adds a remote candidate.
pub(crate) async fn add_candidate(
    pc: &dyn PeerConnection,
    candidate: RTCIceCandidateInit,
) -> MediaResult<()> {
    pc.add_ice_candidate(candidate).await.map_err(signal_error)
}

/// Restarts ICE: the caller re-offers with new credentials, the callee asks the caller to.
pub(crate) async fn restart_ice(shared: &Shared, pc: &dyn PeerConnection) -> MediaResult<()> {
    match shared.role {
        Role::Caller => offer_when_free(shared, pc, true).await,
        Role::Callee => {
            shared.emit(MediaEvent::SignalToSend {
                signal: MediaSignal::IceRestartRequest,
            });
            Ok(())
        }
    }
}
