//! Measuring tones in PCM: the check that each side hears the other's frequency.

/// Level of the `frequency_hz` component of 48 kHz `samples`, in dB relative to a full-scale
/// sine, by the Goertzel algorithm (a one-bin DFT) over a Hann window.
pub fn tone_level_db(samples: &[i16], frequency_hz: f32) -> f64 {
    let n = samples.len();
    if n == 0 {
        return f64::NEG_INFINITY;
    }
    let omega = 2.0 * std::f64::consts::PI * frequency_hz as f64 / crate::frame::SAMPLE_RATE as f64;
    let coeff = 2.0 * omega.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for (i, &x) in samples.iter().enumerate() {
        let window = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
        let s0 = x as f64 / 32768.0 * window + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // A full-scale sine through a Hann window gives amplitude n/4 in its bin.
    let amplitude = power.max(0.0).sqrt() / (n as f64 / 4.0);
    20.0 * amplitude.max(1e-12).log10()
}

/// Of `candidates`, the frequency with the strongest component in `samples`.
pub fn strongest_of(samples: &[i16], candidates: &[f32]) -> Option<f32> {
    candidates
        .iter()
        .copied()
        .max_by(|a, b| tone_level_db(samples, *a).total_cmp(&tone_level_db(samples, *b)))
}

/// Root-mean-square level of `samples` in dBFS.
pub fn rms_db(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return f64::NEG_INFINITY;
    }
    let mean = samples
        .iter()
        .map(|&s| (s as f64 / 32768.0).powi(2))
        .sum::<f64>()
        / samples.len() as f64;
    10.0 * mean.max(1e-24).log10()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tone::ToneSource;
    use crate::source::AudioSource;

    #[test]
    fn finds_the_generated_tone() {
        let mut tone = ToneSource::unpaced(700.0);
        let pcm: Vec<i16> = (0..20)
            .flat_map(|_| tone.next_frame().unwrap().samples)
            .collect();
        // The generator runs at -12 dBFS.
        assert!((tone_level_db(&pcm, 700.0) + 12.0).abs() < 1.0);
        assert!(tone_level_db(&pcm, 1000.0) < -60.0);
        assert_eq!(strongest_of(&pcm, &[440.0, 700.0, 1000.0]), Some(700.0));
    }
}
