//! VP8 encode/decode cost per frame on the test pattern, single-threaded.
//!
//! Run: `cargo bench -p duet-media --bench codec`. Prints median milliseconds for keyframes and
//! delta frames at 640x480 and 1280x720, with the per-frame budget of 30 fps (33.3 ms) as the
//! baseline; the encoder runs with the call's settings (realtime, 1 thread).
//!
//! Then the same 720p encode + decode work run two ways: back to back, and paced at 30 fps as
//! in a call (the thread sleeps between frames). It prints the thread's CPU time per frame for
//! both and their ratio: on a virtual machine a thread that wakes from idle can be charged more
//! for identical work, which is what the call benches' CPU figures then show.

use std::time::{Duration, Instant};

use duet_media::codec::vp8::{Vp8Decoder, Vp8Encoder, Vp8EncoderConfig};
use duet_media::source::test_pattern::TestPatternSource;
use duet_media::source::VideoSource;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// CPU time this thread has run, from the scheduler's own accounting (nanoseconds).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux) gives the thread's CPU time")
}

/// A VP8 encoder with the call's settings: realtime, one thread.
fn call_encoder(width: u32, height: u32, bitrate_kbps: u32) -> Vp8Encoder {
    Vp8Encoder::new(Vp8EncoderConfig {
        width,
        height,
        fps: 30,
        bitrate_kbps,
        threads: 1,
        screen_content: false,
    })
    .expect("encoder")
}

/// Encodes and decodes `frames` in a loop `count` times over, one frame per `interval` (zero:
/// back to back); returns this thread's CPU milliseconds per frame.
fn cpu_per_frame(frames: &[duet_media::I420Frame], count: usize, interval: Duration) -> f64 {
    let mut encoder = call_encoder(frames[0].width, frames[0].height, 2000);
    let mut decoder = Vp8Decoder::new().expect("decoder");
    // The keyframe and the encoder's first frames are not what a call spends its time on.
    for frame in frames.iter().take(10) {
        let packets = encoder.encode(frame, false).expect("encode");
        decoder.decode(&packets[0].data).expect("decode");
    }
    let start = Instant::now();
    let cpu_before = thread_cpu_ns();
    for n in 0..count {
        let due = start + interval * n as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let packets = encoder
            .encode(&frames[n % frames.len()], false)
            .expect("encode");
        decoder.decode(&packets[0].data).expect("decode");
    }
    (thread_cpu_ns() - cpu_before) as f64 / 1e6 / count as f64
}

fn main() {
    for (w, h, kbps) in [(640, 480, 900), (1280, 720, 2000)] {
        let mut source = TestPatternSource::unpaced(w, h).expect("valid size");
        let mut encoder = call_encoder(w, h, kbps);
        let mut decoder = Vp8Decoder::new().expect("decoder");
        let (mut key, mut delta, mut decode) = (vec![], vec![], vec![]);
        for n in 0..150 {
            let frame = source.next_frame().expect("frame");
            let keyframe = n % 30 == 0;
            let t = Instant::now();
            let packets = encoder.encode(&frame, keyframe).expect("encode");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if keyframe {
                key.push(ms)
            } else {
                delta.push(ms)
            }
            let t = Instant::now();
            decoder.decode(&packets[0].data).expect("decode");
            decode.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for (name, values) in [
            ("encode keyframe", key),
            ("encode delta", delta),
            ("decode", decode),
        ] {
            let m = median(values);
            println!(
                "{w}x{h} {name:<16} {m:>7.2} ms  baseline 33.3 ms  ratio {:.2}",
                m / 33.3
            );
        }
    }

    let mut source = TestPatternSource::unpaced(1280, 720).expect("valid size");
    let frames: Vec<_> = (0..60)
        .map(|_| source.next_frame().expect("frame"))
        .collect();
    let paced = Duration::from_micros(33_333);
    let (mut back_to_back, mut at_30fps) = (vec![], vec![]);
    for _ in 0..2 {
        back_to_back.push(cpu_per_frame(&frames, 150, Duration::ZERO));
        at_30fps.push(cpu_per_frame(&frames, 150, paced));
    }
    let (b, p) = (median(back_to_back.clone()), median(at_30fps.clone()));
    println!(
        "1280x720 encode+decode CPU per frame: paced at 30 fps {p:.2} ms {at_30fps:.2?}, \
         baseline back to back {b:.2} ms {back_to_back:.2?}, ratio {:.2}",
        p / b
    );
}
