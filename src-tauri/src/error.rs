//! What a command can fail with; the page receives it as `{ code, message }`.

use duet_callkit::CallKitError;
use serde::ser::SerializeStruct;

/// A failed command or start-up step.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The command needs a signed-in account.
    #[error("not signed in")]
    NotSignedIn,
    /// Accept or decline, but no call rings here.
    #[error("no call is ringing")]
    NoInvite,
    /// A setting or argument is out of its range.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A plain `ws://` server off this machine, without the user's "insecure" choice.
    #[error(
        "insecure_server: ws:// to {host} is not encrypted; use wss://, or allow it for testing"
    )]
    InsecureServer {
        /// The server's host as written in the URL.
        host: String,
    },
    /// The SDK refused or the server answered with an error.
    #[error(transparent)]
    CallKit(#[from] CallKitError),
    /// The embedded signaling server could not start or be administered.
    #[error("embedded server: {0}")]
    Embedded(String),
    /// Reading or writing the app's files failed.
    #[error("{what}: {source}")]
    Io {
        /// Which file or step.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A device or media step failed.
    #[error("media: {0}")]
    Media(String),
    /// The window system refused (window, tray, notification).
    #[error("desktop: {0}")]
    Desktop(String),
    /// The desktop's autostart entry could not be written or removed (start at login).
    #[error("start at login: {0}")]
    Autostart(String),
}

impl AppError {
    /// The stable code the page switches on.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => "not_signed_in",
            AppError::NoInvite => "no_invite",
            AppError::Invalid(_) => "invalid",
            AppError::InsecureServer { .. } => "insecure_server",
            AppError::CallKit(CallKitError::TlsUntrusted { .. }) => "tls_untrusted",
            AppError::CallKit(CallKitError::Server { .. }) => "server_refused",
            AppError::CallKit(CallKitError::Connect { .. }) => "cannot_connect",
            AppError::CallKit(CallKitError::ConnectionLost) => "connection_lost",
            AppError::CallKit(
                CallKitError::InvalidConfig(_) | CallKitError::InvalidArgument(_),
            ) => "invalid",
            AppError::CallKit(_) => "call_refused",
            AppError::Embedded(_) => "embedded_server",
            AppError::Io { .. } => "io",
            AppError::Media(_) => "media",
            AppError::Desktop(_) => "desktop",
            AppError::Autostart(_) => "autostart",
        }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        AppError::Io {
            what: what.into(),
            source,
        }
    }
}

/// `{ code, message }`, plus what the page needs to say the error in the user's language:
/// `host` for `insecure_server`; `host`, `reason` and `reasonKind` for `tls_untrusted`;
/// `serverCode` (the protocol's error code, e.g. `weak_password`) for `server_refused`.
impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("AppError", 6)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        match self {
            AppError::InsecureServer { host } => s.serialize_field("host", host)?,
            AppError::CallKit(CallKitError::TlsUntrusted {
                host,
                reason,
                problem,
            }) => {
                s.serialize_field("host", host)?;
                s.serialize_field("reason", reason)?;
                s.serialize_field("reasonKind", problem.as_str())?;
            }
            AppError::CallKit(CallKitError::Server { code, .. }) => {
                s.serialize_field("serverCode", code)?;
            }
            _ => {}
        }
        s.end()
    }
}

/// What commands return.
pub type AppResult<T> = Result<T, AppError>;
