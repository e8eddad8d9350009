#![forbid(unsafe_code)]
//! `duet-server`: serve (the default), or administer apps, accounts and tokens in the same database.

mod cli;
mod commands;

use anyhow::Context;
use clap::Parser;
use cli::{Cli, Command};
use commands::admin;
use duet_server::ServerConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let default_filter = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let config = cli.config()?;
    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::User(command)) => commands::user(&admin(&config).await?, command).await,
        Some(Command::App(command)) => commands::app(&admin(&config).await?, command).await,
        Some(Command::Invite(command)) => commands::invite(&admin(&config).await?, command).await,
    }
}

async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    // The URL of a PostgreSQL database may hold its password.
    let database = duet_server::store::redacted(&config.database);
    let server = duet_server::start(config)
        .await
        .with_context(|| format!("starting the server on database {database}"))?;
    eprintln!(
        "duet-server listening on {} (database {database})",
        server.ws_url()
    );
    shutdown_signal().await?;
    server.shutdown().await.context("shutting down")?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("listening for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("listening for Ctrl-C")?;
    Ok(())
}
