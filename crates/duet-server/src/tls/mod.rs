//! TLS on the WebSocket port: the certificate pair, reloaded while the server runs
//! ([`certs`]), and a listener whose connections are already through their handshake
//! ([`listener`]).

mod certs;
mod listener;

pub(crate) use certs::{watch_for_changes, CertStore};
pub(crate) use listener::TlsListener;

/// Why the TLS certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// A file holds no usable PEM item of the kind expected.
    #[error("{path}: {reason}")]
    Pem { path: String, reason: String },
    /// rustls refused the pair (unsupported key type, or a key that does not match the certificate).
    #[error("certificate {cert} with key {key}: {reason}")]
    Pair {
        cert: String,
        key: String,
        reason: String,
    },
}
