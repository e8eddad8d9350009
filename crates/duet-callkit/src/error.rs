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
    /// The connection was lost before the answer came.
    #[error("connection lost before the server answered")]
    ConnectionLost,
    /// The server did not answer in time.
    #[error("the server did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// `login` was not called, or `logout` was.
    #[error("not logged in")]
    NotLoggedIn,
    /// The server answered with a message the SDK did not expect.
    #[error("unexpected answer from the server: {0}")]
    UnexpectedAnswer(String),
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
