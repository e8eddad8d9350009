//! Extra CA certificates the user chose in the sign-in form, kept in the app's own directory.
//!
//! The page's file choice hands over the file's text, not its path (a webview never learns
//! paths), so the app keeps a copy and the SDK gets that copy's path as `tls_ca_file`. A copy
//! also keeps signing in at the next start working when the original is moved. Each copy lives
//! in a directory named after a hash of its content, under the file name the user chose (which
//! the form shows): choosing another file never overwrites the one a running session or the
//! remembered sign-in uses.

use crate::error::{AppError, AppResult};
use crate::store::files::write_atomically;
use std::path::{Path, PathBuf};

/// A CA bundle is a few certificates; anything this large is not one.
const MAX_PEM_BYTES: usize = 1024 * 1024;

/// Keeps `pem` (chosen as `file_name`) under `ca_dir` and returns the copy's path.
pub fn import(ca_dir: &Path, file_name: &str, pem: &str) -> AppResult<PathBuf> {
    if pem.len() > MAX_PEM_BYTES {
        return Err(AppError::Invalid(format!(
            "{file_name} is larger than {MAX_PEM_BYTES} bytes: not a CA certificate file"
        )));
    }
    // The SDK parses the certificates at sign-in; this only turns away a wrong file early.
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(AppError::Invalid(format!(
            "{file_name} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        )));
    }
    let dir = ca_dir.join(format!("{:016x}", fnv1a(pem.as_bytes())));
    std::fs::create_dir_all(&dir)
        .map_err(|e| AppError::io(format!("creating {}", dir.display()), e))?;
    let path = dir.join(safe_file_name(file_name));
    write_atomically(&path, pem.as_bytes())?;
    Ok(path)
}

/// Names a directory by content; not a security boundary (the user picks every file), only a
/// way for two different files never to share a path.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The chosen file's name without any directory part or characters a file name should not
/// carry; `ca.pem` when nothing is left.
fn safe_file_name(chosen: &str) -> String {
    let base = chosen.rsplit(['/', '\\']).next().unwrap_or(chosen);
    let cleaned: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        "ca.pem".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_chosen_file_is_kept_under_its_name_and_different_files_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let first = import(dir.path(), "my lab CA.pem", PEM).unwrap();
        assert_eq!(first.file_name().unwrap(), "my_lab_CA.pem");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), PEM);
        let again = import(dir.path(), "my lab CA.pem", PEM).unwrap();
        assert_eq!(again, first);
        let other_pem = PEM.replace("MIIB", "MIIC");
        let other = import(dir.path(), "my lab CA.pem", &other_pem).unwrap();
        assert_ne!(other, first);
        assert_eq!(std::fs::read_to_string(&first).unwrap(), PEM);
    }

    #[test]
    fn a_file_without_a_certificate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let error = import(dir.path(), "key.pem", "-----BEGIN PRIVATE KEY-----\n").unwrap_err();
        assert!(matches!(error, AppError::Invalid(ref m) if m.contains("key.pem")));
    }

    #[test]
    fn file_names_cannot_leave_the_directory() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\x\\ca.crt"), "ca.crt");
        assert_eq!(safe_file_name(".."), "ca.pem");
        assert_eq!(safe_file_name(""), "ca.pem");
    }
}
