//! The default [`Store`]: one SQLite file in WAL mode, so admin commands can use it while a server runs.

use super::rows::{app_from, contains_pattern, int, reason_text, record_from, summary_from, uint};
use super::{
    Account, ActiveCallRow, App, CallWrite, HistoryPosition, LinkPair, Linked, NewAccount,
    Registered, Revocation, RevokedTokens, Store, StoreError,
};
use crate::clock::wall_now_ms;
use async_trait::async_trait;
use duet_protocol::{AccountId, CallRecord, ContactPolicy, Registration, UserSummary};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::Row;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long a statement waits for another process's write lock before failing, by default.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Readers run in parallel in WAL mode; writes are serialised by SQLite anyway.
const MAX_POOL_CONNECTIONS: u32 = 4;

/// [`Store`] on a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(super) pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `location` — a file path or a `sqlite:` URL —
    /// and brings its schema up to date.
    pub async fn open(location: &str) -> Result<Self, StoreError> {
        Self::open_waiting(location, BUSY_TIMEOUT).await
    }

    /// Like [`SqliteStore::open`], with statements waiting at most `busy_wait` for another
    /// connection's write lock before they fail.
    pub async fn open_waiting(location: &str, busy_wait: Duration) -> Result<Self, StoreError> {
        let options = if location.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(location)?
        } else {
            create_private(Path::new(location))
                .map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
            SqliteConnectOptions::new().filename(location)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(busy_wait)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_POOL_CONNECTIONS)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool })
    }
}

/// Creates the database file's directory (0700) and the file itself (0600) when missing: the
/// file holds every app's token-signing secret, so another local user must not read it. SQLite
/// gives its -wal and -shm files the database file's mode. Existing ones are left as they are
/// (an operator may have chosen a group on purpose).
fn create_private(file: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = file.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        builder.mode(0o700);
        builder.create(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_app(&self, app: &App, now_ms: u64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO apps (app_key, secret, safe_mode, registration, contacts, created_at_ms) \
             VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_key) DO NOTHING",
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
            "SELECT app_key, secret, safe_mode, registration, contacts FROM apps WHERE app_key = ?",
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
            "INSERT INTO accounts (app_key, account, nick, created_at_ms) VALUES (?, ?, ?, ?) \
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
            "SELECT nick, tokens_valid_after_ms FROM accounts WHERE app_key = ? AND account = ?",
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
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET tokens_valid_after_ms = ? WHERE app_key = ? AND account = ?",
        )
        .bind(int(at_ms))
        .bind(app_key)
        .bind(account.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        let tokens = RevokedTokens::IssuedBefore(at_ms);
        Self::log_revocation(&mut tx, app_key, account, &tokens, wall_now_ms()).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn revoke_token(
        &self,
        app_key: &str,
        account: &AccountId,
        token_id: &str,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO revoked_tokens (app_key, token_id, expires_at_ms) VALUES (?, ?, ?) \
             ON CONFLICT (app_key, token_id) DO NOTHING",
        )
        .bind(app_key)
        .bind(token_id)
        .bind(int(expires_at_ms))
        .execute(&mut *tx)
        .await?;
        let tokens = RevokedTokens::One(token_id.to_owned());
        Self::log_revocation(&mut tx, app_key, account, &tokens, wall_now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revocations_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Revocation>, StoreError> {
        self.select_revocations_after(after_id, limit).await
    }

    async fn last_revocation_id(&self) -> Result<i64, StoreError> {
        self.select_last_revocation_id().await
    }

    async fn prune(&self, now_ms: u64, records_before_ms: Option<u64>) -> Result<u64, StoreError> {
        self.delete_old_rows(now_ms, records_before_ms).await
    }

    async fn is_token_revoked(&self, app_key: &str, token_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM revoked_tokens WHERE app_key = ? AND token_id = ?")
            .bind(app_key)
            .bind(token_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    async fn call_recorded(&self, app_key: &str, call_id: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM records WHERE app_key = ? AND call_id = ?")
            .bind(app_key)
            .bind(call_id)
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

    async fn set_contact_policy(
        &self,
        app_key: &str,
        policy: ContactPolicy,
    ) -> Result<bool, StoreError> {
        self.update_contact_policy(app_key, policy).await
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
            "SELECT account, nick FROM accounts WHERE app_key = ? \
             AND (lower(account) LIKE ? ESCAPE '\\' OR lower(nick) LIKE ? ESCAPE '\\') \
             AND NOT EXISTS (SELECT 1 FROM contacts b WHERE b.app_key = accounts.app_key \
                 AND b.owner = accounts.account AND b.contact = ? AND b.state = 'blocked') \
             ORDER BY account LIMIT ?",
        )
        .bind(app_key)
        .bind(&pattern)
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
        let rows = sqlx::query(
            "SELECT * FROM records WHERE app_key = ? \
             AND (from_account = ? OR (to_account = ? AND NOT hidden_from_callee)) \
             AND id < ? ORDER BY id DESC LIMIT ?",
        )
        .bind(app_key)
        .bind(account.as_str())
        .bind(account.as_str())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from).collect()
    }

    async fn set_registration(
        &self,
        app_key: &str,
        registration: Registration,
    ) -> Result<bool, StoreError> {
        self.update_registration(app_key, registration).await
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
        let rows = sqlx::query(
            "SELECT call_id, state FROM active_calls WHERE app_key = ? ORDER BY call_id",
        )
        .bind(app_key)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| -> Result<ActiveCallRow, StoreError> {
                Ok(ActiveCallRow {
                    call_id: row.try_get("call_id")?,
                    state: row.try_get("state")?,
                })
            })
            .collect()
    }

    async fn apply(&self, batch: &[CallWrite]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for write in batch {
            match write {
                CallWrite::Stored {
                    app_key,
                    call_id,
                    state,
                    at_ms,
                } => {
                    sqlx::query(
                        "INSERT INTO active_calls (app_key, call_id, state, updated_at_ms) \
                         VALUES (?, ?, ?, ?) ON CONFLICT (app_key, call_id) \
                         DO UPDATE SET state = excluded.state, updated_at_ms = excluded.updated_at_ms",
                    )
                    .bind(app_key)
                    .bind(call_id)
                    .bind(state)
                    .bind(int(*at_ms))
                    .execute(&mut *tx)
                    .await?;
                }
                CallWrite::Ended {
                    app_key,
                    record,
                    hidden_from_callee,
                } => {
                    sqlx::query(
                        "INSERT INTO records (app_key, call_id, from_account, to_account, call_type, \
                         status, reason, started_at_ms, answered_at_ms, ended_at_ms, duration_ms, \
                         hidden_from_callee) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (app_key, call_id) DO NOTHING",
                    )
                    .bind(app_key)
                    .bind(record.call_id.as_str())
                    .bind(record.from.as_str())
                    .bind(record.to.as_str())
                    .bind(i64::from(u8::from(record.call_type)))
                    .bind(i64::from(u8::from(record.status)))
                    .bind(reason_text(record.reason))
                    .bind(int(record.started_at_ms))
                    .bind(record.answered_at_ms.map(int))
                    .bind(int(record.ended_at_ms))
                    .bind(int(record.duration_ms))
                    .bind(*hidden_from_callee)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM active_calls WHERE app_key = ? AND call_id = ?")
                        .bind(app_key)
                        .bind(record.call_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
