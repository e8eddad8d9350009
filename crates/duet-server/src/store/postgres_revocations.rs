//! The SQL behind revoking login tokens on PostgreSQL, the revocation log running servers poll,
//! and deleting the rows that would otherwise grow forever.

use super::postgres::PostgresStore;
use super::rows::{int, revocation_from};
use super::{Revocation, RevokedTokens, StoreError};
use crate::clock::wall_now_ms;
use duet_protocol::AccountId;
use sqlx::PgConnection;

impl PostgresStore {
    pub(super) async fn revoke_before(
        &self,
        app_key: &str,
        account: &AccountId,
        at_ms: u64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE accounts SET tokens_valid_after_ms = $1 WHERE app_key = $2 AND account = $3",
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
        log_revocation(&mut tx, app_key, account, &tokens, wall_now_ms()).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn revoke_one(
        &self,
        app_key: &str,
        account: &AccountId,
        token_id: &str,
        expires_at_ms: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO revoked_tokens (app_key, token_id, expires_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (app_key, token_id) DO NOTHING",
        )
        .bind(app_key)
        .bind(token_id)
        .bind(int(expires_at_ms))
        .execute(&mut *tx)
        .await?;
        let tokens = RevokedTokens::One(token_id.to_owned());
        log_revocation(&mut tx, app_key, account, &tokens, wall_now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn select_revocations_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Revocation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, app_key, account, token_id, issued_before_ms FROM revocations \
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut found = Vec::with_capacity(rows.len());
        for row in &rows {
            found.extend(revocation_from(row)?);
        }
        Ok(found)
    }

    pub(super) async fn delete_old_rows(
        &self,
        now_ms: u64,
        records_before_ms: Option<u64>,
    ) -> Result<u64, StoreError> {
        /// The revocation log only needs to outlive the servers' polling, by far.
        const REVOCATION_LOG_MS: u64 = 24 * 3600 * 1000;
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        let statements: [(&str, i64); 3] = [
            (
                "DELETE FROM revoked_tokens WHERE expires_at_ms < $1",
                int(now_ms),
            ),
            (
                "DELETE FROM invites WHERE expires_at_ms < $1 OR uses_left <= 0",
                int(now_ms),
            ),
            (
                "DELETE FROM revocations WHERE created_at_ms < $1",
                int(now_ms.saturating_sub(REVOCATION_LOG_MS)),
            ),
        ];
        for (sql, bound) in statements {
            deleted += sqlx::query(sql)
                .bind(bound)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        if let Some(before) = records_before_ms {
            deleted += sqlx::query("DELETE FROM records WHERE ended_at_ms < $1")
                .bind(int(before))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }
}

/// Records a revocation for running servers to see; in `tx` with the revocation itself.
///
/// Servers read the log by id, above the last id they saw. PostgreSQL hands out identity
/// values when a row is inserted, not when it commits, so two revocations in flight could
/// commit out of order and a poll between them would skip the lower id forever. The table
/// lock (it lets readers through) makes revocations commit one at a time, in id order, as
/// SQLite's single writer does anyway.
async fn log_revocation(
    tx: &mut PgConnection,
    app_key: &str,
    account: &AccountId,
    tokens: &RevokedTokens,
    now_ms: u64,
) -> Result<(), StoreError> {
    let (token_id, before) = match tokens {
        RevokedTokens::One(id) => (Some(id.as_str()), None),
        RevokedTokens::IssuedBefore(ms) => (None, Some(int(*ms))),
    };
    sqlx::query("LOCK TABLE revocations IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO revocations (app_key, account, token_id, issued_before_ms, created_at_ms) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(app_key)
    .bind(account.as_str())
    .bind(token_id)
    .bind(before)
    .bind(int(now_ms))
    .execute(&mut *tx)
    .await?;
    Ok(())
}
