//! What can go wrong in the SDK.

use duet_call::client::ClientError;
use duet_protocol::ErrorCode;

/// An SDK call failed; nothing changed unless the variant says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallKitError {
    /// A configuration field is wrong.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// An argument is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The action does not fit the current state (checked locally, nothing was sent).
    #[error(transparent)]
    State(#[from] ClientError),
    /// The server refused the request.
    #[error("server refused: {code:?}: {message}")]
    Server {
        /// The protocol's error code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The WebSocket could not be opened.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The server URL tried.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The server's TLS certificate does not verify against the system's roots and the
    /// configured extra CA: the connection was not made and nothing was sent.
    #[error("tls_untrusted: the certificate of {host} cannot be trusted: {reason}")]
    TlsUntrusted {
        /// The server's host (and port) as written in the URL.
        host: String,
        /// What is wrong with the certificate, as a sentence.
        reason: String,
        /// What is wrong with the certificate, for a program (a translated message, say).
        problem: TlsProblem,
    },
    /// The server's safe mode (its `login.ok`) is not what the configuration's `check_sum`
    /// expects: the SDK logged in, found the disagreement and closed the connection.
    #[error(
        "safe mode mismatch: check_sum is {check_sum}, but the server's safe mode for this app is {}",
        if *server_safe_mode { "on" } else { "off" }
    )]
    SafeModeMismatch {
        /// What the configuration expects (nertc-call's `checkSum`).
        check_sum: bool,
        /// What the server said (`login.ok`'s `safe_mode`).
        server_safe_mode: bool,
    },
    /// The connection was lost before the answer came.
    #[error("connection lost before the server answered")]
    ConnectionLost,
    /// The server did not answer in time.
    #[error("the server did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// `login` was not called, or `logout` was.
    #[error("not logged in")]
    NotLoggedIn,
    /// [`crate::CallKit::end_call_and_accept`] failed at `step`; `source` says why. At
    /// [`EndAndAcceptStep::HangUp`] the current call goes on and the invite still rings; at
    /// [`EndAndAcceptStep::Accept`] the current call has ended but the invite was not answered.
    #[error("end and answer: {step} failed: {source}")]
    EndAndAccept {
        /// Which half failed.
        step: EndAndAcceptStep,
        /// Why.
        source: Box<CallKitError>,
    },
    /// The server answered with a message the SDK did not expect.
    #[error("unexpected answer from the server: {0}")]
    UnexpectedAnswer(String),
}

/// The two halves of [`crate::CallKit::end_call_and_accept`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndAndAcceptStep {
    /// Hanging up (or cancelling) the current call.
    HangUp,
    /// Answering the waiting call.
    Accept,
}

impl std::fmt::Display for EndAndAcceptStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EndAndAcceptStep::HangUp => "hanging up the current call",
            EndAndAcceptStep::Accept => "answering the waiting call",
        })
    }
}

/// Why a server certificate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsProblem {
    /// Issued by a certificate authority this device does not trust.
    UnknownIssuer,
    /// Not valid for the host name in the URL.
    WrongName,
    /// Past its validity.
    Expired,
    /// Not valid yet (or this machine's clock is wrong).
    NotYetValid,
    /// Revoked by its issuer.
    Revoked,
    /// Anything else (bad signature, malformed, unsupported).
    Other,
}

impl TlsProblem {
    /// `unknown_issuer`, `wrong_name`, `expired`, `not_yet_valid`, `revoked` or `other`.
    pub fn as_str(self) -> &'static str {
        match self {
            TlsProblem::UnknownIssuer => "unknown_issuer",
            TlsProblem::WrongName => "wrong_name",
            TlsProblem::Expired => "expired",
            TlsProblem::NotYetValid => "not_yet_valid",
            TlsProblem::Revoked => "revoked",
            TlsProblem::Other => "other",
        }
    }
}

impl CallKitError {
    /// The server's error code, when the server refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            CallKitError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }
}
