//! The two echo cancellers behind one interface, fed 10 ms frames at 48 kHz: what the speaker
//! plays (`render`), then what the microphone heard (`capture`, cleaned in place).

use anyhow::{anyhow, Result};

pub const FRAME: usize = 480;

pub trait Canceller {
    fn render(&mut self, frame: &[f32]) -> Result<()>;
    fn capture(&mut self, frame: &mut [f32]) -> Result<()>;
}

/// Which modules run besides the echo canceller and the high-pass filter it wants.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Modules {
    /// The echo canceller alone: the comparison of the two cancellers.
    EchoOnly,
    /// With noise suppression at its high level, as Duet's speech preset runs it (its adaptive
    /// gain is left out: it rescales near end and residual alike and would blur the figures).
    WithNoiseSuppression,
}

/// Debian's libwebrtc-audio-processing (2016): AEC with the extended filter and delay-agnostic
/// mode at high suppression, exactly as duet-media's `audio::processing` set it up until it moved
/// to AEC3.
pub struct Apm2016 {
    processor: apm2016::Processor,
    buffer: Vec<f32>,
}

impl Apm2016 {
    pub fn new(modules: Modules) -> Result<Self> {
        use apm2016::*;
        let mut processor = Processor::new(&InitializationConfig {
            num_capture_channels: 1,
            num_render_channels: 1,
            ..InitializationConfig::default()
        })
        .map_err(|e| anyhow!("2016 library: {e:?}"))?;
        processor.set_config(Config {
            echo_cancellation: Some(EchoCancellation {
                suppression_level: EchoCancellationSuppressionLevel::High,
                enable_extended_filter: true,
                enable_delay_agnostic: true,
                stream_delay_ms: None,
            }),
            noise_suppression: (modules == Modules::WithNoiseSuppression).then_some(
                NoiseSuppression {
                    suppression_level: NoiseSuppressionLevel::High,
                },
            ),
            enable_high_pass_filter: true,
            ..Config::default()
        });
        Ok(Apm2016 {
            processor,
            buffer: vec![0.0; FRAME],
        })
    }
}

impl Canceller for Apm2016 {
    fn render(&mut self, frame: &[f32]) -> Result<()> {
        self.buffer.copy_from_slice(frame);
        self.processor
            .process_render_frame(&mut self.buffer)
            .map_err(|e| anyhow!("2016 library, render: {e:?}"))
    }

    fn capture(&mut self, frame: &mut [f32]) -> Result<()> {
        self.processor
            .process_capture_frame(frame)
            .map_err(|e| anyhow!("2016 library, capture: {e:?}"))
    }
}

/// webrtc-audio-processing 2.1: AEC3 (`Full`) with its own delay estimation, at its defaults, as
/// duet-media's `audio::processing` sets it up.
pub struct Aec3 {
    processor: aec3::Processor,
}

impl Aec3 {
    pub fn new(modules: Modules) -> Result<Self> {
        use aec3::config::*;
        let processor = aec3::Processor::new(48_000).map_err(|e| anyhow!("AEC3: {e:?}"))?;
        processor.set_config(Config {
            echo_canceller: Some(EchoCanceller::Full {
                stream_delay_ms: None,
            }),
            high_pass_filter: Some(HighPassFilter::default()),
            noise_suppression: (modules == Modules::WithNoiseSuppression).then_some(
                NoiseSuppression {
                    level: NoiseSuppressionLevel::High,
                    analyze_linear_aec_output: false,
                },
            ),
            ..Config::default()
        });
        Ok(Aec3 { processor })
    }
}

impl Canceller for Aec3 {
    fn render(&mut self, frame: &[f32]) -> Result<()> {
        self.processor
            .analyze_render_frame(std::iter::once(frame))
            .map_err(|e| anyhow!("AEC3, render: {e:?}"))
    }

    fn capture(&mut self, frame: &mut [f32]) -> Result<()> {
        self.processor
            .process_capture_frame(std::iter::once(frame))
            .map_err(|e| anyhow!("AEC3, capture: {e:?}"))
    }
}

/// Runs a canceller over a whole call: frame by frame, the far end's frame is rendered and the
/// microphone's frame at the same time captured. Returns the cleaned microphone and the CPU time
/// spent inside the canceller.
pub fn run(
    canceller: &mut dyn Canceller,
    far: &[f32],
    mic: &[f32],
) -> Result<(Vec<f32>, std::time::Duration)> {
    let frames = far.len().min(mic.len()) / FRAME;
    let mut out = mic[..frames * FRAME].to_vec();
    let mut spent = std::time::Duration::ZERO;
    for (i, frame) in out.chunks_mut(FRAME).enumerate() {
        let started = std::time::Instant::now();
        canceller.render(&far[i * FRAME..(i + 1) * FRAME])?;
        canceller.capture(frame)?;
        spent += started.elapsed();
    }
    Ok((out, spent))
}
