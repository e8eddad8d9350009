//! Short-lived TURN credentials in the TURN REST API convention (coturn's `use-auth-secret`):
//! username `<expiry-unix-seconds>:<account>`, password `base64(HMAC-SHA1(secret, username))`.
//! coturn recomputes the password from the shared secret and refuses a username whose expiry
//! has passed, so nothing is stored and no credential works for another account.

use crate::config::TurnSettings;
use base64::Engine;
use duet_protocol::{AccountId, IceServer};
use hmac::{Hmac, Mac};
use sha1::Sha1;

/// The ICE servers one device gets: the static ones, then the TURN servers with a credential
/// for `account` valid until the returned expiry (milliseconds since the Unix epoch).
pub(crate) fn ice_servers_for(
    account: &AccountId,
    static_servers: &[IceServer],
    turn: Option<&TurnSettings>,
    now_ms: u64,
) -> (Vec<IceServer>, Option<u64>) {
    let mut servers = static_servers.to_vec();
    let Some(turn) = turn.filter(|turn| !turn.urls.is_empty()) else {
        return (servers, None);
    };
    let ttl_ms = u64::try_from(turn.ttl.as_millis()).unwrap_or(u64::MAX);
    let expires_at_ms = now_ms.saturating_add(ttl_ms);
    let username = format!("{}:{}", expires_at_ms / 1000, account.as_str());
    servers.push(IceServer {
        urls: turn.urls.clone(),
        credential: Some(password(&turn.secret, &username)),
        username: Some(username),
    });
    (servers, Some(expires_at_ms))
}

/// When a device should get fresh credentials: at three quarters of their lifetime, so a call
/// set up just before then still has a quarter of the ttl to allocate its relay.
pub(crate) fn refresh_at_ms(issued_at_ms: u64, expires_at_ms: u64) -> u64 {
    issued_at_ms + expires_at_ms.saturating_sub(issued_at_ms) * 3 / 4
}

/// `base64(HMAC-SHA1(secret, username))`.
pub fn password(secret: &str, username: &str) -> String {
    // HMAC takes a key of any length, so `new_from_slice` cannot fail.
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(username.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn turn(ttl: Duration) -> TurnSettings {
        TurnSettings {
            secret: "north".into(),
            urls: vec!["turn:198.51.100.7:3478?transport=udp".into()],
            ttl,
        }
    }

    #[test]
    fn the_password_is_the_turn_rest_api_hmac() {
        // The RFC 2104 test vector shape: HMAC-SHA1("key", "The quick brown fox jumps over the
        // lazy dog") = de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9.
        assert_eq!(
            password("key", "The quick brown fox jumps over the lazy dog"),
            "3nybhbi3iqa8ino29wqQcBydtNk="
        );
    }

    #[test]
    fn each_account_gets_its_own_credential_with_the_expiry_in_the_username() {
        let alice = AccountId::new("alice".to_owned()).unwrap();
        let bob = AccountId::new("bob".to_owned()).unwrap();
        let stun = IceServer {
            urls: vec!["stun:198.51.100.7:3478".into()],
            username: None,
            credential: None,
        };
        let settings = turn(Duration::from_secs(600));
        let now = 1_700_000_000_000;
        let (a, expiry) =
            ice_servers_for(&alice, std::slice::from_ref(&stun), Some(&settings), now);
        let (b, _) = ice_servers_for(&bob, std::slice::from_ref(&stun), Some(&settings), now);
        assert_eq!(expiry, Some(now + 600_000));
        assert_eq!(a[0], stun, "static servers come first, unchanged");
        assert_eq!(a[1].username.as_deref(), Some("1700000600:alice"));
        assert_eq!(
            a[1].credential.as_deref(),
            Some(password("north", "1700000600:alice").as_str())
        );
        assert_ne!(a[1].credential, b[1].credential);
        assert_eq!(refresh_at_ms(now, now + 600_000), now + 450_000);
    }

    #[test]
    fn without_turn_only_the_static_servers_go_out_and_nothing_expires() {
        let alice = AccountId::new("alice".to_owned()).unwrap();
        assert_eq!(ice_servers_for(&alice, &[], None, 5), (vec![], None));
        let empty = TurnSettings {
            urls: vec![],
            ..turn(Duration::from_secs(1))
        };
        assert_eq!(
            ice_servers_for(&alice, &[], Some(&empty), 5),
            (vec![], None)
        );
    }
}
