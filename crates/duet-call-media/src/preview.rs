//! The local picture: the filter stage every call runs in front of its encoder (beauty, with
//! preview taps before and after it, handing frames to a preview thread), and [`LocalPreview`], the same stage on the configured
//! camera outside any call (the settings screen's before/after view).

use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;

use duet_media::frame::I420Frame;
use duet_media::sink::detached::{copy_frame, Detached};
use duet_media::sink::VideoSink;
use duet_media::source::{open_video_input, VideoSource};
use duet_media::{BeautyStage, MediaError, MediaResult, VideoFrameFilter};
use tracing::warn;

use crate::setup::MediaSetup;

/// Where a preview sends its frames; either may be absent.
#[derive(Default)]
pub struct PreviewSinks {
    /// Every frame after the beauty filters (what a call would encode).
    pub filtered: Option<Box<dyn VideoSink>>,
    /// Every frame straight from the source, before the filters.
    pub unfiltered: Option<Box<dyn VideoSink>>,
}

impl std::fmt::Debug for PreviewSinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreviewSinks")
            .field("filtered", &self.filtered.is_some())
            .field("unfiltered", &self.unfiltered.is_some())
            .finish()
    }
}

/// Beauty between two optional preview taps; runs on the capture thread, before the encoder.
/// The taps only copy the frame: both preview sinks run on one thread of their own that sees the
/// newest pair of frames (before and after the filters, always of the same capture), so a slow
/// preview never slows capture or what is sent.
pub(crate) struct PreviewFilter {
    stage: BeautyStage,
    preview: Option<Preview>,
}

/// The capture thread's end of the preview thread, and which copies that thread wants.
struct Preview {
    thread: Detached<PreviewFrames>,
    unfiltered: bool,
    filtered: bool,
}

/// One captured frame as the preview sinks get it.
#[derive(Default)]
struct PreviewFrames {
    unfiltered: Option<I420Frame>,
    filtered: Option<I420Frame>,
}

impl PreviewFilter {
    /// Beauty `stage` with `sinks` on a preview thread; without that thread there is no preview
    /// (logged), and the call goes on.
    pub(crate) fn new(stage: BeautyStage, sinks: PreviewSinks) -> Self {
        let (unfiltered, filtered) = (sinks.unfiltered.is_some(), sinks.filtered.is_some());
        let preview = (unfiltered || filtered)
            .then(|| Detached::spawn("duet-preview", preview_consumer(sinks)))
            .and_then(|started| {
                started
                    .inspect_err(|error| warn!(%error, "preview thread not started; no preview"))
                    .ok()
            })
            .map(|thread| Preview {
                thread,
                unfiltered,
                filtered,
            });
        Self { stage, preview }
    }
}

/// What the preview thread does with each pair: hand each frame to its sink.
fn preview_consumer(mut sinks: PreviewSinks) -> impl FnMut(&PreviewFrames) -> MediaResult<()> {
    move |frames: &PreviewFrames| {
        if let Some(frame) = &frames.unfiltered {
            tap(&mut sinks.unfiltered, frame, "unfiltered");
        }
        if let Some(frame) = &frames.filtered {
            tap(&mut sinks.filtered, frame, "filtered");
        }
        Ok(())
    }
}

/// Hands `frame` to `sink`; a failing sink is dropped (logged once).
fn tap(sink: &mut Option<Box<dyn VideoSink>>, frame: &I420Frame, which: &str) {
    if let Some(target) = sink.as_mut() {
        if let Err(error) = target.write_frame(frame) {
            warn!(%error, which, "preview sink failed; preview stopped");
            *sink = None;
        }
    }
}

impl VideoFrameFilter for PreviewFilter {
    fn process(&mut self, frame: &mut I420Frame) {
        let Some(preview) = self.preview.as_mut() else {
            self.stage.process(frame);
            return;
        };
        let mut frames = preview.thread.recycled().unwrap_or_default();
        if preview.unfiltered {
            copy_frame(&mut frames.unfiltered, frame);
        }
        self.stage.process(frame);
        if preview.filtered {
            copy_frame(&mut frames.filtered, frame);
        }
        if let Err(error) = preview.thread.send(frames) {
            warn!(%error, "preview stopped");
            self.preview = None;
        }
    }
}

/// The configured camera (or test source) through the beauty filters, outside any call, until
/// [`LocalPreview::close`] or drop. It follows the setup's [`duet_media::BeautyControl`], so a
/// level change shows on the next frame.
///
/// The preview thread alone owns the source and the filters; this handle holds the sending end
/// of the thread's stop channel, and closing that channel (close or drop) is what stops it.
pub struct LocalPreview {
    /// Dropped to stop the thread; the thread checks before each frame.
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
    /// Why the source stopped, set once by the thread if it failed.
    failure: Arc<OnceLock<String>>,
}

