//! Server frames as the SDK decodes them (`decode_server`, in duet-callkit's driver): any text
//! gets a frame or an error, never a panic, and a frame that decodes encodes to text that decodes
//! to the same frame.

#![no_main]

use duet_protocol::{decode_server, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_server(text) {
        Ok(frame) => {
            let again = decode_server(&encode(&frame))
                .unwrap_or_else(|e| panic!("{frame:?} encodes to a frame that fails: {e}"));
            assert_eq!(again, frame, "a server frame changed through encode/decode");
        }
        Err(e) => assert!(!e.error.message.is_empty(), "an error says why"),
    }
});
