//! Where the app keeps its files, and writing them without leaving half a file behind.

use crate::error::{AppError, AppResult};
use std::path::{Path, PathBuf};

/// The app's directories: `~/.config/app.duet.desktop` and `~/.local/share/app.duet.desktop`
/// (from Tauri's path resolver, so they follow XDG variables and HOME).
#[derive(Debug, Clone)]
pub struct AppDirs {
    /// Settings, last sign-in, device id, token fallback.
    pub config: PathBuf,
    /// The embedded server's database.
    pub data: PathBuf,
}

/// Creates `dir` and its parents if missing, readable by the user only (0700 on Unix).
pub fn create_private_dir(dir: &Path) -> AppResult<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| AppError::io(format!("creating {}", dir.display()), e))
}

impl AppDirs {
    /// Creates both directories if needed.
    pub fn create(config: PathBuf, data: PathBuf) -> AppResult<Self> {
        for dir in [&config, &data] {
            // Private: they hold the embedded server's database with its token secrets, the
            // remembered sign-in and, without a keyring, the token file.
            create_private_dir(dir)?;
        }
        Ok(Self { config, data })
    }

    /// The settings file.
    pub fn settings(&self) -> PathBuf {
        self.config.join("settings.json")
    }

    /// The last sign-in (server, appKey, account; never the token).
    pub fn last_sign_in(&self) -> PathBuf {
        self.config.join("last-sign-in.json")
    }

    /// Tokens, when no OS keyring is reachable (mode 0600).
    pub fn token_fallback(&self) -> PathBuf {
        self.config.join("tokens.json")
    }

    /// This installation's device id, kept so a restart resumes the same device.
    pub fn device_id(&self) -> PathBuf {
        self.config.join("device-id")
    }

    /// How far each account's call history was seen (see `history_seen`).
    pub fn history_seen(&self) -> PathBuf {
        self.config.join("history-seen.json")
    }

    /// Copies of the extra CA certificates chosen at sign-in (see `ca_files`).
    pub fn ca_dir(&self) -> PathBuf {
        self.config.join("ca")
    }

    /// The embedded server's SQLite database.
    pub fn embedded_database(&self) -> PathBuf {
        self.data.join("embedded-server.sqlite")
    }

    /// The log files, one a day (see `log_file`): `~/.local/share/app.duet.desktop/logs`.
    pub fn logs(&self) -> PathBuf {
        self.data.join("logs")
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .map_err(|e| AppError::io(format!("writing {}", tmp.display()), e))?;
    restrict_to_owner(&tmp)?;
    std::fs::rename(&tmp, path)
        .map_err(|e| AppError::io(format!("replacing {}", path.display()), e))
}

/// Everything the app writes is the user's own: settings, accounts, tokens.
fn restrict_to_owner(path: &Path) -> AppResult<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| AppError::io(format!("restricting {}", path.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn finding_5_the_app_directories_are_private_to_the_user() {
        let root = tempfile::tempdir().unwrap();
        let (config, data) = (root.path().join("a/config"), root.path().join("b/data"));
        AppDirs::create(config.clone(), data.clone()).unwrap();
        for dir in [config, data] {
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o700, "{}", dir.display());
        }
    }
}
