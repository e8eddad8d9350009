//! Who to log in as: `--token`, or a password from standard input traded for a token
//! (`--password-stdin`); and `register`, which creates an account and prints its token.

use crate::args::LoginArgs;
use crate::outcome;
use anyhow::Context;
use duet_callkit::{AccountServer, CallKitError, NewAccount, Password};
use std::io::BufRead;
use std::process::ExitCode;

/// What the SDK logs in with.
pub struct Credentials {
    /// Every `--server`, as URLs, in order (never empty).
    pub server_urls: Vec<String>,
    pub app_key: String,
    pub account: String,
    pub token: String,
}

/// Why no credentials: a usage error (exit 2) or a refusal by the server (exit 3).
pub enum Failure {
    Usage(anyhow::Error),
    Refused(anyhow::Error),
}

fn usage(error: impl Into<anyhow::Error>) -> Failure {
    Failure::Usage(error.into())
}

/// The first line of standard input, without its line ending.
fn password_from_stdin() -> anyhow::Result<Password> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(!password.is_empty(), "no password on standard input");
    Ok(Password::new(password))
}

/// Every `--server` as a URL; a bad one is a usage error.
fn server_urls(login: &LoginArgs) -> Result<Vec<String>, Failure> {
    let urls = login
        .server
        .iter()
        .map(|address| duet_callkit::server_url(address).map_err(usage))
        .collect::<Result<Vec<_>, _>>()?;
    if urls.is_empty() {
        return Err(usage(anyhow::anyhow!("--server is required")));
    }
    Ok(urls)
}

/// The first `--server`, for account requests (`register`, password logins).
fn account_server(login: &LoginArgs) -> Result<AccountServer, Failure> {
    let urls = server_urls(login)?;
    let mut server = AccountServer::new(&urls[0]);
    server.tls_ca_file = login.ca.clone();
    server.app_key = login.app_key.clone();
    Ok(server)
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, Failure> {
    value
        .as_deref()
        .ok_or_else(|| usage(anyhow::anyhow!("{what} is required")))
}

/// The credentials of the command line: `--token`, or `--password-stdin` traded for a token.
pub async fn credentials(login: &LoginArgs) -> Result<Credentials, Failure> {
    let server = account_server(login)?;
    let account = required(&login.account, "--account (or DUET_ACCOUNT)")?.to_owned();
    if login.password_stdin {
        let password = password_from_stdin().map_err(usage)?;
        let issued = duet_callkit::password_login(&server, &account, password)
            .await
            .map_err(refused)?;
        return Ok(Credentials {
            server_urls: server_urls(login)?,
            app_key: issued.app_key,
            account,
            token: issued.token,
        });
    }
    let missing = "--token (or DUET_TOKEN), or --password-stdin,";
    Ok(Credentials {
        server_urls: server_urls(login)?,
        app_key: required(&login.app_key, "--app-key (or DUET_APP_KEY)")?.to_owned(),
        account,
        token: required(&login.token, missing)?.to_owned(),
    })
}

fn refused(error: CallKitError) -> Failure {
    match error {
        CallKitError::InvalidArgument(_) | CallKitError::InvalidConfig(_) => usage(error),
        other => Failure::Refused(other.into()),
    }
}

/// `duet-cli register`: creates the account and prints its login token alone on stdout.
pub async fn register(login: &LoginArgs, nick: Option<String>, code: Option<String>) -> ExitCode {
    let result = async {
        let server = account_server(login)?;
        let account = required(&login.account, "--account (or DUET_ACCOUNT)")?.to_owned();
        if !login.password_stdin {
            return Err(usage(anyhow::anyhow!(
                "register reads the new password from standard input: add --password-stdin"
            )));
        }
        let password = password_from_stdin().map_err(usage)?;
        let new = NewAccount {
            nick: nick.unwrap_or_default(),
            account,
            password,
            code,
        };
        duet_callkit::register(&server, new).await.map_err(refused)
    }
    .await;
    match result {
        Ok(issued) => {
            println!("{}", issued.token);
            eprintln!(
                "duet-cli: registered {} in app {}",
                issued.account, issued.app_key
            );
            ExitCode::from(outcome::COMPLETED)
        }
        Err(Failure::Usage(error)) => {
            eprintln!("duet-cli: {error:#}");
            ExitCode::from(outcome::USAGE)
        }
        Err(Failure::Refused(error)) => {
            eprintln!("duet-cli: register failed: {error:#}");
            ExitCode::from(outcome::LOGIN_FAILED)
        }
    }
}
