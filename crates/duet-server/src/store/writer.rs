//! The one task that writes call changes: many per transaction, in order, never dropping one.
//!
//! Hubs hand changes over without waiting (a hub that waited on a failing disk would freeze every
//! call of its app). A failed transaction is retried with backoff until it succeeds; while it
//! fails, changes that keep arriving join the pending batch, where a newer copy of a live call
//! replaces the older one, so the memory held is bounded by the live calls plus the records of
//! calls that ended meanwhile. [`StoreHealth`] tells the hubs to refuse new calls while the store
//! fails or the backlog is over its limit, tells waiting requests to give up, and answers
//! `/healthz`. On shutdown every queued change is written; if the store is still failing after
//! [`SHUTDOWN_GRACE`], the changes that could not be written are logged in full at error level.

mod health;

pub use health::{StoreHealth, StoreStatus};

use super::{CallWrite, Store};
use prometheus_client::metrics::histogram::Histogram;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Longest wait between retries of a failed transaction.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// First wait after a failed transaction.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);
/// How long a stopping server keeps retrying a failing store before giving up on its changes.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

enum Job {
    Write(CallWrite),
    Flush(oneshot::Sender<()>),
}

/// Sends call changes to the writer task; cheap to clone. The task ends once every handle is dropped.
#[derive(Debug, Clone)]
pub struct WriterHandle {
    jobs: mpsc::UnboundedSender<Job>,
    health: Arc<StoreHealth>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Write(write) => write.fmt(f),
            Job::Flush(_) => f.write_str("Flush"),
        }
    }
}

impl WriterHandle {
    /// Queues one change; never waits.
    pub fn write(&self, write: CallWrite) {
        self.health.queued(1);
        if let Err(lost) = self.jobs.send(Job::Write(write)) {
            // Only possible if the writer task panicked; say loudly what was not written.
            self.health.dequeued(1);
            tracing::error!(write = ?lost.0, "call writer is gone; change not persisted");
        }
    }

    /// Waits until every change queued before this call is committed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    /// Like [`WriterHandle::flush`], but gives up after `wait`: false if the changes are still
    /// not committed by then (the store is failing or far behind).
    pub async fn flush_within(&self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.flush()).await.is_ok()
    }

    /// How the store is doing, shared with `/healthz`.
    pub fn health(&self) -> &Arc<StoreHealth> {
        &self.health
    }
}

/// Starts the writer on `store`; it commits up to `batch_max` changes per transaction while the
/// store works, and reports the store unfit for new calls once `backlog_limit` changes wait.
pub fn spawn_writer(
    store: Arc<dyn Store>,
    backlog_limit: usize,
    batch_max: usize,
    batch_seconds: Option<Histogram>,
) -> (WriterHandle, JoinHandle<()>) {
    let (jobs, rx) = mpsc::unbounded_channel();
    let health = Arc::new(StoreHealth::new(backlog_limit.max(1)));
    let writer = Writer {
        store,
        rx,
        open: true,
        batch: Batch::default(),
        flushed: Vec::new(),
        batch_max: batch_max.max(1),
        health: health.clone(),
        batch_seconds,
    };
    let task = tokio::spawn(writer.run());
    (WriterHandle { jobs, health }, task)
}

struct Writer {
    store: Arc<dyn Store>,
    rx: mpsc::UnboundedReceiver<Job>,
    /// False once every handle is gone: the server is stopping.
    open: bool,
    batch: Batch,
    /// Flushes waiting for the changes queued before them, all of which are in `batch`.
    flushed: Vec<oneshot::Sender<()>>,
    batch_max: usize,
    health: Arc<StoreHealth>,
    /// Where each transaction's time goes (`/metrics`), if anywhere.
    batch_seconds: Option<Histogram>,
}

