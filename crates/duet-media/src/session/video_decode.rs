//! A video decode thread, one per lane (the far side's camera, its shared screen): it alone owns
//! the VP8 decoder and where decoded remote video goes (the latest-frame slot, plus one optional
//! extra sink: a recorder, a test probe). The receive
//! task hands it assembled frames over a channel it attaches; everyone else changes it with
//! [`DecodeCommand`]s, which it takes before the next frame.
//!
//! Decoding runs on a thread because libvpx is CPU bound.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{never, select_biased, Receiver};
use tokio::sync::mpsc::UnboundedSender;

use super::assembler::AssembledFrame;
use super::events::MediaEvent;
use super::lane::Lane;
use super::shared::Shared;
use crate::codec::vp8::Vp8Decoder;
use crate::frame::now_us;
use crate::sink::latest_frame::LatestFrameSink;
use crate::sink::VideoSink;

/// The extra sink, as [`DecodeCommand::SetSink`] hands it over and back.
pub(crate) type ExtraSink = Option<Box<dyn VideoSink>>;

/// Instructions for the decode thread, applied in the order sent.
pub(crate) enum DecodeCommand {
    /// A remote video track started: its assembled frames, and where to ask the receive task
    /// for a keyframe when a frame does not decode. Decoding starts afresh (a new decoder).
    Attach {
        frames: Receiver<AssembledFrame>,
        keyframe_requests: UnboundedSender<()>,
    },
    /// Also sends every decoded frame to `sink` (None: the latest-frame slot only). The sink it
    /// replaces goes back on `replaced`, so the sender finishes it before it goes on.
    SetSink {
        sink: ExtraSink,
        replaced: std::sync::mpsc::Sender<ExtraSink>,
    },
    /// Ends the thread, finishing the extra sink first.
    Stop,
}

/// The attached track's side of the thread.
struct Track {
    decoder: Vp8Decoder,
    keyframe_requests: UnboundedSender<()>,
    first_frame_seen: bool,
}

/// The state the decode thread owns.
struct Decode {
    shared: Arc<Shared>,
    lane: Lane,
    commands: Receiver<DecodeCommand>,
    /// The attached track's frames; `never()` while none is attached.
    frames: Receiver<AssembledFrame>,
    track: Option<Track>,
    latest: LatestFrameSink,
    extra: ExtraSink,
}

/// Starts the decode thread, publishing into `latest`; `None` (logged) when it cannot start, and
/// the call goes on without remote video.
pub(crate) fn start(
    shared: Arc<Shared>,
    lane: Lane,
    latest: LatestFrameSink,
    commands: Receiver<DecodeCommand>,
) -> Option<JoinHandle<()>> {
    let decode = Decode {
        shared,
        lane,
        commands,
        frames: never(),
        track: None,
        latest,
        extra: None,
    };
    std::thread::Builder::new()
        .name(format!("duet-{}-decode", lane.name()))
        .spawn(move || decode.run())
        .inspect_err(|e| tracing::error!(error = %e, "cannot start video decode thread"))
        .ok()
}

impl Decode {
    /// Runs until stopped, taking waiting commands before the next frame.
    fn run(mut self) {
        loop {
            select_biased! {
                recv(self.commands) -> command => match command {
                    Ok(command) => {
                        if !self.apply(command) {
                            return;
                        }
                    }
                    // Every sender is gone: nobody can stop or feed this thread any more.
                    Err(_) => return,
                },
                recv(self.frames) -> frame => match frame {
                    Ok(frame) => self.decode(&frame),
                    // The track ended.
                    Err(_) => self.detach(),
                },
            }
        }
    }

    /// Applies one command; false means stop.
    fn apply(&mut self, command: DecodeCommand) -> bool {
        match command {
            DecodeCommand::Attach {
                frames,
                keyframe_requests,
            } => self.attach(frames, keyframe_requests),
            DecodeCommand::SetSink { sink, replaced } => {
                let old = std::mem::replace(&mut self.extra, sink);
                // A sender that stopped waiting leaves the old sink here, dropped (finished) now.
                let _ = replaced.send(old);
            }
            DecodeCommand::Stop => return false,
        }
        true
    }

    fn attach(&mut self, frames: Receiver<AssembledFrame>, keyframe_requests: UnboundedSender<()>) {
        match Vp8Decoder::new() {
            Ok(decoder) => {
                self.frames = frames;
                self.track = Some(Track {
                    decoder,
                    keyframe_requests,
                    first_frame_seen: false,
                });
            }
            // Dropping `frames` tells the receive task nobody decodes.
            Err(e) => {
                tracing::error!(error = %e, "cannot create VP8 decoder; remote video disabled");
                self.detach();
            }
        }
    }

    fn detach(&mut self) {
        self.frames = never();
        self.track = None;
    }

