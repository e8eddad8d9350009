//! A video capture thread: source -> filter -> VP8, one per lane (the camera, a shared
//! screen). It alone owns the source, the filter, the encoder and the state that decides what is
//! sent (released, camera on, bitrate, keyframe due); everyone else changes that state by
//! sending it a [`VideoCommand`], which it applies before its next frame.
//!
//! The lanes differ in tuning: the camera's picture shrinks when the bitrate cannot carry its
//! size; a shared screen keeps its resolution (text must stay readable), is encoded as screen
//! content and loses frame rate instead (`codec::vp8`, `screen_content`).

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

use super::events::MediaEvent;
use super::lane::Lane;
use super::send_size::SendSize;
use super::shared::Shared;
use crate::codec::vp8::{Vp8Encoder, Vp8EncoderConfig};
use crate::error::{DeviceKind, MediaError};
use crate::filter::{NoFilter, VideoFrameFilter};
use crate::frame::I420Frame;
use crate::scale::FrameScaler;
use crate::source::VideoSource;

/// Instructions for the capture thread, applied in the order sent.
pub(crate) enum VideoCommand {
    /// The call was answered: frames may be sent from now on.
    Release,
    /// Camera on (true) or off.
    SetEnabled(bool),
    /// Replaces the source (None: no video).
    SetSource(Option<Box<dyn VideoSource>>),
    /// Replaces the filter run before the encoder.
    SetFilter(Box<dyn VideoFrameFilter>),
    /// The encoder's target bitrate, kbps.
    SetBitrate(u32),
    /// The path cannot carry minBitrate: send nothing (true) until told otherwise
    /// (`video_pause.rs`); the user's camera switch is kept apart.
    SetNetworkPaused(bool),
    /// The next frame must be a keyframe (a PLI/FIR, a lost frame, a new connection).
    RequestKeyframe,
    /// Ends the thread.
    Stop,
}

/// The frame rate a screen encoder budgets for (a changing screen is captured at up to this;
/// an unchanged one sends nothing).
pub(crate) const SCREEN_ENCODER_FPS: u32 = 15;
/// A screen encoder's bitrate before the first allocation (`stats`) sets it.
pub(crate) const SCREEN_START_KBPS: u32 = 1_200;

/// One encoded frame on its way to the sending task.
pub(crate) struct EncodedVideo {
    pub data: Vec<u8>,
    pub capture_time_us: u64,
}

/// What one turn of the loop did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Turn {
    /// Nothing to send: waited for a command instead.
    Idle,
    /// Captured a frame; `encoded` frames went to the sender.
    Captured { encoded: usize },
    /// Stopped, or the sender is gone.
    Stop,
}

/// The state the capture thread owns.
pub(crate) struct VideoCapture {
    shared: Arc<Shared>,
    lane: Lane,
    commands: Receiver<VideoCommand>,
    out: tokio::sync::mpsc::Sender<EncodedVideo>,
    source: Option<Box<dyn VideoSource>>,
    filter: Box<dyn VideoFrameFilter>,
    encoder: Option<Vp8Encoder>,
    released: bool,
    enabled: bool,
    /// Paused because the path cannot carry minBitrate (the camera lane only).
    network_paused: bool,
    target_kbps: u32,
    /// The picture size the target affords (halved on a poor path).
    send_size: SendSize,
    scaler: FrameScaler,
    keyframe_due: bool,
    /// Whether the previous turn captured: resuming starts with a keyframe.
    sending: bool,
}

impl VideoCapture {
    pub(crate) fn new(
        shared: Arc<Shared>,
        lane: Lane,
        source: Option<Box<dyn VideoSource>>,
        commands: Receiver<VideoCommand>,
        out: tokio::sync::mpsc::Sender<EncodedVideo>,
    ) -> Self {
        let target_kbps = match lane {
            Lane::Camera => shared.config.max_bitrate,
            Lane::Screen => SCREEN_START_KBPS,
        };
        let (width, height) = shared.config.video_size();
        let mut capture = Self {
            shared,
            lane,
            commands,
            out,
            source,
            filter: Box::new(NoFilter),
            encoder: None,
            released: false,
            enabled: true,
            network_paused: false,
            target_kbps,
            send_size: SendSize::default(),
            scaler: FrameScaler::new(),
            keyframe_due: true,
            sending: false,
        };
        // Created up front at the configured size so the first frame after accept is not
        // delayed by encoder setup; recreated if a source delivers another size. A screen's
        // size is known only when sharing starts.
        if lane == Lane::Camera {
            capture.encoder = capture.new_encoder(width, height).ok();
        }
        capture
    }

