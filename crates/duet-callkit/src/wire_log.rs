//! nertc-call's `debug`: with it, every signaling frame sent and received is logged at DEBUG
//! under the target [`TARGET`], secrets blanked; without it, no such line is ever produced.

use tracing::debug;

/// The `tracing` target of the frame log (`DUET_LOG=duet_callkit::wire=debug` in duet-cli).
pub const TARGET: &str = "duet_callkit::wire";

/// What a secret reads as in the frame log.
const REDACTED: &str = "<redacted>";

/// Fields whose values let whoever reads the log act as this account: the login token, the
/// per-call tokens, TURN credentials, and a password should such a frame pass. (`code` is not
/// one: errors carry their code in it.)
const SECRETS: [&str; 4] = ["token", "call_token", "credential", "password"];

/// Logs a frame this device sent, when `enabled`.
pub(crate) fn sent(enabled: bool, text: &str) {
    if enabled {
        debug!(target: TARGET, frame = %redact(text), "sent");
    }
}

/// Logs a frame the server sent, when `enabled`.
pub(crate) fn received(enabled: bool, text: &str) {
    if enabled {
        debug!(target: TARGET, frame = %redact(text), "received");
    }
}

/// `text` with every secret field's value replaced, at any depth; a frame that is not JSON is
/// logged as its length only, since it cannot be told what it holds.
fn redact(text: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            blank(&mut value);
            value.to_string()
        }
        Err(_) => format!("<{} bytes, not JSON>", text.len()),
    }
}

fn blank(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields.iter_mut() {
                if SECRETS.contains(&key.as_str()) {
                    *field = REDACTED.into();
                } else {
                    blank(field);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(blank),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_credentials_are_blanked_at_any_depth() {
        let login = r#"{"type":"login","account":"alice","token":"dt1.secret","v":1}"#;
        assert_eq!(
            redact(login),
            r#"{"account":"alice","token":"<redacted>","type":"login","v":1}"#
        );
        let ok = r#"{"type":"login.ok","ice_servers":[{"urls":["turn:x"],"username":"1:alice","credential":"c2VjcmV0"}]}"#;
        let redacted = redact(ok);
        assert!(!redacted.contains("c2VjcmV0"), "{redacted}");
        assert!(redacted.contains(r#""username":"1:alice""#), "{redacted}");
        assert_eq!(redact("not json"), "<8 bytes, not JSON>");
    }
}
