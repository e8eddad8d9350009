//! Media for lab calls, kept small for a two-core machine: duet-cli sends a Y4M file of duet's
//! own test pattern at [`WIDTH`]x[`HEIGHT`], [`FPS`] frames a second (duet-cli has no flag for the
//! test source's size), and a tone; the far side's recordings are read back with duet-media's
//! stamp reader and tone meter, as the browser interop test does.

use std::path::{Path, PathBuf};

use duet_media::audio::analysis::tone_level_db;
use duet_media::sink::y4m::Y4mSink;
use duet_media::sink::VideoSink;
use duet_media::source::test_pattern::{decode_stamp, render, PatternStamp};
use duet_media::source::y4m::Y4mSource;
use duet_media::MediaError;

/// Picture size of the lab's video (8-pixel code squares).
pub const WIDTH: u32 = 256;
pub const HEIGHT: u32 = 192;
/// Frames a second of the lab's video.
pub const FPS: u32 = 10;
/// Bytes one recorded frame takes in a Y4M file ("FRAME\n" and the I420 picture).
const FRAME_BYTES: u64 = 6 + (WIDTH * HEIGHT * 3 / 2) as u64;
/// Bytes of one second of recorded audio (48 kHz, 16-bit mono).
const AUDIO_BYTES_PER_SECOND: u64 = 48_000 * 2;

/// Writes `seconds` of the test pattern to `path` (frame numbers 0.. in the stamps), unless a
/// file of that name is there already.
pub fn write_pattern(path: &Path, seconds: u32) {
    if path.exists() {
        return;
    }
    let partial = path.with_extension("partial");
    let mut sink = Y4mSink::create(&partial, FPS).expect("the pattern file is created");
    for frame_number in 0..seconds * FPS {
        let stamp = PatternStamp {
            frame_number,
            capture_time_us: 0,
        };
        let frame = render(WIDTH, HEIGHT, stamp).expect("the lab's size fits the code");
        sink.write_frame(&frame)
            .expect("the pattern file is written");
    }
    drop(sink);
    std::fs::rename(&partial, path).expect("the pattern file is renamed into place");
}

/// duet-cli's media flags: send `video` and a `tone_hz` tone, record the peer into `dir`.
pub fn cli_flags(video: &Path, tone_hz: u32, dir: &Path) -> Vec<String> {
    vec![
        "--video".into(),
        video.display().to_string(),
        "--audio".into(),
        format!("tone:{tone_hz}"),
        "--record-video".into(),
        peer_video(dir).display().to_string(),
        "--record-audio".into(),
        peer_audio(dir).display().to_string(),
    ]
}

/// Where [`cli_flags`] records the peer's video.
pub fn peer_video(dir: &Path) -> PathBuf {
    dir.join("peer.y4m")
}

/// Where [`cli_flags`] records the peer's audio.
pub fn peer_audio(dir: &Path) -> PathBuf {
    dir.join("peer.wav")
}

/// How much has been recorded in `dir` so far: (video frames, seconds of audio), from file sizes.
pub fn recorded(dir: &Path) -> (u64, f64) {
    let size = |path: PathBuf| std::fs::metadata(path).map_or(0, |m| m.len());
    let frames = size(peer_video(dir)) / FRAME_BYTES;
    let audio = size(peer_audio(dir)).saturating_sub(44) as f64 / AUDIO_BYTES_PER_SECOND as f64;
    (frames, audio)
}

/// Checks the recorded video in `dir`: at least `min_frames` pictures, most with a readable
/// stamp, frame numbers advancing. Returns the frame numbers read.
pub fn check_video(dir: &Path, min_frames: usize) -> Vec<u32> {
    let path = peer_video(dir);
    let stamps = recorded_stamps(dir);
    assert!(
        stamps.len() >= min_frames,
        "{} holds {} frames, fewer than {min_frames}",
        path.display(),
        stamps.len()
    );
    let numbers: Vec<u32> = stamps.iter().flatten().map(|s| s.frame_number).collect();
    // A lost packet can damage a picture until the next keyframe; most must read.
    assert!(
        numbers.len() * 10 >= stamps.len() * 9,
        "only {} of {} recorded pictures carry a readable stamp",
        numbers.len(),
        stamps.len()
    );
    assert!(
        numbers.windows(2).all(|w| w[1] > w[0]),
        "the sender's frame numbers must advance in the recording: {numbers:?}"
    );
    numbers
}

/// The stamp of each picture recorded in `dir`, in order (`None` where it cannot be read).
pub fn recorded_stamps(dir: &Path) -> Vec<Option<PatternStamp>> {
    let path = peer_video(dir);
    let mut y4m = Y4mSource::open(&path)
        .unwrap_or_else(|e| panic!("no video recorded at {}: {e}", path.display()));
    let header = y4m.header();
    assert_eq!((header.width, header.height), (WIDTH, HEIGHT));
    let mut stamps = Vec::new();
    loop {
        match y4m.read_frame() {
            Ok(frame) => stamps.push(decode_stamp(&frame)),
            Err(MediaError::EndOfStream) => return stamps,
            Err(e) => panic!("unreadable recording {}: {e}", path.display()),
        }
    }
}

/// The recorded audio in `dir` as samples (the WAV is complete once the call has ended).
pub fn audio_samples(dir: &Path) -> Vec<i16> {
    let path = peer_audio(dir);
    let wav = hound::WavReader::open(&path)
        .unwrap_or_else(|e| panic!("no audio recorded at {}: {e}", path.display()));
    assert_eq!(wav.spec().sample_rate, 48_000);
    wav.into_samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("a readable WAV")
}

/// Checks that `samples[from..to]` (in seconds) carries the `heard_hz` tone well above `own_hz`.
pub fn check_tone(samples: &[i16], from_s: f64, to_s: f64, heard_hz: u32, own_hz: u32) {
    let at = |s: f64| ((s * 48_000.0) as usize).min(samples.len());
    let window = &samples[at(from_s)..at(to_s)];
    assert!(
        window.len() >= 48_000,
        "less than a second of audio between {from_s} s and {to_s} s (of {} s)",
        samples.len() as f64 / 48_000.0
    );
    let (heard, own) = (
        tone_level_db(window, heard_hz as f32),
        tone_level_db(window, own_hz as f32),
    );
    assert!(
        heard > -30.0 && heard > own + 20.0,
        "the peer's {heard_hz} Hz tone must be heard between {from_s} s and {to_s} s: \
         {heard:.1} dB, own {own_hz} Hz tone {own:.1} dB"
    );
}

/// Of the whole seconds of `samples` from `from_s` on, how many carry the `heard_hz` tone (the
/// test of [`check_tone`], per 1 s window): (windows with the tone, windows).
pub fn tone_windows(samples: &[i16], from_s: u32, heard_hz: u32, own_hz: u32) -> (usize, usize) {
    let windows: Vec<&[i16]> = samples.chunks_exact(48_000).skip(from_s as usize).collect();
    let heard = windows
        .iter()
        .filter(|window| {
            let (heard, own) = (
                tone_level_db(window, heard_hz as f32),
                tone_level_db(window, own_hz as f32),
            );
            heard > -30.0 && heard > own + 20.0
        })
        .count();
    (heard, windows.len())
}
