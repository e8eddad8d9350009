//! nertc-call's configuration, plus where to find the server and what this installation is called.

use crate::CallKitError;
use duet_protocol::{AccountId, DeviceId};
use std::path::PathBuf;
use std::time::Duration;

/// nertc-call's `resolution`: the size of the video sent, unless `video_width` and
/// `video_height` are both set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolution {
    /// 320x240.
    Sd,
    /// 640x480.
    #[default]
    Hd,
    /// 1280x720.
    FullHd,
}

/// nertc-call's `audioQuality`: how the microphone is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioQuality {
    /// Speech: Opus in VoIP mode at 32 kbps with discontinuous transmission; with audio
    /// processing on, noise suppression and gain control too.
    Standard,
    /// Music: Opus in audio mode at 96 kbps, full band, always transmitting; no noise
    /// suppression or gain control, which would damage music.
    #[default]
    High,
}

/// Which ICE candidates a call may use (WebRTC's `iceTransportPolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IcePolicy {
    /// Host, server-reflexive and relayed candidates: the most direct path wins.
    #[default]
    All,
    /// Only TURN relay candidates are gathered and sent: the peer never learns this device's
    /// addresses, at the cost of always relaying media (and no media without TURN).
    Relay,
}

/// Everything the SDK needs to log in and place calls (nertc-call's config, Rust-cased).
#[derive(Debug, Clone, PartialEq)]
pub struct CallKitConfig {
    /// The app the account belongs to (nertc-call's `appKey`).
    pub app_key: String,
    /// nertc-call's numeric `uid`: labels this SDK's log lines (the `callkit` span's `uid`);
    /// the account and device identify everything else.
    pub uid: u64,
    /// The login token (nertc-call's `imToken`), printed by `duet-server user add`.
    pub im_token: String,
    /// This user's account.
    pub account: String,
    /// The name callees see on this account's calls (at most 64 characters, no control
    /// characters); empty: the account's nickname on the server.
    pub nick_name: String,
    /// Whether the camera is on when a call starts.
    pub open_camera: bool,
    /// Whether the microphone is on when a call starts.
    pub open_microphone: bool,
    /// The size class of the video sent (captured at, or scaled to, that size).
    pub resolution: Resolution,
    /// How the microphone is encoded.
    pub audio_quality: AudioQuality,
    /// Width of the video sent, in pixels; with `video_height` it replaces the `resolution`
    /// preset (even, 64..=4096). `None`: the preset's.
    pub video_width: Option<u32>,
    /// Height of the video sent, in pixels; see `video_width`.
    pub video_height: Option<u32>,
    /// The lowest video bitrate the sender adapts down to, kbps.
    pub min_bitrate: u32,
    /// The highest (and starting) video bitrate, kbps.
    pub max_bitrate: u32,
    /// Skin whitening of this device's video when the SDK is made, 0..=9; change it later with
    /// `set_whiteness_level`.
    pub whiteness_level: u8,
    /// Skin smoothing of this device's video when the SDK is made, 0..=9; change it later with
    /// `set_beauty_level`.
    pub beauty_level: u8,
    /// Call waiting: while in a call this device is still rung for new calls (INVITED with
    /// [`crate::Invite::waiting`]), instead of the caller hearing busy at once; the app offers
    /// [`crate::CallKit::end_call_and_accept`] or [`crate::CallKit::reject_busy`]. Off by default.
    pub call_waiting: bool,
    /// The safe mode this app expects (call actions carry per-call tokens). The server's app
    /// setting decides; a login whose `login.ok` says otherwise fails with `SafeModeMismatch`.
    pub check_sum: bool,
    /// Logs every signaling frame sent and received at DEBUG under the target
    /// `duet_callkit::wire` ([`crate::WIRE_LOG_TARGET`]), tokens and credentials blanked.
    pub debug: bool,
    /// The signaling server, e.g. `wss://duet.example.com/ws` (`ws://` for loopback or tests).
    pub server_url: String,
    /// Other servers of the same service (nodes sharing its accounts and calls), tried in turn
    /// after `server_url`: the first login tries each until one answers; a lost connection, or
    /// a server that says it is stopping (`server.draining`), moves to the next one at once, then
    /// backs off round the list. Empty (the default): `server_url` alone.
    pub other_server_urls: Vec<String>,
    /// A PEM file of extra certificate authorities trusted for `wss://`, on top of the
    /// operating system's roots (a server whose certificate comes from a private CA).
    pub tls_ca_file: Option<PathBuf>,
    /// Which ICE candidates calls may use.
    pub ice_policy: IcePolicy,
    /// This installation, stable across restarts so that a re-sync finds its calls.
    pub device_id: String,
    /// How long a request may wait for its answer.
    pub request_timeout: Duration,
    /// First reconnect delay; it doubles up to `max_reconnect_delay`, with jitter.
    pub min_reconnect_delay: Duration,
    /// Longest reconnect delay.
    pub max_reconnect_delay: Duration,
}

