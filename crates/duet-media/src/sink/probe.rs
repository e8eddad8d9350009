//! Sinks that keep what they receive, for checking media from outside: the stamps of decoded
//! test-pattern frames, and the played samples. Clones share one store.

use crate::error::MediaResult;
use crate::frame::{AudioFrame, I420Frame};
use crate::sink::{AudioSink, VideoSink};
use crate::source::test_pattern::{decode_stamp, PatternStamp};
use std::sync::{Arc, Mutex, MutexGuard};

/// Locks `store`; a panic in another holder cannot leave a `Vec` half-pushed, so a poisoned
/// lock's contents are still whole.
fn lock<T>(store: &Mutex<T>) -> MutexGuard<'_, T> {
    store
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Every received frame's test-pattern stamp (`None`: the picture carried no readable stamp).
#[derive(Debug, Clone, Default)]
pub struct StampProbe(Arc<Mutex<Vec<Option<PatternStamp>>>>);

impl VideoSink for StampProbe {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        lock(&self.0).push(decode_stamp(frame));
        Ok(())
    }
}

impl StampProbe {
    /// How many frames arrived.
    pub fn frames(&self) -> usize {
        lock(&self.0).len()
    }

    /// The stamps so far, in arrival order.
    pub fn stamps(&self) -> Vec<Option<PatternStamp>> {
        lock(&self.0).clone()
    }
}

/// Every received audio sample (48 kHz mono).
#[derive(Debug, Clone, Default)]
pub struct PcmProbe(Arc<Mutex<Vec<i16>>>);

impl AudioSink for PcmProbe {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        lock(&self.0).extend_from_slice(&frame.samples);
        Ok(())
    }
}

impl PcmProbe {
    /// How many samples arrived.
    pub fn sample_count(&self) -> usize {
        lock(&self.0).len()
    }

    /// The samples so far.
    pub fn samples(&self) -> Vec<i16> {
        lock(&self.0).clone()
    }
}
