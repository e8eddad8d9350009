//! Everything an operator can set, with defaults for a single machine (TOML or flags).

use duet_call::SwitchboardConfig;
use duet_protocol::IceServer;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The default port of `duet-server` (WebSocket at `/ws`, health at `/healthz`).
pub const DEFAULT_PORT: u16 = 7420;

/// The server's configuration; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Where the server keeps its data: a SQLite file path or `sqlite:` URL (the default), or a
    /// PostgreSQL URL, `postgres://user:password@host:port/database` (also `postgresql://`).
    /// Both get their schema brought up to date at start. Logs show a URL without its password.
    pub database: String,
    /// App created with a random secret when the database has no app yet (`demo`).
    pub default_app: Option<String>,
    /// Clients ping at least this often; a connection silent for three times as long is dropped.
    pub heartbeat_ms: u64,
    /// A connection must log in within this time.
    pub login_timeout_ms: u64,
    /// How often the server checks the database for revoked login tokens (`duet-server user
    /// revoke` may run in another process); a revoked token's connections close within this.
    pub revocation_poll_ms: u64,
    /// Web page origins (`https://app.example.com`, or `http://127.0.0.1:*` for any port) whose
    /// pages may open `/ws`. A request with any other `Origin` header is refused with 403, so a
    /// web page the user happens to visit cannot talk to their server; clients that are not
    /// browsers send no `Origin` and are not affected. Empty (the default): no browser page.
    pub allowed_origins: Vec<String>,
    /// STUN/TURN servers handed to clients at login, as written (no per-account credentials).
    pub ice_servers: Vec<IceServer>,
    /// TLS on the listening port (`wss://`); plain `ws://` when absent.
    pub tls: Option<TlsFiles>,
    /// TURN servers with short-lived per-account credentials (the TURN REST API).
    pub turn: Option<TurnSettings>,
    /// Ring times, reconnect grace and invite limits.
    pub calls: CallSettings,
    /// Bounds on connections, queues and rates.
    pub limits: Limits,
    /// Self-service accounts: token lifetime of password logins, attempt limits.
    pub accounts: AccountSettings,
    /// How long the server keeps call records and other rows that would grow forever.
    pub retention: Retention,
    /// On SIGTERM, how long the server waits for its devices to move to another server (after
    /// telling them with `server.draining`) before it closes the connections still open.
    pub drain_timeout_ms: u64,
    /// How log lines are written to stderr: `text` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Several nodes sharing one database: the message bus between them. Absent (the
    /// default): this process is the whole server.
    pub cluster: Option<ClusterSettings>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `fields`, `target`, `span`, `spans`).
    Json,
}

/// One node of a cluster: the Redis bus that carries hub traffic between nodes and holds the
/// lease that places each app's hub on exactly one node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSettings {
    /// `redis://host:port/db` (or `rediss://` for TLS) of the bus.
    pub bus: String,
    /// This node's name on the bus; unique per running process (a random one by default).
    #[serde(default)]
    pub node_id: Option<String>,
    /// How long an app's hub stays placed on a node that stopped renewing its lease (a node
    /// killed mid-call): its calls move to another node after at most this long.
    #[serde(default = "default_lease", with = "humantime_serde")]
    pub lease: Duration,
}

fn default_lease() -> Duration {
    Duration::from_secs(3)
}

impl ClusterSettings {
    /// A node on the bus at `bus`, with a random name and the default lease.
    pub fn new(bus: &str) -> Self {
        Self {
            bus: bus.to_owned(),
            node_id: None,
            lease: default_lease(),
        }
    }
}

/// What the server deletes, and when (checked at start and then every `every`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Call records older than this are deleted, e.g. `365d`; `0s` keeps them forever.
    #[serde(with = "humantime_serde")]
    pub records: Duration,
    /// How often old rows are deleted.
    #[serde(with = "humantime_serde")]
    pub every: Duration,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            records: Duration::from_secs(365 * 24 * 3600),
            every: Duration::from_secs(3600),
        }
    }
}

/// How `register` and `login.password` behave; the policy itself is per app
/// (`duet-server app set APP --registration ...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountSettings {
    /// How long a token from `register` or `login.password` is valid, e.g. `30d`.
    #[serde(with = "humantime_serde")]
    pub token_ttl: Duration,
    /// Failed password logins one account may have in a row before waiting.
    pub failures_per_account: u32,
    /// Failed password logins one network address may have in a row before waiting.
    pub failures_per_address: u32,
    /// Registrations (successful or not) one network address may attempt in a row.
    pub registrations_per_address: u32,
    /// After a burst, one more attempt per this period, e.g. `1m`.
    #[serde(with = "humantime_serde")]
    pub attempt_refill: Duration,
    /// Password hashes computed at once (each takes ~19 MiB and tens of ms of one core).
    pub parallel_hashes: usize,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(30 * 24 * 3600),
            failures_per_account: 10,
            failures_per_address: 30,
            registrations_per_address: 5,
            attempt_refill: Duration::from_secs(60),
            parallel_hashes: 2,
        }
    }
}

