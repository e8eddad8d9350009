//! `wss://`: which certificates the SDK trusts, and how a certificate it refuses is reported.
//!
//! Trust is the operating system's root store (what `update-ca-certificates` and enterprise
//! policies manage, read by rustls-native-certs) plus an optional extra CA file, for servers
//! whose certificate comes from a private CA. webpki-roots was not chosen: it bakes in a fixed
//! Mozilla list at build time and ignores the CAs an administrator installed on the machine.

use crate::{CallKitError, TlsProblem};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, RootCertStore};
use std::path::Path;
use std::sync::Arc;

/// The certificates of a PEM CA file (one or several `CERTIFICATE` blocks).
pub(crate) fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, CallKitError> {
    let bad = |reason: String| {
        CallKitError::InvalidConfig(format!("tls_ca_file {}: {reason}", path.display()))
    };
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(bad("holds no CERTIFICATE block".into()));
    }
    Ok(certs)
}

/// The TLS client configuration: the system's roots plus `extra_ca`.
pub(crate) fn client_config(
    extra_ca: Option<&Path>,
) -> Result<Arc<rustls::ClientConfig>, CallKitError> {
    let mut roots = RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::debug!(%error, "a system root certificate could not be read");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = extra_ca {
        for cert in read_ca_file(path)? {
            roots.add(cert).map_err(|e| {
                CallKitError::InvalidConfig(format!("tls_ca_file {}: {e}", path.display()))
            })?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        // ring supports every protocol version rustls enables by default.
        .expect("ring supports rustls's default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// `TlsUntrusted` when `error` is a certificate the SDK refused; `None` for any other failure.
pub(crate) fn untrusted(
    url: &str,
    error: &tokio_tungstenite::tungstenite::Error,
) -> Option<CallKitError> {
    let tokio_tungstenite::tungstenite::Error::Io(io) = error else {
        return None;
    };
    let rustls::Error::InvalidCertificate(problem) =
        io.get_ref()?.downcast_ref::<rustls::Error>()?
    else {
        return None;
    };
    let (problem, reason) = describe(problem);
    Some(CallKitError::TlsUntrusted {
        host: host_of(url),
        reason,
        problem,
    })
}

/// What is wrong with the certificate, as a kind and as a sentence.
fn describe(problem: &CertificateError) -> (TlsProblem, String) {
    match problem {
        CertificateError::UnknownIssuer => (
            TlsProblem::UnknownIssuer,
            "it is issued by a certificate authority this device does not trust (give the CA with --ca / tls_ca_file)".into(),
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => (
            TlsProblem::WrongName,
            "it is not valid for this host name".into(),
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            (TlsProblem::Expired, "it has expired".into())
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => (
            TlsProblem::NotYetValid,
            "it is not valid yet (check this machine's clock)".into(),
        ),
        CertificateError::Revoked => (TlsProblem::Revoked, "it has been revoked".into()),
        CertificateError::BadSignature => {
            (TlsProblem::Other, "its signature does not verify".into())
        }
        CertificateError::BadEncoding => (TlsProblem::Other, "it is malformed".into()),
        other => (TlsProblem::Other, format!("{other:?}")),
    }
}

/// The host (and port) of a WebSocket URL, for messages.
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_is_the_authority_of_the_url() {
        assert_eq!(
            host_of("wss://duet.example.com:7443/ws"),
            "duet.example.com:7443"
        );
        assert_eq!(host_of("wss://192.0.2.10/ws"), "192.0.2.10");
    }

    #[test]
    fn a_ca_file_without_certificates_is_a_configuration_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let error = client_config(Some(&path)).unwrap_err();
        assert!(
            matches!(&error, CallKitError::InvalidConfig(m) if m.contains("ca.pem")),
            "{error}"
        );
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            client_config(Some(&missing)),
            Err(CallKitError::InvalidConfig(_))
        ));
    }
}
