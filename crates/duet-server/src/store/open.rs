//! Choosing the backend from the configured `database`: a `postgres://` URL or a SQLite file.

use super::{PostgresStore, SqliteStore, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// Whether `database` names a PostgreSQL database rather than a SQLite file.
pub fn is_postgres(database: &str) -> bool {
    ["postgres://", "postgresql://"]
        .iter()
        .any(|scheme| database.starts_with(scheme))
}

/// Opens the store `database` names, bringing its schema up to date: a `postgres://` or
/// `postgresql://` URL opens [`PostgresStore`], anything else is a SQLite file path (or
/// `sqlite:` URL). Statements wait at most `wait` for another connection's lock.
pub async fn open(database: &str, wait: Duration) -> Result<Arc<dyn Store>, StoreError> {
    Ok(if is_postgres(database) {
        Arc::new(PostgresStore::open(database, wait).await?)
    } else {
        Arc::new(SqliteStore::open_waiting(database, wait).await?)
    })
}

/// `database` as it may be logged or shown: a URL's user and password (`user:pass@`) become
/// `***@`, and a `password` parameter's value `***`. A SQLite path is shown as it is.
pub fn redacted(database: &str) -> String {
    if !is_postgres(database) {
        return database.to_owned();
    }
    let Ok(mut url) = url::Url::parse(database) else {
        // Not a URL we can take apart; it may still hold a password, so show the scheme only.
        let scheme = database.split("://").next().unwrap_or("postgres");
        return format!("{scheme}://(unparsable URL)");
    };
    let hidden_user = !url.username().is_empty() || url.password().is_some();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(key, value)| {
            let value = if key == "password" {
                "***".to_owned()
            } else {
                value.into_owned()
            };
            (key.into_owned(), value)
        })
        .collect();
    if url.query().is_some() {
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    // Url cannot hold a literal `***` user (it would percent-encode it), so the user part is
    // put back by hand.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    let text = url.to_string();
    match (hidden_user, text.split_once("://")) {
        (true, Some((scheme, rest))) => format!("{scheme}://***@{rest}"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_postgres_url_is_told_from_a_sqlite_path() {
        assert!(is_postgres("postgres://duet@localhost/duet"));
        assert!(is_postgres("postgresql://localhost/duet"));
        assert!(!is_postgres("/var/lib/duet/duet.sqlite"));
        assert!(!is_postgres("sqlite:duet.sqlite"));
        assert!(!is_postgres("postgres.sqlite"));
    }

    #[test]
    fn credentials_never_show_in_a_redacted_url() {
        assert_eq!(
            redacted("postgres://duet:s3cret@db.example:5433/duet"),
            "postgres://***@db.example:5433/duet"
        );
        assert_eq!(
            redacted("postgresql://duet@localhost/duet?password=s3cret&sslmode=disable"),
            "postgresql://***@localhost/duet?password=***&sslmode=disable"
        );
        assert_eq!(
            redacted("postgres://localhost/duet"),
            "postgres://localhost/duet"
        );
        assert_eq!(redacted("/tmp/duet.sqlite"), "/tmp/duet.sqlite");
        let bad = redacted("postgres://duet:s3cret@[bad/duet");
        assert!(!bad.contains("s3cret"), "{bad}");
    }
}
