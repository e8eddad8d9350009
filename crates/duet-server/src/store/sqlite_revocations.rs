//! The SQL behind revocations reaching live sessions (see migrations/0010_revocations.sql), and
//! behind deleting the rows that would otherwise grow forever.

use super::rows::{int, revocation_from};
use super::sqlite::SqliteStore;
use super::{Revocation, RevokedTokens, StoreError};
use duet_protocol::AccountId;

impl SqliteStore {
    /// Records a revocation for running servers to see; in `tx` with the revocation itself.
    pub(super) async fn log_revocation(
        tx: &mut sqlx::SqliteConnection,
        app_key: &str,
        account: &AccountId,
        tokens: &RevokedTokens,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let (token_id, before) = match tokens {
            RevokedTokens::One(id) => (Some(id.as_str()), None),
            RevokedTokens::IssuedBefore(ms) => (None, Some(int(*ms))),
        };
        sqlx::query(
            "INSERT INTO revocations (app_key, account, token_id, issued_before_ms, created_at_ms) \
             VALUES (?, ?, ?, ?, ?)",
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

    pub(super) async fn select_revocations_after(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<Revocation>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, app_key, account, token_id, issued_before_ms FROM revocations \
             WHERE id > ? ORDER BY id LIMIT ?",
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

    pub(super) async fn select_last_revocation_id(&self) -> Result<i64, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM revocations")
            .fetch_one(&self.pool)
            .await?;
        Ok(id.unwrap_or(0))
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
                "DELETE FROM revoked_tokens WHERE expires_at_ms < ?",
                int(now_ms),
            ),
            (
                "DELETE FROM invites WHERE expires_at_ms < ? OR uses_left <= 0",
                int(now_ms),
            ),
            (
                "DELETE FROM revocations WHERE created_at_ms < ?",
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
            deleted += sqlx::query("DELETE FROM records WHERE ended_at_ms < ?")
                .bind(int(before))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }
}
