//! Remote video: RTP -> frame assembly (this async task) -> the decode thread
//! ([`super::video_decode`]) -> sinks.
//!
//! Nothing is decoded before release. Frames that complete before it (the peer released first)
//! are kept from their keyframe on and decoded at release, so the first picture needs no PLI
//! round trip and the sender no second keyframe. Frames that cannot be kept (a delta with no
//! keyframe before it, or a long backlog) make the assembler wait for a keyframe, and release
//! then asks for one (PLI).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{Sender, TrySendError};
use rtc::rtcp::payload_feedbacks::picture_loss_indication::PictureLossIndication;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::watch;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::assembler::{AssembledFrame, Vp8Assembler, MAX_GAP_WAIT};
use super::lane::Lane;
use super::pli_pacer::PliPacer;
use super::shared::{Phase, Shared};
use super::video_decode::DecodeCommand;

/// Frames waiting for the decoder; one more means it fell behind. A gap repaired late releases
/// every frame held behind it at once: up to [`MAX_GAP_WAIT`] of frames at 60 fps. With room for
/// only four, a repair after 130 ms at 30 fps overflowed the queue, and the "fallen behind"
/// decoder asked for a keyframe that froze the picture (25 of them in 30 s at 20 % loss).
const DECODE_QUEUE: usize = (MAX_GAP_WAIT.as_millis() as usize * 60).div_ceil(1000) + 1;

/// Starts receiving `track`: attaches a frame channel to the decode thread and assembles frames
/// into it until the track ends or the session closes.
pub(crate) fn spawn(shared: Arc<Shared>, lane: Lane, track: Arc<dyn TrackRemote>) {
    let (frames, attached) = crossbeam_channel::bounded(DECODE_QUEUE);
    let (keyframe_requests, requests) = unbounded_channel();
    let attach = DecodeCommand::Attach {
        frames: attached,
        keyframe_requests,
    };
    if shared.decode_lane(lane).send(attach).is_err() {
        // No decode thread (closed, or it could not start): nothing would be shown.
        return;
    }
    let mut phase = shared.phase.subscribe();
    // The session may have been released already: the task's first turn reads the phase.
    phase.mark_changed();
    let receive = VideoReceive {
        phase,
        shared: shared.clone(),
        lane,
        track,
        frames,
        keyframe_requests: requests,
        released: false,
        assembler: Vp8Assembler::new(),
        early: Vec::new(),
        completed_early: false,
        was_released: false,
        pli_pacer: PliPacer::default(),
        media_ssrc: 0,
    };
    shared.runtime.spawn(receive.run());
}

/// The receive task's state: the assembler and what decides when frames go to the decoder.
struct VideoReceive {
    shared: Arc<Shared>,
    lane: Lane,
    track: Arc<dyn TrackRemote>,
    /// The session's phase; this task keeps its own `released` from it.
    phase: watch::Receiver<Phase>,
    frames: Sender<AssembledFrame>,
    /// The decode thread asks for a keyframe here when a frame fails.
    keyframe_requests: UnboundedReceiver<()>,
    released: bool,
    assembler: Vp8Assembler,
    /// Frames that completed before this side released, from the newest keyframe on. When the
    /// peer released first, its opening keyframe arrives before our own release; keeping it
    /// (undecoded until release) spares a PLI round trip and a second keyframe.
    early: Vec<AssembledFrame>,
    /// Whether any frame completed before release; with none of them kept, release asks for a
    /// keyframe at once.
    completed_early: bool,
    was_released: bool,
    pli_pacer: PliPacer,
    media_ssrc: u32,
}

impl VideoReceive {
    /// Runs until the track ends, the session closes or the decoder is gone. A phase change is
    /// taken before a packet that arrived with it.
    async fn run(mut self) {
        loop {
            let need_pli = tokio::select! {
                biased;
                changed = self.phase.changed() => {
                    let phase = changed.map_or(Phase::Closed, |()| *self.phase.borrow_and_update());
                    match phase {
                        Phase::Closed => break,
                        Phase::Released => self.released = true,
                        Phase::Ringing => {}
                    }
                    continue;
                }
                event = self.track.poll() => match event {
                    Some(TrackRemoteEvent::OnRtpPacket(packet)) => match self.on_packet(&packet) {
                        Some(need) => need,
                        // The decode thread has stopped.
                        None => break,
                    },
                    Some(_) => continue,
                    None => break,
                },
                request = self.keyframe_requests.recv() => {
                    if request.is_none() {
                        break;
                    }
                    tracing::trace!("keyframe needed: a frame failed to decode");
                    self.assembler.reset();
                    true
                }
            };
            let waiting = self.assembler.waiting_for_keyframe();
            if self.pli_pacer.decide(Instant::now(), need_pli, waiting) {
                self.send_pli().await;
            }
        }
    }

    /// Assembles `packet`; once released, completed frames go to the decoder. Whether to ask for
    /// a keyframe, or `None` when the decoder is gone.
    fn on_packet(&mut self, packet: &rtc::rtp::Packet) -> Option<bool> {
        self.media_ssrc = packet.header.ssrc;
        self.shared
            .counters
            .video(self.lane)
            .bytes_received
            .fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
        let h = &packet.header;
        let was_waiting = self.assembler.waiting_for_keyframe();
        let outcome = self.assembler.push(
            h.sequence_number,
            h.timestamp,
            h.marker,
            &packet.payload,
            Instant::now(),
        );
        if !self.released {
            self.was_released = false;
            self.completed_early |= !outcome.frames.is_empty();
            if keep_early(&mut self.early, outcome.frames) {
                // A dropped frame breaks the reference chain: wait for a keyframe.
                self.assembler.reset();
            }
            return Some(false);
        }
        let mut need = outcome.need_keyframe;
        if need && !was_waiting {
            tracing::trace!(
                seq = h.sequence_number,
                "keyframe needed: a gap was not repaired in time"
            );
        }
        let mut ready = outcome.frames;
        if !self.was_released {
            self.was_released = true;
            // The peer was sending but nothing decodable was kept: ask now rather than after
            // its next frame.
            need |= self.completed_early && self.early.is_empty();
            self.completed_early = false;
            ready.splice(0..0, self.early.drain(..));
        }
        self.forward(ready).map(|fell_behind| need || fell_behind)
    }

    /// Hands `ready` to the decoder: whether it fell behind (a keyframe is needed), or `None`
    /// when it is gone.
    fn forward(&mut self, ready: Vec<AssembledFrame>) -> Option<bool> {
        for frame in ready {
            match self.frames.try_send(frame) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    // The decoder fell behind; skipping a frame breaks the reference chain, so
                    // restart from a keyframe.
                    tracing::trace!("keyframe needed: the decoder fell behind");
                    self.assembler.reset();
                    return Some(true);
                }
                Err(TrySendError::Disconnected(_)) => return None,
            }
        }
        Some(false)
    }

    /// Asks the sender for a keyframe.
    async fn send_pli(&mut self) {
        let pli = PictureLossIndication {
            sender_ssrc: 0,
            media_ssrc: self.media_ssrc,
        };
        tracing::trace!(
            media_ssrc = self.media_ssrc,
            "asking the sender for a keyframe (PLI)"
        );
        if let Err(e) = self.track.write_rtcp(vec![Box::new(pli)]).await {
            tracing::debug!(error = %e, "PLI not sent");
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
