//! Remote video: RTP -> frame assembly (async task) -> VP8 decode (thread) -> sinks.
//!
//! Packets that arrive before release are dropped unassembled; on release the assembler
//! starts clean and a PLI asks the sender for a keyframe, so the first picture is decodable.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::assembler::{AssembledFrame, Vp8Assembler};
use super::events::MediaEvent;
use super::shared::{lock, Shared};
use crate::codec::vp8::Vp8Decoder;
use crate::frame::now_us;

/// Fewest milliseconds between two PLIs, so a burst of loss sends one request.
const PLI_INTERVAL: Duration = Duration::from_millis(200);

/// Starts receiving `track`.
pub(crate) fn spawn(shared: Arc<Shared>, track: Arc<dyn TrackRemote>) {
    let (frame_tx, frame_rx) = sync_channel::<AssembledFrame>(4);
    let (pli_tx, pli_rx) = unbounded_channel::<()>();
    let thread_shared = shared.clone();
    let spawned = std::thread::Builder::new()
        .name("duet-video-decode".into())
        .spawn(move || decode_loop(thread_shared, frame_rx, pli_tx));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start video decode thread");
        return;
    }
    shared
        .runtime
        .clone()
        .spawn(rtp_loop(shared, track, frame_tx, pli_rx));
}

async fn rtp_loop(
    shared: Arc<Shared>,
    track: Arc<dyn TrackRemote>,
    frames: std::sync::mpsc::SyncSender<AssembledFrame>,
    mut pli_requests: tokio::sync::mpsc::UnboundedReceiver<()>,
) {
    let mut assembler = Vp8Assembler::new();
    let mut was_released = false;
    let mut last_pli: Option<Instant> = None;
    let mut media_ssrc = 0;
    loop {
        let need_pli = tokio::select! {
            event = track.poll() => {
                let Some(event) = event else { break };
                let TrackRemoteEvent::OnRtpPacket(packet) = event else { continue };
                media_ssrc = packet.header.ssrc;
                shared
                    .counters
                    .video_bytes_received
                    .fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
                if !shared.is_released() {
                    was_released = false;
                    continue;
                }
                let mut need = false;
                if !was_released {
                    was_released = true;
                    assembler.reset();
                    need = true;
                }
                let h = &packet.header;
                let outcome = assembler.push(
                    h.sequence_number,
                    h.timestamp,
                    h.marker,
                    &packet.payload,
                    Instant::now(),
                );
                need |= outcome.need_keyframe;
                for frame in outcome.frames {
                    match frames.try_send(frame) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => {
                            // The decoder fell behind; skipping a frame breaks the reference
                            // chain, so restart from a keyframe.
                            assembler.reset();
                            need = true;
                            break;
                        }
                        Err(TrySendError::Disconnected(_)) => return,
                    }
                }
                need
            }
            () = shared.wait_closed() => break,
            request = pli_requests.recv() => {
                if request.is_none() { break; }
                assembler.reset();
                true
            }
        };
        if need_pli && last_pli.is_none_or(|t| t.elapsed() >= PLI_INTERVAL) {
            last_pli = Some(Instant::now());
            let pli = PictureLossIndication {
                sender_ssrc: 0,
                media_ssrc,
            };
            tracing::trace!(media_ssrc, "asking the sender for a keyframe (PLI)");
            if let Err(e) = track.write_rtcp(vec![Box::new(pli)]).await {
                tracing::debug!(error = %e, "PLI not sent");
            }
        }
    }
}

fn decode_loop(shared: Arc<Shared>, frames: Receiver<AssembledFrame>, pli: UnboundedSender<()>) {
    let mut decoder = match Vp8Decoder::new() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot create VP8 decoder; remote video disabled");
            return;
        }
    };
    while let Ok(frame) = frames.recv() {
        match decoder.decode(&frame.data) {
            Ok(Some(mut picture)) => {
                tracing::trace!(
                    rtp_timestamp = frame.rtp_timestamp,
                    keyframe = frame.keyframe,
                    "decoded remote video frame"
                );
                picture.capture_time_us = now_us();
                shared
                    .counters
                    .frames_decoded
                    .fetch_add(1, Ordering::Relaxed);
                if !shared.first_frame_seen.swap(true, Ordering::AcqRel) {
                    shared.emit(MediaEvent::FirstRemoteVideoFrame {
                        width: picture.width,
                        height: picture.height,
                    });
                }
                let mut outputs = lock(&shared.video_outputs);
                if let Some(extra) = outputs.extra.as_mut() {
                    if let Err(e) = extra.write_frame(&picture) {
                        tracing::warn!(error = %e, "video sink failed; removing it");
                        outputs.extra = None;
                    }
                }
                // Moved, not copied, into the latest-frame slot.
                outputs.latest.publish(Arc::new(picture));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(error = %e, "VP8 decode failed; asking for a keyframe");
                shared
                    .counters
                    .corrupt_frames
                    .fetch_add(1, Ordering::Relaxed);
                let _ = pli.send(());
            }
        }
    }
}