impl CallKitConfig {
    /// Every server to try, in order: `server_url`, then `other_server_urls`.
    pub fn server_urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.server_url.as_str())
            .chain(self.other_server_urls.iter().map(String::as_str))
    }

    /// nertc-call's defaults for `account` of `app_key` logging in with `im_token` to `server_url`.
    pub fn new(server_url: &str, app_key: &str, account: &str, im_token: &str) -> Self {
        Self {
            app_key: app_key.to_owned(),
            uid: 0,
            im_token: im_token.to_owned(),
            account: account.to_owned(),
            nick_name: String::new(),
            open_camera: true,
            open_microphone: true,
            resolution: Resolution::Hd,
            audio_quality: AudioQuality::High,
            // nertc-call's 360x640 is a phone held upright; a desktop sends the preset's
            // landscape size unless the app asks for another (docs/sdk.md).
            video_width: None,
            video_height: None,
            min_bitrate: 600,
            max_bitrate: 900,
            whiteness_level: 0,
            beauty_level: 0,
            call_waiting: false,
            check_sum: true,
            debug: false,
            server_url: server_url.to_owned(),
            other_server_urls: Vec::new(),
            tls_ca_file: None,
            ice_policy: IcePolicy::All,
            device_id: format!("{account}-{}", uuid::Uuid::new_v4().simple()),
            request_timeout: Duration::from_secs(10),
            min_reconnect_delay: Duration::from_millis(500),
            max_reconnect_delay: Duration::from_secs(30),
        }
    }

    /// Checks every field a person could get wrong, with a sentence saying which and why.
    pub fn validate(&self) -> Result<(AccountId, DeviceId), CallKitError> {
        let bad = |msg: String| Err(CallKitError::InvalidConfig(msg));
        if self.app_key.is_empty() {
            return bad("app_key must not be empty".into());
        }
        if let Some(url) = self
            .server_urls()
            .find(|url| !(url.starts_with("ws://") || url.starts_with("wss://")))
        {
            return bad(format!(
                "server_url and other_server_urls must start with ws:// or wss://, not `{url}`"
            ));
        }
        if self.whiteness_level > 9 || self.beauty_level > 9 {
            return bad("whiteness_level and beauty_level must be within 0..=9".into());
        }
        if let Some(problem) = self.media_problem() {
            return bad(problem);
        }
        if !self.nick_name.is_empty() {
            duet_protocol::check_nick(&self.nick_name)
                .map_err(|e| CallKitError::InvalidConfig(format!("nick_name: {e}")))?;
        }
        if let Some(path) = &self.tls_ca_file {
            crate::tls::read_ca_file(path)?;
        }
        let account = AccountId::new(self.account.clone())
            .map_err(|e| CallKitError::InvalidConfig(format!("account: {e}")))?;
        let device = DeviceId::new(self.device_id.clone())
            .map_err(|e| CallKitError::InvalidConfig(format!("device_id: {e}")))?;
        Ok((account, device))
    }
}
