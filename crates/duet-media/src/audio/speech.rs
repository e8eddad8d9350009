//! Telling speech from silence and steady noise in the captured microphone audio: the call
//! screen's "You are muted" hint when the user speaks while muted.
//!
//! Level-based, on 10 ms frames after echo cancellation and noise suppression: a frame is voiced
//! when it is loud enough and well above the noise floor, and speech is heard while enough of the
//! last half second was voiced. The floor follows quieter frames at once and louder ones slowly,
//! so a fan or hum becomes the floor within seconds while speech, which pauses between words,
//! keeps it down.

use super::analysis::rms_db;

/// Frames looked back over: half a second of 10 ms frames.
const WINDOW_FRAMES: u32 = 50;
/// Voiced frames in the window that make speech: 200 ms of voice in half a second.
const VOICED_FRAMES: u32 = 20;
/// Below this a frame is never voice, whatever the floor (a quiet room is about -60 dBFS).
const MIN_VOICE_DB: f64 = -50.0;
/// How far above the floor a voiced frame is.
const ABOVE_FLOOR_DB: f64 = 12.0;
/// How fast the floor climbs towards louder frames: 2 dB a second.
const FLOOR_RISE_DB_PER_FRAME: f64 = 0.02;
/// The floor never goes below this (digital silence would pin it at -240 dBFS).
const FLOOR_MIN_DB: f64 = -90.0;

/// Feeds on 10 ms frames; says whether speech is heard.
#[derive(Debug, Clone, Default)]
pub struct SpeechDetector {
    /// The noise floor in dBFS; none before the first frame.
    floor_db: Option<f64>,
    /// One bit per frame, newest in bit 0: voiced or not.
    history: u64,
}

impl SpeechDetector {
    /// A detector that has heard nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the next 10 ms frame (any channel layout); true while speech is heard.
    pub fn push(&mut self, samples: &[i16]) -> bool {
        let level = rms_db(samples).max(FLOOR_MIN_DB);
        let floor = match self.floor_db {
            // The first frame is the floor: a microphone that opens on a noisy room is not speech.
            None => level,
            Some(floor) if level < floor => level,
            Some(floor) => (floor + FLOOR_RISE_DB_PER_FRAME).min(level),
        };
        self.floor_db = Some(floor);
        let voiced = level >= MIN_VOICE_DB && level >= floor + ABOVE_FLOOR_DB;
        self.history = (self.history << 1) | u64::from(voiced);
        self.speaking()
    }

    /// Whether enough of the last half second was voiced.
    pub fn speaking(&self) -> bool {
        let window = self.history & ((1u64 << WINDOW_FRAMES) - 1);
        window.count_ones() >= VOICED_FRAMES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tone::ToneSource;
    use crate::source::AudioSource;

    /// `n` 10 ms frames of a -12 dBFS tone.
    fn tone(source: &mut ToneSource, n: usize) -> Vec<Vec<i16>> {
        (0..n)
            .map(|_| source.next_frame().expect("the tone never fails").samples)
            .collect()
    }

    fn silence(n: usize) -> Vec<Vec<i16>> {
        vec![vec![0i16; 480]; n]
    }

    /// Low white noise at about `db` dBFS, from a fixed seed.
    fn noise(n: usize, db: f64, seed: &mut u32) -> Vec<Vec<i16>> {
        let amplitude = 32768.0 * 10f64.powf(db / 20.0) * 3f64.sqrt();
        (0..n)
            .map(|_| {
                (0..480)
                    .map(|_| {
                        *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        let unit = f64::from(*seed >> 8) / f64::from(1u32 << 24) * 2.0 - 1.0;
                        (unit * amplitude) as i16
                    })
                    .collect()
            })
            .collect()
    }

    /// Whether the detector says speech after each frame.
    fn feed(detector: &mut SpeechDetector, frames: &[Vec<i16>]) -> Vec<bool> {
        frames.iter().map(|f| detector.push(f)).collect()
    }

    #[test]
    fn silence_is_not_speech() {
        let mut detector = SpeechDetector::new();
        assert!(feed(&mut detector, &silence(300)).iter().all(|s| !s));
    }

    #[test]
    fn a_tone_after_silence_is_speech_within_a_quarter_second_and_ends_with_it() {
        let mut detector = SpeechDetector::new();
        let mut source = ToneSource::unpaced(440.0);
        feed(&mut detector, &silence(100));
        let heard = feed(&mut detector, &tone(&mut source, 100));
        let first = heard.iter().position(|s| *s).expect("the tone is heard");
        assert_eq!(first + 1, VOICED_FRAMES as usize, "after 200 ms of it");
        assert!(heard[first..].iter().all(|s| *s), "heard all the while");
        let after = feed(&mut detector, &silence(100));
        let last = after.iter().position(|s| !s).expect("silence ends it");
        assert!(
            last <= (WINDOW_FRAMES - VOICED_FRAMES + 1) as usize,
            "{last}"
        );
        assert!(after[last..].iter().all(|s| !s));
    }

    #[test]
    fn steady_noise_is_the_floor_and_a_voice_above_it_is_speech() {
        let mut detector = SpeechDetector::new();
        let mut seed = 7;
        // A fan at -45 dBFS: loud enough to pass the absolute bar, but the floor from the start.
        assert!(feed(&mut detector, &noise(500, -45.0, &mut seed))
            .iter()
            .all(|s| !s));
        let mut source = ToneSource::unpaced(300.0);
        let over: Vec<Vec<i16>> = tone(&mut source, 60)
            .into_iter()
            .zip(noise(60, -45.0, &mut seed))
            .map(|(t, n)| {
                t.iter()
                    .zip(&n)
                    .map(|(a, b)| a.saturating_add(*b))
                    .collect()
            })
            .collect();
        assert!(feed(&mut detector, &over).last().copied().unwrap_or(false));
    }

    #[test]
    fn a_quiet_sound_below_the_voice_bar_is_not_speech() {
        let mut detector = SpeechDetector::new();
        let mut seed = 11;
        feed(&mut detector, &silence(50));
        assert!(feed(&mut detector, &noise(200, -58.0, &mut seed))
            .iter()
            .all(|s| !s));
    }

    #[test]
    fn a_sound_that_never_stops_becomes_the_floor() {
        let mut detector = SpeechDetector::new();
        let mut source = ToneSource::unpaced(440.0);
        feed(&mut detector, &silence(10));
        // A -15 dBFS (RMS) tone over a -90 dBFS floor rising 2 dB/s: heard for about 31 s.
        let heard = feed(&mut detector, &tone(&mut source, 4000));
        assert!(heard[100], "heard at first");
        assert!(!heard[3999], "after 40 s of the same tone it is the room");
    }
}
