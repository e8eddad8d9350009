//! Apps, accounts, passwords, invites and token revocations.

use super::{id, store_with};
use crate::backends::Backend;
use duet_protocol::{ContactPolicy, Registration};
use duet_server::store::{NewAccount, Registered, RevokedTokens};
use duet_server::App;

crate::on_both_backends!(
    an_app_is_created_once_and_apps_are_listed_by_key,
    an_account_is_created_then_renamed,
    a_registration_takes_one_invite_use_and_a_refused_one_none,
    the_last_invite_use_goes_to_one_of_two_registrations_at_once,
    revocations_are_logged_in_order_for_servers_to_poll,
    pruning_deletes_expired_tokens_and_spent_invites,
);

fn app(key: &str) -> App {
    App {
        app_key: key.into(),
        secret: format!("{key} secret"),
        safe_mode: false,
        registration: Registration::Invite,
        contacts: ContactPolicy::Open,
    }
}

async fn an_app_is_created_once_and_apps_are_listed_by_key(backend: Backend) {
    let db = store_with(backend, &[]).await;
    let store = db.store.as_ref();
    assert!(store.create_app(&app("beta"), 1).await.unwrap());
    assert!(store.create_app(&app("alpha"), 1).await.unwrap());
    let taken = App {
        secret: "another".into(),
        ..app("beta")
    };
    assert!(!store.create_app(&taken, 2).await.unwrap(), "key taken");
    assert_eq!(store.app("beta").await.unwrap(), Some(app("beta")));
    assert_eq!(store.app("nope").await.unwrap(), None);
    let keys: Vec<String> = store
        .apps()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.app_key)
        .collect();
    assert_eq!(keys, ["alpha", "beta", "demo"]);
    assert!(store
        .set_registration("alpha", Registration::Open)
        .await
        .unwrap());
    assert_eq!(
        store.app("alpha").await.unwrap().unwrap().registration,
        Registration::Open
    );
    assert!(!store
        .set_registration("nope", Registration::Open)
        .await
        .unwrap());
}

async fn an_account_is_created_then_renamed(backend: Backend) {
    let db = store_with(backend, &["alice"]).await;
    let store = db.store.as_ref();
    let alice = id("alice");
    let found = store.account("demo", &alice).await.unwrap().unwrap();
    assert_eq!(
        (found.nick.as_str(), found.tokens_valid_after_ms),
        ("alice nick", 0)
    );
    store
        .upsert_account("demo", &alice, "Alice", 9)
        .await
        .unwrap();
    let found = store.account("demo", &alice).await.unwrap().unwrap();
    assert_eq!(found.nick, "Alice");
    assert_eq!(store.account("demo", &id("bob")).await.unwrap(), None);
    assert_eq!(store.password_hash("demo", &alice).await.unwrap(), None);
    assert!(store
        .set_password_hash("demo", &alice, "$argon2id$x")
        .await
        .unwrap());
    assert_eq!(
        store
            .password_hash("demo", &alice)
            .await
            .unwrap()
            .as_deref(),
        Some("$argon2id$x")
    );
    assert!(!store
        .set_password_hash("demo", &id("bob"), "h")
        .await
        .unwrap());
}

async fn a_registration_takes_one_invite_use_and_a_refused_one_none(backend: Backend) {
    let db = store_with(backend, &["taken"]).await;
    let store = db.store.as_ref();
    store
        .create_invite("demo", "code", 1, 1_000, 1)
        .await
        .unwrap();
    let register = |account: &'static str, invite: Option<&'static str>, now_ms| async move {
        let account_id = id(account);
        let new = NewAccount {
            app_key: "demo",
            account: &account_id,
            nick: account,
            password_hash: "hash",
            invite_hash: invite,
        };
        store.register_account(&new, now_ms).await.unwrap()
    };
    assert_eq!(
        register("taken", Some("code"), 10).await,
        Registered::AccountExists
    );
    assert_eq!(
        register("ann", Some("unknown"), 10).await,
        Registered::BadInvite
    );
    assert_eq!(
        register("ann", Some("code"), 2_000).await,
        Registered::BadInvite,
        "expired"
    );
    assert_eq!(
        register("ann", Some("code"), 10).await,
        Registered::Created,
        "the refused attempts left the one use"
    );
    assert_eq!(
        register("ben", Some("code"), 10).await,
        Registered::BadInvite,
        "used up"
    );
    assert_eq!(register("ben", None, 10).await, Registered::Created);
    assert_eq!(
        store
            .password_hash("demo", &id("ann"))
            .await
            .unwrap()
            .as_deref(),
        Some("hash")
    );
}

