//! The server under test, as a child process with its own data directory and accounts.

// Unsafe code is allowed in this module only: a pre-exec hook for the child process (see its SAFETY note).
#![allow(unsafe_code)]

use anyhow::Context;
use duet_server::{Admin, SqliteStore};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::process::{Child, Command};

use crate::client::Transport;

pub const APP_KEY: &str = "demo";

/// The duet-server binary: `explicit`, or the one built next to this binary.
pub fn locate(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let path = match explicit {
        Some(path) => path,
        None => std::env::current_exe()?
            .parent()
            .context("this binary has no directory")?
            .join("duet-server"),
    };
    anyhow::ensure!(
        path.exists(),
        "no duet-server at {} (build it, or pass --server-bin)",
        path.display()
    );
    Ok(path)
}

/// Creates `accounts` in a fresh database at `db` and returns their login tokens, in order.
pub async fn provision(db: &Path, accounts: &[String]) -> anyhow::Result<Vec<String>> {
    let store = SqliteStore::open(&db.display().to_string()).await?;
    let admin = Admin::new(Arc::new(store));
    admin.ensure_app(APP_KEY).await?;
    let mut tokens = Vec::with_capacity(accounts.len());
    for account in accounts {
        let ttl = Duration::from_secs(24 * 3600);
        tokens.push(admin.add_user(APP_KEY, account, account, ttl).await?);
    }
    Ok(tokens)
}

/// Creates enough accounts `{prefix}0`, `{prefix}1`… for `devices` devices, `per_account` to an
/// account, in a fresh database at `db`; returns the accounts and their tokens, in order.
pub async fn provision_devices(
    db: &Path,
    prefix: &str,
    devices: usize,
    per_account: usize,
) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let accounts: Vec<String> = (0..devices.div_ceil(per_account))
        .map(|n| format!("{prefix}{n}"))
        .collect();
    let tokens = provision(db, &accounts).await?;
    Ok((accounts, tokens))
}

/// A running duet-server child process.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    pub pid: u32,
    /// How clients reach it.
    pub transport: Transport,
}

/// Makes a certificate for 127.0.0.1 in `dir` and returns the `[tls]` table naming it, and the
/// client configuration that trusts exactly that certificate.
fn self_signed(dir: &Path) -> anyhow::Result<(String, Transport)> {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem())?;
    std::fs::write(&key, certified.signing_key.serialize_pem())?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone())?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let table = format!(
        "\n[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        key.display()
    );
    Ok((table, Transport::Tls(Arc::new(client))))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `bin` on a free loopback port with the database at `db`, limits opened up for load;
/// with `tls`, on `wss://` with a certificate made for the run.
pub async fn spawn(bin: &Path, dir: &Path, db: &Path, tls: bool) -> anyhow::Result<ServerProcess> {
    spawn_node(bin, dir, db, tls, None).await
}

/// Like [`spawn`]; with `cluster` (the bus URL and this node's name), as one node of a cluster.
pub async fn spawn_node(
    bin: &Path,
    dir: &Path,
    db: &Path,
    tls: bool,
    cluster: Option<(&str, &str)>,
) -> anyhow::Result<ServerProcess> {
    let port = free_port()?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let config = format!(
        r#"bind = "{addr}"
database = "{db}"
heartbeat_ms = 30000
login_timeout_ms = 60000

[calls]
invites_per_minute = 100000000
invites_per_callee = 100000000
max_pending_invites = 4096
# `idle` logs in 100 devices per account by default, past the production cap of 10.
max_devices_per_account = 1000

[limits]
max_connections = 250000
# Every load client connects from loopback, and handshakes queue while 100k of them connect.
max_connections_per_address = 250000
handshake_timeout_ms = 60000
messages_per_second = 1000000
message_burst = 1000000
"#,
        db = db.display()
    );
    let config = match cluster {
        Some((bus, node)) => {
            config + &format!("\n[cluster]\nbus = \"{bus}\"\nnode_id = \"{node}\"\n")
        }
        None => config,
    };
    let (config, transport) = if tls {
        let (table, transport) = self_signed(dir)?;
        (config + &table, transport)
    } else {
        (config, Transport::Plain)
    };
    let config_path = dir.join("server.toml");
    std::fs::write(&config_path, config)?;
    let log = std::fs::File::create(dir.join("server.log"))?;
    let child = Command::new(bin)
        .arg("--config")
        .arg(&config_path)
        .arg("serve")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let pid = child.id().context("server exited at once")?;
    wait_listening(addr).await?;
    Ok(ServerProcess {
        child,
        addr,
        pid,
        transport,
    })
}

/// Waits until something accepts connections on `addr` (at most 30 s).
pub async fn wait_listening(addr: SocketAddr) -> anyhow::Result<()> {
    for _ in 0..600 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("nothing listens on {addr} after 30 s")
}

impl ServerProcess {
    /// Kills the server abruptly (SIGKILL), as a crash would; nothing is drained.
    pub fn kill(&self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        let status = unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGKILL) };
        anyhow::ensure!(
            status == 0,
            "kill failed: {}",
            std::io::Error::last_os_error()
        );
        Ok(())
    }

    /// Stops the server with SIGTERM (it drains its writes) and waits for it.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe {
            libc::kill(self.pid as libc::pid_t, libc::SIGTERM);
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await??;
        anyhow::ensure!(status.success(), "server exited with {status}");
        Ok(())
    }
}
