//! Answers to the requests that are not call actions: directory and history (contacts are in
//! `contacts.rs`).

use crate::hub::HubHandle;
use crate::server::Shared;
use crate::store::{HistoryPosition, StoreError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use duet_protocol::{AccountId, ErrorCode, ProtocolError, ServerMessage};
use std::time::Duration;

/// Page size when a request names none.
const DEFAULT_PAGE: u32 = 20;
/// Largest page a request may ask for.
const MAX_PAGE: u32 = 100;
/// Longest directory query, in characters.
const MAX_QUERY_CHARS: usize = 64;
/// Shortest directory query, in characters: a shorter one would list the app's accounts.
const MIN_QUERY_CHARS: usize = 2;
const CURSOR_PREFIX: &str = "h1:";

/// The logged-in account a request is answered for.
pub(crate) struct Requests<'a> {
    pub shared: &'a Shared,
    pub app_key: &'a str,
    pub account: &'a AccountId,
    pub hub: &'a HubHandle,
}

/// The answer to a request the store failed: `store_unavailable` when the database could not
/// run it (locked, full, read-only: it may work again shortly), `internal` for anything else.
pub(super) fn internal(error: StoreError) -> ProtocolError {
    tracing::error!(%error, "request failed on a storage fault");
    match error {
        StoreError::Database(_) => store_unavailable(),
        StoreError::Migration(_) | StoreError::Corrupt(_) => ProtocolError::new(
            ErrorCode::Internal,
            "the server could not read or write its data; try again",
        ),
    }
}

/// The database is not answering (or not taking writes) just now.
pub(super) fn store_unavailable() -> ProtocolError {
    ProtocolError::new(
        ErrorCode::StoreUnavailable,
        "the server cannot reach its database just now; try again in a moment",
    )
}

fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// The opaque `next` of a history page ending at `position`.
fn cursor(position: HistoryPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{position}"))
}

fn parse_cursor(text: &str) -> Option<HistoryPosition> {
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}

impl Requests<'_> {
    /// Accounts of this app matching `query`.
    pub(crate) async fn search(
        &self,
        query: &str,
        limit: Option<u32>,
    ) -> Result<ServerMessage, ProtocolError> {
        let query = query.trim();
        if query.chars().count() < MIN_QUERY_CHARS {
            return Err(ProtocolError::new(
                ErrorCode::QueryTooShort,
                format!("a search query needs at least {MIN_QUERY_CHARS} characters"),
            ));
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(ProtocolError::new(
                ErrorCode::InvalidMessage,
                format!("a search query has at most {MAX_QUERY_CHARS} characters"),
            ));
        }
        let users = self
            .shared
            .store
            .search(self.app_key, self.account, query, page_size(limit))
            .await
            .map_err(internal)?;
        Ok(ServerMessage::Directory { users })
    }

    /// One page of the account's records, newest first.
    pub(crate) async fn history(
        &self,
        before: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ServerMessage, ProtocolError> {
        let before = match before {
            Some(text) => Some(parse_cursor(text).ok_or_else(|| {
                ProtocolError::new(
                    ErrorCode::InvalidMessage,
                    "`before` is not a `next` from a previous page",
                )
            })?),
            None => None,
        };
        let limit = page_size(limit);
        // MESSAGE_SENT goes out as soon as the record's write is queued, before it commits; waiting
        // for the queued writes lets a history read right after MESSAGE_SENT include that record.
        // A failing store would hold the request forever: wait a bounded time, then say so.
        if let Some(writer) = self.shared.hubs.writer() {
            let wait = Duration::from_millis(self.shared.config.limits.store_wait_ms);
            if !writer.flush_within(wait).await {
                return Err(store_unavailable());
            }
        }
        let mut rows = self
            .shared
            .store
            .history(self.app_key, self.account, before, limit + 1)
            .await
            .map_err(internal)?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next = if more {
            rows.last().map(|(position, _)| cursor(*position))
        } else {
            None
        };
        let records = rows.into_iter().map(|(_, record)| record).collect();
        Ok(ServerMessage::History { records, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_cursor(&cursor(42)), Some(42));
        assert_eq!(parse_cursor("not a cursor"), None);
        assert_eq!(parse_cursor(&URL_SAFE_NO_PAD.encode("h1:x")), None);
    }
}
