#![forbid(unsafe_code)]
#![warn(missing_docs)]
//! Duet's desktop app: the Tauri 2 backend. It owns the SDK ([`duet_callkit`]), media and
//! filters ([`duet_call_media`]) and, with no server configured, an embedded signaling server
//! ([`duet_server`]) with an echo contact. The page (`ui/`) renders; docs/app-interface.md is
//! the contract between the two.
//!
//! One folder per job, each readable alone:
//! - [`backend`]: the app's core without Tauri: sign-in, the SDK, the state the page renders,
//!   the embedded server and its echo contact;
//! - [`media`]: the media engine of calls, the sources a user or a test picks, the settings preview;
//! - [`frames`]: the loopback WebSocket that carries decoded video to the page;
//! - [`store`]: what persists on disk: settings, credentials, imported CA files;
//! - `shell`: the only Tauri code: windows, tray, popup, deep links, the page's commands.

pub mod backend;
pub mod error;
pub mod frames;
pub mod media;
mod shell;
pub mod store;

pub use shell::run;
