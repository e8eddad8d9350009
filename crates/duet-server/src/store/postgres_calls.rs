//! The SQL behind calls on PostgreSQL: live calls as the switchboard's JSON, and records, which
//! the batching writer changes together (see migrations-postgres/0001_initial.sql).

use super::postgres::PostgresStore;
use super::rows::{int, reason_text, record_from};
use super::{ActiveCallRow, CallWrite, HistoryPosition, StoreError};
use duet_protocol::{AccountId, CallRecord};
use sqlx::{PgConnection, Row};

impl PostgresStore {
    /// The batch in one transaction: all of it or, on any error, none of it.
    pub(super) async fn apply_batch(&self, batch: &[CallWrite]) -> Result<(), StoreError> {
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
                         VALUES ($1, $2, $3, $4) ON CONFLICT (app_key, call_id) \
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
                } => end_call(&mut tx, app_key, record, *hidden_from_callee).await?,
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn select_history(
        &self,
        app_key: &str,
        account: &AccountId,
        before: Option<HistoryPosition>,
        limit: u32,
    ) -> Result<Vec<(HistoryPosition, CallRecord)>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM records WHERE app_key = $1 \
             AND (from_account = $2 OR (to_account = $2 AND NOT hidden_from_callee)) \
             AND id < $3 ORDER BY id DESC LIMIT $4",
        )
        .bind(app_key)
        .bind(account.as_str())
        .bind(before.unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record_from).collect()
    }

    pub(super) async fn select_active_calls(
        &self,
        app_key: &str,
    ) -> Result<Vec<ActiveCallRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT call_id, state FROM active_calls WHERE app_key = $1 ORDER BY call_id",
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
}

/// Inserts the call's record, never twice (a replayed batch, or a call restored and ended
/// again after a restart), and deletes its live copy, in the caller's transaction.
async fn end_call(
    tx: &mut PgConnection,
    app_key: &str,
    record: &CallRecord,
    hidden_from_callee: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO records (app_key, call_id, from_account, to_account, call_type, status, \
         reason, started_at_ms, answered_at_ms, ended_at_ms, duration_ms, hidden_from_callee) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (app_key, call_id) DO NOTHING",
    )
    .bind(app_key)
    .bind(record.call_id.as_str())
    .bind(record.from.as_str())
    .bind(record.to.as_str())
    .bind(i16::from(u8::from(record.call_type)))
    .bind(i16::from(u8::from(record.status)))
    .bind(reason_text(record.reason))
    .bind(int(record.started_at_ms))
    .bind(record.answered_at_ms.map(int))
    .bind(int(record.ended_at_ms))
    .bind(int(record.duration_ms))
    .bind(hidden_from_callee)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM active_calls WHERE app_key = $1 AND call_id = $2")
        .bind(app_key)
        .bind(record.call_id.as_str())
        .execute(&mut *tx)
        .await?;
    Ok(())
}
