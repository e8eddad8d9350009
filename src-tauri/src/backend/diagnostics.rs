//! "Copy diagnostics" (Settings > General): a plain-text report a user pastes into a bug report
//! or a message to whoever runs their server. It says what the app is, where it runs, who is
//! signed in to which server and how, the connection, the settings, the devices, where the log
//! file is and its last lines; never a token or a password, even when a log line holds one.

use crate::backend::state::{AppState, Connection, SignedIn, Status};
use crate::backend::transport::Transport;
use crate::media::devices::Devices;
use crate::store::settings::Settings;
use std::fmt::Write;
use std::path::Path;

/// How many of the log's last lines the report quotes.
pub const LOG_LINES: usize = 200;

/// What stands in the report for a secret.
pub const REDACTED: &str = "[redacted]";

/// What the report is made of, gathered by `Backend::diagnostics`.
pub struct Facts<'a> {
    /// The app's version.
    pub version: &'a str,
    /// The OS and its version, e.g. `Ubuntu 24.04 (noble) [64-bit]`.
    pub os: String,
    /// The page's state: status, connection and who is signed in.
    pub state: &'a AppState,
    /// The saved settings.
    pub settings: &'a Settings,
    /// The devices found, or why listing them failed.
    pub devices: Result<Devices, String>,
    /// The log files' directory.
    pub log_dir: &'a Path,
    /// The log's last lines, oldest first.
    pub log_tail: Vec<String>,
    /// Tokens this run has used: replaced by [`REDACTED`] wherever they appear.
    pub secrets: Vec<String>,
}

/// The report, as plain text.
pub fn report(facts: &Facts<'_>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_report(&mut out, facts);
    redact(&out, &facts.secrets)
}

fn write_report(out: &mut String, facts: &Facts<'_>) -> std::fmt::Result {
    writeln!(out, "Duet diagnostics")?;
    writeln!(out, "App version: {}", facts.version)?;
    writeln!(
        out,
        "OS: {} ({}, {})",
        facts.os,
        std::env::consts::OS,
        std::env::consts::ARCH
    )?;
    writeln!(out)?;
    writeln!(out, "[Account]")?;
    match &facts.state.signed_in {
        Some(signed) => write_account(out, signed)?,
        None => writeln!(out, "Signed out")?,
    }
    writeln!(out, "Status: {}", status(facts.state.status))?;
    if facts.state.signed_in.is_some() {
        let connection = match facts.state.connection {
            Connection::Connected => "connected",
            Connection::Reconnecting => "reconnecting",
        };
        writeln!(out, "Connection: {connection}")?;
    }
    writeln!(out)?;
    writeln!(out, "[Settings]")?;
    // A plain struct of strings, numbers and booleans always serializes.
    let settings = serde_json::to_string_pretty(facts.settings).unwrap_or_default();
    writeln!(out, "{settings}")?;
    writeln!(out)?;
    writeln!(out, "[Devices]")?;
    match &facts.devices {
        Ok(devices) => {
            for (kind, list) in [
                ("Cameras", &devices.cameras),
                ("Microphones", &devices.microphones),
                ("Speakers", &devices.speakers),
            ] {
                let names: Vec<String> = list
                    .iter()
                    .map(|d| format!("{} ({})", d.name, d.id))
                    .collect();
                let names = if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join("; ")
                };
                writeln!(out, "{kind}: {names}")?;
            }
        }
        Err(why) => writeln!(out, "Not listed: {why}")?,
    }
    writeln!(out)?;
    writeln!(out, "[Log]")?;
    let newest = crate::store::log_file::files(facts.log_dir)
        .into_iter()
        .next();
    match newest {
        Some(file) => writeln!(out, "File: {}", file.display())?,
        None => writeln!(out, "File: none yet in {}", facts.log_dir.display())?,
    }
    writeln!(out, "Last {} lines:", facts.log_tail.len().min(LOG_LINES))?;
    let skip = facts.log_tail.len().saturating_sub(LOG_LINES);
    for line in &facts.log_tail[skip..] {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn write_account(out: &mut String, signed: &SignedIn) -> std::fmt::Result {
    let transport = match signed.transport {
        Transport::Tls => "wss (encrypted)",
        Transport::Loopback => "ws on this machine",
        Transport::Plain => "ws across the network (not encrypted)",
    };
    writeln!(out, "Account: {} ({})", signed.account, signed.nick)?;
    let server = if signed.embedded {
        format!(
            "{} (the app's embedded server)",
            server_address(&signed.server)
        )
    } else {
        server_address(&signed.server)
    };
    writeln!(out, "Server: {server}")?;
    writeln!(out, "Transport: {transport}")
}

fn status(status: Status) -> &'static str {
    match status {
        Status::SignedOut => "signed out",
        Status::Idle => "idle",
        Status::Calling => "calling",
        Status::Ringing => "ringing",
        Status::InCall => "in a call",
    }
}

