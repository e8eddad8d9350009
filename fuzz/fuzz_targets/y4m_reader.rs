//! The Y4M reader (`Y4mSource`, the `--video FILE.y4m` input) fed arbitrary bytes: a header is
//! parsed or refused, and every frame read has the header's size, looping at the end.

#![no_main]

use std::io::Cursor;
use std::path::Path;

use duet_media::source::y4m::Y4mSource;
use duet_media::source::VideoSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = Y4mSource::from_reader(Cursor::new(data), Path::new("fuzz.y4m")) else {
        return;
    };
    let mut source = source.unpaced();
    let header = source.header();
    assert!(header.width > 0 && header.height > 0 && header.fps_num > 0 && header.fps_den > 0);
    // Enough reads to pass the end of a short stream and loop back to its first frame.
    for _ in 0..4 {
        let Ok(frame) = source.next_frame() else {
            return;
        };
        assert_eq!((frame.width, frame.height), (header.width, header.height));
    }
});
