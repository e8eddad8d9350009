//! Remote video: RTP -> frame assembly (async task) -> VP8 decode (thread) -> sinks.
//!
//! Nothing is decoded before release. Frames that complete before it (the peer released first)
//! are kept from their keyframe on and decoded at release, so the first picture needs no PLI
//! round trip and the sender no second keyframe. Frames that cannot be kept (a delta with no
//! keyframe before it, or a long backlog) make the assembler wait for a keyframe, and release
//! then asks for one (PLI).

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
    // Frames that completed before this side released, from the newest keyframe on. When the
    // peer released first, its opening keyframe arrives before our own release; keeping it
    // (undecoded until release) spares a PLI round trip and a second keyframe.
    let mut early: Vec<AssembledFrame> = Vec::new();
    // Whether any frame completed before release; with none of them kept, release asks for a
    // keyframe at once.
    let mut completed_early = false;
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
                let h = &packet.header;
                let outcome = assembler.push(
                    h.sequence_number,
                    h.timestamp,
                    h.marker,
                    &packet.payload,
                    Instant::now(),
                );
                if !shared.is_released() {
                    was_released = false;
                    completed_early |= !outcome.frames.is_empty();
                    if keep_early(&mut early, outcome.frames) {
                        // A dropped frame breaks the reference chain: wait for a keyframe.
                        assembler.reset();
                    }
                    continue;
                }
                let mut need = outcome.need_keyframe;
                let mut ready = outcome.frames;
                if !was_released {
                    was_released = true;
                    // The peer was sending but nothing decodable was kept: ask now rather than
                    // after its next frame.
                    need |= completed_early && early.is_empty();
                    completed_early = false;
                    ready.splice(0..0, early.drain(..));
                }
                for frame in ready {
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

/// Most frames kept before release (half a second at 30 fps); beyond that the peer has been
/// sending long enough that a fresh keyframe is better than decoding the backlog.
const MAX_EARLY_FRAMES: usize = 15;

/// Adds frames completed before release (a keyframe starts the kept run over); true when a
/// frame had to be dropped: a delta frame with no kept keyframe before it, or too many frames.
fn keep_early(early: &mut Vec<AssembledFrame>, frames: Vec<AssembledFrame>) -> bool {
    let mut dropped = false;
    for frame in frames {
        if frame.keyframe {
            early.clear();
        }
        if early.is_empty() && !frame.keyframe {
            dropped = true;
            continue;
        }
        early.push(frame);
        if early.len() > MAX_EARLY_FRAMES {
            early.clear();
            dropped = true;
        }
    }
    dropped
}

fn decode_loop(shared: Arc<Shared>, frames: Receiver<AssembledFrame>, pli: UnboundedSender<()>) {
    let mut decoder = match Vp8Decoder::new() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "cannot create VP8 decoder; remote video disabled");
            return;
        }
    };
    let mut first_frame_seen = false;
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
                if !std::mem::replace(&mut first_frame_seen, true) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ts: u32, keyframe: bool) -> AssembledFrame {
        AssembledFrame {
            data: vec![0],
            rtp_timestamp: ts,
            keyframe,
        }
    }

    fn stamps(early: &[AssembledFrame]) -> Vec<u32> {
        early.iter().map(|f| f.rtp_timestamp).collect()
    }

    #[test]
    fn keeps_the_newest_keyframe_and_what_follows_it() {
        let mut early = Vec::new();
        assert!(!keep_early(
            &mut early,
            vec![frame(1, true), frame(2, false)]
        ));
        assert!(!keep_early(&mut early, vec![frame(3, false)]));
        assert_eq!(stamps(&early), [1, 2, 3]);
        // A newer keyframe starts over.
        assert!(!keep_early(&mut early, vec![frame(4, true)]));
        assert_eq!(stamps(&early), [4]);
    }

    #[test]
    fn a_delta_without_a_keyframe_or_a_long_backlog_is_dropped() {
        let mut early = Vec::new();
        assert!(keep_early(&mut early, vec![frame(1, false)]));
        assert!(early.is_empty());
        let backlog: Vec<_> = (0..=MAX_EARLY_FRAMES as u32)
            .map(|n| frame(10 + n, n == 0))
            .collect();
        assert!(keep_early(&mut early, backlog));
        assert!(early.is_empty());
    }
}
