//! Sample-rate conversion with rubato, for devices and files not at 48 kHz.

use rubato::{FftFixedIn, Resampler as _};

use crate::error::{MediaError, MediaResult};

/// Converts a mono f32 stream from one rate to another, accepting any input length.
pub struct Resampler {
    inner: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    chunk: usize,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("chunk", &self.chunk)
            .finish_non_exhaustive()
    }
}

impl Resampler {
    /// A resampler from `from_hz` to `to_hz`; a pass-through when they are equal.
    pub fn new(from_hz: u32, to_hz: u32) -> MediaResult<Self> {
        if from_hz == 0 || to_hz == 0 {
            return Err(MediaError::AudioProcessing("zero sample rate".into()));
        }
        let chunk = (from_hz / 100).max(1) as usize;
        let inner = if from_hz == to_hz {
            None
        } else {
            Some(
                FftFixedIn::new(from_hz as usize, to_hz as usize, chunk, 2, 1)
                    .map_err(|e| MediaError::AudioProcessing(e.to_string()))?,
            )
        };
        Ok(Self {
            inner,
            pending: Vec::new(),
            chunk,
        })
    }

    /// Feeds `input` and returns whatever output is ready.
    pub fn process(&mut self, input: &[f32]) -> MediaResult<Vec<f32>> {
        let Some(inner) = &mut self.inner else {
            return Ok(input.to_vec());
        };
        self.pending.extend_from_slice(input);
        let mut out = Vec::new();
        while self.pending.len() >= self.chunk {
            let chunk: Vec<f32> = self.pending.drain(..self.chunk).collect();
            let mut result = inner
                .process(&[chunk], None)
                .map_err(|e| MediaError::AudioProcessing(e.to_string()))?;
            out.append(&mut result[0]);
        }
        Ok(out)
    }
}

/// i16 sample to f32 in [-1, 1).
pub fn to_f32(sample: i16) -> f32 {
    sample as f32 / 32768.0
}

/// f32 sample to i16 with clipping.
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).clamp(-32768.0, 32767.0) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_44k1_to_48k_at_the_right_ratio() {
        let mut r = Resampler::new(44_100, 48_000).unwrap();
        let mut total = 0;
        for _ in 0..100 {
            total += r.process(&[0.25; 441]).unwrap().len();
        }
        // One second in, one second (minus the filter delay) out.
        assert!((46_000..=48_000).contains(&total), "got {total}");
    }

    #[test]
    fn equal_rates_pass_through() {
        let mut r = Resampler::new(48_000, 48_000).unwrap();
        assert_eq!(r.process(&[0.5, -0.5]).unwrap(), vec![0.5, -0.5]);
    }
}
