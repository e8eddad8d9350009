//! Turning rows into the store's types, for both backends: the SQL differs (placeholders,
//! column types), what a row means does not.

use super::{App, HistoryPosition, Link, LinkPair, Linked, Revocation, RevokedTokens, StoreError};
use duet_protocol::{AccountId, CallId, CallRecord, CallStatus, CallType, EndReason, UserSummary};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// The column reads the parsers below need, so that they work on either backend's rows.
pub(super) trait Columns {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    /// A `SMALLINT` column: SQLite hands every integer back as i64, PostgreSQL as i16.
    fn small(&self, column: &str) -> Result<i64, StoreError>;
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
}

impl Columns for SqliteRow {
    fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn small(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.try_get(column)?)
    }
}

impl Columns for PgRow {
    fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn small(&self, column: &str) -> Result<i64, StoreError> {
        Ok(i64::from(self.try_get::<i16, _>(column)?))
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.try_get(column)?)
    }
}

/// Both databases store integers as i64; our millisecond times fit with centuries to spare.
pub(super) fn int(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub(super) fn uint(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

pub(super) fn account_id(text: String) -> Result<AccountId, StoreError> {
    AccountId::new(text).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A stored contact state, if the column is not NULL.
pub(super) fn link(text: Option<String>) -> Result<Option<Link>, StoreError> {
    text.as_deref().map(Link::parse).transpose()
}

pub(super) fn app_from(row: &impl Columns) -> Result<App, StoreError> {
    Ok(App {
        app_key: row.text("app_key")?,
        secret: row.text("secret")?,
        safe_mode: row.flag("safe_mode")?,
        registration: row
            .text("registration")?
            .parse()
            .map_err(StoreError::Corrupt)?,
        contacts: row.text("contacts")?.parse().map_err(StoreError::Corrupt)?,
    })
}

pub(super) fn summary_from(row: &impl Columns) -> Result<UserSummary, StoreError> {
    Ok(UserSummary {
        account: account_id(row.text("account")?)?,
        nick: row.text("nick")?,
    })
}

/// How an end reason is stored: its wire name.
pub(super) fn reason_text(reason: EndReason) -> String {
    match serde_json::to_value(reason) {
        Ok(serde_json::Value::String(text)) => text,
        _ => format!("{reason:?}"),
    }
}

pub(super) fn record_from(row: &impl Columns) -> Result<(HistoryPosition, CallRecord), StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(e);
    let call_type = row.small("call_type")?;
    let status = row.small("status")?;
    let reason = row.text("reason")?;
    let record = CallRecord {
        call_id: CallId::new(row.text("call_id")?).map_err(|e| corrupt(e.to_string()))?,
        from: account_id(row.text("from_account")?)?,
        to: account_id(row.text("to_account")?)?,
        call_type: CallType::try_from(u8::try_from(call_type).unwrap_or(0)).map_err(corrupt)?,
        status: CallStatus::try_from(u8::try_from(status).unwrap_or(0)).map_err(corrupt)?,
        reason: serde_json::from_value(serde_json::Value::String(reason))
            .map_err(|e| corrupt(e.to_string()))?,
        started_at_ms: uint(row.int("started_at_ms")?),
        answered_at_ms: row.opt_int("answered_at_ms")?.map(uint),
        ended_at_ms: uint(row.int("ended_at_ms")?),
        duration_ms: uint(row.int("duration_ms")?),
    };
    Ok((row.int("id")?, record))
}

/// `query` as a LIKE pattern matching it anywhere, with LIKE's wildcards taken literally
/// (escaped with a backslash, which both databases' `ESCAPE '\'` accept).
pub(super) fn contains_pattern(query: &str) -> String {
    let mut pattern = String::with_capacity(query.len() + 2);
    pattern.push('%');
    for c in query.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A row of the links listing: the other account, its nick and both directions.
pub(super) fn linked_from(row: &impl Columns) -> Result<Linked, StoreError> {
    Ok(Linked {
        user: summary_from(row)?,
        links: LinkPair {
            own: link(row.opt_text("own")?)?,
            theirs: link(row.opt_text("theirs")?)?,
        },
    })
}

/// A row of the revocation log; `None` for one no server could act on (an account id or a
/// shape this version does not know), which the poller skips rather than stall on.
pub(super) fn revocation_from(row: &impl Columns) -> Result<Option<Revocation>, StoreError> {
    let Ok(account) = AccountId::new(row.text("account")?) else {
        return Ok(None);
    };
    let tokens = match (row.opt_text("token_id")?, row.opt_int("issued_before_ms")?) {
        (Some(id), _) => RevokedTokens::One(id),
        (None, Some(ms)) => RevokedTokens::IssuedBefore(uint(ms)),
        (None, None) => return Ok(None),
    };
    Ok(Some(Revocation {
        id: row.int("id")?,
        app_key: row.text("app_key")?,
        account,
        tokens,
    }))
}
