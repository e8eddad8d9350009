//! Framing: the envelope around every message, and decoding with errors a client can act on.

use crate::{ClientMessage, ErrorCode, ProtocolError, ServerMessage, PROTOCOL_VERSION};
use serde::{Deserialize, Serialize};

/// Largest frame either side accepts, in bytes (an SDP with many candidates fits easily).
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// A client frame: version, optional request number, and the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientFrame {
    pub v: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<u64>,
    #[serde(flatten)]
    pub msg: ClientMessage,
}

impl ClientFrame {
    /// A frame of the current version.
    pub fn new(req: Option<u64>, msg: ClientMessage) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            req,
            msg,
        }
    }
}

/// A server frame: version, the request number it answers (if any), and the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerFrame {
    pub v: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub req: Option<u64>,
    #[serde(flatten)]
    pub msg: ServerMessage,
}

impl ServerFrame {
    /// A frame of the current version.
    pub fn new(req: Option<u64>, msg: ServerMessage) -> Self {
        Self {
            v: PROTOCOL_VERSION,
            req,
            msg,
        }
    }

    /// An `error` frame answering `req`.
    pub fn error(req: Option<u64>, err: ProtocolError) -> Self {
        Self::new(
            req,
            ServerMessage::Error {
                code: err.code,
                message: err.message,
                call_id: None,
            },
        )
    }
}

/// A frame that could not be decoded; `req` is set when the frame said which request it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct DecodeError {
    pub req: Option<u64>,
    pub error: ProtocolError,
}

/// The few fields read before the body, so that errors name the right cause.
#[derive(Deserialize)]
struct Header {
    v: Option<serde_json::Value>,
    req: Option<serde_json::Value>,
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    action: Option<serde_json::Value>,
}

const CLIENT_TYPES: &[&str] = &[
    "login",
    "register",
    "login.password",
    "app.info",
    "logout",
    "ping",
    "contacts.list",
    "contacts.add",
    "contacts.accept",
    "contacts.ignore",
    "contacts.remove",
    "contacts.block",
    "contacts.unblock",
    "directory.search",
    "history.list",
    "call",
];
const CALL_ACTIONS: &[&str] = &[
    "invite",
    "accept",
    "reject",
    "cancel",
    "hangup",
    "signal",
    "media",
    "switch_type",
    "switch_answer",
];

/// Decodes a client frame, telling apart bad JSON, wrong version, unknown type and bad fields.
pub fn decode_client(text: &str) -> Result<ClientFrame, DecodeError> {
    let fail = |req, code, message: String| DecodeError {
        req,
        error: ProtocolError::new(code, message),
    };
    if text.len() > MAX_FRAME_BYTES {
        return Err(fail(
            None,
            ErrorCode::FrameTooLarge,
            format!("frame of {} bytes exceeds {MAX_FRAME_BYTES}", text.len()),
        ));
    }
    // The header is read straight from the text (other fields skipped), so a valid frame is parsed
    // twice but never built as a `Value` tree: this runs for every message the server receives.
    let header: Header = serde_json::from_str(text).map_err(|e| {
        let message = match e.classify() {
            serde_json::error::Category::Data => format!("a frame must be a JSON object: {e}"),
            _ => format!("not valid JSON: {e}"),
        };
        fail(None, ErrorCode::BadJson, message)
    })?;
    let req = header.req.as_ref().and_then(serde_json::Value::as_u64);
    if header.req.is_some() && req.is_none() {
        return Err(fail(
            None,
            ErrorCode::InvalidMessage,
            "`req` must be a non-negative integer".into(),
        ));
    }
    match header.v.as_ref().and_then(serde_json::Value::as_u64) {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(v) => {
            return Err(fail(
                req,
                ErrorCode::UnsupportedVersion,
                format!(
                    "protocol version {v} is not supported; this server speaks {PROTOCOL_VERSION}"
                ),
            ))
        }
        None => {
            return Err(fail(
                req,
                ErrorCode::UnsupportedVersion,
                format!("missing protocol version `v` (this server speaks {PROTOCOL_VERSION})"),
            ))
        }
    }
    let kind = header.kind.as_ref().and_then(serde_json::Value::as_str);
    match kind {
        Some(k) if CLIENT_TYPES.contains(&k) => {}
        Some(k) => {
            return Err(fail(
                req,
                ErrorCode::UnknownType,
                format!("unknown message type `{k}`"),
            ))
        }
        None => {
            return Err(fail(
                req,
                ErrorCode::InvalidMessage,
                "missing message `type`".into(),
            ))
        }
    }
    if kind == Some("call") {
        match header.action.as_ref().and_then(serde_json::Value::as_str) {
            Some(a) if CALL_ACTIONS.contains(&a) => {}
            Some(a) => {
                return Err(fail(
                    req,
                    ErrorCode::UnknownType,
                    format!("unknown call action `{a}`"),
                ))
            }
            None => {
                return Err(fail(
                    req,
                    ErrorCode::InvalidMessage,
                    "a call message needs an `action`".into(),
                ))
            }
        }
    }
    serde_json::from_str(text).map_err(|e| {
        fail(
            req,
            ErrorCode::InvalidMessage,
            format!("invalid `{}` message: {e}", kind.unwrap_or_default()),
        )
    })
}

/// Decodes a server frame (the client side of the wire).
pub fn decode_server(text: &str) -> Result<ServerFrame, DecodeError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(DecodeError {
            req: None,
            error: ProtocolError::new(ErrorCode::FrameTooLarge, "server frame too large"),
        });
    }
    serde_json::from_str(text).map_err(|e| DecodeError {
        req: None,
        error: ProtocolError::new(
            ErrorCode::InvalidMessage,
            format!("invalid server frame: {e}"),
        ),
    })
}

/// Encodes any frame as JSON text.
pub fn encode<T: Serialize>(frame: &T) -> String {
    // Serialising these types cannot fail: every map key is a string and no Serialize impl errors.
    serde_json::to_string(frame).expect("protocol frames always serialise")
}
