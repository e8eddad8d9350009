//! Echo cancellation (AEC3), noise suppression and automatic gain control from WebRTC's audio
//! processing module (webrtc-audio-processing 2.x, built from its bundled sources), at 48 kHz in
//! 10 ms frames.
//!
//! One module instance is shared by two handles: [`AudioProcessor`] on the capture thread
//! cleans the microphone, and [`RenderReference`] on the playout thread feeds it what the
//! speaker plays, which is the echo it must remove.

use std::sync::Arc;

use webrtc_audio_processing::config::{
    Config, EchoCanceller, GainController, GainController1, GainControllerMode, HighPassFilter,
    NoiseSuppression, NoiseSuppressionLevel,
};
use webrtc_audio_processing::Processor;

use crate::audio::resample::{to_f32, to_i16};
use crate::config::AudioQuality;
use crate::error::{MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Samples per channel the module takes per call (10 ms at 48 kHz).
pub const FRAME_SAMPLES: usize = SAMPLE_RATE as usize / 100;

fn processing_error(e: impl std::fmt::Display) -> MediaError {
    MediaError::AudioProcessing(e.to_string())
}

/// Creates the capture-side processor and the render-side reference of one module.
///
/// Speech runs AEC3, noise suppression and adaptive digital gain; music keeps AEC3 only, since
/// noise suppression and AGC damage music. AEC3 finds the echo's delay itself, so none is given.
pub fn new_pair(quality: AudioQuality) -> MediaResult<(AudioProcessor, RenderReference)> {
    let processor = Processor::new(SAMPLE_RATE).map_err(processing_error)?;
    let speech = quality == AudioQuality::Speech;
    processor.set_config(Config {
        echo_canceller: Some(EchoCanceller::Full {
            stream_delay_ms: None,
        }),
        high_pass_filter: Some(HighPassFilter::default()),
        noise_suppression: speech.then_some(NoiseSuppression {
            level: NoiseSuppressionLevel::High,
            analyze_linear_aec_output: false,
        }),
        gain_controller: speech.then_some(GainController::GainController1(GainController1 {
            mode: GainControllerMode::AdaptiveDigital,
            target_level_dbfs: 3,
            compression_gain_db: 9,
            enable_limiter: true,
            analog_gain_controller: None,
        })),
        ..Config::default()
    });
    let processor = Arc::new(processor);
    Ok((
        AudioProcessor {
            processor: Arc::clone(&processor),
            buffer: vec![0.0; FRAME_SAMPLES],
        },
        RenderReference {
            processor,
            pending: Vec::with_capacity(2 * FRAME_SAMPLES),
        },
    ))
}

/// Cleans captured audio in place.
pub struct AudioProcessor {
    processor: Arc<Processor>,
    buffer: Vec<f32>,
}

impl std::fmt::Debug for AudioProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioProcessor").finish_non_exhaustive()
    }
}

impl AudioProcessor {
    /// Processes one 10 ms 48 kHz mono frame in place.
    pub fn process_capture(&mut self, frame: &mut AudioFrame) -> MediaResult<()> {
        if frame.sample_rate != SAMPLE_RATE
            || frame.channels != 1
            || frame.samples.len() != FRAME_SAMPLES
        {
            return Err(MediaError::InvalidFrame(format!(
                "audio processing takes 10 ms of 48 kHz mono, got {} samples at {} Hz x{}",
                frame.samples.len(),
                frame.sample_rate,
                frame.channels
            )));
        }
        for (dst, &src) in self.buffer.iter_mut().zip(&frame.samples) {
            *dst = to_f32(src);
        }
        self.processor
            .process_capture_frame([&mut self.buffer[..]])
            .map_err(processing_error)?;
        for (dst, &src) in frame.samples.iter_mut().zip(&self.buffer) {
            *dst = to_i16(src);
        }
        Ok(())
    }
}

/// Feeds played-out audio to the echo canceller.
pub struct RenderReference {
    processor: Arc<Processor>,
    pending: Vec<f32>,
}

impl std::fmt::Debug for RenderReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderReference").finish_non_exhaustive()
    }
}

