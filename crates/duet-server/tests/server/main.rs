//! The real server on 127.0.0.1 (port 0) with a temporary SQLite file, driven by real WebSocket
//! clients speaking the wire protocol; the store's own tests (and a restart) also on PostgreSQL.

mod backends;
mod bad_input;
mod calls;
mod cluster;
mod cluster_database;
mod cluster_kill;
mod cluster_rolling;
mod contact_requests;
mod contacts;
mod doc_examples;
mod failing_store;
mod hardening;
mod heartbeat;
mod login;
mod operations;
mod real_binary;
mod registration;
mod restart;
mod roaming;
mod session;
mod store;
mod support;
mod tls;
mod turn;
