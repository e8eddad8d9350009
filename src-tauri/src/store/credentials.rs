//! The last sign-in, and its token: in the OS keyring (Secret Service) where one answers, else
//! in a file only the user can read.

use crate::error::{AppError, AppResult};
use crate::store::files::{write_atomically, AppDirs};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the sign-in form remembers (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct LastSignIn {
    /// `wss://host:port/ws` (or `ws://` on loopback, or with `insecure`).
    pub server: String,
    /// The app the account belongs to.
    pub app_key: String,
    /// The account.
    pub account: String,
    /// An extra CA (PEM) trusted for this server's certificate, on top of the system's roots.
    // Files written before it existed have none.
    #[serde(default)]
    #[cfg_attr(test, ts(type = "string | null"))]
    pub tls_ca_file: Option<PathBuf>,
    /// The user allowed plain `ws://` to a host off this machine ("Insecure, for testing").
    #[serde(default)]
    pub insecure: bool,
}

impl LastSignIn {
    /// The keyring entry's user name: one token per server, app and account.
    fn key(&self) -> String {
        format!("{}/{}@{}", self.app_key, self.account, self.server)
    }
}

/// Reads and writes the last sign-in and its token.
#[derive(Debug, Clone)]
pub struct Credentials {
    dirs: AppDirs,
}

const KEYRING_SERVICE: &str = "app.duet.desktop";

impl Credentials {
    /// Credentials stored under `dirs`.
    pub fn new(dirs: AppDirs) -> Self {
        Self { dirs }
    }

    /// The remembered sign-in, if any (an unreadable file counts as none).
    pub fn last(&self) -> Option<LastSignIn> {
        let text = std::fs::read_to_string(self.dirs.last_sign_in()).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The remembered sign-in with its token, if both are there.
    pub fn last_with_token(&self) -> Option<(LastSignIn, String)> {
        let last = self.last()?;
        let token = self.token(&last)?;
        Some((last, token))
    }

    /// Remembers `sign_in` and its token.
    pub fn remember(&self, sign_in: &LastSignIn, token: &str) -> AppResult<()> {
        self.remember_choice(sign_in)?;
        match keyring::Entry::new(KEYRING_SERVICE, &sign_in.key())
            .and_then(|e| e.set_password(token))
        {
            Ok(()) => {
                // A token that moved into the keyring must not linger in the file.
                self.edit_fallback(|tokens| {
                    tokens.remove(&sign_in.key());
                })
            }
            Err(error) => {
                tracing::info!(%error, "no OS keyring; the token goes to a file only you can read");
                self.edit_fallback(|tokens| {
                    tokens.insert(sign_in.key(), token.to_owned());
                })
            }
        }
    }

    /// Remembers `sign_in` without a token (the embedded server mints one at every start).
    pub fn remember_choice(&self, sign_in: &LastSignIn) -> AppResult<()> {
        // Only a CA path that is not UTF-8 can fail to serialize.
        let text = serde_json::to_vec_pretty(sign_in)
            .map_err(|e| AppError::Invalid(format!("the sign-in cannot be remembered: {e}")))?;
        write_atomically(&self.dirs.last_sign_in(), &text)
    }

    /// Forgets the token of `sign_in` (signing out); the form still remembers server and account.
    pub fn forget_token(&self, sign_in: &LastSignIn) -> AppResult<()> {
        if let Ok(entry) = keyring::Entry::new(KEYRING_SERVICE, &sign_in.key()) {
            let _ = entry.delete_credential();
        }
        self.edit_fallback(|tokens| {
            tokens.remove(&sign_in.key());
        })
    }

    fn token(&self, sign_in: &LastSignIn) -> Option<String> {
        let from_keyring = keyring::Entry::new(KEYRING_SERVICE, &sign_in.key())
            .and_then(|e| e.get_password())
            .ok();
        from_keyring.or_else(|| self.read_fallback().remove(&sign_in.key()))
    }

    fn read_fallback(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(self.dirs.token_fallback())
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    fn edit_fallback(&self, edit: impl FnOnce(&mut BTreeMap<String, String>)) -> AppResult<()> {
        let mut tokens = self.read_fallback();
        let before = tokens.clone();
        edit(&mut tokens);
        if tokens == before {
            return Ok(());
        }
        // A map of strings always serializes.
        let text = serde_json::to_vec(&tokens).expect("tokens serialize");
        write_atomically(&self.dirs.token_fallback(), &text).map_err(|e| match e {
            AppError::Io { what, source } => AppError::Io {
                what: format!("saving the token ({what})"),
                source,
            },
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_sign_in_and_its_token_and_forgets_the_token_on_sign_out() {
        let home = tempfile::tempdir().unwrap();
        let dirs = AppDirs::create(home.path().join("config"), home.path().join("data")).unwrap();
        let credentials = Credentials::new(dirs);
        assert_eq!(credentials.last(), None);
        let sign_in = LastSignIn {
            server: "ws://127.0.0.1:9/ws".into(),
            app_key: "demo".into(),
            account: "alice".into(),
            ..LastSignIn::default()
        };
        credentials.remember(&sign_in, "dt1.secret").unwrap();
        assert_eq!(
            credentials.last_with_token(),
            Some((sign_in.clone(), "dt1.secret".to_owned()))
        );
        credentials.forget_token(&sign_in).unwrap();
        assert_eq!(credentials.last(), Some(sign_in));
        assert_eq!(credentials.last_with_token(), None);
    }

    #[test]
    fn the_server_settings_round_trip_with_their_ca_file_and_insecure_choice() {
        let home = tempfile::tempdir().unwrap();
        let dirs = AppDirs::create(home.path().join("config"), home.path().join("data")).unwrap();
        let credentials = Credentials::new(dirs.clone());
        let sign_in = LastSignIn {
            server: "wss://duet.example.com:7443/ws".into(),
            app_key: "demo".into(),
            account: "alice".into(),
            tls_ca_file: Some(home.path().join("config/ca/0123/lab-ca.pem")),
            insecure: true,
        };
        credentials.remember(&sign_in, "dt1.secret").unwrap();
        assert_eq!(credentials.last(), Some(sign_in.clone()));
        let text = std::fs::read_to_string(dirs.last_sign_in()).unwrap();
        assert!(
            text.contains("\"tlsCaFile\"") && text.contains("\"insecure\": true"),
            "{text}"
        );
    }

    #[test]
    fn a_sign_in_remembered_before_tls_settings_existed_still_loads() {
        let home = tempfile::tempdir().unwrap();
        let dirs = AppDirs::create(home.path().join("config"), home.path().join("data")).unwrap();
        std::fs::write(
            dirs.last_sign_in(),
            r#"{"server":"ws://127.0.0.1:9/ws","appKey":"demo","account":"alice"}"#,
        )
        .unwrap();
        let last = Credentials::new(dirs).last().unwrap();
        assert_eq!(last.tls_ca_file, None);
        assert!(!last.insecure);
    }
}
