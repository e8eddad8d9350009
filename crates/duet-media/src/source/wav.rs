//! WAV files as a looping audio source.

use std::io::BufReader;
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
        let reader = hound::WavReader::open(path).map_err(|e| MediaError::file(path, e))?;
        let spec = reader.spec();
        let channels = spec.channels.max(1) as usize;
        let interleaved: Vec<f32> = read_f32(reader).map_err(|e| MediaError::file(path, e))?;
        let mono: Vec<f32> = interleaved
            .chunks_exact(channels)
            .map(|c| c.iter().sum::<f32>() / channels as f32)
            .collect();
        let mut resampler = Resampler::new(spec.sample_rate, SAMPLE_RATE)?;
        let samples: Vec<i16> = resampler.process(&mono)?.into_iter().map(to_i16).collect();
        if samples.len() < BLOCK_SAMPLES {
            return Err(MediaError::file(path, "shorter than 10 ms"));
        }
        Ok(Self {
            path: path.to_owned(),
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

fn read_f32(reader: hound::WavReader<BufReader<std::fs::File>>) -> Result<Vec<f32>, hound::Error> {
    let spec = reader.spec();
    match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().collect(),
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
