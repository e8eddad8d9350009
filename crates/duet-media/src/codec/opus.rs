//! A small wrapper over libopus with Duet's presets: 20 ms mono frames at 48 kHz, in-band FEC,
//! and DTX for speech.

use opus::{Application, Bitrate, Channels};

use crate::config::AudioQuality;
use crate::error::{MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Samples per channel in one 20 ms Opus frame at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;

/// Largest packet we produce; libopus never needs more at these bitrates.
const MAX_PACKET: usize = 1500;

fn opus_error(what: &str, e: opus::Error) -> MediaError {
    MediaError::Codec {
        codec: "opus",
        reason: format!("{what}: {e}"),
    }
}

/// The encoder settings a preset stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusPreset {
    /// Target bitrate in bits per second.
    pub bitrate_bps: i32,
    /// VoIP (speech-tuned) or Audio (music) application.
    pub voip: bool,
    /// Discontinuous transmission: near-silence sends tiny packets every 400 ms.
    pub dtx: bool,
}

impl From<AudioQuality> for OpusPreset {
    fn from(quality: AudioQuality) -> Self {
        match quality {
            AudioQuality::Speech => OpusPreset {
                bitrate_bps: 32_000,
                voip: true,
                dtx: true,
            },
            AudioQuality::Music => OpusPreset {
                bitrate_bps: 96_000,
                voip: false,
                dtx: false,
            },
        }
    }
}

/// A 48 kHz mono Opus encoder taking 20 ms frames.
pub struct OpusEncoder {
    inner: opus::Encoder,
    preset: OpusPreset,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("preset", &self.preset)
            .finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder for `quality`, with in-band FEC on.
    pub fn new(quality: AudioQuality) -> MediaResult<Self> {
        let preset = OpusPreset::from(quality);
        let app = if preset.voip {
            Application::Voip
        } else {
            Application::Audio
        };
        let mut inner = opus::Encoder::new(SAMPLE_RATE, Channels::Mono, app)
            .map_err(|e| opus_error("encoder init", e))?;
        inner
            .set_bitrate(Bitrate::Bits(preset.bitrate_bps))
            .map_err(|e| opus_error("bitrate", e))?;
        inner
            .set_inband_fec(true)
            .map_err(|e| opus_error("fec", e))?;
        // FEC only spends bits when the encoder expects loss; start by assuming a little.
        inner
            .set_packet_loss_perc(5)
            .map_err(|e| opus_error("loss", e))?;
        inner
            .set_dtx(preset.dtx)
            .map_err(|e| opus_error("dtx", e))?;
        Ok(Self { inner, preset })
    }

    /// The preset in force.
    pub fn preset(&self) -> OpusPreset {
        self.preset
    }

    /// Tells the encoder the loss the receiver reports, so FEC spends bits accordingly.
    pub fn set_expected_loss(&mut self, percent: u8) -> MediaResult<()> {
        self.inner
            .set_packet_loss_perc(percent.min(100) as i32)
            .map_err(|e| opus_error("loss", e))
    }

    /// Encodes exactly [`FRAME_SAMPLES`] mono samples into one packet.
    pub fn encode(&mut self, samples: &[i16]) -> MediaResult<Vec<u8>> {
        if samples.len() != FRAME_SAMPLES {
            return Err(MediaError::InvalidFrame(format!(
                "Opus takes {FRAME_SAMPLES} samples, got {}",
                samples.len()
            )));
        }
        self.inner
            .encode_vec(samples, MAX_PACKET)
            .map_err(|e| opus_error("encode", e))
    }
}

/// A 48 kHz mono Opus decoder with loss concealment.
pub struct OpusDecoder {
    inner: opus::Decoder,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder").finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// A new decoder.
    pub fn new() -> MediaResult<Self> {
        let inner = opus::Decoder::new(SAMPLE_RATE, Channels::Mono)
            .map_err(|e| opus_error("decoder init", e))?;
        Ok(Self { inner })
    }

