//! One JSON line per event on stdout.

use duet_callkit::CallEvent;
use serde_json::{json, Value};
use std::io::Write;

/// Prints `event` as one JSON line carrying nertc-call's event name.
pub fn event(event: &CallEvent) {
    let mut value = serde_json::to_value(event)
        .unwrap_or_else(|e| json!({"event": event.name(), "error": e.to_string()}));
    if let (CallEvent::Invited(invite), Some(object)) = (event, value.as_object_mut()) {
        object.insert("from".into(), json!(invite.caller.account));
    }
    line(&value);
}

/// Prints any JSON value as one line and flushes, so pipes see it at once.
pub fn line(value: &Value) {
    let mut out = std::io::stdout().lock();
    // A closed stdout (the reader went away) is no reason to stop the call.
    let _ = writeln!(out, "{value}");
    let _ = out.flush();
}
