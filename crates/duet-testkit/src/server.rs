//! The real server in-process on 127.0.0.1 port 0 with a fresh SQLite file, and its accounts.

use std::path::Path;
use std::time::Duration;

use duet_server::{RunningServer, ServerConfig};
use tempfile::TempDir;

/// The app key every test account belongs to.
pub const APP_KEY: &str = "demo";

/// How long a test account's login token is valid: longer than any test runs.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The default configuration on 127.0.0.1 port 0 with the database `duet.sqlite` in `dir`.
pub fn server_config(dir: &Path) -> ServerConfig {
    ServerConfig {
        bind: "127.0.0.1:0".parse().expect("a socket address"),
        database: dir.join("duet.sqlite").to_string_lossy().into_owned(),
        ..ServerConfig::default()
    }
}

/// A server with the default configuration and a fresh database; keep the directory alive as
/// long as the server.
pub async fn start_server() -> (RunningServer, TempDir) {
    start_server_with(|_| {}).await
}

/// Like [`start_server`], with the configuration changed by `tweak` first.
pub async fn start_server_with(tweak: impl FnOnce(&mut ServerConfig)) -> (RunningServer, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut config = server_config(dir.path());
    tweak(&mut config);
    let server = duet_server::start(config)
        .await
        .expect("the test server starts");
    (server, dir)
}

/// Creates `account` (nickname "`account` nick") in app [`APP_KEY`] and returns a login token.
pub async fn add_user(server: &RunningServer, account: &str) -> String {
    add_user_named(server, account, &format!("{account} nick")).await
}

/// Creates `account` with nickname `nick` in app [`APP_KEY`] and returns a login token.
pub async fn add_user_named(server: &RunningServer, account: &str, nick: &str) -> String {
    server
        .admin()
        .add_user(APP_KEY, account, nick, TOKEN_LIFETIME)
        .await
        .unwrap_or_else(|e| panic!("cannot add user {account}: {e}"))
}

/// Makes `a` and `b` (both existing in app [`APP_KEY`]) accepted contacts of each other through
/// the admin API, as if one had asked and the other accepted; do it before they log in.
pub async fn make_contacts(server: &RunningServer, a: &str, b: &str) {
    server
        .admin()
        .add_contact(APP_KEY, a, b)
        .await
        .unwrap_or_else(|e| panic!("cannot make {a} and {b} contacts: {e}"));
}
