//! Messages the two media sessions of a call exchange through the signaling server.

use serde::{Deserialize, Serialize};

/// The opaque payload of `call.signal`: SDP, ICE candidates and ICE restart requests.
///
/// Only the caller creates offers (also for ICE restarts and for adding or removing a shared
/// screen's track), so the two sides never glare; the callee asks for a restart with
/// [`MediaSignal::IceRestartRequest`] and for a new offer with
/// [`MediaSignal::RenegotiationRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MediaSignal {
    /// An SDP offer (initial or ICE restart).
    Offer {
        /// The SDP text.
        sdp: String,
    },
    /// An SDP answer.
    Answer {
        /// The SDP text.
        sdp: String,
    },
    /// A trickled ICE candidate.
    Candidate {
        /// The `candidate:` attribute line.
        candidate: String,
        /// The media section id it belongs to.
        sdp_mid: Option<String>,
        /// The media section index it belongs to.
        sdp_mline_index: Option<u16>,
    },
    /// The callee saw the path break and asks the caller for an ICE-restart offer.
    IceRestartRequest,
    /// The callee added or removed a track (it started or stopped sharing its screen) and asks
    /// the caller for a new offer. The caller's offer then carries a video section the callee
    /// can send its screen on (a receive-only one, added if the caller has none to spare).
    RenegotiationRequest,
}

impl MediaSignal {
    /// The signal as the JSON value `call.signal` carries.
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing a plain enum of strings to a Value cannot fail.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Parses a `call.signal` payload.
    pub fn from_json(value: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_json_shape_is_tagged_snake_case() {
        let signal = MediaSignal::Candidate {
            candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host".into(),
            sdp_mid: Some("0".into()),
            sdp_mline_index: Some(0),
        };
        let json = signal.to_json();
        assert_eq!(json["kind"], "candidate");
        assert_eq!(json["sdp_mid"], "0");
        assert_eq!(MediaSignal::from_json(json).unwrap(), signal);
    }

    #[test]
    fn restart_request_round_trips() {
        let json = MediaSignal::IceRestartRequest.to_json();
        assert_eq!(json, serde_json::json!({"kind": "ice_restart_request"}));
        assert_eq!(
            MediaSignal::from_json(json).unwrap(),
            MediaSignal::IceRestartRequest
        );
    }

    #[test]
    fn renegotiation_request_round_trips() {
        let json = MediaSignal::RenegotiationRequest.to_json();
        assert_eq!(json, serde_json::json!({"kind": "renegotiation_request"}));
        assert_eq!(
            MediaSignal::from_json(json).unwrap(),
            MediaSignal::RenegotiationRequest
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(MediaSignal::from_json(serde_json::json!({"kind": "nope"})).is_err());
        assert!(MediaSignal::from_json(serde_json::json!(42)).is_err());
    }
}