    /// Runs until stopped.
    pub(crate) fn run(mut self) {
        while self.turn() != Turn::Stop {}
    }

    /// Applies the waiting commands, then captures and encodes one frame if video is wanted,
    /// else waits for the next command.
    pub(crate) fn turn(&mut self) -> Turn {
        if !self.apply_pending() {
            return Turn::Stop;
        }
        if !self.wanted() {
            self.sending = false;
            let applied = self
                .commands
                .recv()
                .is_ok_and(|command| self.apply(command));
            return if applied { Turn::Idle } else { Turn::Stop };
        }
        if !self.sending {
            // Resuming after release, camera-on or a source switch: start with a keyframe.
            self.keyframe_due = true;
            self.sending = true;
        }
        match self.capture() {
            Some(frame) => self.encode(&frame),
            None => Turn::Captured { encoded: 0 },
        }
    }

    fn wanted(&self) -> bool {
        self.camera_on() && !self.network_paused
    }

    /// Whether the user's side wants this lane sent: released, switched on, with a source.
    fn camera_on(&self) -> bool {
        self.released && self.enabled && self.source.is_some()
    }

    /// Applies every waiting command; false means stop.
    fn apply_pending(&mut self) -> bool {
        loop {
            match self.commands.try_recv() {
                Ok(command) => {
                    if !self.apply(command) {
                        return false;
                    }
                }
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    /// Applies one command; false means stop.
    fn apply(&mut self, command: VideoCommand) -> bool {
        match command {
            VideoCommand::Release => self.released = true,
            VideoCommand::SetEnabled(enabled) => self.enabled = enabled,
            VideoCommand::SetSource(source) => {
                self.source = source;
                self.keyframe_due = true;
            }
            VideoCommand::SetFilter(filter) => self.filter = filter,
            VideoCommand::SetBitrate(kbps) => self.target_kbps = kbps,
            VideoCommand::SetNetworkPaused(paused) => self.network_paused = paused,
            VideoCommand::RequestKeyframe => self.keyframe_due = true,
            VideoCommand::Stop => return false,
        }
        self.publish_availability();
        true
    }

    /// Tells the far side (through the control channel) whether this lane is sending, and the
    /// stats task whether it is paused by the network only.
    fn publish_availability(&self) {
        let on = self.camera_on();
        self.shared.set_lane_available(
            self.lane,
            on && !self.network_paused,
            on && self.network_paused,
        );
    }

    /// The next filtered frame; on a source failure the source is dropped and reported.
    fn capture(&mut self) -> Option<I420Frame> {
        let source = self.source.as_mut()?;
        match source.next_frame() {
            Ok(mut frame) => {
                self.filter.process(&mut frame);
                Some(self.fit_to_target(frame))
            }
            Err(e) => {
                self.drop_source(&e);
                None
            }
        }
    }

    /// `frame` at the size the target bitrate affords (a new size restarts the encoder, so
    /// the far side gets a keyframe of it).
    fn fit_to_target(&mut self, frame: I420Frame) -> I420Frame {
        if self.lane == Lane::Screen {
            // Detail before motion: the encoder drops frames instead.
            return frame;
        }
        let (width, height) = self.send_size.choose(
            frame.width,
            frame.height,
            self.shared.config.frame_rate,
            self.target_kbps,
        );
        if (width, height) == (frame.width, frame.height) {
            return frame;
        }
        match self.scaler.scale_to(&frame, width, height) {
            Ok(smaller) => smaller,
            Err(e) => {
                tracing::warn!(error = %e, "picture not scaled down for the bitrate");
                frame
            }
        }
    }

    fn drop_source(&mut self, error: &MediaError) {
        match self.lane {
            Lane::Camera => self.shared.report_device(error, DeviceKind::Camera),
            Lane::Screen => self.shared.emit(MediaEvent::ScreenShareEnded {
                reason: error.reason(),
            }),
        }
        self.source = None;
        self.publish_availability();
    }

    fn new_encoder(&self, width: u32, height: u32) -> Result<Vp8Encoder, MediaError> {
        let (fps, screen_content) = match self.lane {
            Lane::Camera => (self.shared.config.frame_rate, false),
            Lane::Screen => (SCREEN_ENCODER_FPS, true),
        };
        Vp8Encoder::new(Vp8EncoderConfig {
            width,
            height,
            fps,
            bitrate_kbps: self.target_kbps,
            threads: 1,
            screen_content,
        })
    }

    /// The encoder for `frame`'s size at the target bitrate, made or adjusted as needed.
    fn encoder_for(&mut self, frame: &I420Frame) -> Result<&mut Vp8Encoder, MediaError> {
        let size = (frame.width, frame.height);
        let fits = self
            .encoder
            .as_ref()
            .is_some_and(|e| (e.config().width, e.config().height) == size);
        if !fits {
            self.encoder = None;
            self.encoder = Some(self.new_encoder(size.0, size.1)?);
        }
        let target = self.target_kbps;
        let encoder = self
            .encoder
            .as_mut()
            .ok_or_else(|| MediaError::InvalidConfig("no VP8 encoder".into()))?;
        if encoder.config().bitrate_kbps != target {
            if let Err(e) = encoder.set_bitrate(target) {
                tracing::warn!(error = %e, "bitrate change rejected");
            }
        }
        Ok(encoder)
    }

    /// Encodes `frame` and hands the packets to the sending task.
    fn encode(&mut self, frame: &I420Frame) -> Turn {
        let keyframe = std::mem::take(&mut self.keyframe_due);
        let packets = match self.encoder_for(frame) {
            Ok(encoder) => encoder.encode(frame, keyframe),
            Err(e) => {
                self.drop_source(&e);
                return Turn::Captured { encoded: 0 };
            }
        };
        let packets = match packets {
            Ok(packets) => packets,
            Err(e) => {
                tracing::warn!(error = %e, "VP8 encode failed");
                self.keyframe_due = true;
                return Turn::Captured { encoded: 0 };
            }
        };
        if self.lane == Lane::Camera {
            // An empty result is a frame the encoder skipped to hold the target.
            self.send_size.record(
                !packets.is_empty(),
                self.target_kbps,
                self.shared.config.frame_rate,
            );
        }
        let mut encoded = 0;
        for packet in packets {
            self.shared
                .counters
                .video(self.lane)
                .frames_encoded
                .fetch_add(1, Ordering::Relaxed);
            let video = EncodedVideo {
                data: packet.data,
                capture_time_us: frame.capture_time_us,
            };
            if self.out.blocking_send(video).is_err() {
                return Turn::Stop;
            }
            encoded += 1;
        }
        Turn::Captured { encoded }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MediaResult;
    use std::sync::mpsc::Sender;

    /// A source whose frames are ready at once (no frame clock), numbered by capture time.
    struct Instant(u64);

    impl VideoSource for Instant {
        fn next_frame(&mut self) -> MediaResult<I420Frame> {
            self.0 += 1;
            let mut frame = I420Frame::black(64, 48)?;
            frame.capture_time_us = self.0;
            Ok(frame)
        }
        fn describe(&self) -> String {
            "instant".into()
        }
    }

    struct Rig {
        capture: VideoCapture,
        commands: Sender<VideoCommand>,
        encoded: tokio::sync::mpsc::Receiver<EncodedVideo>,
        shared: Arc<Shared>,
        _runtime: tokio::runtime::Runtime,
    }

    fn rig() -> Rig {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (shared, inboxes) = crate::session::shared::for_test(&runtime);
        let commands = shared.video_commands.clone();
        let inbox = inboxes.video;
        let (out, encoded) = tokio::sync::mpsc::channel(64);
        let capture = VideoCapture::new(
            shared.clone(),
            Lane::Camera,
            Some(Box::new(Instant(0))),
            inbox,
            out,
        );
        Rig {
            capture,
            commands,
            encoded,
            shared,
            _runtime: runtime,
        }
    }

    impl Rig {
        /// Sends `command`, then runs one turn that must capture: whether its frame was a
        /// keyframe (a VP8 frame tag's bit 0 is clear on keyframes).
        fn captured_after(&mut self, command: Option<VideoCommand>) -> bool {
            if let Some(command) = command {
                self.commands.send(command).unwrap();
            }
            assert_eq!(self.capture.turn(), Turn::Captured { encoded: 1 });
            self.encoded.try_recv().unwrap().data[0] & 1 == 0
        }
    }

    #[test]
    fn nothing_is_captured_before_release_and_the_first_frame_after_is_a_keyframe() {
        let mut rig = rig();
        assert!(rig.capture.apply_pending() && !rig.capture.wanted());
        assert!(rig.captured_after(Some(VideoCommand::Release)));
        assert!(!rig.captured_after(None), "the second frame is a delta");
        assert!(rig.shared.availability.borrow().video);
        assert!(!rig.shared.availability.borrow().audio);
    }

    #[test]
    fn camera_off_takes_effect_on_the_next_frame_and_on_again_starts_with_a_keyframe() {
        let mut rig = rig();
        rig.captured_after(Some(VideoCommand::Release));
        rig.commands.send(VideoCommand::SetEnabled(false)).unwrap();
        // The next turn applies it before capturing, and then waits instead of capturing.
        assert!(rig.capture.apply_pending() && !rig.capture.wanted());
        assert!(!rig.shared.availability.borrow().video);
        assert!(rig.encoded.try_recv().is_err());
        rig.capture.sending = false; // what the waiting turn records
        assert!(rig.captured_after(Some(VideoCommand::SetEnabled(true))));
        assert!(rig.shared.availability.borrow().video);
    }

    #[test]
    fn keyframe_and_bitrate_commands_apply_to_the_next_frame() {
        let mut rig = rig();
        rig.captured_after(Some(VideoCommand::Release));
        assert!(!rig.captured_after(None));
        assert!(rig.captured_after(Some(VideoCommand::RequestKeyframe)));
        rig.captured_after(Some(VideoCommand::SetBitrate(321)));
        let encoder = rig.capture.encoder.as_ref().unwrap();
        assert_eq!(encoder.config().bitrate_kbps, 321);
    }

    #[test]
    fn a_network_pause_stops_sending_apart_from_the_camera_switch() {
        let mut rig = rig();
        rig.captured_after(Some(VideoCommand::Release));
        rig.commands
            .send(VideoCommand::SetNetworkPaused(true))
            .unwrap();
        assert!(rig.capture.apply_pending() && !rig.capture.wanted());
        let state = *rig.shared.availability.borrow();
        assert!(!state.video && state.video_paused, "{state:?}");
        // The user turns the camera off and on while paused: still paused, by the network.
        rig.commands.send(VideoCommand::SetEnabled(false)).unwrap();
        assert!(rig.capture.apply_pending());
        let state = *rig.shared.availability.borrow();
        assert!(
            !state.video && !state.video_paused,
            "off is the user's: {state:?}"
        );
        rig.commands.send(VideoCommand::SetEnabled(true)).unwrap();
        assert!(rig.capture.apply_pending() && !rig.capture.wanted());
        assert!(rig.shared.availability.borrow().video_paused);
        rig.capture.sending = false; // what the waiting turn records
        assert!(
            rig.captured_after(Some(VideoCommand::SetNetworkPaused(false))),
            "resuming starts with a keyframe"
        );
        let state = *rig.shared.availability.borrow();
        assert!(state.video && !state.video_paused, "{state:?}");
    }

    #[test]
    fn a_picture_too_busy_for_the_target_is_sent_smaller_at_the_full_frame_rate() {
        use crate::source::test_pattern::TestPatternSource;
        let mut rig = rig();
        let pattern = TestPatternSource::unpaced(1280, 720).unwrap();
        rig.commands
            .send(VideoCommand::SetSource(Some(Box::new(pattern))))
            .unwrap();
        rig.commands.send(VideoCommand::SetBitrate(832)).unwrap();
        rig.commands.send(VideoCommand::Release).unwrap();
        // Four seconds of frames at 30 fps; what the last second sent.
        let mut last_second = (0, 0);
        for turn in 0..120 {
            let encoded = match rig.capture.turn() {
                Turn::Captured { encoded } => encoded,
                other => panic!("turn {turn}: {other:?}"),
            };
            while rig.encoded.try_recv().is_ok() {}
            if turn >= 90 {
                last_second = (last_second.0 + encoded, last_second.1 + 1);
            }
        }
        let size = rig.capture.encoder.as_ref().map(|e| e.config());
        let size = size.map(|c| (c.width, c.height));
        assert_eq!(size, Some((640, 360)), "halved from 1280x720");
        assert!(last_second.0 * 3 >= last_second.1 * 2, "{last_second:?}");
    }

    #[test]
    fn a_removed_source_stops_capture_and_video_availability() {
        let mut rig = rig();
        rig.captured_after(Some(VideoCommand::Release));
        rig.commands.send(VideoCommand::SetSource(None)).unwrap();
        rig.commands.send(VideoCommand::Stop).unwrap();
        assert_eq!(rig.capture.turn(), Turn::Stop);
        assert!(!rig.shared.availability.borrow().video);
    }
}
