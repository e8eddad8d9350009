//! How the store is doing, as the writer last saw it: read by hubs (may a new call start?),
//! by requests that wait on the store, and by `/healthz`.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Shared between the writer task and its readers; every method is cheap and never waits on I/O.
#[derive(Debug)]
pub struct StoreHealth {
    /// Changes sent to the writer and not yet taken from its queue.
    queued: AtomicUsize,
    /// Changes in the writer's pending batch (taken, not yet committed).
    in_batch: AtomicUsize,
    /// Past this many waiting changes, new calls are refused.
    backlog_limit: usize,
    failing: AtomicBool,
    failure: Mutex<Option<Failure>>,
}

#[derive(Debug, Clone)]
struct Failure {
    since: Instant,
    error: String,
}

/// A snapshot for `/healthz` and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreStatus {
    /// Call changes waiting to be committed.
    pub backlog: usize,
    /// Past this backlog, new calls are refused.
    pub backlog_limit: usize,
    /// `Some((for how long, the last error))` while commits fail.
    pub failing: Option<(Duration, String)>,
}

impl StoreStatus {
    /// Whether the store takes writes and keeps up.
    pub fn is_healthy(&self) -> bool {
        self.failing.is_none() && self.backlog < self.backlog_limit
    }
}

impl StoreHealth {
    pub(super) fn new(backlog_limit: usize) -> Self {
        Self {
            queued: AtomicUsize::new(0),
            in_batch: AtomicUsize::new(0),
            backlog_limit,
            failing: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    pub(super) fn queued(&self, n: usize) {
        self.queued.fetch_add(n, Ordering::Relaxed);
    }

    pub(super) fn dequeued(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::Relaxed);
    }

    pub(super) fn set_in_batch(&self, n: usize) {
        self.in_batch.store(n, Ordering::Relaxed);
    }

    pub(super) fn failed(&self, error: String) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        let since = failure.as_ref().map_or_else(Instant::now, |f| f.since);
        *failure = Some(Failure { since, error });
        self.failing.store(true, Ordering::Release);
    }

    pub(super) fn committed(&self) {
        if self.failing.swap(false, Ordering::AcqRel) {
            let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(old) = failure.take() {
                tracing::warn!(
                    failed_for_ms =
                        u64::try_from(old.since.elapsed().as_millis()).unwrap_or(u64::MAX),
                    "the store takes writes again; every waiting call change is committed"
                );
            }
        }
    }

    /// Whether the last commit failed (and none has succeeded since).
    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }

    /// Call changes not yet committed.
    pub fn backlog(&self) -> usize {
        self.queued.load(Ordering::Relaxed) + self.in_batch.load(Ordering::Relaxed)
    }

    /// Whether a new call may start: its record could be kept. False while commits fail or the
    /// backlog is over its limit; calls already running go on either way.
    pub fn takes_new_calls(&self) -> bool {
        !self.is_failing() && self.backlog() < self.backlog_limit
    }

    /// The state as `/healthz` reports it.
    pub fn status(&self) -> StoreStatus {
        let failing = if self.is_failing() {
            let failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
            failure
                .as_ref()
                .map(|f| (f.since.elapsed(), f.error.clone()))
        } else {
            None
        };
        StoreStatus {
            backlog: self.backlog(),
            backlog_limit: self.backlog_limit,
            failing,
        }
    }
}