impl std::fmt::Debug for LocalPreview {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalPreview")
            .field("running", &self.is_running())
            .finish()
    }
}

impl LocalPreview {
    /// Opens `setup.config.video_input` at the configured size and frame rate and sends each
    /// frame to `sinks` (before and after the filters). Fails with the device error when the
    /// source cannot open, or `InvalidConfig` when the setup has no video source. A camera can
    /// usually be open only once: close the preview before a call opens it.
    pub fn start(setup: &MediaSetup, sinks: PreviewSinks) -> MediaResult<Self> {
        let config = &setup.config;
        config.validate()?;
        let (width, height) = config.video_size();
        let source = open_video_input(&config.video_input, width, height, config.frame_rate)?
            .ok_or_else(|| MediaError::InvalidConfig("no video source to preview".into()))?;
        let filter = PreviewFilter::new(setup.beauty().stage(), sinks);
        let (stop, stopped) = std::sync::mpsc::channel();
        let failure = Arc::new(OnceLock::new());
        let thread_failure = failure.clone();
        let thread = std::thread::Builder::new()
            .name("duet-local-preview".into())
            .spawn(move || run_preview(source, filter, &stopped, &thread_failure))
            .map_err(|e| MediaError::InvalidConfig(format!("cannot start preview thread: {e}")))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
            failure,
        })
    }

    /// Whether frames still flow (false after close or a source failure).
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Why the source stopped, if it failed.
    pub fn failure(&self) -> Option<String> {
        self.failure.get().cloned()
    }

    /// Stops the preview and waits (at most one frame period) until the source is released,
    /// so a call can open the camera right after.
    pub fn close(mut self) {
        self.stop_thread(true);
    }

    fn stop_thread(&mut self, wait: bool) {
        // Closing the channel is the stop command.
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            if wait {
                // A panic in a sink ended the thread already; nothing more to release.
                let _ = thread.join();
            }
        }
    }
}

impl Drop for LocalPreview {
    fn drop(&mut self) {
        // Not joined: drop may run on an async worker; the thread ends within a frame.
        self.stop_thread(false);
    }
}

/// The preview thread: frames from `source` through `filter` until `stop` closes or the source
/// fails (recorded in `failure`).
fn run_preview(
    mut source: Box<dyn VideoSource>,
    mut filter: PreviewFilter,
    stop: &Receiver<()>,
    failure: &OnceLock<String>,
) {
    // Sources block until their next frame, so a stop is seen within a frame.
    while let Err(TryRecvError::Empty) = stop.try_recv() {
        match source.next_frame() {
            Ok(mut frame) => filter.process(&mut frame),
            Err(error) => {
                warn!(%error, "preview source failed");
                let _ = failure.set(error.to_string());
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_media::BeautyControl;
    use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};

    /// Reports each frame's capture time, then waits for a go-ahead (a preview slower than any
    /// frame rate until the test lets it run).
    struct Gated {
        seen: Sender<u64>,
        go: Receiver<()>,
    }

    impl VideoSink for Gated {
        fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
            let _ = self.seen.send(frame.capture_time_us);
            self.go
                .recv()
                .map_err(|_| MediaError::InvalidFrame("gate closed".into()))
        }
    }

    /// Reports each frame's capture time at once.
    struct Log(Sender<u64>);

    impl VideoSink for Log {
        fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
            let _ = self.0.send(frame.capture_time_us);
            Ok(())
        }
    }

    #[test]
    fn a_stuck_preview_does_not_hold_up_the_frames_on_their_way_to_the_encoder() {
        let (seen_tx, seen) = channel();
        let (go, go_rx) = sync_channel(0);
        let (unfiltered_tx, unfiltered) = channel();
        let sinks = PreviewSinks {
            filtered: Some(Box::new(Gated {
                seen: seen_tx,
                go: go_rx,
            })),
            unfiltered: Some(Box::new(Log(unfiltered_tx))),
        };
        let mut filter = PreviewFilter::new(BeautyControl::new().stage(), sinks);
        // Bound after the filter so a failing assertion drops it first: the preview thread then
        // leaves its wait and the filter's drop can join it.
        let go = go;
        let mut frame = I420Frame::black(64, 48).unwrap();
        frame.capture_time_us = 1;
        filter.process(&mut frame);
        assert_eq!(seen.recv().unwrap(), 1);
        // The capture thread's side: every frame passes the filter although the preview is
        // stuck in the first one.
        for n in 2..=300 {
            frame.capture_time_us = n;
            filter.process(&mut frame);
        }
        go.send(()).unwrap();
        // Then the preview gets the newest frame, and both sinks the same frames.
        assert_eq!(seen.recv().unwrap(), 300);
        go.send(()).unwrap();
        drop(filter);
        assert_eq!(unfiltered.try_iter().collect::<Vec<_>>(), [1, 300]);
    }
}
