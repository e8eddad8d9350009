//! The command line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::time::Duration;

/// A headless Duet client: every SDK event is one JSON line on stdout, diagnostics go to stderr,
/// and the exit code tells the call's outcome (see docs/cli.md).
#[derive(Debug, Parser)]
#[command(name = "duet-cli", version)]
pub struct Cli {
    #[command(flatten)]
    pub login: LoginArgs,
    #[command(flatten)]
    pub media: crate::media::MediaArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// How to reach the server and who to be.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The signaling server: an address as people write it (`duet.example.com`, `host:port`;
    /// `wss://` is assumed and `/ws` added) or a full `ws://` / `wss://` URL. Repeat it for the
    /// other servers of the same service: the session moves to the next one when its server is
    /// lost or stops (`register` and `--password-stdin` use the first).
    #[arg(
        long,
        env = "DUET_SERVER",
        default_value = "ws://127.0.0.1:7420/ws",
        global = true
    )]
    pub server: Vec<String>,
    /// The app (nertc-call's appKey); with `--password-stdin` or `register` it may be left out
    /// for the server's default app.
    #[arg(long, env = "DUET_APP_KEY", global = true)]
    pub app_key: Option<String>,
    /// The account to log in as.
    #[arg(long, env = "DUET_ACCOUNT", global = true)]
    pub account: Option<String>,
    /// The login token printed by `duet-server user add` (or `duet-cli register`).
    #[arg(long, env = "DUET_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Log in with the account's password, read from the first line of standard input, instead
    /// of `--token`; `register` reads the new account's password this way too.
    #[arg(long, global = true, conflicts_with = "token")]
    pub password_stdin: bool,
    /// This device's id (default `<account>-cli`); give each concurrent client of an account its own.
    #[arg(long, env = "DUET_DEVICE", global = true)]
    pub device: Option<String>,
    /// A PEM file of extra certificate authorities to trust for wss:// (besides the system's).
    #[arg(long, env = "DUET_CA", global = true)]
    pub ca: Option<std::path::PathBuf>,
    /// Which ICE candidates calls may use: all, or relay (TURN only; hides this machine's addresses).
    #[arg(long, value_enum, default_value_t = IcePolicyArg::All, global = true)]
    pub ice_policy: IcePolicyArg,
    /// The video bitrate floor in kbit/s (nertc-call's `minBitrate`; default 600): the encoder
    /// never goes under it while video is sent.
    #[arg(long, global = true)]
    pub min_bitrate: Option<u32>,
    /// The video bitrate ceiling in kbit/s (nertc-call's `maxBitrate`; default 900).
    #[arg(long, global = true)]
    pub max_bitrate: Option<u32>,
    /// The size of the video sent (nertc-call's `resolution`): sd 320x240, hd 640x480,
    /// full-hd 1280x720.
    #[arg(long, value_enum, default_value_t = ResolutionArg::Hd, global = true)]
    pub resolution: ResolutionArg,
    /// How the sent audio is coded (nertc-call's `audioQuality`): high, music coding (Opus audio
    /// mode, 96 kbit/s); standard, speech coding (Opus VoIP mode, 32 kbit/s).
    #[arg(long, value_enum, default_value_t = AudioQualityArg::High, global = true)]
    pub audio_quality: AudioQualityArg,
    /// Print every signaling frame on stderr, tokens blanked (nertc-call's `debug`).
    #[arg(long, global = true)]
    pub debug: bool,
}

/// `--resolution`: nertc-call's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ResolutionArg {
    Sd,
    Hd,
    FullHd,
}

/// `--audio-quality`: nertc-call's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AudioQualityArg {
    Standard,
    High,
}

/// `--ice-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IcePolicyArg {
    All,
    Relay,
}

