#![forbid(unsafe_code)]
//! `duet-server`: serve (the default), or administer apps, accounts and tokens in the same database.

mod cli;

use anyhow::Context;
use clap::Parser;
use cli::{AppCommand, Cli, Command, UserCommand};
use duet_server::{Admin, ServerConfig, SqliteStore, Store};
use std::sync::Arc;

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
        Some(Command::User(command)) => user(&admin(&config).await?, command).await,
        Some(Command::App(command)) => app(&admin(&config).await?, command).await,
    }
}

async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let database = config.database.clone();
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

async fn admin(config: &ServerConfig) -> anyhow::Result<Admin> {
    let store = SqliteStore::open(&config.database)
        .await
        .with_context(|| format!("opening database {}", config.database))?;
    let admin = Admin::new(Arc::new(store) as Arc<dyn Store>);
    if let Some(app_key) = &config.default_app {
        if admin.apps().await?.is_empty() {
            admin.ensure_app(app_key).await?;
        }
    }
    Ok(admin)
}

async fn user(admin: &Admin, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            account,
            nick,
            app,
            ttl,
        } => {
            let nick = nick.unwrap_or_else(|| account.clone());
            let token = admin.add_user(&app, &account, &nick, ttl.into()).await?;
            println!("{token}");
        }
        UserCommand::Token { account, app, ttl } => {
            println!("{}", admin.issue_token(&app, &account, ttl.into()).await?);
        }
        UserCommand::Revoke {
            account,
            app,
            token,
        } => match token {
            Some(token) => admin.revoke_token(&app, &token).await?,
            None => admin.revoke_all(&app, &account).await?,
        },
    }
    Ok(())
}

async fn app(admin: &Admin, command: AppCommand) -> anyhow::Result<()> {
    match command {
        AppCommand::Add {
            app_key,
            no_safe_mode,
        } => {
            let app = admin.add_app(&app_key, !no_safe_mode).await?;
            println!("{}", app.secret);
        }
        AppCommand::List => {
            for app in admin.apps().await? {
                let mode = if app.safe_mode {
                    "safe_mode"
                } else {
                    "no_safe_mode"
                };
                println!("{}\t{mode}", app.app_key);
            }
        }
    }
    Ok(())
}
