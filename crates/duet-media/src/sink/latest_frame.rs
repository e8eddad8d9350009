//! The latest-frame-wins slot: readers always see the newest decoded frame, never a queue.

use std::sync::Arc;

use tokio::sync::watch;

use super::VideoSink;
use crate::error::MediaResult;
use crate::frame::I420Frame;

/// Publishes each frame into a `watch` channel, replacing the previous one.
#[derive(Debug, Clone)]
pub struct LatestFrameSink {
    tx: watch::Sender<Option<Arc<I420Frame>>>,
}

impl LatestFrameSink {
    /// A new empty slot.
    pub fn new() -> Self {
        Self {
            tx: watch::Sender::new(None),
        }
    }

    /// Publishes a frame the caller no longer needs, without copying it.
    pub fn publish(&self, frame: Arc<I420Frame>) {
        self.tx.send_replace(Some(frame));
    }

    /// A reader of the slot; `changed().await` wakes on each new frame.
    pub fn subscribe(&self) -> watch::Receiver<Option<Arc<I420Frame>>> {
        self.tx.subscribe()
    }
}

impl Default for LatestFrameSink {
    fn default() -> Self {
        Self::new()
    }
}

impl VideoSink for LatestFrameSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        self.tx.send_replace(Some(Arc::new(frame.clone())));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_see_only_the_newest_frame() {
        let mut sink = LatestFrameSink::new();
        let rx = sink.subscribe();
        for n in 0..3 {
            let mut f = I420Frame::black(64, 64).unwrap();
            f.capture_time_us = n;
            sink.write_frame(&f).unwrap();
        }
        assert_eq!(rx.borrow().as_ref().unwrap().capture_time_us, 2);
    }
}
