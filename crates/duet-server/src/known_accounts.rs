//! Accounts known to exist, so that an invite's callee check rarely needs the database.
//!
//! Only positive answers are remembered, and accounts are never deleted, so an entry cannot go
//! stale. The set is cleared when it reaches its bound, keeping memory predictable.

use duet_protocol::AccountId;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Remembered accounts of every app, up to a bound.
#[derive(Debug)]
pub(crate) struct KnownAccounts {
    apps: Mutex<HashMap<String, HashSet<AccountId>>>,
    bound: usize,
}

impl KnownAccounts {
    /// An empty set remembering at most `bound` accounts.
    pub(crate) fn new(bound: usize) -> Self {
        Self {
            apps: Mutex::new(HashMap::new()),
            bound,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashSet<AccountId>>> {
        // A poisoned lock only means a panic elsewhere mid-insert; the sets are still valid.
        self.apps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `account` is known to exist in `app_key`.
    pub(crate) fn contains(&self, app_key: &str, account: &AccountId) -> bool {
        self.lock()
            .get(app_key)
            .is_some_and(|set| set.contains(account))
    }

    /// Remembers that `account` exists in `app_key`.
    pub(crate) fn insert(&self, app_key: &str, account: &AccountId) {
        let mut apps = self.lock();
        let total: usize = apps.values().map(HashSet::len).sum();
        if total >= self.bound {
            apps.clear();
        }
        apps.entry(app_key.to_owned())
            .or_default()
            .insert(account.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_are_remembered_per_app_within_the_bound() {
        let known = KnownAccounts::new(2);
        let (alice, bob, carol) = (
            AccountId::new("alice").unwrap(),
            AccountId::new("bob").unwrap(),
            AccountId::new("carol").unwrap(),
        );
        known.insert("demo", &alice);
        assert!(known.contains("demo", &alice));
        assert!(!known.contains("other", &alice), "scoped to the app");
        known.insert("demo", &bob);
        known.insert("demo", &carol);
        assert!(known.contains("demo", &carol));
        assert!(!known.contains("demo", &alice), "cleared at the bound");
    }
}
