//! Who watches whom: the reverse index of the contacts whose presence each online account
//! may see (accepted contacts; under the `open` policy, one-way ones).
//!
//! Built from an account's contact list when its first device logs in and dropped when its last
//! device leaves, so a presence change is pushed without asking the database who cares.

use duet_protocol::AccountId;
use std::collections::{HashMap, HashSet};

/// Contact lists of online accounts, indexed both ways.
#[derive(Debug, Default)]
pub(crate) struct Watchers {
    /// Online account -> the accounts it watches (its contacts).
    watching: HashMap<AccountId, HashSet<AccountId>>,
    /// Account -> online accounts that have it as a contact.
    watched_by: HashMap<AccountId, HashSet<AccountId>>,
}

impl Watchers {
    /// `owner` came online with these contacts.
    pub(crate) fn start(&mut self, owner: &AccountId, contacts: Vec<AccountId>) {
        self.stop(owner);
        for contact in &contacts {
            self.watched_by
                .entry(contact.clone())
                .or_default()
                .insert(owner.clone());
        }
        self.watching
            .insert(owner.clone(), contacts.into_iter().collect());
    }

    /// Whether `owner` (if online) sees `contact`'s presence from now on.
    pub(crate) fn set(&mut self, owner: &AccountId, contact: &AccountId, watching: bool) {
        let Some(list) = self.watching.get_mut(owner) else {
            return;
        };
        if watching {
            list.insert(contact.clone());
            self.watched_by
                .entry(contact.clone())
                .or_default()
                .insert(owner.clone());
        } else {
            list.remove(contact);
            self.unlink(owner, contact);
        }
    }

    /// `owner`'s last device went offline.
    pub(crate) fn stop(&mut self, owner: &AccountId) {
        if let Some(list) = self.watching.remove(owner) {
            for contact in list {
                self.unlink(owner, &contact);
            }
        }
    }

    fn unlink(&mut self, owner: &AccountId, contact: &AccountId) {
        if let Some(watchers) = self.watched_by.get_mut(contact) {
            watchers.remove(owner);
            if watchers.is_empty() {
                self.watched_by.remove(contact);
            }
        }
    }

    /// Online accounts that have `account` as a contact.
    pub(crate) fn of(&self, account: &AccountId) -> impl Iterator<Item = &AccountId> {
        self.watched_by.get(account).into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AccountId {
        AccountId::new(s).unwrap()
    }

    fn watchers_of(w: &Watchers, a: &str) -> Vec<String> {
        let mut v: Vec<String> = w.of(&id(a)).map(|a| a.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn the_index_follows_logins_contact_changes_and_logouts() {
        let mut w = Watchers::default();
        w.start(&id("alice"), vec![id("bob")]);
        w.start(&id("carol"), vec![id("bob"), id("alice")]);
        assert_eq!(watchers_of(&w, "bob"), ["alice", "carol"]);
        w.set(&id("alice"), &id("carol"), true);
        assert_eq!(watchers_of(&w, "carol"), ["alice"]);
        w.set(&id("dave"), &id("bob"), true);
        assert_eq!(
            watchers_of(&w, "bob"),
            ["alice", "carol"],
            "offline accounts watch nobody"
        );
        w.set(&id("carol"), &id("bob"), false);
        assert_eq!(watchers_of(&w, "bob"), ["alice"]);
        w.stop(&id("alice"));
        assert!(watchers_of(&w, "bob").is_empty());
        assert!(watchers_of(&w, "carol").is_empty());
    }
}
