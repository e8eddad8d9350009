//! The one task that writes call changes: many per transaction, in order, never dropping one.
//!
//! Hubs hand changes over a bounded channel (a full channel slows the hub down rather than losing
//! a write). A failed transaction is retried with backoff until it succeeds; on shutdown every
//! queued change is written before the task ends.

use super::{CallWrite, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Longest wait between retries of a failed transaction.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

enum Job {
    Write(CallWrite),
    Flush(oneshot::Sender<()>),
}

/// Sends call changes to the writer task; cheap to clone. The task ends once every handle is dropped.
#[derive(Debug, Clone)]
pub struct WriterHandle {
    jobs: mpsc::Sender<Job>,
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
    /// Queues one change, waiting while the queue is full.
    pub async fn write(&self, write: CallWrite) {
        if let Err(lost) = self.jobs.send(Job::Write(write)).await {
            // Only possible if the writer task panicked; say loudly what was not written.
            tracing::error!(write = ?lost.0, "call writer is gone; change not persisted");
        }
    }

    /// Waits until every change queued before this call is committed.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.jobs.send(Job::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Starts the writer on `store`; it commits up to `batch_max` changes per transaction.
pub fn spawn_writer(
    store: Arc<dyn Store>,
    queue: usize,
    batch_max: usize,
) -> (WriterHandle, JoinHandle<()>) {
    let (jobs, rx) = mpsc::channel(queue.max(1));
    let task = tokio::spawn(run(store, rx, batch_max.max(1)));
    (WriterHandle { jobs }, task)
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>, batch_max: usize) {
    let mut batch = Batch::default();
    let mut flushed = Vec::new();
    while let Some(job) = rx.recv().await {
        let mut next = Some(job);
        while let Some(job) = next.take() {
            match job {
                Job::Write(write) => batch.push(write),
                Job::Flush(done) => flushed.push(done),
            }
            if batch.len() < batch_max {
                next = rx.try_recv().ok();
            }
        }
        commit(store.as_ref(), batch.take()).await;
        for done in flushed.drain(..) {
            let _ = done.send(());
        }
    }
    tracing::debug!("call writer drained");
}

async fn commit(store: &dyn Store, writes: Vec<CallWrite>) {
    if writes.is_empty() {
        return;
    }
    let mut backoff = Duration::from_millis(50);
    loop {
        match store.apply(&writes).await {
            Ok(()) => {
                tracing::trace!(changes = writes.len(), "call changes committed");
                return;
            }
            Err(error) => {
                tracing::error!(%error, changes = writes.len(), "committing call changes failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
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
    fn len(&self) -> usize {
        self.len
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
