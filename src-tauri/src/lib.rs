#![warn(missing_docs)]
//! Duet's desktop app: the Tauri 2 backend. It owns the SDK ([`duet_callkit`]), media and
//! filters ([`duet_call_media`]) and, with no server configured, an embedded signaling server
//! ([`duet_server`]) with an echo contact. The page (`ui/`) renders; docs/app-interface.md is
//! the contract between the two.

mod app;
pub mod backend;
pub mod ca_files;
mod commands;
pub mod credentials;
pub mod deep_link;
pub mod echo;
pub mod embedded;
pub mod engine;
pub mod error;
pub mod files;
pub mod frames;
pub mod locale;
pub mod media_sources;
pub mod mic_meter;
pub mod preview;
pub mod published;
pub mod records;
pub mod settings;
pub mod sign_in_form;
pub mod transport;
pub mod tray_text;
pub mod ui;
pub mod view;
pub mod webkit_painting;

pub use app::run;
