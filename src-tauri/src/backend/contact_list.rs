//! The page's contact list between two `contacts.list` answers: the server's `contacts.changed`
//! pushes (as the SDK's `CONTACTS_CHANGED` events) applied to it, and the actions the page takes.

use duet_callkit::Contact;
use duet_protocol::AccountId;

/// What the page asks to do toward one account (one command each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactAction {
    /// Send a request (or accept theirs).
    Add,
    /// Accept their request.
    Accept,
    /// Drop their request without telling them.
    Ignore,
    /// End the contact, withdraw a request.
    Remove,
    /// Block them.
    Block,
    /// Lift a block.
    Unblock,
}

/// Replaces `account`'s entry with `contact` (kept in the server's order, by account), or drops
/// it when `contact` is `None`.
pub fn apply_contact_change(
    list: &mut Vec<Contact>,
    account: &AccountId,
    contact: Option<&Contact>,
) {
    let found = list.binary_search_by(|entry| entry.account.as_str().cmp(account.as_str()));
    match (found, contact) {
        (Ok(at), Some(contact)) => list[at] = contact.clone(),
        (Err(at), Some(contact)) => list.insert(at, contact.clone()),
        (Ok(at), None) => {
            list.remove(at);
        }
        (Err(_), None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::{ContactState, Presence};

    fn entry(account: &str, state: ContactState) -> Contact {
        Contact {
            account: AccountId::new(account).unwrap(),
            nick: account.to_uppercase(),
            presence: Presence::Offline,
            state,
        }
    }

    #[test]
    fn a_change_replaces_inserts_in_order_or_removes_the_entry() {
        let mut list = vec![
            entry("alice", ContactState::Accepted),
            entry("carol", ContactState::Outgoing),
        ];
        let bob = entry("bob", ContactState::Incoming);
        apply_contact_change(&mut list, &bob.account, Some(&bob));
        let carol = entry("carol", ContactState::Accepted);
        apply_contact_change(&mut list, &carol.account, Some(&carol));
        let accounts: Vec<(&str, ContactState)> =
            list.iter().map(|c| (c.account.as_str(), c.state)).collect();
        assert_eq!(
            accounts,
            [
                ("alice", ContactState::Accepted),
                ("bob", ContactState::Incoming),
                ("carol", ContactState::Accepted)
            ]
        );
        apply_contact_change(&mut list, &AccountId::new("alice").unwrap(), None);
        apply_contact_change(&mut list, &AccountId::new("nobody").unwrap(), None);
        assert_eq!(list.len(), 2);
    }
}
