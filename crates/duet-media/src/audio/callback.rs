//! What runs inside the real-time audio callbacks (cpal's device threads): moving samples between
//! the device buffer and a pre-allocated lock-free ring ([`rtrb`]), with format conversion and
//! nothing else. No lock, no allocation, no system call: a callback that waits misses its
//! deadline and the user hears a click. The other end of each ring (the source's `next_frame`,
//! the sink's `write_audio`) does the resampling and everything that may take time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rtrb::{Consumer, Producer};

/// Samples a callback could not move: read by the non-real-time side (for logs and tests).
#[derive(Debug, Default)]
pub struct RingCounters {
    underruns: AtomicU64,
    overruns: AtomicU64,
}

impl RingCounters {
    /// Shared between a callback and its owner.
    pub fn shared() -> Arc<Self> {
        Arc::default()
    }

    /// Output frames played as silence because the ring was empty.
    pub fn underruns(&self) -> u64 {
        self.underruns.load(Ordering::Relaxed)
    }

    /// Samples dropped because the ring was full.
    pub fn overruns(&self) -> u64 {
        self.overruns.load(Ordering::Relaxed)
    }

    /// Counts `n` samples dropped for a full ring (also used by the non-real-time writer side).
    pub fn add_overruns(&self, n: usize) {
        if n > 0 {
            self.overruns.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    fn add_underruns(&self, n: usize) {
        if n > 0 {
            self.underruns.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}

/// Capture callback body: folds each interleaved frame of `data` (`channels` samples) to one mono
/// f32 sample and pushes it; samples that do not fit are dropped and counted as overruns (a
/// stalled reader loses audio rather than stalling the device).
pub fn capture<T: Copy>(
    data: &[T],
    channels: usize,
    to_f32: impl Fn(T) -> f32,
    ring: &mut Producer<f32>,
    counters: &RingCounters,
) {
    let channels = channels.max(1);
    let mut dropped = 0;
    for frame in data.chunks_exact(channels) {
        let mono = frame.iter().map(|&s| to_f32(s)).sum::<f32>() / channels as f32;
        if ring.push(mono).is_err() {
            dropped += 1;
        }
    }
    counters.add_overruns(dropped);
}

/// Playback callback body: pops one mono sample per interleaved frame of `out` and writes it to
/// every channel; a frame the ring cannot fill plays silence and counts as an underrun.
pub fn play<T: Copy>(
    out: &mut [T],
    channels: usize,
    from_f32: impl Fn(f32) -> T,
    ring: &mut Consumer<f32>,
    counters: &RingCounters,
) {
    let mut missing = 0;
    for frame in out.chunks_mut(channels.max(1)) {
        let sample = ring.pop().unwrap_or_else(|_| {
            missing += 1;
            0.0
        });
        frame.fill(from_f32(sample));
    }
    counters.add_underruns(missing);
}

/// i16 device samples to f32 in -1..1.
pub fn i16_to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}

/// f32 samples to i16 device samples (saturating: `as` clamps out-of-range floats).
pub fn f32_to_i16(sample: f32) -> i16 {
    (sample * 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtrb::RingBuffer;

    #[test]
    fn capture_folds_stereo_to_mono_and_counts_what_does_not_fit() {
        let (mut producer, mut consumer) = RingBuffer::new(3);
        let counters = RingCounters::default();
        let stereo: [i16; 8] = [16384, 0, -32768, -32768, 0, 0, 100, 100];
        capture(&stereo, 2, i16_to_f32, &mut producer, &counters);
        assert_eq!(consumer.pop(), Ok(0.25));
        assert_eq!(consumer.pop(), Ok(-1.0));
        assert_eq!(consumer.pop(), Ok(0.0));
        assert!(consumer.pop().is_err(), "the fourth frame did not fit");
        assert_eq!(counters.overruns(), 1);
        assert_eq!(counters.underruns(), 0);
    }

    #[test]
    fn playback_copies_to_every_channel_and_plays_silence_when_empty() {
        let (mut producer, mut consumer) = RingBuffer::new(8);
        let counters = RingCounters::default();
        for sample in [0.5, -2.0] {
            producer.push(sample).unwrap();
        }
        let mut out = [7i16; 6];
        play(&mut out, 2, f32_to_i16, &mut consumer, &counters);
        assert_eq!(out, [16383, 16383, -32768, -32768, 0, 0]);
        assert_eq!(counters.underruns(), 1);

        let mut out = [1.0f32; 3];
        play(&mut out, 1, |s| s, &mut consumer, &counters);
        assert_eq!(out, [0.0; 3]);
        assert_eq!(counters.underruns(), 4);
    }

    #[test]
    fn a_channel_count_of_zero_is_taken_as_mono() {
        let (mut producer, mut consumer) = RingBuffer::new(4);
        let counters = RingCounters::default();
        capture(&[0.5f32, 0.25], 0, |s| s, &mut producer, &counters);
        let mut out = [0.0f32; 2];
        play(&mut out, 0, |s| s, &mut consumer, &counters);
        assert_eq!(out, [0.5, 0.25]);
    }
}
