//! Command-line arguments; flags override the `--config` file, which overrides the defaults.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use duet_protocol::{ContactPolicy, IceServer, Registration};
use duet_server::config::{LogFormat, DEFAULT_TURN_TTL};
use duet_server::{ServerConfig, TlsFiles, TurnSettings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Duet's signaling server. Without a command it serves on 127.0.0.1:7420 (WebSocket at /ws).
#[derive(Debug, Parser)]
#[command(name = "duet-server", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub options: Options,
}

/// Settings shared by every command.
#[derive(Debug, Args)]
pub struct Options {
    /// TOML file with any of the server's settings.
    #[arg(long, global = true, env = "DUET_SERVER_CONFIG")]
    pub config: Option<PathBuf>,
    /// SQLite file or `sqlite:` URL (default: duet-server.sqlite in the user's data directory),
    /// or a PostgreSQL URL (`postgres://user@host/database`; keep its password in the config
    /// file, PGPASSWORD or ~/.pgpass rather than on the command line).
    #[arg(long, global = true, env = "DUET_SERVER_DATABASE")]
    pub database: Option<String>,
    /// Address to listen on.
    #[arg(long, global = true)]
    pub bind: Option<SocketAddr>,
    /// `redis://host:port`: run as one node of a cluster sharing --database (PostgreSQL) and
    /// this Redis bus.
    #[arg(long, global = true, env = "DUET_SERVER_BUS")]
    pub bus: Option<String>,
    /// This node's name on the bus (default: random); unique per running process.
    #[arg(long, global = true, requires = "bus")]
    pub node_id: Option<String>,
    /// How often clients must ping, e.g. `10s`; three missed beats drop the connection.
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub heartbeat: Option<Duration>,
    /// How long a new connection may take to log in, e.g. `10s`.
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub login_timeout: Option<Duration>,
    /// Longest ring time an invite may ask for, e.g. `120s`.
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub ring_timeout_max: Option<Duration>,
    /// How long an answered call waits for a party that lost its connection, e.g. `20s`.
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub reconnect_grace: Option<Duration>,
    /// Most simultaneous connections.
    #[arg(long, global = true)]
    pub max_connections: Option<usize>,
    /// On SIGTERM, how long to wait for devices to move to another server, e.g. `30s`.
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub drain_timeout: Option<Duration>,
    /// Log lines as `text` (the default) or `json` (one object per line).
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,
    /// A web page origin allowed to open /ws, e.g. `https://app.example.com` or
    /// `http://127.0.0.1:*` (repeat for several); browsers from other origins get 403.
    #[arg(long = "allow-origin", global = true)]
    pub allowed_origins: Vec<String>,
    /// A STUN or TURN URL handed to clients as is, without credentials (repeat for several).
    #[arg(long = "ice-server", global = true)]
    pub ice_servers: Vec<String>,
    /// PEM certificate chain: serve wss:// (reloaded when the file changes or on SIGHUP).
    #[arg(long, global = true, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, global = true, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Secret shared with coturn (`static-auth-secret`): each login gets a short-lived TURN
    /// credential for the --turn-url servers.
    #[arg(long, global = true, env = "DUET_TURN_SECRET", hide_env_values = true)]
    pub turn_secret: Option<String>,
    /// A turn:, turns: or stun: URL of the TURN servers sharing --turn-secret (repeat for several).
    #[arg(long = "turn-url", global = true)]
    pub turn_urls: Vec<String>,
    /// How long a TURN credential is valid, e.g. `10m` (fresh ones are pushed at 3/4 of it).
    #[arg(long, global = true, value_parser = humantime::parse_duration)]
    pub turn_ttl: Option<Duration>,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve (the default).
    Serve,
    /// Manage accounts and their login tokens.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage apps (tenants).
    #[command(subcommand)]
    App(AppCommand),
    /// Manage invite codes (for apps whose registration is `invite`).
    #[command(subcommand)]
    Invite(InviteCommand),
}

/// Account commands; tokens go to stdout alone, so scripts can capture them.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Creates (or renames) an account and prints a login token.
    Add {
        account: String,
        /// Display name (default: the account).
        #[arg(long)]
        nick: Option<String>,
        #[arg(long, default_value = "demo")]
        app: String,
        /// How long the token is valid, e.g. `365d`, `12h`.
        #[arg(long, default_value = "365d")]
        ttl: humantime::Duration,
        /// Also set a password, read from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sets an existing account's password, read from the first line of standard input.
    Passwd {
        account: String,
        #[arg(long, default_value = "demo")]
        app: String,
    },
    /// Prints a new login token for an existing account.
    Token {
        account: String,
        #[arg(long, default_value = "demo")]
        app: String,
        #[arg(long, default_value = "365d")]
        ttl: humantime::Duration,
    },
    /// Revokes every token of the account issued until now, or only `--token`.
    Revoke {
        account: String,
        #[arg(long, default_value = "demo")]
        app: String,
        /// Revoke just this token.
        #[arg(long)]
        token: Option<String>,
    },
}

