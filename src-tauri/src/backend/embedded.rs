//! The signaling server inside the app, for trying Duet on one machine: SQLite under the app's
//! data directory, loopback only, the local user and the echo contact created on first start.

use crate::error::{AppError, AppResult};
use duet_protocol::AccountId;
use duet_server::store::LinkPair;
use duet_server::{RunningServer, ServerConfig};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// The app key of the embedded server's only app.
pub const LOCAL_APP: &str = "local";
/// The echo contact's account.
pub const ECHO_ACCOUNT: &str = "echo";
/// Tokens the app mints for itself last this long; it mints new ones at every start.
const TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// The running embedded server and the credentials the app signs in with.
pub struct EmbeddedServer {
    server: RunningServer,
    /// The local user's account and login token.
    pub user: (String, String),
    /// The echo contact's login token.
    pub echo_token: String,
}

impl EmbeddedServer {
    /// Starts the server on `database`, on 127.0.0.1:`port` or any free port if that one is
    /// taken, and makes sure `account` (shown as `nick`) and the echo contact exist and are each
    /// other's contacts.
    pub async fn start(database: &Path, port: u16, account: &str, nick: &str) -> AppResult<Self> {
        let embedded = |e: &dyn std::fmt::Display| AppError::Embedded(e.to_string());
        let mut config = ServerConfig {
            database: database.display().to_string(),
            default_app: None,
            ..ServerConfig::default()
        };
        config.bind = SocketAddr::from(([127, 0, 0, 1], port));
        let server = match duet_server::start(config.clone()).await {
            Ok(server) => server,
            Err(first) if port != 0 => {
                tracing::info!(%first, port, "embedded server port taken; using a free one");
                config.bind.set_port(0);
                duet_server::start(config).await.map_err(|e| embedded(&e))?
            }
            Err(e) => return Err(embedded(&e)),
        };
        let admin = server.admin();
        admin
            .ensure_app(LOCAL_APP)
            .await
            .map_err(|e| embedded(&e))?;
        let token = admin
            .add_user(LOCAL_APP, account, nick, TOKEN_TTL)
            .await
            .map_err(|e| embedded(&e))?;
        let echo_token = admin
            .add_user(LOCAL_APP, ECHO_ACCOUNT, "Echo test · 回声测试", TOKEN_TTL)
            .await
            .map_err(|e| embedded(&e))?;
        // Echo and the user are contacts from the first start. Only then: a user who removed or
        // blocked Echo later keeps it that way.
        let (user_id, echo_id) = (
            AccountId::new(account).map_err(|e| embedded(&e))?,
            AccountId::new(ECHO_ACCOUNT).map_err(|e| embedded(&e))?,
        );
        let links = admin
            .store()
            .link_pair(LOCAL_APP, &user_id, &echo_id)
            .await
            .map_err(|e| embedded(&e))?;
        if links == LinkPair::default() {
            admin
                .add_contact(LOCAL_APP, account, ECHO_ACCOUNT)
                .await
                .map_err(|e| embedded(&e))?;
        }
        tracing::info!(url = %server.ws_url(), app = LOCAL_APP, account, "embedded server ready");
        Ok(Self {
            server,
            user: (account.to_owned(), token),
            echo_token,
        })
    }

    /// The WebSocket URL to sign in to.
    pub fn url(&self) -> String {
        self.server.ws_url()
    }

    /// A token for another account of the local app (created if new), for a second device or
    /// a bot on this machine.
    pub async fn token_for(&self, account: &str, nick: &str) -> AppResult<String> {
        self.server
            .admin()
            .add_user(LOCAL_APP, account, nick, TOKEN_TTL)
            .await
            .map_err(|e| AppError::Embedded(e.to_string()))
    }

    /// Stops serving and flushes the database.
    pub async fn shutdown(self) -> AppResult<()> {
        self.server
            .shutdown()
            .await
            .map_err(|e| AppError::Embedded(e.to_string()))
    }
}

/// The local user's account name: the OS user name where it is a valid account, else "me".
pub fn local_account_name(os_user: Option<&str>) -> String {
    let valid = |name: &str| {
        !name.is_empty()
            && name.len() <= 64
            && name != ECHO_ACCOUNT
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match os_user.map(str::to_lowercase) {
        Some(name) if valid(&name) => name,
        _ => "me".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_account_is_the_os_user_when_valid() {
        assert_eq!(local_account_name(Some("Alice")), "alice");
        assert_eq!(local_account_name(Some("jean pierre")), "me");
        assert_eq!(local_account_name(Some("echo")), "me");
        assert_eq!(local_account_name(None), "me");
    }

    #[tokio::test]
    async fn first_start_creates_the_user_and_the_echo_contact_and_a_restart_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("embedded.sqlite");
        let first = EmbeddedServer::start(&db, 0, "alice", "Alice")
            .await
            .unwrap();
        assert!(first.url().starts_with("ws://127.0.0.1:"));
        let links = first
            .server
            .store()
            .link_pair(
                LOCAL_APP,
                &AccountId::new("alice").unwrap(),
                &AccountId::new(ECHO_ACCOUNT).unwrap(),
            )
            .await
            .unwrap();
        let accepted = Some(duet_server::store::Link::Accepted);
        assert_eq!(
            (links.own, links.theirs),
            (accepted, accepted),
            "the user and Echo are contacts both ways, so each sees the other's presence"
        );
        first.shutdown().await.unwrap();
        // A second start on the same file finds everything in place and does not fail on it.
        let again = EmbeddedServer::start(&db, 0, "alice", "Alice")
            .await
            .unwrap();
        again.shutdown().await.unwrap();
    }
}
