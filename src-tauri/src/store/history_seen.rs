//! How far each account's call history has been looked at on this device: the end time (server
//! clock, ms) of the newest record the History screen showed. Calls that ended after it are news;
//! the missed ones among them are counted when the account signs in (see `backend::missed_calls`).
//! One small JSON file, `{ "<server>|<appKey>|<account>": ms }`, apart from the settings the page
//! edits so saving the settings screen never moves it.

use crate::error::AppResult;
use crate::store::files::write_atomically;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// The "history seen up to" marks, one per account and server.
#[derive(Debug)]
pub struct HistorySeen {
    path: PathBuf,
    // Read once; written through on every change (one app instance writes this file).
    marks: Mutex<BTreeMap<String, u64>>,
}

/// The key of one account on one server (`server` is `embedded` for the embedded one, whose port
/// changes between runs).
pub fn key(server: &str, app_key: &str, account: &str) -> String {
    format!("{server}|{app_key}|{account}")
}

impl HistorySeen {
    /// Reads the file at `path`; a missing or unreadable one starts empty (the worst outcome is
    /// that older missed calls are not announced again).
    pub fn load(path: PathBuf) -> Self {
        let marks = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|error| {
                tracing::warn!(path = %path.display(), %error, "history marks unreadable; starting over");
                BTreeMap::new()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(error) => {
                tracing::warn!(path = %path.display(), %error, "history marks unreadable; starting over");
                BTreeMap::new()
            }
        };
        Self {
            path,
            marks: Mutex::new(marks),
        }
    }

    /// The mark of `key`; `None` when this account never signed in here.
    pub fn get(&self, key: &str) -> Option<u64> {
        self.lock().get(key).copied()
    }

    /// Moves the mark of `key` to `ended_at_ms`, never back (a history page fetched before a newer
    /// one was seen must not make old calls news again); saves when it changed.
    pub fn advance(&self, key: &str, ended_at_ms: u64) -> AppResult<()> {
        let mut marks = self.lock();
        match marks.get(key) {
            Some(&mark) if mark >= ended_at_ms => return Ok(()),
            _ => {}
        }
        marks.insert(key.to_owned(), ended_at_ms);
        // A map of strings to numbers always serializes.
        let text = serde_json::to_string_pretty(&*marks).expect("history marks serialize");
        write_atomically(&self.path, text.as_bytes())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        // Every change is one insert: a panic cannot leave the map half-updated.
        self.marks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_move_forward_only_and_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history-seen.json");
        let seen = HistorySeen::load(path.clone());
        let alice = key("wss://duet.example/ws", "demo", "alice");
        assert_eq!(seen.get(&alice), None);
        seen.advance(&alice, 0).unwrap();
        assert_eq!(seen.get(&alice), Some(0), "a first sign-in with no history");
        seen.advance(&alice, 500).unwrap();
        seen.advance(&alice, 300).unwrap();
        seen.advance(&key("embedded", "local", "alice"), 7).unwrap();

        let again = HistorySeen::load(path);
        assert_eq!(again.get(&alice), Some(500));
        assert_eq!(again.get(&key("embedded", "local", "alice")), Some(7));
        assert_eq!(again.get(&key("embedded", "local", "bob")), None);
    }

    #[test]
    fn a_damaged_file_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history-seen.json");
        std::fs::write(&path, "{ not json").unwrap();
        let seen = HistorySeen::load(path);
        assert_eq!(seen.get("x"), None);
        seen.advance("x", 1).unwrap();
        assert_eq!(seen.get("x"), Some(1));
    }
}