impl Writer {
    async fn run(mut self) {
        let mut backoff = FIRST_BACKOFF;
        let mut gave_up_at: Option<Instant> = None;
        loop {
            if self.batch.is_empty() {
                self.answer_flushes();
                if !self.open {
                    break;
                }
                match self.rx.recv().await {
                    Some(job) => self.take(job),
                    None => self.open = false,
                }
            }
            // While the store fails, everything that arrived joins the retry (and coalesces).
            let limit = if self.health.is_failing() {
                usize::MAX
            } else {
                self.batch_max
            };
            self.take_ready(limit);
            let writes = self.batch.take();
            let count = writes.len();
            let result = if writes.is_empty() {
                Ok(())
            } else {
                let started = Instant::now();
                let result = self.store.apply(&writes).await;
                if let Some(histogram) = &self.batch_seconds {
                    histogram.observe(started.elapsed().as_secs_f64());
                }
                result
            };
            match result {
                Ok(()) => {
                    tracing::trace!(changes = count, "call changes committed");
                    self.health.committed();
                    self.health.set_in_batch(self.batch.len());
                    backoff = FIRST_BACKOFF;
                    if self.batch.is_empty() {
                        self.answer_flushes();
                    }
                }
                Err(error) => {
                    tracing::error!(%error, changes = count, "committing call changes failed; retrying");
                    self.health.failed(error.to_string());
                    for write in writes {
                        self.batch.push(write);
                    }
                    self.health.set_in_batch(self.batch.len());
                    if !self.open {
                        let deadline =
                            *gave_up_at.get_or_insert_with(|| Instant::now() + SHUTDOWN_GRACE);
                        if Instant::now() >= deadline {
                            self.give_up();
                            break;
                        }
                    }
                    self.wait_collecting(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        tracing::debug!("call writer drained");
    }

    fn take(&mut self, job: Job) {
        match job {
            Job::Write(write) => {
                self.health.dequeued(1);
                self.batch.push(write);
                self.health.set_in_batch(self.batch.len());
            }
            Job::Flush(done) => self.flushed.push(done),
        }
    }

    /// Takes the jobs already queued, until the batch holds `limit` changes.
    fn take_ready(&mut self, limit: usize) {
        while self.batch.len() < limit {
            match self.rx.try_recv() {
                Ok(job) => self.take(job),
                Err(mpsc::error::TryRecvError::Empty) => return,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.open = false;
                    return;
                }
            }
        }
    }

    /// Sleeps `backoff` before the next attempt, taking in the jobs that arrive meanwhile.
    async fn wait_collecting(&mut self, backoff: Duration) {
        let sleep = tokio::time::sleep(backoff);
        tokio::pin!(sleep);
        while self.open {
            tokio::select! {
                () = &mut sleep => return,
                job = self.rx.recv() => match job {
                    Some(job) => self.take(job),
                    None => self.open = false,
                },
            }
        }
        sleep.await;
    }

    fn answer_flushes(&mut self) {
        for done in self.flushed.drain(..) {
            let _ = done.send(());
        }
    }

    /// The server is stopping and the store still fails: log what could not be written, in
    /// full, so an operator can replay it.
    fn give_up(&mut self) {
        let writes = self.batch.take();
        tracing::error!(
            changes = writes.len(),
            "the store kept failing while the server stopped; these call changes are not persisted"
        );
        for write in writes {
            tracing::error!(write = ?write, "call change not persisted");
        }
        self.health.set_in_batch(0);
        self.answer_flushes();
    }
}

/// Changes waiting for the next transaction. A stored copy superseded within the batch (a newer
/// copy, or the call's end) is dropped, so a short call costs one statement pair, not several.
#[derive(Default)]
struct Batch {
    writes: Vec<Option<CallWrite>>,
    stored_at: HashMap<(String, String), usize>,
    len: usize,
}

impl Batch {
    /// Changes that will be written (superseded copies not counted).
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, write: CallWrite) {
        let key = match &write {
            CallWrite::Stored {
                app_key, call_id, ..
            } => (app_key.clone(), call_id.clone()),
            CallWrite::Ended {
                app_key, record, ..
            } => (app_key.clone(), record.call_id.as_str().to_owned()),
        };
        if let Some(old) = self.stored_at.remove(&key) {
            self.writes[old] = None;
            self.len -= 1;
        }
        if matches!(write, CallWrite::Stored { .. }) {
            self.stored_at.insert(key, self.writes.len());
        }
        self.writes.push(Some(write));
        self.len += 1;
    }

    fn take(&mut self) -> Vec<CallWrite> {
        self.stored_at.clear();
        self.len = 0;
        self.writes.drain(..).flatten().collect()
    }
}