async fn the_last_invite_use_goes_to_one_of_two_registrations_at_once(backend: Backend) {
    let db = store_with(backend, &[]).await;
    let store = db.store.clone();
    store
        .create_invite("demo", "code", 1, 1_000, 1)
        .await
        .unwrap();
    let register = |account: &'static str| {
        let store = store.clone();
        tokio::spawn(async move {
            let account_id = id(account);
            let new = NewAccount {
                app_key: "demo",
                account: &account_id,
                nick: account,
                password_hash: "hash",
                invite_hash: Some("code"),
            };
            store.register_account(&new, 10).await.unwrap()
        })
    };
    let (ann, ben) = (register("ann"), register("ben"));
    let mut outcomes = [ann.await.unwrap(), ben.await.unwrap()];
    outcomes.sort_by_key(|outcome| *outcome == Registered::Created);
    assert_eq!(outcomes, [Registered::BadInvite, Registered::Created]);
}

async fn revocations_are_logged_in_order_for_servers_to_poll(backend: Backend) {
    let db = store_with(backend, &["alice", "bob"]).await;
    let store = db.store.as_ref();
    assert_eq!(store.last_revocation_id().await.unwrap(), 0);
    store
        .revoke_token("demo", &id("alice"), "t-1", 5_000)
        .await
        .unwrap();
    assert!(store
        .revoke_tokens_before("demo", &id("bob"), 700)
        .await
        .unwrap());
    assert!(!store
        .revoke_tokens_before("demo", &id("nobody"), 700)
        .await
        .unwrap());
    assert!(store.is_token_revoked("demo", "t-1").await.unwrap());
    assert!(!store.is_token_revoked("demo", "t-2").await.unwrap());
    assert_eq!(
        store
            .account("demo", &id("bob"))
            .await
            .unwrap()
            .unwrap()
            .tokens_valid_after_ms,
        700
    );
    let all = store.revocations_after(0, 10).await.unwrap();
    let seen: Vec<(String, RevokedTokens)> = all
        .iter()
        .map(|r| (r.account.to_string(), r.tokens.clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("alice".to_owned(), RevokedTokens::One("t-1".into())),
            ("bob".to_owned(), RevokedTokens::IssuedBefore(700)),
        ]
    );
    assert!(all[0].id < all[1].id);
    assert_eq!(store.last_revocation_id().await.unwrap(), all[1].id);
    let later = store.revocations_after(all[0].id, 10).await.unwrap();
    assert_eq!(later, all[1..]);
}

async fn pruning_deletes_expired_tokens_and_spent_invites(backend: Backend) {
    let db = store_with(backend, &["alice"]).await;
    let store = db.store.as_ref();
    store
        .revoke_token("demo", &id("alice"), "old", 100)
        .await
        .unwrap();
    store
        .revoke_token("demo", &id("alice"), "live", 10_000)
        .await
        .unwrap();
    store
        .create_invite("demo", "expired", 5, 100, 1)
        .await
        .unwrap();
    store
        .create_invite("demo", "live", 5, 10_000, 1)
        .await
        .unwrap();
    // The token and the invite past their expiry; the revocation log is younger than a day.
    assert_eq!(store.prune(1_000, None).await.unwrap(), 2);
    assert!(!store.is_token_revoked("demo", "old").await.unwrap());
    assert!(store.is_token_revoked("demo", "live").await.unwrap());
    let new = NewAccount {
        app_key: "demo",
        account: &id("ann"),
        nick: "Ann",
        password_hash: "hash",
        invite_hash: Some("live"),
    };
    assert_eq!(
        store.register_account(&new, 1_000).await.unwrap(),
        Registered::Created,
        "the live invite stayed"
    );
}
