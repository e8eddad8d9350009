//! Contact requests: the list with each entry's state, and the actions that change a pair of
//! accounts (add, accept, ignore, remove, block, unblock). The rules live in
//! `crate::contacts::rules`; this file reads the store, writes it and tells the hub.

use super::requests::{internal, Requests};
use crate::contacts::rules::{self, Action, Refusal, View};
use crate::contacts::MAX_PENDING_REQUESTS;
use crate::hub::{ContactChange, HubInput};
use crate::server::Shared;
use crate::store::{Link, LinkPair, StoreError};
use duet_protocol::{
    AccountId, Contact, ContactPolicy, ErrorCode, Presence, ProtocolError, ServerMessage,
};
use tokio::sync::oneshot;

/// The accounts whose presence `account` may see, read under its contact lock (see
/// `crate::contacts::ContactLocks`).
pub(crate) async fn watched(
    shared: &Shared,
    app_key: &str,
    account: &AccountId,
) -> Result<Vec<AccountId>, StoreError> {
    let policy = policy(shared, app_key).await?;
    let links = shared.store.links(app_key, account).await?;
    Ok(links
        .into_iter()
        .filter(|linked| rules::view_of(linked.links, policy).is_some_and(|v| v.presence))
        .map(|linked| linked.user.account)
        .collect())
}

/// The app's contact policy as it is now (an operator may change it while clients are online).
async fn policy(shared: &Shared, app_key: &str) -> Result<ContactPolicy, StoreError> {
    Ok(shared
        .store
        .app(app_key)
        .await?
        .map(|app| app.contacts)
        .unwrap_or_default())
}

fn is_pending(link: Option<Link>) -> bool {
    matches!(link, Some(Link::Requested | Link::Ignored))
}

fn entry(account: &AccountId, nick: &str, view: View) -> Contact {
    Contact {
        account: account.clone(),
        nick: nick.to_owned(),
        presence: Presence::Offline,
        state: view.state,
    }
}

/// How `owner`'s entry for `other` went from `before` to `after` (both seen from `owner`).
fn change(
    owner: &AccountId,
    other: &AccountId,
    other_nick: &str,
    before: LinkPair,
    after: LinkPair,
    policy: ContactPolicy,
) -> ContactChange {
    let was = rules::view_of(before, policy);
    let now = rules::view_of(after, policy);
    ContactChange {
        owner: owner.clone(),
        other: other.clone(),
        entry: now.map(|view| entry(other, other_nick, view)),
        watch: now.is_some_and(|view| view.presence),
        push: was != now,
    }
}

impl Requests<'_> {
    /// The contact list: every entry with its state, and presence for accepted contacts.
    pub(crate) async fn contacts(&self) -> Result<ServerMessage, ProtocolError> {
        let policy = policy(self.shared, self.app_key).await.map_err(internal)?;
        let links = self
            .shared
            .store
            .links(self.app_key, self.account)
            .await
            .map_err(internal)?;
        let mut contacts = Vec::with_capacity(links.len());
        let mut watched = Vec::new();
        for linked in links {
            let Some(view) = rules::view_of(linked.links, policy) else {
                continue;
            };
            if view.presence {
                watched.push((contacts.len(), linked.user.account.clone()));
            }
            contacts.push(entry(&linked.user.account, &linked.user.nick, view));
        }
        let (reply, answer) = oneshot::channel();
        let accounts = watched.iter().map(|(_, account)| account.clone()).collect();
        if self.hub.send(HubInput::Presences { accounts, reply }).await {
            if let Ok(presences) = answer.await {
                for ((index, _), presence) in watched.iter().zip(presences) {
                    contacts[*index].presence = presence;
                }
            }
        }
        Ok(ServerMessage::Contacts { contacts })
    }

    /// Takes `action` toward `other` and tells both accounts' devices what changed.
    pub(crate) async fn contact_action(
        &self,
        action: Action,
        other: AccountId,
    ) -> Result<ServerMessage, ProtocolError> {
        let me = self.account;
        if other == *me {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                "an account cannot be its own contact",
            ));
        }
        let store = &self.shared.store;
        let policy = policy(self.shared, self.app_key).await.map_err(internal)?;
        let _held = self
            .shared
            .contact_locks
            .lock(self.app_key, &[me.as_str(), other.as_str()])
            .await;
        let Some(found) = store
            .account(self.app_key, &other)
            .await
            .map_err(internal)?
        else {
            // Nothing to withdraw, ignore or unblock with an account that does not exist.
            return match action {
                Action::Remove | Action::Ignore | Action::Unblock => Ok(ServerMessage::Ok),
                Action::Add | Action::Accept | Action::Block => Err(ProtocolError::new(
                    ErrorCode::UnknownAccount,
                    format!("no account `{other}` in this app"),
                )),
            };
        };
        let before = store
            .link_pair(self.app_key, me, &other)
            .await
            .map_err(internal)?;
        let after = rules::apply(action, before, policy).map_err(|refusal| match refusal {
            Refusal::YouBlockThem => ProtocolError::new(
                ErrorCode::InvalidState,
                format!("you block `{other}`; unblock it first"),
            ),
            Refusal::NoRequest => ProtocolError::new(
                ErrorCode::InvalidState,
                format!("`{other}` has not asked to be your contact"),
            ),
        })?;
        if after == before {
            return Ok(ServerMessage::Ok);
        }
        if is_pending(after.own) && !is_pending(before.own) {
            let pending = store
                .pending_requests(self.app_key, me)
                .await
                .map_err(internal)?;
            if pending >= MAX_PENDING_REQUESTS {
                return Err(ProtocolError::new(
                    ErrorCode::TooManyPending,
                    format!(
                        "at most {MAX_PENDING_REQUESTS} contact requests may wait for an answer; \
                         withdraw some with contacts.remove"
                    ),
                ));
            }
        }
        let now = self.shared.clock.now_ms();
        store
            .set_link_pair(self.app_key, me, &other, after, now)
            .await
            .map_err(internal)?;
        let my_nick = store
            .account(self.app_key, me)
            .await
            .map_err(internal)?
            .map(|account| account.nick)
            .unwrap_or_else(|| me.to_string());
        let changes = vec![
            change(me, &other, &found.nick, before, after, policy),
            change(
                &other,
                me,
                &my_nick,
                before.flipped(),
                after.flipped(),
                policy,
            ),
        ];
        self.hub.send(HubInput::ContactsChanged { changes }).await;
        Ok(ServerMessage::Ok)
    }
}
