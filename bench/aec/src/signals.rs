//! The benchmark's signals: two talkers laid out on one timeline, the room the far end is played
//! into, and WAV input and output. Everything is 48 kHz mono f32 in [-1, 1].

use std::path::Path;

use anyhow::{bail, Context, Result};
use realfft::RealFftPlanner;
use rubato::{FftFixedIn, Resampler};

pub const RATE: usize = 48_000;

/// Seconds to samples.
pub fn at(seconds: f64) -> usize {
    (seconds * RATE as f64).round() as usize
}

/// Where each part of the test lies, in seconds. The far end talks from 0 to `far_end`; the near
/// end talks over it from `double_talk.0` to `double_talk.1`, and alone from `near_alone.0`.
pub struct Timeline {
    pub far_end: f64,
    pub double_talk: (f64, f64),
    pub near_alone: (f64, f64),
    pub total: f64,
}

pub const TIMELINE: Timeline = Timeline {
    far_end: 30.0,
    double_talk: (16.0, 24.0),
    near_alone: (32.0, 38.0),
    total: 38.0,
};

pub fn read_wav(path: &Path) -> Result<(Vec<f32>, usize)> {
    let mut reader =
        hound::WavReader::open(path).with_context(|| format!("opening {}", path.display()))?;
    let spec = reader.spec();
    if spec.sample_format != hound::SampleFormat::Int || spec.bits_per_sample != 16 {
        bail!("{}: 16-bit PCM expected", path.display());
    }
    let channels = spec.channels as usize;
    let samples: Vec<i16> = reader.samples::<i16>().collect::<Result<_, _>>()?;
    // The first channel is enough: every file here is mono or a mono signal on each channel.
    let mono = samples
        .chunks(channels)
        .map(|c| f32::from(c[0]) / 32768.0)
        .collect();
    Ok((mono, spec.sample_rate as usize))
}

pub fn write_wav(path: &Path, samples: &[f32]) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE as u32,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec)
        .with_context(|| format!("writing {}", path.display()))?;
    for &s in samples {
        writer.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)?;
    }
    writer.finalize()?;
    Ok(())
}

/// Brings speech (espeak-ng writes 22,050 Hz) to 48 kHz.
pub fn to_48k(samples: &[f32], rate: usize) -> Result<Vec<f32>> {
    if rate == RATE {
        return Ok(samples.to_vec());
    }
    let chunk = 1024;
    let mut resampler = FftFixedIn::<f32>::new(rate, RATE, chunk, 2, 1)?;
    let mut out = Vec::with_capacity(samples.len() * RATE / rate + chunk * 4);
    let mut padded = samples.to_vec();
    padded.resize(samples.len().div_ceil(chunk) * chunk + chunk, 0.0);
    for block in padded.chunks(chunk) {
        out.extend_from_slice(&resampler.process(&[block], None)?[0]);
    }
    // The resampler's own delay, so that speech starts where it did.
    let delay = resampler.output_delay();
    Ok(out[delay.min(out.len())..].to_vec())
}

pub fn rms(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32).sqrt()
}

/// Scales so that the stretches where the talker talks (20 ms blocks above -50 dBFS) have the given
/// RMS level: pauses between words do not count, so both talkers speak equally loud.
pub fn set_speech_level(samples: &mut [f32], dbfs: f32) {
    let talking: Vec<f32> = samples
        .chunks(RATE / 50)
        .filter(|b| rms(b) > 10f32.powf(-50.0 / 20.0))
        .flatten()
        .copied()
        .collect();
    let level = rms(&talking);
    if level > 0.0 {
        let gain = 10f32.powf(dbfs / 20.0) / level;
        samples.iter_mut().for_each(|s| *s *= gain);
    }
}

/// Repeats `speech` until `seconds` are filled, from `start` on a timeline of `total` seconds.
pub fn lay_out(speech: &[f32], start: f64, end: f64, total: f64) -> Vec<f32> {
    let mut out = vec![0.0; at(total)];
    let mut from = at(start);
    let end = at(end).min(out.len());
    while from < end && !speech.is_empty() {
        let n = speech.len().min(end - from);
        out[from..from + n].copy_from_slice(&speech[..n]);
        from += n;
    }
    out
}

