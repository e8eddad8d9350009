#![forbid(unsafe_code)]
//! Duet's signaling server: WebSocket sessions, apps and accounts, presence, call routing through
//! [`duet_call::Switchboard`], and call records in SQLite.
//!
//! Shape: a task per connection ([`connection`]), one hub task per app that owns the app's
//! switchboard ([`hub`]), and one writer task that batches record and live-call changes into
//! transactions ([`store::writer`]). Start it with [`start`]; administer it with [`Admin`].

mod admin;
mod admission;
mod clock;
mod cluster;
pub mod config;
mod connection;
mod contacts;
mod error;
mod guarded_io;
mod health;
mod hub;
mod known_accounts;
pub mod login_token;
mod metrics;
mod origin;
pub mod passwords;
mod rate_limit;
mod retention;
mod revocation_watch;
mod server;
pub mod store;
mod tls;
pub mod turn_credentials;

pub use admin::{Admin, IssuedToken};
pub use clock::wall_now_ms;
pub use cluster::BusError;
pub use config::{
    AccountSettings, CallSettings, ClusterSettings, Limits, Retention, ServerConfig, TlsFiles,
    TurnSettings, DEFAULT_PORT,
};
pub use error::{AdminError, ServerError};
pub use server::{start, start_with_store, RunningServer};
pub use store::{App, PostgresStore, SqliteStore, Store, StoreError};
pub use tls::TlsError;
