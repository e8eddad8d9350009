//! VP8 encode/decode cost per frame on the test pattern, single-threaded.
//!
//! Run: `cargo bench -p duet-media --bench codec`. Prints median milliseconds for keyframes and
//! delta frames at 640x480 and 1280x720, with the per-frame budget of 30 fps (33.3 ms) as the
//! baseline; the encoder runs with the call's settings (realtime, 1 thread).

use std::time::Instant;

use duet_media::codec::vp8::{Vp8Decoder, Vp8Encoder, Vp8EncoderConfig};
use duet_media::source::test_pattern::TestPatternSource;
use duet_media::source::VideoSource;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    for (w, h, kbps) in [(640, 480, 900), (1280, 720, 2000)] {
        let mut source = TestPatternSource::unpaced(w, h).expect("valid size");
        let mut encoder = Vp8Encoder::new(Vp8EncoderConfig {
            width: w,
            height: h,
            fps: 30,
            bitrate_kbps: kbps,
            threads: 1,
        })
        .expect("encoder");
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
}
