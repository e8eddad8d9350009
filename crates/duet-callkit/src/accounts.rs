//! Getting a login token without an operator: `register` and `login.password` on a short
//! connection of their own, before [`crate::CallKit::login`]; and the server address as people
//! write it (`duet.example.com`, `host:port`) turned into the WebSocket URL.

use crate::CallKitError;
use duet_protocol::{
    decode_server, encode, AccountId, ClientFrame, ClientMessage, Password, Registration,
    ServerMessage,
};
use futures_util::{SinkExt, StreamExt};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async_tls_with_config, Connector};

/// The WebSocket URL of a server address as a person writes it: `wss://` is assumed and `/ws`
/// added (`duet.example.com` → `wss://duet.example.com/ws`, `host:7420` →
/// `wss://host:7420/ws`); a full `ws://` or `wss://` URL is kept, with `/ws` added if it has no
/// path. Errors name what is wrong.
pub fn server_url(address: &str) -> Result<String, CallKitError> {
    let address = address.trim();
    let bad =
        |why: &str| CallKitError::InvalidArgument(format!("server address `{address}`: {why}"));
    if address.is_empty() {
        return Err(bad("it is empty"));
    }
    let (scheme, rest) = match address.split_once("://") {
        Some((scheme @ ("ws" | "wss"), rest)) => (scheme, rest),
        Some(("https", rest)) => ("wss", rest),
        Some(("http", rest)) => ("ws", rest),
        Some((other, _)) => return Err(bad(&format!("`{other}://` is not a Duet server address"))),
        None => ("wss", address),
    };
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    if host.is_empty() {
        return Err(bad("it names no host"));
    }
    let path = match path {
        "" | "/" => "/ws",
        path => path,
    };
    let url =
        url::Url::parse(&format!("{scheme}://{host}{path}")).map_err(|e| bad(&e.to_string()))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    Ok(url.to_string())
}

/// Where account requests go: the server URL and an extra CA for `wss://`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountServer {
    /// `wss://host/ws` (see [`server_url`]).
    pub server_url: String,
    /// A PEM file of extra CAs trusted for `wss://`, as [`crate::CallKitConfig::tls_ca_file`].
    pub tls_ca_file: Option<PathBuf>,
    /// The app; `None`: the server's default app.
    pub app_key: Option<String>,
    /// How long to wait for the connection and for the answer.
    pub timeout: Duration,
}

impl AccountServer {
    /// The server at `server_url`, its default app, the system's CAs, a 10 s timeout.
    pub fn new(server_url: &str) -> Self {
        Self {
            server_url: server_url.to_owned(),
            tls_ca_file: None,
            app_key: None,
            timeout: Duration::from_secs(10),
        }
    }
}

/// What an app lets people do (the answer to `app.info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// The app (the default app's key when none was named).
    pub app_key: String,
    /// `Open`, `Invite` (a code is needed) or `Closed` (only the operator creates accounts).
    pub registration: Registration,
    /// The shortest password `register` accepts.
    pub min_password_chars: u32,
}

/// A login token from `register` or `login.password`, for [`crate::CallKitConfig::new`].
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The app the account belongs to.
    pub app_key: String,
    /// The account.
    pub account: String,
    /// The login token (nertc-call's imToken).
    pub token: String,
    /// When it expires, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

impl std::fmt::Debug for IssuedToken {
    // The token is a secret: keep it out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("app_key", &self.app_key)
            .field("account", &self.account)
            .field("expires_at_ms", &self.expires_at_ms)
            .finish_non_exhaustive()
    }
}

/// A new account, as `register` sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    /// The account name (letters, digits, `-`, `_`, `.`, `@`; see docs/protocol.md).
    pub account: String,
    /// Display name; empty: the account.
    pub nick: String,
    /// The password (never logged: its `Debug` is redacted).
    pub password: Password,
    /// The invite code, when the app's registration is `Invite`.
    pub code: Option<String>,
}

/// What the app allows: registration policy and password length.
pub async fn app_info(server: &AccountServer) -> Result<AppInfo, CallKitError> {
    let app_key = server.app_key.clone();
    match exchange(server, ClientMessage::AppInfo { app_key }).await? {
        ServerMessage::AppInfo {
            app_key,
            registration,
            min_password_chars,
        } => Ok(AppInfo {
            app_key,
            registration,
            min_password_chars,
        }),
        other => Err(unexpected(&other)),
    }
}

