//! Bad frames get a specific, actionable error code.

use duet_protocol::{decode_client, ErrorCode, MAX_FRAME_BYTES};

fn code_of(text: &str) -> (Option<u64>, ErrorCode) {
    let err = decode_client(text).unwrap_err();
    (err.req, err.error.code)
}

#[test]
fn malformed_json_is_bad_json() {
    assert_eq!(code_of("{\"v\":1,"), (None, ErrorCode::BadJson));
    assert_eq!(code_of("[1,2]"), (None, ErrorCode::BadJson));
}

#[test]
fn wrong_or_missing_version_is_refused_with_the_request_number() {
    assert_eq!(
        code_of(r#"{"v":2,"req":4,"type":"ping"}"#),
        (Some(4), ErrorCode::UnsupportedVersion)
    );
    assert_eq!(
        code_of(r#"{"req":4,"type":"ping"}"#),
        (Some(4), ErrorCode::UnsupportedVersion)
    );
}

#[test]
fn unknown_type_and_unknown_action_are_unknown_type() {
    assert_eq!(
        code_of(r#"{"v":1,"req":5,"type":"dance"}"#),
        (Some(5), ErrorCode::UnknownType)
    );
    let call =
        r#"{"v":1,"req":6,"type":"call","call_id":"c1","device":"d","seq":1,"action":"dance"}"#;
    assert_eq!(code_of(call), (Some(6), ErrorCode::UnknownType));
}

#[test]
fn wrong_fields_are_invalid_message() {
    let bad_type = r#"{"v":1,"req":7,"type":"call","call_id":"c1","device":"d","seq":1,"action":"invite","callee":"bob","call_type":3,"timeout_ms":1}"#;
    assert_eq!(code_of(bad_type), (Some(7), ErrorCode::InvalidMessage));
    let bad_id = r#"{"v":1,"req":8,"type":"contacts.add","account":"no spaces"}"#;
    assert_eq!(code_of(bad_id), (Some(8), ErrorCode::InvalidMessage));
    let no_seq = r#"{"v":1,"type":"call","call_id":"c1","device":"d","action":"cancel"}"#;
    assert_eq!(code_of(no_seq), (None, ErrorCode::InvalidMessage));
}

#[test]
fn oversized_frame_is_refused_before_parsing() {
    let big = format!(
        r#"{{"v":1,"type":"ping","pad":"{}"}}"#,
        "x".repeat(MAX_FRAME_BYTES)
    );
    assert_eq!(code_of(&big), (None, ErrorCode::FrameTooLarge));
}
