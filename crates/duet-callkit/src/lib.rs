#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! Duet's call SDK: nertc-call's API as async Rust.
//!
//! One tokio task owns the WebSocket and the client mirror ([`duet_call::client::ClientMirror`]):
//! it logs in, pings every `heartbeat_ms`, relays media negotiation, and on a lost connection
//! emits `onDisconnect`, reconnects with exponential backoff and jitter, logs in again and
//! converges to the server's `resync`. [`CallKit`] is a cheap handle that sends it commands.
//!
//! ```no_run
//! # async fn demo() -> Result<(), duet_callkit::CallKitError> {
//! use duet_callkit::{CallKit, CallKitConfig, CallParams, CallType};
//! let kit = CallKit::new(CallKitConfig::new("ws://127.0.0.1:7420/ws", "demo", "alice", "dt1..."))?;
//! kit.login().await?;
//! let call_id = kit.call(CallParams::new("bob", CallType::Video)).await?;
//! # let _ = call_id; Ok(()) }
//! ```

mod accounts;
mod backoff;
mod client;
mod clock;
mod config;
mod devices;
mod driver;
mod error;
mod event_name;
mod events;
mod media;
mod profile;
mod tls;
mod wire_log;

pub use accounts::{
    app_info, password_login, register, server_url, AccountServer, AppInfo, IssuedToken, NewAccount,
};
pub use backoff::reconnect_delay;
pub use client::{CallKit, CallParams, HistoryPage, MAX_BEAUTY_LEVEL, MAX_CALL_TIMEOUT};
pub use config::{AudioQuality, CallKitConfig, IcePolicy, Resolution};
pub use devices::{DeviceKind, MediaChoices, MediaDevice};
pub use duet_call::client::{
    CallMedia, CallState, CurrentCall, Invite, MediaStats, NetworkQuality, Role, ServerError,
    Session,
};
pub use duet_protocol::{
    CallId, CallRecord, CallStatus, CallType, Contact, ContactPolicy, ContactState, EndReason,
    ErrorCode, IceServer, Password, Presence, Registration, UserSummary, VideoOffReason,
};
pub use error::{CallKitError, EndAndAcceptStep, TlsProblem};
pub use event_name::{EventName, UnknownEventName};
pub use events::{Handler, HandlerId, Off};
pub use media::{MediaCallInfo, MediaEngine, MediaEvents, MediaSession, NoMedia, ShareTargetInfo};
pub use profile::MediaProfile;
pub use wire_log::TARGET as WIRE_LOG_TARGET;

/// An SDK event; [`CallEvent::name`] is nertc-call's event name (`INVITED`, `CALL_END`, ...).
pub type CallEvent = duet_call::client::ClientEvent;
