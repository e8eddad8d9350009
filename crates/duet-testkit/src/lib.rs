#![forbid(unsafe_code)]
//! What Duet's tests share, so that each test says only what it checks:
//!
//! - [`wait`]: waiting for a condition or a message with a deadline; a missed deadline panics
//!   naming what was awaited. Deadlines guard against a hung test, they never time anything.
//! - [`server`]: the real `duet-server` in-process on 127.0.0.1 port 0 with a fresh SQLite file,
//!   and accounts with login tokens on it.
//! - [`sdk`]: SDK clients logged in to such a server, and waiting for their events by name.
//! - [`raw`]: a client that speaks the documented JSON protocol over a plain WebSocket.
//! - [`postgres`]: a private PostgreSQL server in a temporary directory, and fresh databases on it.
//! - [`tls`]: a test certificate authority and the certificates it issues, as PEM files.
//! - [`redis`]: a throwaway Redis for the cluster's bus.
//! - [`pulse`]: a private PulseAudio daemon with virtual microphones and speakers.

pub mod postgres;
pub mod pulse;
pub mod raw;
pub mod redis;
pub mod sdk;
pub mod server;
pub mod tls;
pub mod wait;

pub use postgres::TempPostgres;
pub use pulse::{humming_microphone, TempPulse};
pub use raw::RawPeer;
pub use redis::TempRedis;
pub use sdk::{
    answered_call, client, client_with, invited, next_event, record_status, wait_for_event,
    wait_for_event_where, Events,
};
pub use server::{
    add_user, add_user_named, make_contacts, server_config, start_server, start_server_with,
    APP_KEY,
};
pub use tls::TestCa;
pub use wait::{
    blocking_wait_for, next_matching, poll_until, recv_matching, wait_for, wait_for_within,
    HANG_GUARD,
};
