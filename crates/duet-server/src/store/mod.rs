//! Persistence behind one trait: apps, accounts, tokens, contacts, records and live calls.
//!
//! [`SqliteStore`] is the default implementation, [`PostgresStore`] the other; [`open`] picks
//! one from the configured `database`. Both keep the same invariants: `apply` commits a batch
//! whole or not at all, and a call's record is inserted at most once (unique on app and call
//! id) in the same transaction that deletes its live copy.
//! Architecture invariant: the hub never awaits the store; call changes reach it through the
//! batching [`writer`], everything else is read by connection tasks.

mod open;
mod postgres;
mod postgres_calls;
mod postgres_contacts;
mod postgres_registration;
mod postgres_revocations;
mod rows;
mod sqlite;
mod sqlite_contacts;
mod sqlite_registration;
mod sqlite_revocations;
pub mod writer;

pub use open::{is_postgres, open, redacted};
pub use postgres::{PostgresStore, MAX_POOL_CONNECTIONS as POSTGRES_POOL_CONNECTIONS};
pub use sqlite::SqliteStore;

use async_trait::async_trait;
use duet_protocol::{AccountId, CallRecord, ContactPolicy, Registration, UserSummary};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not run the statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value does not parse (corrupt, or written by another version).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
}

/// A tenant: its appKey, login-token secret and whether calls need per-call tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    pub app_key: String,
    pub secret: String,
    pub safe_mode: bool,
    /// Who may create accounts without the operator.
    pub registration: Registration,
    /// How accounts become contacts.
    pub contacts: ContactPolicy,
}

/// An account of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub account: AccountId,
    pub nick: String,
    /// Login tokens issued before this moment (ms since the epoch) are revoked.
    pub tokens_valid_after_ms: u64,
}

/// Login tokens revoked together, as recorded for running servers to act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Orders revocations; a server acts on those above the last id it saw.
    pub id: i64,
    pub app_key: String,
    pub account: AccountId,
    pub tokens: RevokedTokens,
}

/// Which of an account's tokens a revocation covers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RevokedTokens {
    /// The token with this id.
    One(String),
    /// Every token issued before this moment (ms since the epoch).
    IssuedBefore(u64),
}

impl RevokedTokens {
    /// Whether a token with id `token_id`, issued at `issued_at_ms`, is covered.
    pub fn covers(&self, token_id: &str, issued_at_ms: u64) -> bool {
        match self {
            RevokedTokens::One(id) => id == token_id,
            RevokedTokens::IssuedBefore(ms) => issued_at_ms < *ms,
        }
    }
}

/// A new account with a password, as `register` asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount<'a> {
    pub app_key: &'a str,
    pub account: &'a AccountId,
    pub nick: &'a str,
    /// The password's argon2id PHC string.
    pub password_hash: &'a str,
    /// The SHA-256 of the invite code that admits it, when the app asks for one.
    pub invite_hash: Option<&'a str>,
}

/// What became of a [`NewAccount`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registered {
    /// The account exists now (and the invite, if any, lost one use).
    Created,
    /// The name is taken; nothing changed.
    AccountExists,
    /// The invite is unknown, used up or expired; nothing changed.
    BadInvite,
}

/// What one account did toward another (one row of `contacts`, one direction of a pair).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    /// Has the other as a contact.
    Accepted,
    /// Asked the other to be a contact; no answer yet.
    Requested,
    /// Asked, and the other ignored it (or blocked this account): never shown to the other.
    Ignored,
    /// Blocked the other.
    Blocked,
}

impl Link {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Link::Accepted => "accepted",
            Link::Requested => "requested",
            Link::Ignored => "ignored",
            Link::Blocked => "blocked",
        }
    }

    /// The link stored as `text`.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        match text {
            "accepted" => Ok(Link::Accepted),
            "requested" => Ok(Link::Requested),
            "ignored" => Ok(Link::Ignored),
            "blocked" => Ok(Link::Blocked),
            other => Err(StoreError::Corrupt(format!(
                "unknown contact state `{other}`"
            ))),
        }
    }
}

/// Both directions between two accounts: what `own` (the first) did toward the other, and
/// what the other did toward it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkPair {
    pub own: Option<Link>,
    pub theirs: Option<Link>,
}

impl LinkPair {
    /// The same pair seen from the other account.
    pub fn flipped(self) -> Self {
        Self {
            own: self.theirs,
            theirs: self.own,
        }
    }
}

/// An account linked with the listing one either way, and both directions of the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub user: UserSummary,
    pub links: LinkPair,
}

/// A live call as persisted: its id and the switchboard's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveCallRow {
    pub call_id: String,
    pub state: String,
}

/// A change to records or live calls, applied by the [`writer`] in batches.
#[derive(Debug, Clone, PartialEq)]
pub enum CallWrite {
    /// Insert or replace the stored copy of a live call.
    Stored {
        app_key: String,
        call_id: String,
        state: String,
        at_ms: u64,
    },
    /// Insert the call's record (never twice) and delete its stored copy.
    Ended {
        app_key: String,
        record: CallRecord,
        /// Left out of the callee's history (a call refused because the callee blocked the caller).
        hidden_from_callee: bool,
    },
}