/// The PEM files of the server's certificate chain and private key, reloaded when they change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The TURN REST API convention coturn implements with `use-auth-secret`: the server and coturn
/// share `secret`; each login gets a username `<expiry-unix-seconds>:<account>` and the password
/// `base64(HMAC-SHA1(secret, username))`, valid for `ttl`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TurnSettings {
    /// coturn's `static-auth-secret`.
    pub secret: String,
    /// `turn:`, `turns:` and `stun:` URLs of the TURN servers sharing the secret.
    pub urls: Vec<String>,
    /// How long a credential is valid; clients get fresh ones at 3/4 of it.
    #[serde(default = "default_turn_ttl", with = "humantime_serde")]
    pub ttl: Duration,
}

/// Ten minutes: long enough to set up any call, short enough that a leaked credential soon expires.
pub const DEFAULT_TURN_TTL: Duration = Duration::from_secs(600);

fn default_turn_ttl() -> Duration {
    DEFAULT_TURN_TTL
}

impl std::fmt::Debug for TurnSettings {
    // The secret stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TurnSettings")
            .field("urls", &self.urls)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

/// Call timing and invite limits, passed to every app's switchboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallSettings {
    /// Ring time when an invite asks for none.
    pub ring_timeout_default_ms: u64,
    /// Longest ring time an invite may ask for.
    pub ring_timeout_max_ms: u64,
    /// How long an answered call waits for a party whose connection was lost.
    pub reconnect_grace_ms: u64,
    /// Most calls ringing one account at once.
    pub max_pending_invites: usize,
    /// Most invites one account may place per minute.
    pub invites_per_minute: usize,
    /// Most invites one account may place to the same callee within `repeat_window_ms`.
    pub invites_per_callee: usize,
    /// The window of `invites_per_callee`.
    pub repeat_window_ms: u64,
    /// Most devices of one account online at once; a login beyond gets `too_many_devices`.
    pub max_devices_per_account: usize,
}

/// Resource bounds; every queue in the server is bounded by one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Most simultaneous WebSocket connections; more get `server_full`.
    pub max_connections: usize,
    /// Sockets beyond `max_connections` kept open while they do their TLS, HTTP and WebSocket
    /// handshakes or receive their `server_full`; a socket over both is closed at accept.
    pub max_handshakes: usize,
    /// Most open sockets from one IP address (an office behind one NAT counts as one address);
    /// more are closed at accept.
    pub max_connections_per_address: usize,
    /// Time from accepting a socket to its WebSocket upgrade (TLS handshake, HTTP headers and
    /// the upgrade request included); a socket not upgraded by then is closed.
    pub handshake_timeout_ms: u64,
    /// A write that makes no progress for this long (the client stopped reading) closes the
    /// connection.
    pub write_timeout_ms: u64,
    /// Frames waiting to be sent to one connection; a client that falls further behind is dropped.
    pub outbound_queue: usize,
    /// Sustained messages per second one connection may send.
    pub messages_per_second: u32,
    /// Messages one connection may send in a burst.
    pub message_burst: u32,
    /// Call changes waiting for the database writer; past this, new calls get `store_unavailable`.
    pub write_queue: usize,
    /// How long a request waits on the database (its lock, or the writer catching up) before it is
    /// answered `store_unavailable`.
    pub store_wait_ms: u64,
    /// Most call changes committed in one transaction.
    pub write_batch_max: usize,
    /// Inputs waiting for an app's hub.
    pub hub_queue: usize,
    /// Directory searches one connection may make in a burst.
    pub directory_burst: u32,
    /// Then one more search per this many milliseconds.
    pub directory_refill_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)),
            database: default_database_path(),
            default_app: Some("demo".to_owned()),
            heartbeat_ms: 10_000,
            login_timeout_ms: 10_000,
            allowed_origins: Vec::new(),
            revocation_poll_ms: 2_000,
            ice_servers: Vec::new(),
            tls: None,
            turn: None,
            calls: CallSettings::default(),
            limits: Limits::default(),
            accounts: AccountSettings::default(),
            retention: Retention::default(),
            drain_timeout_ms: 30_000,
            log_format: LogFormat::Text,
            cluster: None,
        }
    }
}

