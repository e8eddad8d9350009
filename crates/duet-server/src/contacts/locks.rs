//! Orders contact changes and logins that touch the same account, so the hub's presence index
//! always ends up as the store says.
//!
//! A change to a pair is read, decided, written and then handed to the hub; a login reads the
//! account's contacts and then tells the hub it is online. Were two of these interleaved, the
//! hub could apply an older picture after a newer one (a login's list read before an accept,
//! arriving after it). Each holds the lock stripe of its accounts from the read until its input
//! is queued at the hub, which handles inputs in order.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use tokio::sync::{Mutex, MutexGuard};

/// Stripes: accounts hashing to different stripes never wait for each other.
const STRIPES: usize = 64;

/// Striped locks keyed by (app, account).
#[derive(Debug)]
pub(crate) struct ContactLocks {
    stripes: Vec<Mutex<()>>,
}

impl Default for ContactLocks {
    fn default() -> Self {
        Self {
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
        }
    }
}

/// Held while an account's contacts are read and the hub is told.
pub(crate) struct Held<'a> {
    _guards: Vec<MutexGuard<'a, ()>>,
}

impl ContactLocks {
    fn stripe(app_key: &str, account: &str) -> usize {
        let mut hasher = DefaultHasher::new();
        (app_key, account).hash(&mut hasher);
        // The remainder of a division by STRIPES fits in usize.
        (hasher.finish() % STRIPES as u64) as usize
    }

    /// Locks the stripes of `accounts` of `app_key`, in stripe order so two callers never
    /// deadlock.
    pub(crate) async fn lock(&self, app_key: &str, accounts: &[&str]) -> Held<'_> {
        let mut stripes: Vec<usize> = accounts
            .iter()
            .map(|account| Self::stripe(app_key, account))
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for stripe in stripes {
            guards.push(self.stripes[stripe].lock().await);
        }
        Held { _guards: guards }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_account_locked_twice_in_one_call_locks_once_and_others_wait_for_it() {
        let locks = ContactLocks::default();
        // Naming the same account twice (or two accounts on one stripe) must not deadlock.
        let held = locks.lock("demo", &["alice", "alice"]).await;
        let mut waiting = Box::pin(locks.lock("demo", &["bob", "alice"]));
        assert!(futures_util::poll!(waiting.as_mut()).is_pending());
        drop(held);
        waiting.await;
    }
}