/// What to do once logged in.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call an account and wait for the call's record.
    Call {
        /// The callee's account.
        callee: String,
        /// Audio or video.
        #[arg(long = "type", value_enum, default_value_t = CallKind::Video)]
        call_type: CallKind,
        /// Hang up this long after the callee answers (default: wait for the peer to hang up).
        #[arg(long, value_parser = parse_duration)]
        hangup_after: Option<Duration>,
        /// Cancel the call this long after placing it, if it still rings.
        #[arg(long, value_parser = parse_duration)]
        cancel_after: Option<Duration>,
        /// How long it rings before CALLING_TIMEOUT (at most 120s).
        #[arg(long, value_parser = parse_call_timeout, default_value = "30s")]
        timeout: Duration,
        /// Opaque JSON delivered to the callee.
        #[arg(long)]
        attachment: Option<String>,
    },
    /// Wait for calls and answer them automatically.
    Listen {
        /// What to do with each incoming call.
        #[arg(long, value_enum, default_value_t = Auto::Ignore)]
        auto: Auto,
        /// Wait this long before answering.
        #[arg(long, value_parser = parse_duration)]
        after: Option<Duration>,
        /// Hang up this long after answering.
        #[arg(long, value_parser = parse_duration)]
        hangup_after: Option<Duration>,
        /// Exit after this many calls ended here; otherwise run until Ctrl-C.
        #[arg(long)]
        count: Option<u32>,
        /// Answer video calls as audio.
        #[arg(long)]
        audio_only: bool,
        /// Answer the peer's requests to switch the call type (audio to video); by default they
        /// are left unanswered.
        #[arg(long, value_enum)]
        switch: Option<SwitchAnswer>,
    },
    /// Print call records, newest first.
    History {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print the contact list (each entry with its state), or change it.
    Contacts {
        #[command(subcommand)]
        change: Option<ContactChange>,
    },
    /// Find accounts by account or nickname.
    Search { query: String },
    /// Create `--account` with the password on standard input (`--password-stdin`), on a server
    /// whose registration is open (or invite, with `--code`); print its login token and exit.
    Register {
        /// Display name (default: the account).
        #[arg(long)]
        nick: Option<String>,
        /// The invite code, when the server asks for one. Codes are base64url, so one in 64
        /// starts with `-`: taken as the value, not as another flag.
        #[arg(long, allow_hyphen_values = true)]
        code: Option<String>,
    },
}

/// A change to the contact list.
#[derive(Debug, Subcommand)]
pub enum ContactChange {
    // Named `contact`, not `account`: an `account` here would be the global `--account` (clap
    // merges arguments by id), so `--account alice contacts add bob` would log in as bob.
    /// Ask an account to become a contact (or accept its request, if it asked first).
    Add {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
    /// Accept an account's pending request.
    Accept {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
    /// Drop an account's pending request without telling it.
    Ignore {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
    /// End the contact on both sides, or withdraw a request.
    Remove {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
    /// Block an account: no requests, calls (it hears busy), presence or directory entry.
    Block {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
    /// Lift a block (the contact is not restored).
    Unblock {
        #[arg(value_name = "ACCOUNT")]
        contact: String,
    },
}

/// The call type on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CallKind {
    Audio,
    Video,
}

/// How `listen` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Auto {
    Accept,
    Reject,
    Busy,
    Ignore,
}

/// How `listen --switch` answers the peer's request to switch the call type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SwitchAnswer {
    Accept,
    Decline,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("`{text}` is not a duration like 5s or 1500ms: {e}"))
}

/// A ring time within nertc-call's limit of 120 s.
fn parse_call_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout.is_zero() || timeout > duet_callkit::MAX_CALL_TIMEOUT {
        return Err(format!(
            "the call timeout must be above 0 and at most 120s, not {text}"
        ));
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contact_to_add_is_not_the_login_account() {
        let cli = Cli::try_parse_from(["duet-cli", "--account", "alice", "contacts", "add", "bob"])
            .unwrap();
        assert_eq!(cli.login.account.as_deref(), Some("alice"));
        match cli.command {
            Command::Contacts {
                change: Some(ContactChange::Add { contact }),
            } => assert_eq!(contact, "bob"),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn an_invite_code_that_starts_with_a_hyphen_is_the_code() {
        let cli = Cli::try_parse_from([
            "duet-cli",
            "--account",
            "carol",
            "register",
            "--code",
            "-6Qx_yZ",
            "--nick",
            "Carol",
        ])
        .unwrap();
        match cli.command {
            Command::Register { code, nick } => {
                assert_eq!(code.as_deref(), Some("-6Qx_yZ"));
                assert_eq!(nick.as_deref(), Some("Carol"));
            }
            other => panic!("parsed as {other:?}"),
        }
    }
}