    fn run(&mut self, packet: &[u8], fec: bool, samples: usize) -> MediaResult<AudioFrame> {
        let mut out = vec![0i16; samples.max(FRAME_SAMPLES)];
        let n = self
            .inner
            .decode(packet, &mut out, fec)
            .map_err(|e| opus_error("decode", e))?;
        out.truncate(n);
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples: out,
        })
    }

    /// Decodes one packet (up to 120 ms).
    pub fn decode(&mut self, packet: &[u8]) -> MediaResult<AudioFrame> {
        if packet.is_empty() {
            return Err(MediaError::InvalidFrame("empty Opus packet".into()));
        }
        self.run(packet, false, 5760)
    }

    /// Rebuilds the frame lost just before `next_packet` from the FEC data it carries.
    pub fn recover_from_fec(&mut self, next_packet: &[u8]) -> MediaResult<AudioFrame> {
        self.run(next_packet, true, FRAME_SAMPLES)
    }

    /// Synthesises one 20 ms frame for a packet that never arrived (packet loss concealment).
    pub fn conceal(&mut self) -> MediaResult<AudioFrame> {
        let mut out = vec![0i16; FRAME_SAMPLES];
        let n = self
            .inner
            .decode(&[], &mut out, false)
            .map_err(|e| opus_error("conceal", e))?;
        out.truncate(n);
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::analysis::tone_level_db;
    use crate::source::tone::ToneSource;
    use crate::source::AudioSource;

    fn encoded_tone(hz: f32, quality: AudioQuality, frames: usize) -> Vec<Vec<u8>> {
        let mut tone = ToneSource::unpaced(hz);
        let mut enc = OpusEncoder::new(quality).unwrap();
        (0..frames)
            .map(|_| {
                let mut pcm = tone.next_frame().unwrap().samples;
                pcm.extend(tone.next_frame().unwrap().samples);
                enc.encode(&pcm).unwrap()
            })
            .collect()
    }

    #[test]
    fn tone_keeps_its_frequency_through_opus() {
        for (hz, quality) in [(440.0, AudioQuality::Speech), (1000.0, AudioQuality::Music)] {
            let packets = encoded_tone(hz, quality, 50);
            let mut dec = OpusDecoder::new().unwrap();
            let pcm: Vec<i16> = packets
                .iter()
                .flat_map(|p| dec.decode(p).unwrap().samples)
                .collect();
            assert_eq!(pcm.len(), 50 * FRAME_SAMPLES);
            let tail = &pcm[pcm.len() / 2..];
            let at_tone = tone_level_db(tail, hz);
            let elsewhere = tone_level_db(tail, hz * 1.5);
            assert!(at_tone > -20.0, "{hz} Hz level {at_tone} dB");
            assert!(
                at_tone - elsewhere > 30.0,
                "{hz} Hz: {at_tone} vs {elsewhere}"
            );
        }
    }

    #[test]
    fn lost_packets_are_concealed_or_recovered() {
        let packets = encoded_tone(440.0, AudioQuality::Speech, 20);
        let mut dec = OpusDecoder::new().unwrap();
        for p in &packets[..10] {
            dec.decode(p).unwrap();
        }
        // Packet 10 is lost: rebuild it from 11's FEC, then conceal a further loss.
        let recovered = dec.recover_from_fec(&packets[11]).unwrap();
        assert_eq!(recovered.samples.len(), FRAME_SAMPLES);
        assert!(tone_level_db(&recovered.samples, 440.0) > -30.0);
        let concealed = dec.conceal().unwrap();
        assert_eq!(concealed.samples.len(), FRAME_SAMPLES);
    }

    #[test]
    fn wrong_sizes_and_garbage_are_errors() {
        let mut enc = OpusEncoder::new(AudioQuality::Speech).unwrap();
        assert!(enc.encode(&[0; 100]).is_err());
        let mut dec = OpusDecoder::new().unwrap();
        assert!(dec.decode(&[]).is_err());
        assert!(dec.decode(&[0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn speech_uses_dtx_on_silence() {
        let mut enc = OpusEncoder::new(AudioQuality::Speech).unwrap();
        let sizes: Vec<usize> = (0..50)
            .map(|_| enc.encode(&[0; FRAME_SAMPLES]).unwrap().len())
            .collect();
        // DTX sends 1-2 byte packets (or none) once silence is established.
        assert!(sizes[40..].iter().all(|&s| s <= 3), "{sizes:?}");
    }
}