/// The server URL without what could be a credential: user and password, query and fragment.
fn server_address(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            // Both only fail for URLs that cannot have them, which then have none to remove.
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "(not a URL)".to_owned(),
    }
}

/// `text` with every secret replaced; secrets shorter than 8 characters are not searched for, as
/// they would match ordinary words (the app's tokens are far longer).
fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        text = text.replace(secret.as_str(), REDACTED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::devices::Device;

    fn device(id: &str, name: &str) -> Device {
        Device {
            id: id.into(),
            name: name.into(),
        }
    }

    const TOKEN: &str = "tok_4f9a1c7e2b8d4e60a1b2c3d4";

    fn signed_in_state() -> AppState {
        AppState {
            status: Status::Idle,
            connection: Connection::Reconnecting,
            signed_in: Some(SignedIn {
                account: "alice".into(),
                nick: "Alice".into(),
                server: format!("wss://alice:hunter2secret@duet.example.com/ws?token={TOKEN}"),
                embedded: false,
                transport: Transport::Tls,
            }),
            ..AppState::signed_out()
        }
    }

    #[test]
    fn the_report_says_what_helps_and_never_a_token_or_a_password() {
        let logs = tempfile::tempdir().unwrap();
        std::fs::write(logs.path().join("duet.2026-12-05.log"), "x\n").unwrap();
        let state = signed_in_state();
        let settings = Settings {
            start_at_login: true,
            ..Settings::default()
        };
        let mut log_tail: Vec<String> = (0..250).map(|n| format!("line {n}")).collect();
        log_tail.push(format!("INFO login token={TOKEN} accepted"));
        let text = report(&Facts {
            version: "0.1.0",
            os: "Ubuntu 24.04 (noble) [64-bit]".into(),
            state: &state,
            settings: &settings,
            devices: Ok(Devices {
                cameras: vec![device("/dev/video0", "Integrated Camera")],
                microphones: vec![],
                speakers: vec![device("default", "Speakers")],
            }),
            log_dir: logs.path(),
            log_tail,
            secrets: vec![TOKEN.into()],
        });

        for expected in [
            "App version: 0.1.0",
            "OS: Ubuntu 24.04 (noble) [64-bit] (",
            std::env::consts::ARCH,
            "Account: alice (Alice)",
            "Server: wss://duet.example.com/ws\n",
            "Transport: wss (encrypted)",
            "Status: idle",
            "Connection: reconnecting",
            "\"startAtLogin\": true",
            "Cameras: Integrated Camera (/dev/video0)",
            "Microphones: none",
            "Speakers: Speakers (default)",
            "duet.2026-12-05.log",
            "Last 200 lines:",
            "INFO login token=[redacted] accepted",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} missing from:\n{text}"
            );
        }
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
        assert!(
            !text.contains("hunter2secret"),
            "the password leaked:\n{text}"
        );
        assert!(!text.contains("line 50\n"), "only the last 200 lines");
        assert!(
            text.contains("line 51\n"),
            "the last 200 lines are all there"
        );
    }

    #[test]
    fn a_signed_out_app_without_devices_or_log_still_reports() {
        let logs = tempfile::tempdir().unwrap();
        let state = AppState::signed_out();
        let text = report(&Facts {
            version: "0.1.0",
            os: "Linux".into(),
            state: &state,
            settings: &Settings::default(),
            devices: Err("media: no ALSA".into()),
            log_dir: logs.path(),
            log_tail: Vec::new(),
            secrets: vec!["short".into()],
        });
        assert!(text.contains("Signed out\nStatus: signed out\n"), "{text}");
        assert!(!text.contains("Connection:"), "{text}");
        assert!(text.contains("Not listed: media: no ALSA"), "{text}");
        assert!(text.contains("File: none yet in"), "{text}");
        assert!(text.contains("Last 0 lines:"), "{text}");
    }

    #[test]
    fn a_server_address_loses_its_credentials() {
        assert_eq!(
            server_address("ws://u:p@127.0.0.1:8080/ws?x=1#f"),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(server_address("not a url"), "(not a URL)");
    }
}
