//! Client frames as the server decodes them (`decode_client`): any text gets a frame or an
//! error, never a panic, and a frame that decodes encodes to text that decodes to the same frame.

#![no_main]

use duet_protocol::{decode_client, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The server reads text WebSocket messages, which are UTF-8 by the time they reach it.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match decode_client(text) {
        Ok(frame) => {
            let again = decode_client(&encode(&frame))
                .unwrap_or_else(|e| panic!("{frame:?} encodes to a frame that fails: {e}"));
            assert_eq!(again, frame, "a client frame changed through encode/decode");
        }
        Err(e) => assert!(!e.error.message.is_empty(), "an error says why"),
    }
});
