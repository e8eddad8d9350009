//! Joining a real server without a terminal: the server address as people write it, what the
//! server allows (`app.info`), signing in with a password, and creating an account. Each ends
//! in the ordinary token sign-in, so the token goes to the keyring as before.

use crate::backend::sign_in_form::SignInForm;
use crate::backend::state::SignedIn;
use crate::backend::transport::check_server_url;
use crate::backend::Backend;
use crate::error::AppResult;
use duet_callkit::{AccountServer, NewAccount, Password};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the account requests go, from a sign-in or sign-up form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerChoice {
    /// As the user wrote it: `duet.example.com`, `host:port`, or a full `wss://` URL.
    pub server: String,
    /// The app; empty or absent: the server's default app.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub app_key: Option<String>,
    /// An extra CA (PEM, from `importCa`) trusted for the server's certificate.
    #[serde(default)]
    #[cfg_attr(test, ts(optional, type = "string"))]
    pub tls_ca_file: Option<PathBuf>,
    /// Plain `ws://` to a host off this machine is allowed ("Insecure, for testing").
    #[serde(default)]
    pub insecure: bool,
}

/// What a server lets people do, for the sign-up form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ServerInfo {
    /// The WebSocket URL the address stands for.
    pub server_url: String,
    /// The app (the server's default when the form named none).
    pub app_key: String,
    /// `open`, `invite` (the form shows the invite code field) or `closed`.
    #[cfg_attr(test, ts(type = "\"open\" | \"invite\" | \"closed\""))]
    pub registration: &'static str,
    /// The shortest password the server accepts.
    pub min_password_chars: u32,
}

/// A password sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PasswordSignIn {
    /// The server, its app and how to trust it.
    #[serde(flatten)]
    pub server: ServerChoice,
    /// The account.
    pub account: String,
    /// Its password (sent to the server once, never stored).
    pub password: String,
}

/// A new account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountSignUp {
    /// The server, its app and how to trust it.
    #[serde(flatten)]
    pub server: ServerChoice,
    /// The new account's name.
    pub account: String,
    /// Display name; empty: the account.
    #[serde(default)]
    pub nick: String,
    /// The password (sent to the server once, never stored).
    pub password: String,
    /// The invite code, when the server asks for one.
    #[serde(default)]
    #[cfg_attr(test, ts(optional))]
    pub code: Option<String>,
}

/// The account server of a form: the written address made a URL and checked for transport
/// security (plain `ws://` off this machine only with `insecure`).
fn account_server(choice: &ServerChoice) -> AppResult<AccountServer> {
    let url = duet_callkit::server_url(&choice.server)?;
    check_server_url(&url, choice.insecure)?;
    let mut server = AccountServer::new(&url);
    server.tls_ca_file = choice.tls_ca_file.clone();
    server.app_key = choice
        .app_key
        .as_deref()
        .map(str::trim)
        .filter(|key| !key.is_empty())
        .map(str::to_owned);
    Ok(server)
}

impl Backend {
    /// What the server at the written address allows (its registration policy).
    pub async fn server_info(&self, choice: &ServerChoice) -> AppResult<ServerInfo> {
        let server = account_server(choice)?;
        let info = duet_callkit::app_info(&server).await?;
        Ok(ServerInfo {
            server_url: server.server_url,
            app_key: info.app_key,
            registration: info.registration.as_str(),
            min_password_chars: info.min_password_chars,
        })
    }

    /// Trades the password for a token, then signs in with it (the token goes to the keyring).
    pub async fn sign_in_with_password(&self, form: &PasswordSignIn) -> AppResult<SignedIn> {
        let server = account_server(&form.server)?;
        let account = form.account.trim();
        let password = Password::new(form.password.clone());
        let issued = duet_callkit::password_login(&server, account, password).await?;
        self.sign_in(&token_sign_in(&form.server, server, issued))
            .await
    }

    /// Creates the account on the server, then signs in with its token.
    pub async fn create_account(&self, form: &AccountSignUp) -> AppResult<SignedIn> {
        let server = account_server(&form.server)?;
        let new = NewAccount {
            account: form.account.trim().to_owned(),
            nick: form.nick.trim().to_owned(),
            password: Password::new(form.password.clone()),
            code: form.code.clone(),
        };
        let issued = duet_callkit::register(&server, new).await?;
        self.sign_in(&token_sign_in(&form.server, server, issued))
            .await
    }
}

fn token_sign_in(
    choice: &ServerChoice,
    server: AccountServer,
    issued: duet_callkit::IssuedToken,
) -> SignInForm {
    SignInForm {
        server: server.server_url,
        app_key: issued.app_key,
        account: issued.account,
        token: issued.token,
        tls_ca_file: choice.tls_ca_file.clone(),
        insecure: choice.insecure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_address_becomes_a_checked_url() {
        let choice = |server: &str, insecure| ServerChoice {
            server: server.into(),
            insecure,
            ..ServerChoice::default()
        };
        let server = account_server(&choice("duet.example.com", false)).unwrap();
        assert_eq!(server.server_url, "wss://duet.example.com/ws");
        assert_eq!(server.app_key, None);
        let local = account_server(&choice("ws://127.0.0.1:7420", false)).unwrap();
        assert_eq!(local.server_url, "ws://127.0.0.1:7420/ws");
        let plain = account_server(&choice("ws://192.0.2.7:7420", false));
        assert_eq!(plain.unwrap_err().code(), "insecure_server");
        assert!(account_server(&choice("ws://192.0.2.7:7420", true)).is_ok());
        assert_eq!(
            account_server(&choice("", false)).unwrap_err().code(),
            "invalid"
        );
    }
}