/// A deterministic xorshift generator, so every run builds the same room and noise.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Noise(seed.max(1))
    }
    /// Uniform in [-1, 1).
    pub fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        ((self.0 >> 40) as f32 / (1u64 << 23) as f32) - 1.0
    }
}

/// A small office's echo path from loudspeaker to microphone: the direct sound after 1 ms, a few
/// early reflections, and a diffuse tail falling 60 dB in `rt60` seconds, cut at 250 ms. The
/// tail carries about a third of the energy, as in a furnished room at arm's length.
pub fn room_response(rt60: f64) -> Vec<f32> {
    let len = at(0.25);
    let mut h = vec![0.0f32; len];
    h[at(0.001)] = 1.0;
    for (delay_ms, gain) in [(3.1, -0.45), (5.7, 0.32), (8.9, -0.22), (12.4, 0.18)] {
        h[at(delay_ms / 1000.0)] += gain;
    }
    let mut noise = Noise::new(0x0005_eed0_fa11);
    let tail_start = at(0.004);
    let decay = 6.9 / (rt60 * RATE as f64); // ln(1000) per rt60
    for (i, tap) in h.iter_mut().enumerate().skip(tail_start) {
        let t = (i - tail_start) as f64;
        *tap += 0.06 * noise.next() * (-decay * t).exp() as f32;
    }
    h
}

/// Linear convolution through one large real FFT.
pub fn convolve(signal: &[f32], response: &[f32]) -> Vec<f32> {
    let n = (signal.len() + response.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let forward = planner.plan_fft_forward(n);
    let inverse = planner.plan_fft_inverse(n);
    let spectrum_of = |x: &[f32]| {
        let mut padded = vec![0.0; n];
        padded[..x.len()].copy_from_slice(x);
        let mut spectrum = forward.make_output_vec();
        // The lengths come from the plan itself, so the FFT cannot refuse them.
        forward
            .process(&mut padded, &mut spectrum)
            .expect("buffers sized by the plan");
        spectrum
    };
    let a = spectrum_of(signal);
    let b = spectrum_of(response);
    let mut product: Vec<_> = a.iter().zip(&b).map(|(x, y)| x * y).collect();
    let mut out = inverse.make_output_vec();
    inverse
        .process(&mut product, &mut out)
        .expect("buffers sized by the plan");
    out.truncate(signal.len());
    out.iter_mut().for_each(|s| *s /= n as f32);
    out
}

/// Where `recording` holds `played`: the lag, in samples, that correlates best, searched up to
/// `max_lag`. Uses the first ten seconds of `played`.
pub fn find_lag(played: &[f32], recording: &[f32], max_lag: usize) -> usize {
    let probe = &played[..played.len().min(at(10.0))];
    let window = &recording[..recording.len().min(probe.len() + max_lag)];
    // Cross-correlation as a convolution with the reversed probe.
    let reversed: Vec<f32> = probe.iter().rev().copied().collect();
    let full = convolve_full(window, &reversed);
    (0..=max_lag)
        .max_by(|&a, &b| {
            let ca = full.get(a + probe.len() - 1).copied().unwrap_or(0.0);
            let cb = full.get(b + probe.len() - 1).copied().unwrap_or(0.0);
            ca.total_cmp(&cb)
        })
        .unwrap_or(0)
}

fn convolve_full(a: &[f32], b: &[f32]) -> Vec<f32> {
    let mut padded = a.to_vec();
    padded.resize(a.len() + b.len() - 1, 0.0);
    convolve(&padded, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convolution_with_a_delayed_impulse_delays() {
        let signal: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let mut impulse = vec![0.0; 10];
        impulse[3] = 0.5;
        let out = convolve(&signal, &impulse);
        assert!((out[53] - 25.0).abs() < 1e-3);
        assert!(out[2].abs() < 1e-3);
    }

    #[test]
    fn the_lag_of_a_delayed_copy_is_found() {
        let mut noise = Noise::new(7);
        let played: Vec<f32> = (0..RATE).map(|_| noise.next()).collect();
        let mut recording = vec![0.0; 1234];
        recording.extend_from_slice(&played);
        assert_eq!(find_lag(&played, &recording, 4000), 1234);
    }
}
