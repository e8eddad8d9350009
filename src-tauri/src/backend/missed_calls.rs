//! Calls this user missed: incoming calls that ended while ringing because the caller gave up or
//! nobody answered in time (records `canceled` and `unanswered` with this account as callee).
//! A declined call (`rejected`), one answered on another device (`completed`) and a caller
//! refused as busy are not missed. Counted from `MESSAGE_SENT`, which reaches every device of the
//! account, and, for calls missed while the app was closed or offline, from the history since the
//! account's "seen up to" mark (`store::history_seen`), read at sign-in and after a reconnect;
//! until the user opens the history. Each call counts once, whichever way it arrives first.

use duet_callkit::{CallRecord, CallStatus};
use std::collections::HashSet;

/// The count shown on the History tab and in the tray.
#[derive(Debug, Default)]
pub struct MissedCalls {
    unseen: HashSet<String>,
}

/// Whether `record` is a call `me` missed.
pub fn is_missed(record: &CallRecord, me: &str) -> bool {
    record.to.as_str() == me
        && matches!(record.status, CallStatus::Canceled | CallStatus::Unanswered)
}

impl MissedCalls {
    /// Counts `record` if `me` missed it; true when it is newly counted (then say so to the user).
    pub fn record(&mut self, record: &CallRecord, me: &str) -> bool {
        is_missed(record, me) && self.unseen.insert(record.call_id.to_string())
    }

    /// Counts the missed calls among `records` (history fetched at sign-in or reconnect); returns
    /// the ones newly counted, which neither a live record nor an earlier fetch counted already.
    pub fn merge<'a>(&mut self, records: &'a [CallRecord], me: &str) -> Vec<&'a CallRecord> {
        records
            .iter()
            .filter(|record| self.record(record, me))
            .collect()
    }

    /// Missed calls the user has not seen in the history yet.
    pub fn count(&self) -> u32 {
        u32::try_from(self.unseen.len()).unwrap_or(u32::MAX)
    }

    /// The user opened the history (or signed out): nothing is unseen any more.
    pub fn seen(&mut self) {
        self.unseen.clear();
    }
}

/// One history page (newest first) read against the "seen up to" mark.
#[derive(Debug, PartialEq)]
pub struct PageScan<'a> {
    /// The page's records that ended after the mark.
    pub news: Vec<&'a CallRecord>,
    /// The page reached a record at or before the mark: older pages hold nothing new.
    pub reached_mark: bool,
}

/// Reads one page of the history (newest first, as the server sends it) against `mark`, the end
/// time of the newest record the user saw.
pub fn scan_page(records: &[CallRecord], mark_ms: u64) -> PageScan<'_> {
    let news: Vec<&CallRecord> = records
        .iter()
        .filter(|record| record.ended_at_ms > mark_ms)
        .collect();
    PageScan {
        reached_mark: news.len() < records.len(),
        news,
    }
}

/// Where the mark moves when the user sees `records`: the newest end time among them.
pub fn newest_end(records: &[CallRecord]) -> Option<u64> {
    records.iter().map(|record| record.ended_at_ms).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_callkit::{CallId, CallType, EndReason};
    use duet_protocol::AccountId;

    fn record(id: &str, from: &str, to: &str, status: CallStatus) -> CallRecord {
        ended(id, from, to, status, 2)
    }

    fn ended(id: &str, from: &str, to: &str, status: CallStatus, at: u64) -> CallRecord {
        CallRecord {
            call_id: CallId::new(id).unwrap(),
            from: AccountId::new(from).unwrap(),
            to: AccountId::new(to).unwrap(),
            call_type: CallType::Video,
            status,
            reason: EndReason::UserHangup,
            started_at_ms: 1,
            answered_at_ms: None,
            ended_at_ms: at,
            duration_ms: 0,
        }
    }

    #[test]
    fn only_incoming_calls_given_up_or_unanswered_count_and_each_once() {
        let mut missed = MissedCalls::default();
        assert!(missed.record(&record("c1", "bob", "me", CallStatus::Canceled), "me"));
        assert!(!missed.record(&record("c1", "bob", "me", CallStatus::Canceled), "me"));
        assert!(missed.record(&record("c2", "bob", "me", CallStatus::Unanswered), "me"));
        for (id, from, to, status) in [
            ("c3", "bob", "me", CallStatus::Rejected),
            ("c4", "bob", "me", CallStatus::Completed),
            ("c5", "bob", "me", CallStatus::Busy),
            ("c6", "me", "bob", CallStatus::Unanswered),
        ] {
            assert!(!missed.record(&record(id, from, to, status), "me"), "{id}");
        }
        assert_eq!(missed.count(), 2);
        missed.seen();
        assert_eq!(missed.count(), 0);
    }

    #[test]
    fn history_after_the_mark_counts_once_beside_live_records() {
        let page = [
            ended("c5", "bob", "me", CallStatus::Unanswered, 500),
            ended("c4", "me", "bob", CallStatus::Unanswered, 400),
            ended("c3", "bob", "me", CallStatus::Canceled, 300),
            ended("c2", "bob", "me", CallStatus::Rejected, 200),
            ended("c1", "bob", "me", CallStatus::Canceled, 100),
        ];
        let scan = scan_page(&page, 250);
        assert!(scan.reached_mark);
        let ids: Vec<&str> = scan.news.iter().map(|r| r.call_id.as_str()).collect();
        assert_eq!(ids, ["c5", "c4", "c3"]);

        let mut missed = MissedCalls::default();
        // c5 arrived live (MESSAGE_SENT) before the fetch answered.
        assert!(missed.record(&page[0], "me"));
        let news: Vec<CallRecord> = scan.news.into_iter().cloned().collect();
        let counted: Vec<&str> = missed
            .merge(&news, "me")
            .iter()
            .map(|r| r.call_id.as_str())
            .collect();
        assert_eq!(counted, ["c3"], "c5 was counted live, c4 was placed by me");
        assert_eq!(missed.count(), 2);
        assert!(
            missed.merge(&news, "me").is_empty(),
            "a reconnect fetches again"
        );
        assert_eq!(missed.count(), 2);
    }

    #[test]
    fn a_page_all_newer_than_the_mark_asks_for_the_next() {
        let page = [
            ended("c2", "bob", "me", CallStatus::Canceled, 20),
            ended("c1", "bob", "me", CallStatus::Canceled, 10),
        ];
        assert!(!scan_page(&page, 5).reached_mark);
        assert_eq!(scan_page(&page, 5).news.len(), 2);
        assert!(scan_page(&page, 10).reached_mark);
        assert_eq!(
            scan_page(&[], 5),
            PageScan {
                news: vec![],
                reached_mark: false
            }
        );
        assert_eq!(newest_end(&page), Some(20));
        assert_eq!(newest_end(&[]), None);
    }
}