    /// Decodes `frame` and hands the picture to the sinks; a frame that fails asks for a
    /// keyframe.
    fn decode(&mut self, frame: &AssembledFrame) {
        let Some(track) = self.track.as_mut() else {
            return;
        };
        let counters = &self.shared.counters;
        let mut picture = match track.decoder.decode(&frame.data) {
            Ok(Some(picture)) => picture,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!(error = %e, "VP8 decode failed; asking for a keyframe");
                counters.corrupt_frames.fetch_add(1, Ordering::Relaxed);
                let _ = track.keyframe_requests.send(());
                return;
            }
        };
        tracing::trace!(
            rtp_timestamp = frame.rtp_timestamp,
            keyframe = frame.keyframe,
            "decoded remote video frame"
        );
        picture.capture_time_us = now_us();
        counters
            .video(self.lane)
            .frames_decoded
            .fetch_add(1, Ordering::Relaxed);
        if !std::mem::replace(&mut track.first_frame_seen, true) {
            let (width, height) = (picture.width, picture.height);
            self.shared.emit(match self.lane {
                Lane::Camera => MediaEvent::FirstRemoteVideoFrame { width, height },
                Lane::Screen => MediaEvent::FirstRemoteScreenFrame { width, height },
            });
        }
        if let Some(extra) = self.extra.as_mut() {
            if let Err(e) = extra.write_frame(&picture) {
                tracing::warn!(error = %e, "video sink failed; removing it");
                self.extra = None;
            }
        }
        // Moved, not copied, into the latest-frame slot.
        self.latest.publish(Arc::new(picture));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::vp8::{Vp8Encoder, Vp8EncoderConfig};
    use crate::error::MediaResult;
    use crate::frame::I420Frame;
    use crate::session::shared::for_test;
    use std::sync::mpsc::{channel, Sender};

    /// Reports each picture's size, and its own drop (a recording finished), by its number.
    struct Tracked {
        number: u8,
        shown: Sender<(u8, u32)>,
        finished: Sender<u8>,
    }

    impl VideoSink for Tracked {
        fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
            let _ = self.shown.send((self.number, frame.width));
            Ok(())
        }
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            let _ = self.finished.send(self.number);
        }
    }

    fn keyframe() -> AssembledFrame {
        let mut encoder = Vp8Encoder::new(Vp8EncoderConfig {
            width: 64,
            height: 48,
            fps: 30,
            bitrate_kbps: 300,
            threads: 1,
            screen_content: false,
        })
        .unwrap();
        let frame = I420Frame::black(64, 48).unwrap();
        let encoded = encoder.encode(&frame, true).unwrap().remove(0);
        AssembledFrame {
            data: encoded.data,
            rtp_timestamp: 0,
            keyframe: encoded.keyframe,
        }
    }

    /// Sets the extra sink through the thread's inbox, as `CallMedia::set_video_sink` does.
    fn set_sink(shared: &Shared, sink: ExtraSink) -> ExtraSink {
        let (replaced, old) = std::sync::mpsc::channel();
        let command = DecodeCommand::SetSink { sink, replaced };
        assert!(shared.decode_commands.send(command).is_ok());
        old.recv().unwrap()
    }

    #[test]
    fn an_attached_tracks_frames_reach_both_sinks_and_stop_finishes_the_extra_one() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (shared, inboxes) = for_test(&runtime);
        let latest = LatestFrameSink::new();
        let mut slot = latest.subscribe();
        let thread = start(shared.clone(), Lane::Camera, latest, inboxes.decode).unwrap();
        let (shown, shows) = channel();
        let (finished, finishes) = channel();
        let sink = |number| -> ExtraSink {
            Some(Box::new(Tracked {
                number,
                shown: shown.clone(),
                finished: finished.clone(),
            }))
        };
        assert!(set_sink(&shared, sink(1)).is_none());

        let (frames, attached) = crossbeam_channel::bounded(4);
        let (keyframe_requests, _requests) = tokio::sync::mpsc::unbounded_channel();
        let attach = DecodeCommand::Attach {
            frames: attached,
            keyframe_requests,
        };
        assert!(shared.decode_commands.send(attach).is_ok());
        frames.send(keyframe()).unwrap();
        assert_eq!(shows.recv(), Ok((1, 64)));
        // The slot is published right after the extra sink.
        runtime.block_on(slot.changed()).unwrap();
        assert_eq!(
            slot.borrow_and_update().as_ref().map(|f| f.height),
            Some(48)
        );

        // The replaced sink comes back to be finished by the sender.
        let first = set_sink(&shared, sink(2));
        assert!(finishes.try_recv().is_err());
        drop(first);
        assert_eq!(finishes.try_recv(), Ok(1));
        assert!(shared.decode_commands.send(DecodeCommand::Stop).is_ok());
        thread.join().unwrap();
        assert_eq!(
            finishes.try_recv(),
            Ok(2),
            "finished before the thread ended"
        );
    }
}