/// Where to continue a history listing: records with a smaller position are older.
pub type HistoryPosition = i64;

/// Everything the server persists. Implementations must be safe to share between tasks.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an app; false if the appKey is taken.
    async fn create_app(&self, app: &App, now_ms: u64) -> Result<bool, StoreError>;
    /// The app with this key, if any.
    async fn app(&self, app_key: &str) -> Result<Option<App>, StoreError>;
    /// Every app, by key.
    async fn apps(&self) -> Result<Vec<App>, StoreError>;
    /// Creates the account or renames it.
    async fn upsert_account(
        &self,
        app_key: &str,
        account: &AccountId,
        nick: &str,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// The account, if it exists in this app.
    async fn account(
        &self,
        app_key: &str,
        account: &AccountId,
    ) -> Result<Option<Account>, StoreError>;
    /// Revokes every token of the account issued before `at_ms`; false if there is no such account.
    async fn revoke_tokens_before(
        &self,
        app_key: &str,
        account: &AccountId,
        at_ms: u64,
    ) -> Result<bool, StoreError>;
    /// Revokes one token of `account` by its id until it would expire.
    async fn revoke_token(
        &self,
        app_key: &str,
        account: &AccountId,
        token_id: &str,
        expires_at_ms: u64,
    ) -> Result<(), StoreError>;
    /// Revocations recorded after `after_id`, oldest first, at most `limit`.
    async fn revocations_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Revocation>, StoreError>;
    /// The id of the newest revocation (0 if none): where a server starting now begins.
    async fn last_revocation_id(&self) -> Result<i64, StoreError>;
    /// Deletes rows no longer needed at `now_ms`: revoked tokens past their expiry, used-up or
    /// expired invite codes, revocation log entries over a day old, and, if `records_before_ms`
    /// is set, call records that ended before it. Returns how many rows went.
    async fn prune(&self, now_ms: u64, records_before_ms: Option<u64>) -> Result<u64, StoreError>;
    /// Whether a single token was revoked.
    async fn is_token_revoked(&self, app_key: &str, token_id: &str) -> Result<bool, StoreError>;
    /// Both directions between `a` and `b`, seen from `a`.
    async fn link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
    ) -> Result<LinkPair, StoreError>;
    /// Replaces both directions between `a` and `b` (seen from `a`) in one transaction; `None`
    /// deletes a direction.
    async fn set_link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
        links: LinkPair,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// Every account linked with `owner` either way, with both directions, by account.
    async fn links(&self, app_key: &str, owner: &AccountId) -> Result<Vec<Linked>, StoreError>;
    /// How many requests `owner` sent that wait for an answer (`requested` or `ignored`).
    async fn pending_requests(&self, app_key: &str, owner: &AccountId) -> Result<u32, StoreError>;
    /// Accounts of the app whose account or nickname contains `query` (case-insensitive),
    /// leaving out those that blocked `searcher`.
    async fn search(
        &self,
        app_key: &str,
        searcher: &AccountId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<UserSummary>, StoreError>;
    /// Up to `limit` records of `account`, newest first, older than `before`; each with its position.
    async fn history(
        &self,
        app_key: &str,
        account: &AccountId,
        before: Option<HistoryPosition>,
        limit: u32,
    ) -> Result<Vec<(HistoryPosition, CallRecord)>, StoreError>;
    /// Sets an app's registration policy; false if there is no such app.
    async fn set_registration(
        &self,
        app_key: &str,
        registration: Registration,
    ) -> Result<bool, StoreError>;
    /// Sets an app's contact policy; false if there is no such app.
    async fn set_contact_policy(
        &self,
        app_key: &str,
        policy: ContactPolicy,
    ) -> Result<bool, StoreError>;
    /// Sets (or replaces) an existing account's password hash; false if there is no such account.
    async fn set_password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
        password_hash: &str,
    ) -> Result<bool, StoreError>;
    /// The account's password hash; `None` if the account does not exist or has no password.
    async fn password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
    ) -> Result<Option<String>, StoreError>;
    /// Creates the account and takes one use of its invite, in one transaction: a refused
    /// registration never spends a use.
    async fn register_account(
        &self,
        new: &NewAccount<'_>,
        now_ms: u64,
    ) -> Result<Registered, StoreError>;
    /// Stores an invite code's hash, good for `uses` registrations until `expires_at_ms`.
    async fn create_invite(
        &self,
        app_key: &str,
        code_hash: &str,
        uses: u32,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), StoreError>;
    /// The live calls of an app, to restore after a restart.
    async fn active_calls(&self, app_key: &str) -> Result<Vec<ActiveCallRow>, StoreError>;
    /// Whether a call with this id already has a record (its id may not be used again).
    async fn call_recorded(&self, app_key: &str, call_id: &str) -> Result<bool, StoreError>;
    /// Applies a batch of call changes in one transaction, in order.
    async fn apply(&self, batch: &[CallWrite]) -> Result<(), StoreError>;
    /// Flushes and closes the store.
    async fn close(&self);
}
