//! A sine tone generator, the audio test signal.

use std::f64::consts::TAU;
use std::time::Duration;

use super::{AudioSource, Pacer, BLOCK_SAMPLES};
use crate::error::MediaResult;
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Amplitude of the tone: -12 dBFS leaves room for processing and mixing.
const AMPLITUDE: f64 = 8192.0;

/// Generates a continuous sine at a fixed frequency in real time.
#[derive(Debug)]
pub struct ToneSource {
    frequency_hz: f32,
    phase: f64,
    pacer: Option<Pacer>,
}

impl ToneSource {
    /// A real-time tone of `frequency_hz`.
    pub fn new(frequency_hz: f32) -> Self {
        Self {
            frequency_hz,
            phase: 0.0,
            pacer: Some(Pacer::new(Duration::from_millis(10))),
        }
    }

    /// A tone that returns blocks as fast as asked (for tests and offline encoding).
    pub fn unpaced(frequency_hz: f32) -> Self {
        Self {
            pacer: None,
            ..Self::new(frequency_hz)
        }
    }
}

impl AudioSource for ToneSource {
    fn next_frame(&mut self) -> MediaResult<AudioFrame> {
        if let Some(pacer) = &mut self.pacer {
            pacer.wait();
        }
        let step = TAU * self.frequency_hz as f64 / SAMPLE_RATE as f64;
        let samples = (0..BLOCK_SAMPLES)
            .map(|_| {
                let s = (self.phase.sin() * AMPLITUDE) as i16;
                self.phase = (self.phase + step) % TAU;
                s
            })
            .collect();
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples,
        })
    }

    fn describe(&self) -> String {
        format!("tone {} Hz", self.frequency_hz)
    }
}
