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
    /// The stable code the page switches on: one of [`ERROR_CODES`], which the page maps to a
    /// sentence in the user's language (ui/src/format/errorText.ts).
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotSignedIn => "not_signed_in",
            AppError::NoInvite => "no_invite",
            AppError::Invalid(_) => "invalid",
            AppError::InsecureServer { .. } => "insecure_server",
            AppError::CallKit(error) => callkit_code(error),
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

/// Every code [`AppError::code`] gives; the page's contract has them as `ErrorCode`
/// (backend/contract.rs).
pub const ERROR_CODES: [&str; 17] = [
    "not_signed_in",
    "no_invite",
    "invalid",
    "insecure_server",
    "tls_untrusted",
    "server_refused",
    "cannot_connect",
    "connection_lost",
    "wrong_state",
    "safe_mode_mismatch",
    "timeout",
    "unexpected_answer",
    "embedded_server",
    "io",
    "media",
    "desktop",
    "autostart",
];

/// The SDK's errors by what the user can do about them; every variant named, so a new one must be
/// given its code here.
fn callkit_code(error: &CallKitError) -> &'static str {
    match error {
        CallKitError::TlsUntrusted { .. } => "tls_untrusted",
        CallKitError::Server { .. } => "server_refused",
        CallKitError::Connect { .. } => "cannot_connect",
        CallKitError::ConnectionLost => "connection_lost",
        CallKitError::InvalidConfig(_) | CallKitError::InvalidArgument(_) => "invalid",
        CallKitError::State(_) => "wrong_state",
        CallKitError::SafeModeMismatch { .. } => "safe_mode_mismatch",
        CallKitError::Timeout(_) => "timeout",
        CallKitError::NotLoggedIn => "not_signed_in",
        CallKitError::UnexpectedAnswer(_) => "unexpected_answer",
        // What the user can do about a failed "end and answer" is what they can do about the
        // step that failed.
        CallKitError::EndAndAccept { source, .. } => callkit_code(source),
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
            AppError::CallKit(CallKitError::EndAndAccept { source, .. }) => {
                if let CallKitError::Server { code, .. } = source.as_ref() {
                    s.serialize_field("serverCode", code)?;
                }
            }
            _ => {}
        }
        s.end()
    }
}

/// What commands return.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::time::Duration;

    /// One error of each kind the backend can fail with.
    fn one_of_each() -> Vec<AppError> {
        vec![
            AppError::NotSignedIn,
            AppError::NoInvite,
            AppError::Invalid("x".into()),
            AppError::InsecureServer { host: "h".into() },
            AppError::Embedded("x".into()),
            AppError::io("x", std::io::Error::other("y")),
            AppError::Media("x".into()),
            AppError::Desktop("x".into()),
            AppError::Autostart("x".into()),
            CallKitError::InvalidConfig("x".into()).into(),
            CallKitError::InvalidArgument("x".into()).into(),
            CallKitError::Connect {
                url: "ws://x".into(),
                reason: "y".into(),
            }
            .into(),
            CallKitError::ConnectionLost.into(),
            CallKitError::Timeout(Duration::from_secs(1)).into(),
            CallKitError::NotLoggedIn.into(),
            CallKitError::SafeModeMismatch {
                check_sum: true,
                server_safe_mode: false,
            }
            .into(),
            CallKitError::UnexpectedAnswer("x".into()).into(),
        ]
    }

    #[test]
    fn every_code_is_listed_once_for_the_page() {
        let listed: BTreeSet<&str> = ERROR_CODES.into_iter().collect();
        assert_eq!(listed.len(), ERROR_CODES.len(), "no code twice");
        for error in one_of_each() {
            assert!(
                listed.contains(error.code()),
                "{error}: {} is not in ERROR_CODES",
                error.code()
            );
        }
    }

    #[test]
    fn the_page_gets_the_code_and_the_english_detail() {
        let json = serde_json::to_value(AppError::Autostart("no home".into())).unwrap();
        assert_eq!(json["code"], "autostart");
        assert_eq!(json["message"], "start at login: no home");
    }
}
