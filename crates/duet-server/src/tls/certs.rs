//! The server's certificate and key: loaded from PEM files, swapped atomically when the files
//! change or on SIGHUP, so a renewed certificate is served without a restart. Connections
//! already open keep the session they have; only new handshakes see the new pair.

use super::TlsError;
use crate::config::TlsFiles;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

/// How often the files' modification times are checked.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The pair new handshakes are served with.
#[derive(Debug)]
pub(crate) struct CertStore {
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    /// Loads the pair, failing if either file is unusable.
    pub(crate) fn load(files: &TlsFiles) -> Result<Arc<Self>, TlsError> {
        Ok(Arc::new(Self {
            current: RwLock::new(Arc::new(load_pair(files)?)),
        }))
    }

    /// Reloads the pair; on error the old one stays in service.
    pub(crate) fn reload(&self, files: &TlsFiles) -> Result<(), TlsError> {
        let pair = Arc::new(load_pair(files)?);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = pair;
        Ok(())
    }

    /// A rustls server configuration that always serves the current pair.
    pub(crate) fn server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // ring supports every protocol version rustls enables by default.
        let builder = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports rustls's default protocol versions");
        let mut config = builder
            .with_no_client_auth()
            .with_cert_resolver(self.clone() as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clone(),
        )
    }
}

fn load_pair(files: &TlsFiles) -> Result<CertifiedKey, TlsError> {
    let certs = read_certs(&files.cert)?;
    let key = read_key(&files.key)?;
    let pair_error = |reason: String| TlsError::Pair {
        cert: files.cert.display().to_string(),
        key: files.key.display().to_string(),
        reason,
    };
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key)
        .map_err(|e| pair_error(e.to_string()))?;
    let pair = CertifiedKey::new(certs, signing_key);
    // A renewal that has replaced one file but not yet the other must not be served.
    pair.keys_match().map_err(|e| pair_error(e.to_string()))?;
    Ok(pair)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem_error = |reason: String| TlsError::Pem {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_slice_iter(&read(path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(format!("not a PEM certificate chain: {e}")))?;
    if certs.is_empty() {
        return Err(pem_error("no CERTIFICATE block".into()));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(&read(path)?).map_err(|e| TlsError::Pem {
        path: path.display().to_string(),
        reason: format!("no usable PRIVATE KEY block: {e}"),
    })
}

fn modified(files: &TlsFiles) -> Option<(SystemTime, SystemTime)> {
    let time = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Some((time(&files.cert)?, time(&files.key)?))
}

/// Reloads `store` whenever either file's modification time changes (polled), or on SIGHUP,
/// until `stop` is cancelled. A pair that fails to load is logged and retried at the next change.
pub(crate) async fn watch_for_changes(
    store: Arc<CertStore>,
    files: TlsFiles,
    stop: CancellationToken,
) {
    let mut seen = modified(&files);
    let mut hangups = hangup_signals();
    let mut poll = tokio::time::interval(POLL_INTERVAL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let forced = tokio::select! {
            _ = stop.cancelled() => return,
            _ = poll.tick() => false,
            _ = next_hangup(&mut hangups) => true,
        };
        let now = modified(&files);
        if !forced && now == seen {
            continue;
        }
        match store.reload(&files) {
            Ok(()) => {
                seen = now;
                tracing::info!(cert = %files.cert.display(), forced, "TLS certificate reloaded");
            }
            Err(error) => {
                // Remember this state only if it was a deliberate reload, so a half-written
                // renewal is tried again once the second file lands.
                if forced {
                    seen = now;
                }
                tracing::warn!(%error, "TLS certificate not reloaded; the previous one stays in use");
            }
        }
    }
}

#[cfg(unix)]
type Hangups = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangups = ();

#[cfg(unix)]
fn hangup_signals() -> Hangups {
    use tokio::signal::unix::{signal, SignalKind};
    signal(SignalKind::hangup())
        .inspect_err(|error| tracing::warn!(%error, "SIGHUP will not reload the certificate"))
        .ok()
}

#[cfg(not(unix))]
fn hangup_signals() -> Hangups {}

#[cfg(unix)]
async fn next_hangup(hangups: &mut Hangups) {
    match hangups {
        Some(signal) => {
            if signal.recv().await.is_none() {
                // The signal stream ended; only file changes reload from now on.
                *hangups = None;
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangups) {
    std::future::pending().await
}
