//! The SQL behind accounts people create themselves: registration policy, password hashes and
//! invite codes (see migrations/0002_registration.sql).

use super::rows::int;
use super::sqlite::SqliteStore;
use super::{NewAccount, Registered, StoreError};
use duet_protocol::{AccountId, Registration};

impl SqliteStore {
    pub(super) async fn update_registration(
        &self,
        app_key: &str,
        registration: Registration,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE apps SET registration = ? WHERE app_key = ?")
            .bind(registration.as_str())
            .bind(app_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn update_password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE accounts SET password_hash = ? WHERE app_key = ? AND account = ?")
                .bind(password_hash)
                .bind(app_key)
                .bind(account.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn select_password_hash(
        &self,
        app_key: &str,
        account: &AccountId,
    ) -> Result<Option<String>, StoreError> {
        let hash: Option<Option<String>> = sqlx::query_scalar(
            "SELECT password_hash FROM accounts WHERE app_key = ? AND account = ?",
        )
        .bind(app_key)
        .bind(account.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(hash.flatten())
    }

    pub(super) async fn insert_registered(
        &self,
        new: &NewAccount<'_>,
        now_ms: u64,
    ) -> Result<Registered, StoreError> {
        let mut tx = self.pool.begin().await?;
        if let Some(code_hash) = new.invite_hash {
            // One use taken only if the code is live; the insert below rolls it back on a clash.
            let taken = sqlx::query(
                "UPDATE invites SET uses_left = uses_left - 1 \
                 WHERE app_key = ? AND code_hash = ? AND uses_left > 0 AND expires_at_ms > ?",
            )
            .bind(new.app_key)
            .bind(code_hash)
            .bind(int(now_ms))
            .execute(&mut *tx)
            .await?;
            if taken.rows_affected() != 1 {
                return Ok(Registered::BadInvite);
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO accounts (app_key, account, nick, password_hash, created_at_ms) \
             VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_key, account) DO NOTHING",
        )
        .bind(new.app_key)
        .bind(new.account.as_str())
        .bind(new.nick)
        .bind(new.password_hash)
        .bind(int(now_ms))
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() != 1 {
            // Dropping the transaction rolls back the invite's use.
            return Ok(Registered::AccountExists);
        }
        tx.commit().await?;
        Ok(Registered::Created)
    }

    pub(super) async fn insert_invite(
        &self,
        app_key: &str,
        code_hash: &str,
        uses: u32,
        expires_at_ms: u64,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invites (app_key, code_hash, uses_left, expires_at_ms, created_at_ms) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(app_key)
        .bind(code_hash)
        .bind(i64::from(uses))
        .bind(int(expires_at_ms))
        .bind(int(now_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
