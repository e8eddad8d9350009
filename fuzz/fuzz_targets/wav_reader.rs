//! The WAV reader (`WavSource`, the `--audio FILE.wav` input) fed arbitrary bytes: a file is
//! read and converted to 48 kHz mono or refused, and every block read is 10 ms of it.

#![no_main]

use std::io::Cursor;
use std::path::Path;

use duet_media::frame::SAMPLE_RATE;
use duet_media::source::wav::WavSource;
use duet_media::source::{AudioSource, BLOCK_SAMPLES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = WavSource::from_reader(Cursor::new(data), Path::new("fuzz.wav")) else {
        return;
    };
    let mut source = source.unpaced();
    for _ in 0..3 {
        let block = source.next_frame().expect("a file that opened plays");
        assert_eq!(block.samples.len(), BLOCK_SAMPLES);
        assert_eq!((block.sample_rate, block.channels), (SAMPLE_RATE, 1));
    }
});