/// Creates an account with a password; its login token. Refusals are
/// [`CallKitError::Server`] with `registration_closed`, `invite_required`, `bad_invite`,
/// `account_exists`, `weak_password` or `rate_limited`.
pub async fn register(
    server: &AccountServer,
    new: NewAccount,
) -> Result<IssuedToken, CallKitError> {
    let nick = Some(new.nick.trim().to_owned()).filter(|n| !n.is_empty());
    let code = new
        .code
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let msg = ClientMessage::Register {
        app_key: server.app_key.clone(),
        account: account_id(&new.account)?,
        nick,
        password: new.password,
        code,
    };
    token_from(exchange(server, msg).await?)
}

/// A login token for `account` with its password; `bad_password` when either is wrong.
pub async fn password_login(
    server: &AccountServer,
    account: &str,
    password: Password,
) -> Result<IssuedToken, CallKitError> {
    let msg = ClientMessage::PasswordLogin {
        app_key: server.app_key.clone(),
        account: account_id(account)?,
        password,
    };
    token_from(exchange(server, msg).await?)
}

fn account_id(account: &str) -> Result<AccountId, CallKitError> {
    AccountId::new(account.trim())
        .map_err(|e| CallKitError::InvalidArgument(format!("account `{account}`: {e}")))
}

fn token_from(answer: ServerMessage) -> Result<IssuedToken, CallKitError> {
    match answer {
        ServerMessage::Token {
            app_key,
            account,
            token,
            expires_at_ms,
        } => Ok(IssuedToken {
            app_key,
            account: account.to_string(),
            token,
            expires_at_ms,
        }),
        other => Err(unexpected(&other)),
    }
}

fn unexpected(answer: &ServerMessage) -> CallKitError {
    CallKitError::UnexpectedAnswer(format!("{answer:?}"))
}

fn connector(server: &AccountServer) -> Result<Connector, CallKitError> {
    if server.server_url.starts_with("wss://") {
        let config = crate::tls::client_config(server.tls_ca_file.as_deref().map(Path::new))?;
        Ok(Connector::Rustls(config))
    } else {
        Ok(Connector::Plain)
    }
}

/// Sends `msg` as request 1 on a new connection and returns the answer to it (an `error`
/// answer becomes [`CallKitError::Server`]); the connection is closed after.
async fn exchange(
    server: &AccountServer,
    msg: ClientMessage,
) -> Result<ServerMessage, CallKitError> {
    let url = server.server_url.as_str();
    let connect_error = |reason: String| CallKitError::Connect {
        url: url.to_owned(),
        reason,
    };
    let connecting = connect_async_tls_with_config(url, None, true, Some(connector(server)?));
    let (mut socket, _) = tokio::time::timeout(server.timeout, connecting)
        .await
        .map_err(|_| connect_error("timed out".into()))?
        .map_err(|e| {
            crate::tls::untrusted(url, &e).unwrap_or_else(|| connect_error(e.to_string()))
        })?;
    const REQ: u64 = 1;
    let text = encode(&ClientFrame::new(Some(REQ), msg));
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|_| CallKitError::ConnectionLost)?;
    let answer = tokio::time::timeout(server.timeout, async {
        while let Some(message) = socket.next().await {
            let Ok(Message::Text(text)) = message else {
                if message.is_err() {
                    break;
                }
                continue;
            };
            match decode_server(text.as_str()) {
                Ok(frame) if frame.req == Some(REQ) => return Some(frame.msg),
                _ => continue,
            }
        }
        None
    })
    .await
    .map_err(|_| CallKitError::Timeout(server.timeout))?
    .ok_or(CallKitError::ConnectionLost)?;
    // Best effort: the answer is in hand whether or not the close goes through.
    let _ = socket.close(None).await;
    match answer {
        ServerMessage::Error { code, message, .. } => Err(CallKitError::Server { code, message }),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_read_as_people_write_them() {
        let cases = [
            ("duet.example.com", "wss://duet.example.com/ws"),
            (" duet.example.com:7420 ", "wss://duet.example.com:7420/ws"),
            ("wss://duet.example.com/ws", "wss://duet.example.com/ws"),
            ("ws://127.0.0.1:7420", "ws://127.0.0.1:7420/ws"),
            ("https://duet.example.com/", "wss://duet.example.com/ws"),
            ("wss://example.com/duet/ws", "wss://example.com/duet/ws"),
            ("[::1]:7420", "wss://[::1]:7420/ws"),
        ];
        for (written, url) in cases {
            assert_eq!(server_url(written).as_deref(), Ok(url), "{written}");
        }
        for bad in ["", "  ", "ftp://x", "wss://", "host:notaport"] {
            assert!(
                matches!(server_url(bad), Err(CallKitError::InvalidArgument(_))),
                "{bad:?}"
            );
        }
    }
}
