//! Login tokens (nertc-call's imToken): claims signed with the app's secret by HMAC-SHA256.
//!
//! Form: `dt1.<base64url claims JSON>.<base64url tag>`. Verifying needs only the app secret;
//! expiry is a claim, revocation is checked against the store by the caller.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

const PREFIX: &str = "dt1.";

/// What a login token says about its holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginClaims {
    /// The app (appKey) the token belongs to.
    pub app: String,
    /// The account it logs in.
    pub account: String,
    /// Issue time, ms since the epoch; revocation compares against it.
    pub iat: u64,
    /// Expiry, ms since the epoch.
    pub exp: u64,
    /// Random id, for revoking this one token.
    pub jti: String,
}

/// Why a token was refused before looking at expiry or revocation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not of the `dt1.claims.tag` form, or the claims do not parse.
    #[error("the token is malformed")]
    Malformed,
    /// The tag does not match: forged, altered or signed by another app.
    #[error("the token's signature does not match")]
    BadSignature,
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length")
}

/// Signs `claims` with the app secret.
pub fn issue(secret: &str, claims: &LoginClaims) -> String {
    // Plain strings and numbers: serialising cannot fail.
    let json = serde_json::to_vec(claims).expect("claims always serialise");
    let body = URL_SAFE_NO_PAD.encode(json);
    let mut mac = mac(secret);
    mac.update(body.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{PREFIX}{body}.{tag}")
}

/// Checks the signature (in constant time) and returns the claims.
pub fn verify(secret: &str, token: &str) -> Result<LoginClaims, TokenError> {
    let rest = token.strip_prefix(PREFIX).ok_or(TokenError::Malformed)?;
    let (body, tag) = rest.split_once('.').ok_or(TokenError::Malformed)?;
    let tag = URL_SAFE_NO_PAD
        .decode(tag)
        .map_err(|_| TokenError::Malformed)?;
    let mut mac = mac(secret);
    mac.update(body.as_bytes());
    mac.verify_slice(&tag)
        .map_err(|_| TokenError::BadSignature)?;
    let json = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&json).map_err(|_| TokenError::Malformed)
}

/// `bytes` random bytes as base64url text (secrets and token ids).
pub fn random_text(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> LoginClaims {
        LoginClaims {
            app: "demo".into(),
            account: "alice".into(),
            iat: 1,
            exp: 2,
            jti: "x".into(),
        }
    }

    #[test]
    fn a_token_verifies_only_under_its_secret_and_unaltered() {
        let token = issue("s1", &claims());
        assert_eq!(verify("s1", &token), Ok(claims()));
        assert_eq!(verify("s2", &token), Err(TokenError::BadSignature));
        let altered = token.replacen("dt1.e", "dt1.f", 1);
        assert!(verify("s1", &altered).is_err());
        assert_eq!(verify("s1", "nonsense"), Err(TokenError::Malformed));
    }
}