/// App commands.
#[derive(Debug, Subcommand)]
pub enum AppCommand {
    /// Creates an app and prints its secret.
    Add {
        app_key: String,
        /// Let call actions go without per-call tokens (nertc-call's checkSum off).
        #[arg(long)]
        no_safe_mode: bool,
    },
    /// Lists apps, whether each is in safe mode, its registration and its contact policy.
    List,
    /// Changes an app's settings (at least one of them).
    #[command(group(clap::ArgGroup::new("setting").required(true).multiple(true)))]
    Set {
        app_key: String,
        /// Who may create accounts: `closed` (only `user add`), `invite` (with a code from
        /// `invite create`) or `open` (anyone who reaches the server).
        #[arg(long, group = "setting")]
        registration: Option<Registration>,
        /// How accounts become contacts: `mutual` (a request the other accepts; presence only
        /// between accepted contacts) or `open` (one-way at once, presence without asking).
        #[arg(long, group = "setting")]
        contacts: Option<ContactPolicy>,
    },
}

/// Invite commands; the code goes to stdout alone.
#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Creates a one-time (or N-time) invite code and prints it.
    Create {
        #[arg(long, default_value = "demo")]
        app: String,
        /// How many accounts the code may create.
        #[arg(long, default_value_t = 1)]
        uses: u32,
        /// How long the code is valid, e.g. `7d`.
        #[arg(long, default_value = "7d")]
        ttl: humantime::Duration,
        /// Also print a `duet://join` link for this server address (as people write it, e.g.
        /// `duet.example.com`), which opens the desktop app's sign-up filled in.
        #[arg(long)]
        link: Option<String>,
    },
}

impl Cli {
    /// Applies the `--turn-*` flags over the file's `[turn]` table.
    fn apply_turn(&self, config: &mut ServerConfig) -> anyhow::Result<()> {
        let o = &self.options;
        if o.turn_secret.is_none() && o.turn_urls.is_empty() && o.turn_ttl.is_none() {
            return Ok(());
        }
        let mut turn = match config.turn.take() {
            Some(turn) => turn,
            None => TurnSettings {
                secret: o
                    .turn_secret
                    .clone()
                    .context("--turn-url and --turn-ttl need --turn-secret (or [turn] secret)")?,
                urls: Vec::new(),
                ttl: DEFAULT_TURN_TTL,
            },
        };
        if let Some(secret) = &o.turn_secret {
            turn.secret = secret.clone();
        }
        if !o.turn_urls.is_empty() {
            turn.urls = o.turn_urls.clone();
        }
        if let Some(ttl) = o.turn_ttl {
            anyhow::ensure!(!ttl.is_zero(), "--turn-ttl must be above zero");
            turn.ttl = ttl;
        }
        anyhow::ensure!(
            !turn.urls.is_empty(),
            "--turn-secret needs at least one --turn-url (or [turn] urls)"
        );
        config.turn = Some(turn);
        Ok(())
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Cli {
    /// The configuration: defaults, then the config file, then flags.
    pub fn config(&self) -> anyhow::Result<ServerConfig> {
        let o = &self.options;
        let mut config = match &o.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
            }
            None => ServerConfig::default(),
        };
        if let Some(database) = &o.database {
            config.database = database.clone();
        }
        if let Some(bind) = o.bind {
            config.bind = bind;
        }
        if let Some(bus) = &o.bus {
            let cluster = config
                .cluster
                .get_or_insert_with(|| duet_server::config::ClusterSettings::new(bus));
            cluster.bus = bus.clone();
        }
        if let (Some(node_id), Some(cluster)) = (&o.node_id, config.cluster.as_mut()) {
            cluster.node_id = Some(node_id.clone());
        }
        if let Some(d) = o.heartbeat {
            config.heartbeat_ms = millis(d);
        }
        if let Some(d) = o.login_timeout {
            config.login_timeout_ms = millis(d);
        }
        if let Some(d) = o.ring_timeout_max {
            config.calls.ring_timeout_max_ms = millis(d);
        }
        if let Some(d) = o.reconnect_grace {
            config.calls.reconnect_grace_ms = millis(d);
        }
        if let Some(n) = o.max_connections {
            config.limits.max_connections = n;
        }
        if let Some(d) = o.drain_timeout {
            config.drain_timeout_ms = millis(d);
        }
        if let Some(format) = o.log_format {
            config.log_format = format;
        }
        if !o.allowed_origins.is_empty() {
            config.allowed_origins = o.allowed_origins.clone();
        }
        if let (Some(cert), Some(key)) = (&o.tls_cert, &o.tls_key) {
            config.tls = Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
            });
        }
        self.apply_turn(&mut config)?;
        if !o.ice_servers.is_empty() {
            config.ice_servers = o
                .ice_servers
                .iter()
                .map(|url| IceServer {
                    urls: vec![url.clone()],
                    username: None,
                    credential: None,
                })
                .collect();
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn app_set(args: &[&str]) -> Result<AppCommand, clap::Error> {
        let all = ["duet-server", "app", "set"].iter().chain(args);
        match Cli::try_parse_from(all)?.command {
            Some(Command::App(command)) => Ok(command),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn app_set_takes_the_contact_policy_the_registration_or_both_but_not_nothing() {
        let AppCommand::Set {
            contacts,
            registration,
            ..
        } = app_set(&["demo", "--contacts", "open"]).unwrap()
        else {
            panic!("not app set");
        };
        assert_eq!((contacts, registration), (Some(ContactPolicy::Open), None));
        let AppCommand::Set {
            contacts,
            registration,
            ..
        } = app_set(&["demo", "--contacts", "mutual", "--registration", "invite"]).unwrap()
        else {
            panic!("not app set");
        };
        assert_eq!(
            (contacts, registration),
            (Some(ContactPolicy::Mutual), Some(Registration::Invite))
        );
        assert!(app_set(&["demo"]).is_err(), "nothing to set");
        assert!(app_set(&["demo", "--contacts", "friends"]).is_err());
    }
}