impl Default for CallSettings {
    fn default() -> Self {
        let switchboard = SwitchboardConfig::default();
        Self {
            ring_timeout_default_ms: switchboard.default_timeout_ms,
            ring_timeout_max_ms: switchboard.max_timeout_ms,
            reconnect_grace_ms: switchboard.reconnect_grace_ms,
            max_pending_invites: switchboard.max_pending_invites,
            invites_per_minute: switchboard.invites_per_minute,
            invites_per_callee: switchboard.invites_per_callee,
            repeat_window_ms: switchboard.repeat_window_ms,
            max_devices_per_account: 10,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 100_000,
            max_handshakes: 4_096,
            max_connections_per_address: 100,
            handshake_timeout_ms: 10_000,
            write_timeout_ms: 10_000,
            outbound_queue: 256,
            messages_per_second: 50,
            message_burst: 200,
            write_queue: 65_536,
            store_wait_ms: 5_000,
            write_batch_max: 2_048,
            hub_queue: 65_536,
            directory_burst: 5,
            directory_refill_ms: 2_000,
        }
    }
}

impl CallSettings {
    /// The switchboard configuration of an app with these settings.
    pub fn switchboard(&self, safe_mode: bool) -> SwitchboardConfig {
        SwitchboardConfig {
            default_timeout_ms: self.ring_timeout_default_ms.min(self.ring_timeout_max_ms),
            max_timeout_ms: self.ring_timeout_max_ms,
            reconnect_grace_ms: self.reconnect_grace_ms,
            max_pending_invites: self.max_pending_invites,
            invites_per_minute: self.invites_per_minute,
            invites_per_callee: self.invites_per_callee,
            repeat_window_ms: self.repeat_window_ms,
            safe_mode,
            ..SwitchboardConfig::default()
        }
    }
}

/// `duet-server.sqlite` in the user's data directory (e.g. `~/.local/share/duet/`).
pub fn default_database_path() -> String {
    directories::ProjectDirs::from("", "", "duet")
        .map(|dirs| dirs.data_dir().join("duet-server.sqlite"))
        .unwrap_or_else(|| "duet-server.sqlite".into())
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_toml_file_overrides_only_what_it_names() {
        let text = r#"
            bind = "127.0.0.1:9000"
            database = "/tmp/duet.sqlite"
            heartbeat_ms = 5000
            [[ice_servers]]
            urls = ["stun:stun.example.org:3478"]
            [calls]
            ring_timeout_max_ms = 60000
            [limits]
            max_connections = 10
        "#;
        let config: ServerConfig = toml::from_str(text).unwrap();
        assert_eq!(config.bind, SocketAddr::from(([127, 0, 0, 1], 9000)));
        assert_eq!(config.heartbeat_ms, 5000);
        assert_eq!(config.ice_servers.len(), 1);
        assert_eq!(config.calls.ring_timeout_max_ms, 60_000);
        assert_eq!(
            config.calls.reconnect_grace_ms,
            CallSettings::default().reconnect_grace_ms
        );
        assert_eq!(config.limits.max_connections, 10);
        assert_eq!(
            config.limits.outbound_queue,
            Limits::default().outbound_queue
        );
        assert_eq!(config.default_app.as_deref(), Some("demo"));
        let unknown: Result<ServerConfig, _> = toml::from_str("hartbeat_ms = 1");
        assert!(
            unknown.is_err(),
            "a misspelt setting is an error, not silently ignored"
        );
    }

    #[test]
    fn tls_and_turn_tables_are_read_with_a_default_ttl() {
        let text = r#"
            [tls]
            cert = "/etc/duet/fullchain.pem"
            key = "/etc/duet/privkey.pem"
            [turn]
            secret = "s3cret"
            urls = ["turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349"]
        "#;
        let config: ServerConfig = toml::from_str(text).unwrap();
        let tls = config.tls.expect("the [tls] table");
        assert_eq!(tls.cert, PathBuf::from("/etc/duet/fullchain.pem"));
        let turn = config.turn.expect("the [turn] table");
        assert_eq!(turn.urls.len(), 2);
        assert_eq!(turn.ttl, DEFAULT_TURN_TTL);
        assert!(
            !format!("{turn:?}").contains("s3cret"),
            "the secret is never logged"
        );
        let short: ServerConfig =
            toml::from_str("[turn]\nsecret = \"x\"\nurls = []\nttl = \"90s\"").unwrap();
        assert_eq!(short.turn.unwrap().ttl, Duration::from_secs(90));
    }

    #[test]
    fn the_ring_timeout_cap_and_safe_mode_reach_the_switchboard() {
        let calls = CallSettings {
            ring_timeout_max_ms: 10_000,
            ..CallSettings::default()
        };
        let switchboard = calls.switchboard(false);
        assert_eq!(switchboard.max_timeout_ms, 10_000);
        assert_eq!(
            switchboard.default_timeout_ms, 10_000,
            "the default never exceeds the cap"
        );
        assert!(!switchboard.safe_mode);
    }
}
