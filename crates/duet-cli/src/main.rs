#![forbid(unsafe_code)]
//! `duet-cli`: a headless Duet client. Events go to stdout as JSON lines, diagnostics to stderr,
//! and the exit code tells how the call ended (docs/cli.md).

mod account;
mod args;
mod call;
mod listen;
mod lists;
mod media;
mod outcome;
mod print;
mod screen;

use anyhow::Context;
use args::{Cli, Command, LoginArgs};
use clap::Parser;
use duet_callkit::{AudioQuality, CallKit, CallKitConfig, IcePolicy, Resolution};
use std::process::ExitCode;

/// The SDK's events, subscribed before login.
pub type Events =
    std::pin::Pin<Box<dyn futures_util::Stream<Item = duet_callkit::CallEvent> + Send>>;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // `--debug` shows the SDK's frame log unless DUET_LOG says exactly what to show.
    let default_filter = match cli.login.debug {
        true => format!("warn,{}=debug", duet_callkit::WIRE_LOG_TARGET),
        false => "warn".to_owned(),
    };
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DUET_LOG")
                .unwrap_or_else(|_| default_filter.into()),
        )
        .init();
    if let Command::Register { nick, code } = &cli.command {
        return account::register(&cli.login, nick.clone(), code.clone()).await;
    }
    let credentials = match account::credentials(&cli.login).await {
        Ok(credentials) => credentials,
        Err(account::Failure::Usage(error)) => {
            eprintln!("duet-cli: {error:#}");
            return ExitCode::from(outcome::USAGE);
        }
        Err(account::Failure::Refused(error)) => {
            eprintln!("duet-cli: login failed: {error:#}");
            return ExitCode::from(outcome::LOGIN_FAILED);
        }
    };
    let kit = match configure(&cli.login, &credentials, cli.media.engine()) {
        Ok(kit) => kit,
        Err(error) => {
            eprintln!("duet-cli: {error:#}");
            return ExitCode::from(outcome::USAGE);
        }
    };
    // Subscribed before login, so the INVITED events of calls re-synced at login are seen too.
    let events: Events = Box::pin(kit.events());
    let kit = match login(kit, &cli.login).await {
        Ok(kit) => kit,
        Err(error) => {
            eprintln!("duet-cli: login failed: {error:#}");
            return ExitCode::from(outcome::LOGIN_FAILED);
        }
    };
    if let Some(value) = &cli.media.screen {
        screen::share_when_answered(&kit, screen::target_of(value));
    }
    let code = match run(&kit, events, cli.command).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("duet-cli: {error:#}");
            outcome::OTHER_ERROR
        }
    };
    if let Err(error) = kit.logout().await {
        eprintln!("duet-cli: logout: {error}");
    }
    ExitCode::from(code)
}

/// The SDK for the account on the command line, with `media`; a bad flag is a usage error.
fn configure(
    login: &LoginArgs,
    credentials: &account::Credentials,
    media: std::sync::Arc<dyn duet_callkit::MediaEngine>,
) -> anyhow::Result<CallKit> {
    let account::Credentials {
        server_urls,
        app_key,
        account,
        token,
    } = credentials;
    let (first, others) = server_urls
        .split_first()
        .ok_or_else(|| anyhow::anyhow!("--server is required"))?;
    let mut config = CallKitConfig::new(first, app_key, account, token);
    config.other_server_urls = others.to_vec();
    config.device_id = login
        .device
        .clone()
        .unwrap_or_else(|| format!("{account}-cli"));
    config.tls_ca_file = login.ca.clone();
    config.debug = login.debug;
    if let Some(kbps) = login.min_bitrate {
        config.min_bitrate = kbps;
    }
    if let Some(kbps) = login.max_bitrate {
        config.max_bitrate = kbps;
    }
    config.resolution = match login.resolution {
        args::ResolutionArg::Sd => Resolution::Sd,
        args::ResolutionArg::Hd => Resolution::Hd,
        args::ResolutionArg::FullHd => Resolution::FullHd,
    };
    config.audio_quality = match login.audio_quality {
        args::AudioQualityArg::Standard => AudioQuality::Standard,
        args::AudioQualityArg::High => AudioQuality::High,
    };
    config.ice_policy = match login.ice_policy {
        args::IcePolicyArg::All => IcePolicy::All,
        args::IcePolicyArg::Relay => IcePolicy::Relay,
    };
    Ok(CallKit::with_media(config, media)?)
}

/// Logs in; any failure here exits with LOGIN_FAILED.
async fn login(kit: CallKit, args: &LoginArgs) -> anyhow::Result<CallKit> {
    let session = kit.login().await?;
    let account = args.account.as_deref().unwrap_or_default();
    eprintln!(
        "duet-cli: logged in as {account} ({}) on device {}",
        session.nick,
        kit.device_id()
    );
    Ok(kit)
}

async fn run(kit: &CallKit, events: Events, command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Call {
            callee,
            call_type,
            hangup_after,
            cancel_after,
            timeout,
            attachment,
        } => {
            let attachment = match attachment {
                Some(text) => serde_json::from_str(&text).context("--attachment must be JSON")?,
                None => serde_json::Value::Null,
            };
            let plan = call::Plan {
                callee,
                call_type,
                hangup_after,
                cancel_after,
                timeout,
                attachment,
            };
            call::run(kit, events, plan).await
        }
        Command::Listen {
            auto,
            after,
            hangup_after,
            count,
            audio_only,
            switch,
        } => {
            let plan = listen::Plan {
                auto,
                after,
                hangup_after,
                count,
                audio_only,
                switch,
            };
            listen::run(kit, events, plan).await
        }
        Command::History { limit } => lists::history(kit, limit).await,
        Command::Contacts { change } => lists::contacts(kit, change).await,
        Command::Search { query } => lists::search(kit, &query).await,
        // `main` runs `register` before logging in and never gets here with it.
        Command::Register { .. } => anyhow::bail!("register does not log in"),
    }
}
