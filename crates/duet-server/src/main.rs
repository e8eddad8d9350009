#![forbid(unsafe_code)]
//! `duet-server`: serve (the default), or administer apps, accounts and tokens in the same database.

mod cli;
mod commands;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};
use commands::admin;
use duet_server::config::LogFormat;
use duet_server::ServerConfig;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve));
    // The configuration decides the log format, so it is read before logging starts; its errors
    // reach stderr through `main`'s result all the same.
    let config = cli.config()?;
    init_logging(if serving { "info" } else { "warn" }, config.log_format);
    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::User(command)) => commands::user(&admin(&config).await?, command).await,
        Some(Command::App(command)) => commands::app(&admin(&config).await?, command).await,
        Some(Command::Invite(command)) => commands::invite(&admin(&config).await?, command).await,
    }
}

/// Logs to stderr at `default_filter` (or `RUST_LOG`), as text or one JSON object per line.
fn init_logging(default_filter: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().with_current_span(true).init(),
    }
}

async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    // The URL of a PostgreSQL database may hold its password.
    let database = duet_server::store::redacted(&config.database);
    let drain_timeout = Duration::from_millis(config.drain_timeout_ms);
    let server = duet_server::start(config)
        .await
        .with_context(|| format!("starting the server on database {database}"))?;
    eprintln!(
        "duet-server listening on {} (database {database})",
        server.ws_url()
    );
    let mut signals = Signals::new()?;
    match signals.next().await? {
        // SIGTERM (systemd, Kubernetes): move the devices elsewhere first, unless a second
        // signal asks for a stop at once.
        Signal::Terminate => {
            tokio::select! {
                () = server.drain(drain_timeout) => {}
                again = signals.next() => {
                    again?;
                    tracing::warn!("second signal while draining: shutting down at once");
                }
            }
        }
        Signal::Interrupt => {}
    }
    server.shutdown().await.context("shutting down")?;
    Ok(())
}

/// Which stop signal arrived.
enum Signal {
    /// SIGTERM: drain, then stop.
    Terminate,
    /// SIGINT (Ctrl-C): stop at once, as before draining existed.
    Interrupt,
}

/// SIGINT and SIGTERM as a stream.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> anyhow::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
            Ok(Self { term })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// The next SIGINT or SIGTERM.
    async fn next(&mut self) -> anyhow::Result<Signal> {
        #[cfg(unix)]
        {
            tokio::select! {
                result = tokio::signal::ctrl_c() => {
                    result.context("listening for Ctrl-C")?;
                    Ok(Signal::Interrupt)
                }
                _ = self.term.recv() => Ok(Signal::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .context("listening for Ctrl-C")?;
            Ok(Signal::Interrupt)
        }
    }
}
