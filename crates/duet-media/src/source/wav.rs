//! WAV files as a looping audio source.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{AudioSource, Pacer, BLOCK_SAMPLES};
use crate::audio::resample::{to_f32, to_i16, Resampler};
use crate::error::{MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Plays a WAV file (any rate, channels folded to mono) in real time, looping at the end.
#[derive(Debug)]
pub struct WavSource {
    path: PathBuf,
    samples: Vec<i16>,
    position: usize,
    pacer: Option<Pacer>,
}

impl WavSource {
    /// Reads the whole of `path` and converts it to 48 kHz mono.
    pub fn open(path: &Path) -> MediaResult<Self> {
        let file = File::open(path).map_err(|e| MediaError::file(path, e))?;
        Self::from_reader(BufReader::new(file), path)
    }

    /// Reads a whole WAV stream from `reader` and converts it to 48 kHz mono; `origin` (a file
    /// name) names the stream in errors.
    pub fn from_reader(reader: impl Read, origin: &Path) -> MediaResult<Self> {
        let reader = hound::WavReader::new(reader).map_err(|e| MediaError::file(origin, e))?;
        let spec = reader.spec();
        let channels = spec.channels.max(1) as usize;
        let interleaved: Vec<f32> = read_f32(reader).map_err(|e| MediaError::file(origin, e))?;
        let mono: Vec<f32> = interleaved
            .chunks_exact(channels)
            .map(|c| c.iter().sum::<f32>() / channels as f32)
            .collect();
        let mut resampler = Resampler::new(spec.sample_rate, SAMPLE_RATE)?;
        let samples: Vec<i16> = resampler.process(&mono)?.into_iter().map(to_i16).collect();
        if samples.len() < BLOCK_SAMPLES {
            return Err(MediaError::file(origin, "shorter than 10 ms"));
        }
        Ok(Self {
            path: origin.to_owned(),
            samples,
            position: 0,
            pacer: Some(Pacer::new(Duration::from_millis(10))),
        })
    }

    /// The same source returning blocks as fast as asked.
    pub fn unpaced(mut self) -> Self {
        self.pacer = None;
        self
    }
}

fn read_f32<R: Read>(reader: hound::WavReader<R>) -> Result<Vec<f32>, hound::Error> {
    let spec = reader.spec();
    match spec.sample_format {
        // Full scale is ±1. Beyond it the samples would clip anyway, and values near f32::MAX
        // (or NaN) overflowed the resampler's FFT, which then panicked.
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .map(|s| s.map(|s| if s.is_nan() { 0.0 } else { s.clamp(-1.0, 1.0) }))
            .collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|s| s as f32 * scale))
                .collect()
        }
    }
}

impl AudioSource for WavSource {
    fn next_frame(&mut self) -> MediaResult<AudioFrame> {
        if let Some(pacer) = &mut self.pacer {
            pacer.wait();
        }
        let mut samples = Vec::with_capacity(BLOCK_SAMPLES);
        while samples.len() < BLOCK_SAMPLES {
            let take = (BLOCK_SAMPLES - samples.len()).min(self.samples.len() - self.position);
            samples.extend_from_slice(&self.samples[self.position..self.position + take]);
            self.position = (self.position + take) % self.samples.len();
        }
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples,
        })
    }

    fn describe(&self) -> String {
        format!("wav {}", self.path.display())
    }
}

/// Converts 16-bit samples for the f32 pipeline stages.
pub fn samples_to_f32(samples: &[i16]) -> Vec<f32> {
    samples.iter().map(|&s| to_f32(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::analysis::strongest_of;
    use crate::sink::wav::WavSink;
    use crate::sink::AudioSink;
    use crate::source::tone::ToneSource;

    #[test]
    fn a_44k1_stereo_file_plays_as_48k_mono_at_its_pitch() {
        let path = std::env::temp_dir().join(format!("duet-wav-{}.wav", std::process::id()));
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..44_100 {
            let s =
                ((i as f64 * 2.0 * std::f64::consts::PI * 700.0 / 44_100.0).sin() * 8000.0) as i16;
            writer.write_sample(s).unwrap();
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        let mut source = WavSource::open(&path).unwrap().unpaced();
        let pcm: Vec<i16> = (0..50)
            .flat_map(|_| source.next_frame().unwrap().samples)
            .collect();
        assert_eq!(
            strongest_of(&pcm[4800..], &[600.0, 700.0, 760.0]),
            Some(700.0)
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// A float WAV header, then `samples` as 32-bit floats.
    fn float_wav(sample_rate: u32, samples: &[f32]) -> Vec<u8> {
        let data_len = samples.len() as u32 * 4;
        let mut wav = Vec::new();
        wav.extend_from_slice(b"RIFF");
        wav.extend_from_slice(&(36 + data_len).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt ");
        for field in [
            16u32,
            3 | 1 << 16,
            sample_rate,
            sample_rate * 4,
            4 | 32 << 16,
        ] {
            wav.extend_from_slice(&field.to_le_bytes());
        }
        wav.extend_from_slice(b"data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        for s in samples {
            wav.extend_from_slice(&s.to_le_bytes());
        }
        wav
    }

    /// Found by the wav_reader fuzz target (fuzz/, scripts/fuzz.sh): a 44.1 kHz float file
    /// whose samples include -1.0e9, 1.26e29 and 5.5e32 made rubato's FFT overflow and panic
    /// ("Imaginary part of first value was non-zero") while the file was opened.
    #[test]
    fn huge_float_samples_play_clipped_instead_of_panicking() {
        let mut samples = vec![0.25f32; 2_205];
        samples[50..56].copy_from_slice(&[-1.003e9, 1.258e29, f32::NAN, -1.8e25, 5.5e32, -3.6e9]);
        let wav = float_wav(44_100, &samples);
        let mut source = WavSource::from_reader(std::io::Cursor::new(wav), Path::new("huge.wav"))
            .expect("the file opens")
            .unpaced();
        for _ in 0..3 {
            assert_eq!(source.next_frame().unwrap().samples.len(), BLOCK_SAMPLES);
        }
    }

    #[test]
    fn the_wav_sink_writes_what_the_source_reads() {
        let path = std::env::temp_dir().join(format!("duet-wavsink-{}.wav", std::process::id()));
        let mut sink = WavSink::create(&path).unwrap();
        let mut tone = ToneSource::unpaced(500.0);
        for _ in 0..20 {
            sink.write_audio(&tone.next_frame().unwrap()).unwrap();
        }
        sink.finish().unwrap();
        let mut source = WavSource::open(&path).unwrap().unpaced();
        let mut again = ToneSource::unpaced(500.0);
        assert_eq!(source.next_frame().unwrap(), again.next_frame().unwrap());
        std::fs::remove_file(&path).unwrap();
    }
}
