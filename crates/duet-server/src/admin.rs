//! Operator actions: apps, accounts and login tokens. Used by the CLI, tests and the desktop app.

use crate::clock::wall_now_ms;
use crate::error::AdminError;
use crate::login_token::{self, LoginClaims};
use crate::passwords;
use crate::store::{App, Store};
use crate::store::{Link, LinkPair};
use duet_protocol::{AccountId, ContactPolicy, Registration};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// Bytes of randomness in an app secret.
const SECRET_BYTES: usize = 32;
/// Bytes of randomness in a token id.
const TOKEN_ID_BYTES: usize = 12;
/// Bytes of randomness in an invite code: 96 bits, 16 characters, unguessable at any rate.
const INVITE_CODE_BYTES: usize = 12;

/// A login token and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    pub token: String,
    /// Milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
}

/// How an invite code is stored: its SHA-256, hex. Codes are long random strings, so a fast
/// hash is enough; the database alone never reveals a usable code.
pub(crate) fn invite_hash(code: &str) -> String {
    Sha256::digest(code.trim().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Administers apps, accounts and tokens in a store; cheap to clone.
#[derive(Clone)]
pub struct Admin {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Admin(..)")
    }
}

fn check_app_key(app_key: &str) -> Result<(), AdminError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if app_key.is_empty() || app_key.len() > 64 || !app_key.chars().all(allowed) {
        return Err(AdminError::InvalidAppKey(app_key.to_owned()));
    }
    Ok(())
}

