//! The SQL behind contacts: one row per direction of a pair, and the app's contact policy (see
//! migrations/0003_contacts.sql).

use super::rows::{int, link, linked_from};
use super::sqlite::SqliteStore;
use super::{LinkPair, Linked, StoreError};
use duet_protocol::{AccountId, ContactPolicy};
use sqlx::Row;

impl SqliteStore {
    pub(super) async fn select_link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
    ) -> Result<LinkPair, StoreError> {
        let rows = sqlx::query(
            "SELECT owner, state FROM contacts WHERE app_key = ? \
             AND ((owner = ? AND contact = ?) OR (owner = ? AND contact = ?))",
        )
        .bind(app_key)
        .bind(a.as_str())
        .bind(b.as_str())
        .bind(b.as_str())
        .bind(a.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut pair = LinkPair::default();
        for row in rows {
            let owner: String = row.try_get("owner")?;
            let state = link(Some(row.try_get("state")?))?;
            if owner == a.as_str() {
                pair.own = state;
            } else {
                pair.theirs = state;
            }
        }
        Ok(pair)
    }

    pub(super) async fn write_link_pair(
        &self,
        app_key: &str,
        a: &AccountId,
        b: &AccountId,
        links: LinkPair,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        for (owner, contact, state) in [(a, b, links.own), (b, a, links.theirs)] {
            match state {
                Some(state) => {
                    sqlx::query(
                        "INSERT INTO contacts (app_key, owner, contact, state, created_at_ms) \
                         VALUES (?, ?, ?, ?, ?) ON CONFLICT (app_key, owner, contact) \
                         DO UPDATE SET state = excluded.state",
                    )
                    .bind(app_key)
                    .bind(owner.as_str())
                    .bind(contact.as_str())
                    .bind(state.as_str())
                    .bind(int(now_ms))
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    sqlx::query(
                        "DELETE FROM contacts WHERE app_key = ? AND owner = ? AND contact = ?",
                    )
                    .bind(app_key)
                    .bind(owner.as_str())
                    .bind(contact.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn select_links(
        &self,
        app_key: &str,
        owner: &AccountId,
    ) -> Result<Vec<Linked>, StoreError> {
        let rows = sqlx::query(
            "WITH others (other) AS ( \
                 SELECT contact FROM contacts WHERE app_key = ? AND owner = ? \
                 UNION SELECT owner FROM contacts WHERE app_key = ? AND contact = ?) \
             SELECT a.account AS account, a.nick AS nick, o.state AS own, t.state AS theirs \
             FROM others JOIN accounts a ON a.app_key = ? AND a.account = others.other \
             LEFT JOIN contacts o ON o.app_key = ? AND o.owner = ? AND o.contact = others.other \
             LEFT JOIN contacts t ON t.app_key = ? AND t.owner = others.other AND t.contact = ? \
             ORDER BY a.account",
        )
        .bind(app_key)
        .bind(owner.as_str())
        .bind(app_key)
        .bind(owner.as_str())
        .bind(app_key)
        .bind(app_key)
        .bind(owner.as_str())
        .bind(app_key)
        .bind(owner.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(linked_from).collect()
    }

    pub(super) async fn count_pending_requests(
        &self,
        app_key: &str,
        owner: &AccountId,
    ) -> Result<u32, StoreError> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM contacts WHERE app_key = ? AND owner = ? \
             AND state IN ('requested', 'ignored')",
        )
        .bind(app_key)
        .bind(owner.as_str())
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub(super) async fn update_contact_policy(
        &self,
        app_key: &str,
        policy: ContactPolicy,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE apps SET contacts = ? WHERE app_key = ?")
            .bind(policy.as_str())
            .bind(app_key)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
