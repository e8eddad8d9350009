//! Errors of the server library.

use crate::store::StoreError;
use duet_protocol::IdError;

/// Why the server could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The database could not be opened or used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The listening socket could not be bound or served.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
    /// Setting up the default app failed.
    #[error(transparent)]
    Admin(#[from] AdminError),
    /// The TLS certificate or key is unusable.
    #[error("TLS: {0}")]
    Tls(#[from] crate::tls::TlsError),
    /// The cluster's bus could not be reached.
    #[error(transparent)]
    Bus(#[from] crate::cluster::BusError),
    /// A server task panicked.
    #[error("a server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Why an admin operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// No app has this appKey.
    #[error("no app `{0}`")]
    UnknownApp(String),
    /// The appKey is taken.
    #[error("app `{0}` already exists")]
    AppExists(String),
    /// No such account in the app.
    #[error("no account `{account}` in app `{app}`")]
    UnknownAccount { app: String, account: String },
    /// An account or appKey is not a valid identifier.
    #[error("invalid identifier: {0}")]
    InvalidId(#[from] IdError),
    /// An appKey must be 1 to 64 letters, digits, '-', '_' or '.'.
    #[error("invalid appKey `{0}`: use 1 to 64 letters, digits, '-', '_' or '.'")]
    InvalidAppKey(String),
    /// The token to revoke is not a valid token of this app.
    #[error("not a token of app `{app}`: {reason}")]
    InvalidToken { app: String, reason: String },
    /// The password does not meet the strength rule.
    #[error("weak password: {0}")]
    WeakPassword(#[from] crate::passwords::WeakPassword),
    /// Hashing the password failed.
    #[error(transparent)]
    Hash(#[from] crate::passwords::HashError),
    /// An invite must admit at least one registration.
    #[error("an invite needs at least one use")]
    NoUses,
    /// The operating system's random number source failed.
    #[error("no randomness available: {0}")]
    Random(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::hub::HubError> for ServerError {
    fn from(error: crate::hub::HubError) -> Self {
        match error {
            crate::hub::HubError::Store(e) => ServerError::Store(e),
            crate::hub::HubError::Bus(e) => ServerError::Bus(e),
            crate::hub::HubError::Moving => {
                ServerError::Io(std::io::Error::other(error.to_string()))
            }
        }
    }
}