fn random(bytes: usize) -> Result<String, AdminError> {
    login_token::random_text(bytes).map_err(|e| AdminError::Random(e.to_string()))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Admin {
    /// Administers `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The store administered.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Creates an app with a random secret.
    pub async fn add_app(&self, app_key: &str, safe_mode: bool) -> Result<App, AdminError> {
        check_app_key(app_key)?;
        let app = App {
            app_key: app_key.to_owned(),
            secret: random(SECRET_BYTES)?,
            safe_mode,
            registration: Registration::Closed,
            contacts: ContactPolicy::Mutual,
        };
        if !self.store.create_app(&app, wall_now_ms()).await? {
            return Err(AdminError::AppExists(app_key.to_owned()));
        }
        tracing::info!(app = app_key, safe_mode, "app created");
        Ok(app)
    }

    /// The app, creating it (safe mode on) if it does not exist.
    pub async fn ensure_app(&self, app_key: &str) -> Result<App, AdminError> {
        match self.add_app(app_key, true).await {
            Err(AdminError::AppExists(_)) => self.app(app_key).await,
            other => other,
        }
    }

    /// Every app.
    pub async fn apps(&self) -> Result<Vec<App>, AdminError> {
        Ok(self.store.apps().await?)
    }

    /// Sets who may create accounts in the app without the operator.
    pub async fn set_registration(
        &self,
        app_key: &str,
        registration: Registration,
    ) -> Result<(), AdminError> {
        if !self.store.set_registration(app_key, registration).await? {
            return Err(AdminError::UnknownApp(app_key.to_owned()));
        }
        tracing::info!(
            app = app_key,
            registration = registration.as_str(),
            "registration set"
        );
        Ok(())
    }

    /// Sets how accounts of the app become contacts. Online accounts see the new policy's
    /// presence rules from their next login; lists and requests follow it at once.
    pub async fn set_contact_policy(
        &self,
        app_key: &str,
        policy: ContactPolicy,
    ) -> Result<(), AdminError> {
        if !self.store.set_contact_policy(app_key, policy).await? {
            return Err(AdminError::UnknownApp(app_key.to_owned()));
        }
        tracing::info!(
            app = app_key,
            contacts = policy.as_str(),
            "contact policy set"
        );
        Ok(())
    }

    /// Creates an invite code good for `uses` registrations during `ttl`; returns the code,
    /// which is stored only as a hash.
    pub async fn create_invite(
        &self,
        app_key: &str,
        uses: u32,
        ttl: Duration,
    ) -> Result<String, AdminError> {
        self.app(app_key).await?;
        if uses == 0 {
            return Err(AdminError::NoUses);
        }
        let code = random(INVITE_CODE_BYTES)?;
        let now = wall_now_ms();
        let expires = now.saturating_add(millis(ttl));
        self.store
            .create_invite(app_key, &invite_hash(&code), uses, expires, now)
            .await?;
        tracing::info!(app = app_key, uses, "invite created");
        Ok(code)
    }

    /// Sets an existing account's password, after the strength check.
    pub async fn set_password(
        &self,
        app_key: &str,
        account: &str,
        password: &str,
    ) -> Result<(), AdminError> {
        self.app(app_key).await?;
        let id = AccountId::new(account)?;
        passwords::check_strength(password, account)?;
        let password = password.to_owned();
        let hash = tokio::task::spawn_blocking(move || passwords::hash(&password))
            .await
            .map_err(|e| passwords::HashError::from_join(&e))??;
        if !self.store.set_password_hash(app_key, &id, &hash).await? {
            return Err(AdminError::UnknownAccount {
                app: app_key.to_owned(),
                account: account.to_owned(),
            });
        }
        tracing::info!(app = app_key, account, "password set");
        Ok(())
    }

    async fn app(&self, app_key: &str) -> Result<App, AdminError> {
        self.store
            .app(app_key)
            .await?
            .ok_or_else(|| AdminError::UnknownApp(app_key.to_owned()))
    }

    /// Creates (or renames) an account and returns a login token valid for `ttl`.
    pub async fn add_user(
        &self,
        app_key: &str,
        account: &str,
        nick: &str,
        ttl: Duration,
    ) -> Result<String, AdminError> {
        let app = self.app(app_key).await?;
        let id = AccountId::new(account)?;
        self.store
            .upsert_account(app_key, &id, nick, wall_now_ms())
            .await?;
        tracing::info!(app = app_key, account, "account saved");
        self.token_for(&app, &id, ttl).await
    }

    /// A new login token for an existing account, valid for `ttl`.
    pub async fn issue_token(
        &self,
        app_key: &str,
        account: &str,
        ttl: Duration,
    ) -> Result<String, AdminError> {
        let app = self.app(app_key).await?;
        let id = AccountId::new(account)?;
        self.token_for(&app, &id, ttl).await
    }

    async fn token_for(
        &self,
        app: &App,
        id: &AccountId,
        ttl: Duration,
    ) -> Result<String, AdminError> {
        Ok(self.login_token(app, id, ttl).await?.token)
    }

    /// A new login token for an existing account of `app`, with its expiry.
    pub async fn login_token(
        &self,
        app: &App,
        id: &AccountId,
        ttl: Duration,
    ) -> Result<IssuedToken, AdminError> {
        let account = self.store.account(&app.app_key, id).await?.ok_or_else(|| {
            AdminError::UnknownAccount {
                app: app.app_key.clone(),
                account: id.to_string(),
            }
        })?;
        // Never issue a token that an earlier `revoke` (in the same millisecond) already covers.
        let iat = wall_now_ms().max(account.tokens_valid_after_ms);
        let claims = LoginClaims {
            app: app.app_key.clone(),
            account: id.to_string(),
            iat,
            exp: iat.saturating_add(millis(ttl)),
            jti: random(TOKEN_ID_BYTES)?,
        };
        Ok(IssuedToken {
            token: login_token::issue(&app.secret, &claims),
            expires_at_ms: claims.exp,
        })
    }

    /// Revokes every token of the account issued until now.
    pub async fn revoke_all(&self, app_key: &str, account: &str) -> Result<(), AdminError> {
        self.app(app_key).await?;
        let id = AccountId::new(account)?;
        // Tokens issued in this very millisecond are covered too (see `token_for`).
        let after = wall_now_ms().saturating_add(1);
        if !self.store.revoke_tokens_before(app_key, &id, after).await? {
            return Err(AdminError::UnknownAccount {
                app: app_key.to_owned(),
                account: account.to_owned(),
            });
        }
        tracing::info!(app = app_key, account, "all tokens revoked");
        Ok(())
    }

    /// Revokes one token of the app.
    pub async fn revoke_token(&self, app_key: &str, token: &str) -> Result<(), AdminError> {
        let app = self.app(app_key).await?;
        let claims =
            login_token::verify(&app.secret, token).map_err(|e| AdminError::InvalidToken {
                app: app_key.to_owned(),
                reason: e.to_string(),
            })?;
        let account = AccountId::new(claims.account.as_str())?;
        self.store
            .revoke_token(app_key, &account, &claims.jti, claims.exp)
            .await?;
        tracing::info!(app = app_key, account = claims.account, "token revoked");
        Ok(())
    }

    /// Makes `owner` and `contact` accepted contacts of each other (both must exist in the
    /// app), whatever was pending or blocked between them. Online accounts see the change at
    /// their next login or `contacts.list`.
    pub async fn add_contact(
        &self,
        app_key: &str,
        owner: &str,
        contact: &str,
    ) -> Result<(), AdminError> {
        self.app(app_key).await?;
        let owner = AccountId::new(owner)?;
        let contact = AccountId::new(contact)?;
        for id in [&owner, &contact] {
            if self.store.account(app_key, id).await?.is_none() {
                return Err(AdminError::UnknownAccount {
                    app: app_key.to_owned(),
                    account: id.to_string(),
                });
            }
        }
        let accepted = LinkPair {
            own: Some(Link::Accepted),
            theirs: Some(Link::Accepted),
        };
        Ok(self
            .store
            .set_link_pair(app_key, &owner, &contact, accepted, wall_now_ms())
            .await?)
    }
}