impl RenderReference {
    /// Takes 48 kHz audio of any length about to be played.
    pub fn push(&mut self, frame: &AudioFrame) {
        self.pending
            .extend(frame.to_mono().samples.iter().map(|&s| to_f32(s)));
        while self.pending.len() >= FRAME_SAMPLES {
            if let Err(e) = self
                .processor
                .analyze_render_frame([&self.pending[..FRAME_SAMPLES]])
            {
                tracing::debug!(error = %e, "render reference rejected");
            }
            self.pending.drain(..FRAME_SAMPLES);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::analysis::{rms_db, tone_level_db};
    use crate::source::tone::ToneSource;
    use crate::source::AudioSource;

    /// Deterministic white noise at about -20 dBFS.
    fn noise(seed: &mut u64) -> AudioFrame {
        let samples = (0..FRAME_SAMPLES)
            .map(|_| {
                *seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((*seed >> 33) as i32 % 6000 - 3000) as i16
            })
            .collect();
        AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples,
        }
    }

    #[test]
    fn noise_suppression_attenuates_steady_noise() {
        let (mut capture, _render) = new_pair(AudioQuality::Speech).unwrap();
        let mut seed = 1;
        let (mut input, mut output) = (Vec::new(), Vec::new());
        for i in 0..300 {
            let mut frame = noise(&mut seed);
            if i >= 200 {
                input.extend_from_slice(&frame.samples);
            }
            capture.process_capture(&mut frame).unwrap();
            if i >= 200 {
                output.extend_from_slice(&frame.samples);
            }
        }
        let (before, after) = (rms_db(&input), rms_db(&output));
        assert!(
            after < before - 6.0,
            "noise {before:.1} dB -> {after:.1} dB"
        );
    }

    /// Runs 500 frames of `far` through the module, the microphone hearing each at half level
    /// `delay_frames` × 10 ms after it was played; returns the echo the microphone heard and what
    /// the module left of it, from frame `measured_from` on.
    fn echo_through(
        mut far: impl FnMut() -> AudioFrame,
        delay_frames: usize,
        measured_from: usize,
    ) -> (Vec<i16>, Vec<i16>) {
        let (mut capture, mut render) = new_pair(AudioQuality::Music).unwrap();
        let mut played = std::collections::VecDeque::new();
        let (mut echo_in, mut echo_out) = (Vec::new(), Vec::new());
        for i in 0..500 {
            let frame = far();
            render.push(&frame);
            played.push_back(frame);
            let mut mic = if played.len() > delay_frames {
                played.pop_front().unwrap()
            } else {
                AudioFrame::silence(SAMPLE_RATE, 1, 10)
            };
            mic.samples.iter_mut().for_each(|s| *s /= 2);
            if i >= measured_from {
                echo_in.extend_from_slice(&mic.samples);
            }
            capture.process_capture(&mut mic).unwrap();
            if i >= measured_from {
                echo_out.extend_from_slice(&mic.samples);
            }
        }
        (echo_in, echo_out)
    }

    #[test]
    fn echo_of_the_far_end_is_removed() {
        let mut far = ToneSource::unpaced(600.0);
        let (echo_in, echo_out) = echo_through(|| far.next_frame().unwrap(), 0, 400);
        let (before, after) = (
            tone_level_db(&echo_in, 600.0),
            tone_level_db(&echo_out, 600.0),
        );
        assert!(
            after < before - 10.0,
            "echo {before:.1} dB -> {after:.1} dB"
        );
    }

    /// How much quieter (dB) the module makes a noise echo `delay_frames` × 10 ms late, over
    /// its fourth and fifth seconds.
    fn echo_reduction(delay_frames: usize) -> f64 {
        let mut seed = 7;
        let (echo_in, echo_out) = echo_through(|| noise(&mut seed), delay_frames, 300);
        rms_db(&echo_in) - rms_db(&echo_out)
    }

    /// A Bluetooth headset or a heavily buffered sound server puts the echo 200 ms behind what
    /// was played. The 2016 library Duet used before looked for such an echo for over 16 s
    /// (docs/benchmarks.md, "Echo cancellation"); AEC3 removes it as well as an echo with no
    /// delay, within its first seconds.
    #[test]
    fn an_echo_200_ms_behind_the_reference_is_removed_as_well_as_one_without_delay() {
        let (prompt, late) = (echo_reduction(0), echo_reduction(20));
        assert!(prompt > 10.0, "no delay: {prompt:.1} dB");
        assert!(
            late > prompt - 3.0,
            "200 ms: {late:.1} dB, no delay: {prompt:.1} dB"
        );
    }

    #[test]
    fn near_end_speech_band_tone_survives() {
        let (mut capture, _render) = new_pair(AudioQuality::Speech).unwrap();
        let mut tone = ToneSource::unpaced(440.0);
        let mut out = Vec::new();
        for i in 0..200 {
            let mut frame = tone.next_frame().unwrap();
            capture.process_capture(&mut frame).unwrap();
            if i >= 100 {
                out.extend_from_slice(&frame.samples);
            }
        }
        assert!(tone_level_db(&out, 440.0) > -30.0);
        assert!(tone_level_db(&out, 440.0) - tone_level_db(&out, 660.0) > 20.0);
    }

    #[test]
    fn wrong_frame_shapes_are_errors() {
        let (mut capture, _render) = new_pair(AudioQuality::Speech).unwrap();
        let mut short = AudioFrame::silence(SAMPLE_RATE, 1, 5);
        assert!(capture.process_capture(&mut short).is_err());
        let mut stereo = AudioFrame::silence(SAMPLE_RATE, 2, 10);
        assert!(capture.process_capture(&mut stereo).is_err());
    }
}
