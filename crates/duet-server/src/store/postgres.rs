//! [`Store`] on PostgreSQL, for operators who already run one (backups, replicas) or want the
//! database on another machine. The same tables as the SQLite store (migrations-postgres/);
//! the SQL differs only in placeholders and in where PostgreSQL needs a lock SQLite implies.

use super::rows::{app_from, contains_pattern, int, summary_from, uint};
use super::{
    Account, ActiveCallRow, App, CallWrite, HistoryPosition, LinkPair, Linked, NewAccount,
    Registered, Revocation, Store, StoreError,
};
use async_trait::async_trait;
use duet_protocol::{AccountId, CallRecord, ContactPolicy, Registration, UserSummary};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Row};
use std::str::FromStr;
use std::time::Duration;

/// Connections in the pool: one for the record writer, the rest for requests (logins,
/// searches, history pages), which are short. Well under PostgreSQL's default of 100.
pub const MAX_POOL_CONNECTIONS: u32 = 8;
/// Opening the first connection may take a while on a remote or busy server; a short
/// `store_wait_ms` should not make the server fail to start.
const MIN_CONNECT_WAIT: Duration = Duration::from_secs(5);

/// [`Store`] on a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pub(super) pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`) and
    /// brings its schema up to date. Statements wait at most `lock_wait` for a row or table lock
    /// another connection holds, and requests at most as long for a free pooled connection.
    pub async fn open(url: &str, lock_wait: Duration) -> Result<Self, StoreError> {
        let lock_ms = lock_wait.as_millis().max(1).to_string();
        let options = PgConnectOptions::from_str(url)?
            .application_name("duet-server")
            // Notices (e.g. "relation _sqlx_migrations already exists, skipping" at every
            // start) would reach the log at info level; warnings still do.
            .options([
                ("lock_timeout", lock_ms.as_str()),
                ("client_min_messages", "warning"),
            ]);
        // One connection on its own first: an unreachable server or a refused login is then
        // reported as such at once, where the pool would retry until its timeout and report
        // only the timeout.
        PgConnection::connect_with(&options).await?.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_POOL_CONNECTIONS)
            .acquire_timeout(lock_wait.max(MIN_CONNECT_WAIT))
            .connect_with(options)
            .await?;
        // The migrator takes an advisory lock, so servers starting together migrate once.
        sqlx::migrate!("./migrations-postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_app(&self, app: &App, now_ms: u64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO apps (app_key, secret, safe_mode, registration, contacts, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (app_key) DO NOTHING",
        )
        .bind(&app.app_key)
        .bind(&app.secret)
        .bind(app.safe_mode)
        .bind(app.registration.as_str())
        .bind(app.contacts.as_str())
        .bind(int(now_ms))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn app(&self, app_key: &str) -> Result<Option<App>, StoreError> {
        let row = sqlx::query(
            "SELECT app_key, secret, safe_mode, registration, contacts FROM apps WHERE app_key = $1",
        )
        .bind(app_key)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(app_from).transpose()
    }

    async fn apps(&self) -> Result<Vec<App>, StoreError> {
        let rows = sqlx::query(
            "SELECT app_key, secret, safe_mode, registration, contacts FROM apps ORDER BY app_key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(app_from).collect()
    }

    async fn upsert_account(
        &self,
        app_key: &str,
        account: &AccountId,
        nick: &str,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO accounts (app_key, account, nick, created_at_ms) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (app_key, account) DO UPDATE SET nick = excluded.nick",
        )
        .bind(app_key)
        .bind(account.as_str())
        .bind(nick)
        .bind(int(now_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn account(
        &self,
        app_key: &str,
        account: &AccountId,
    ) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query(
            "SELECT nick, tokens_valid_after_ms FROM accounts WHERE app_key = $1 AND account = $2",
        )
        .bind(app_key)
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| -> Result<Account, StoreError> {
            Ok(Account {
                account: account.clone(),
                nick: row.try_get("nick")?,
                tokens_valid_after_ms: uint(row.try_get("tokens_valid_after_ms")?),
            })
        })
        .transpose()
    }

    async fn revoke_tokens_before(
        &self,
        app_key: &str,
        account: &AccountId,
        at_ms: u64,
    ) -> Result<bool, StoreError> {
        self.revoke_before(app_key, account, at_ms).await
    }

    async fn revoke_token(
        &self,
        app_key: &str,
        account: &AccountId,
        token_id: &str,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        self.revoke_one(app_key, account, token_id, expires_at_ms)
            .await
    }

    async fn revocations_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Revocation>, StoreError> {
        self.select_revocations_after(after_id, limit).await
    }

    async fn last_revocation_id(&self) -> Result<i64, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM revocations")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
    }

    async fn prune(&self, now_ms: u64, records_before_ms: Option<u64>) -> Result<u64, StoreError> {
        self.delete_old_rows(now_ms, records_before_ms).await
    }

    async fn is_token_revoked(&self, app_key: &str, token_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM revoked_tokens WHERE app_key = $1 AND token_id = $2")
            .bind(app_key)
            .bind(token_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
    ) -> Result<LinkPair, StoreError> {
        self.select_link_pair(app_key, a, b).await
    }

    async fn set_link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
        links: LinkPair,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.write_link_pair(app_key, a, b, links, now_ms).await
    }

    async fn links(&self, app_key: &str, owner: &AccountId) -> Result<Vec<Linked>, StoreError> {
        self.select_links(app_key, owner).await
    }

    async fn pending_requests(&self, app_key: &str, owner: &AccountId) -> Result<u32, StoreError> {
        self.count_pending_requests(app_key, owner).await
    }

    async fn search(
        &self,
        app_key: &str,
        searcher: &AccountId,
        query: &str,
        limit: u32,
    ) -> Result<Vec<UserSummary>, StoreError> {
        let pattern = contains_pattern(query);
        let rows = sqlx::query(
            "SELECT account, nick FROM accounts WHERE app_key = $1 \
             AND (lower(account) LIKE $2 ESCAPE '\\' OR lower(nick) LIKE $2 ESCAPE '\\') \
             AND NOT EXISTS (SELECT 1 FROM contacts b WHERE b.app_key = accounts.app_key \
                 AND b.owner = accounts.account AND b.contact = $3 AND b.state = 'blocked') \
             ORDER BY account LIMIT $4",
        )
        .bind(app_key)
        .bind(&pattern)
        .bind(searcher.as_str())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from).collect()
    }

    async fn history(
        &self,
        app_key: &str,
        account: &AccountId,
        before: Option<HistoryPosition>,
        limit: u32,
    ) -> Result<Vec<(HistoryPosition, CallRecord)>, StoreError> {
        self.select_history(app_key, account, before, limit).await
    }

    async fn set_registration(
        &self,
        app_key: &str,
        registration: Registration,
    ) -> Result<bool, StoreError> {
        self.update_registration(app_key, registration).await
    }

    async fn set_contact_policy(
        &self,
        app_key: &str,
        policy: ContactPolicy,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE apps SET contacts = $1 WHERE app_key = $2")
            .bind(policy.as_str())
            .bind(app_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        self.update_password_hash(app_key, account, password_hash)
            .await
    }

    async fn password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
    ) -> Result<Option<String>, StoreError> {
        self.select_password_hash(app_key, account).await
    }

    async fn register_account(
        &self,
        new: &NewAccount<'_>,
        now_ms: u64,
    ) -> Result<Registered, StoreError> {
        self.insert_registered(new, now_ms).await
    }

    async fn create_invite(
        &self,
        app_key: &str,
        code_hash: &str,
        uses: u32,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.insert_invite(app_key, code_hash, uses, expires_at_ms, now_ms)
            .await
    }

    async fn active_calls(&self, app_key: &str) -> Result<Vec<ActiveCallRow>, StoreError> {
        self.select_active_calls(app_key).await
    }

    async fn call_recorded(&self, app_key: &str, call_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM records WHERE app_key = $1 AND call_id = $2")
            .bind(app_key)
            .bind(call_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn apply(&self, batch: &[CallWrite]) -> Result<(), StoreError> {
        self.apply_batch(batch).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
