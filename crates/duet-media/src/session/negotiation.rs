//! Offer/answer, trickled candidates and ICE restarts.

use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit, RTCSessionDescription};

use super::events::{MediaEvent, Role};
use super::shared::{lock, Shared};
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
    let restart = {
        let mut state = lock(&shared.offer_state);
        state.awaiting_answer = false;
        std::mem::take(&mut state.restart_queued)
    };
    if restart {
        restart_ice(shared, pc).await?;
    }
    Ok(())
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
        Role::Caller => {
            {
                // One offer at a time: a second one before the answer would make that answer
                // arrive in the wrong state. The restart runs when the answer is in.
                let mut state = lock(&shared.offer_state);
                if state.awaiting_answer {
                    state.restart_queued = true;
                    return Ok(());
                }
                state.awaiting_answer = true;
            }
            pc.restart_ice().await?;
            send_offer(shared, pc).await
        }
        Role::Callee => {
            shared.emit(MediaEvent::SignalToSend {
                signal: MediaSignal::IceRestartRequest,
            });
            Ok(())
        }
    }
}
