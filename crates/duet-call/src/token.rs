//! Per-call tokens for safe mode (nertc-call's checkSum): an HMAC of call, account and device.
//!
//! Stateless on purpose: a restarted server verifies the tokens it issued before the restart
//! without having stored them, and a token is only ever accepted for a call that still lives.

use crate::DeviceKey;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use duet_protocol::CallId;
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "ct1.";
/// 144 bits of tag: unguessable, and short enough to travel on every message.
const TAG_BYTES: usize = 18;

/// Issues and checks call tokens under one server key.
#[derive(Clone)]
pub struct CallTokens {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for CallTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallTokens(..)")
    }
}

impl CallTokens {
    /// Tokens keyed by `key` (at least 32 random bytes in production).
    pub fn new(key: &[u8]) -> Self {
        // HMAC takes keys of any length, so this cannot fail.
        let mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
        Self { mac }
    }

    fn keyed(&self, call_id: &CallId, device: &DeviceKey) -> Hmac<Sha256> {
        let mut mac = self.mac.clone();
        for part in [
            call_id.as_str(),
            device.account.as_str(),
            device.device.as_str(),
        ] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    /// The token of `device` for `call_id`.
    pub fn issue(&self, call_id: &CallId, device: &DeviceKey) -> String {
        let tag = self.keyed(call_id, device).finalize().into_bytes();
        format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&tag[..TAG_BYTES]))
    }

    /// Whether `token` is `device`'s token for `call_id` (compared in constant time).
    pub fn verify(&self, token: &str, call_id: &CallId, device: &DeviceKey) -> bool {
        let Some(encoded) = token.strip_prefix(PREFIX) else {
            return false;
        };
        match URL_SAFE_NO_PAD.decode(encoded) {
            Ok(tag) if tag.len() == TAG_BYTES => self
                .keyed(call_id, device)
                .verify_truncated_left(&tag)
                .is_ok(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_protocol::{AccountId, DeviceId};

    fn dev(a: &str, d: &str) -> DeviceKey {
        DeviceKey::new(AccountId::new(a).unwrap(), DeviceId::new(d).unwrap())
    }

    #[test]
    fn a_token_is_valid_only_for_its_call_and_device() {
        let tokens = CallTokens::new(b"0123456789abcdef0123456789abcdef");
        let call = CallId::new("c1").unwrap();
        let token = tokens.issue(&call, &dev("alice", "d1"));
        assert!(tokens.verify(&token, &call, &dev("alice", "d1")));
        assert!(!tokens.verify(&token, &call, &dev("alice", "d2")));
        assert!(!tokens.verify(&token, &CallId::new("c2").unwrap(), &dev("alice", "d1")));
        assert!(!tokens.verify("ct1.AAAA", &call, &dev("alice", "d1")));
        assert!(!tokens.verify("", &call, &dev("alice", "d1")));
        let other_key = CallTokens::new(b"another key");
        assert!(!other_key.verify(&token, &call, &dev("alice", "d1")));
    }
}
