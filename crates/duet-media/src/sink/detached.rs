//! A consumer run on a thread of its own, so a slow one never slows the producer (a preview
//! must not slow the capture thread that feeds the encoder).
//!
//! The producer hands each value (a frame, or frames that belong together) to a one-value
//! mailbox and returns at once; a value the consumer has not taken yet is replaced, so the
//! consumer only ever sees the newest. Buffers go round between the two sides
//! ([`Detached::recycled`]), so after the first few values nothing is allocated.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::error::{MediaError, MediaResult};
use crate::frame::I420Frame;

struct Slots<T> {
    /// The newest value, not yet taken by the consumer.
    latest: Option<T>,
    /// A buffer the consumer is done with, for the producer to reuse.
    returned: Option<T>,
    /// The producer is gone: the consumer ends.
    closed: bool,
    /// The consumer failed with this: the producer's next send reports it.
    failed: Option<String>,
}

struct Mailbox<T> {
    slots: Mutex<Slots<T>>,
    ready: Condvar,
}

impl<T> Mailbox<T> {
    fn lock(&self) -> MutexGuard<'_, Slots<T>> {
        // Both sides leave the slots consistent between statements, so a poisoned lock's data
        // is still good.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The producer's end: values sent here reach the consumer on its own thread.
pub struct Detached<T: Send + 'static> {
    mailbox: Arc<Mailbox<T>>,
    /// A buffer for the next value.
    spare: Option<T>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> std::fmt::Debug for Detached<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detached").finish_non_exhaustive()
    }
}

impl<T: Send + 'static> Detached<T> {
    /// Starts the thread (named `name`) that hands each value to `consumer`; an error from it
    /// ends the thread.
    pub fn spawn(
        name: &str,
        consumer: impl FnMut(&T) -> MediaResult<()> + Send + 'static,
    ) -> MediaResult<Self> {
        let mailbox = Arc::new(Mailbox {
            slots: Mutex::new(Slots {
                latest: None,
                returned: None,
                closed: false,
                failed: None,
            }),
            ready: Condvar::new(),
        });
        let thread_mailbox = mailbox.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || consume(&thread_mailbox, consumer))
            .map_err(|e| MediaError::InvalidConfig(format!("cannot start {name} thread: {e}")))?;
        Ok(Self {
            mailbox,
            spare: None,
            thread: Some(thread),
        })
    }

    /// A buffer the consumer is done with, to fill and [`Detached::send`]; `None` while fewer
    /// than three buffers go round.
    pub fn recycled(&mut self) -> Option<T> {
        self.spare.take()
    }

    /// Hands `value` to the consumer, replacing one it has not taken yet; fails once the
    /// consumer has failed.
    pub fn send(&mut self, value: T) -> MediaResult<()> {
        let mut slots = self.mailbox.lock();
        if let Some(reason) = &slots.failed {
            return Err(MediaError::InvalidFrame(format!(
                "detached consumer failed: {reason}"
            )));
        }
        // A value still waiting is stale now: its buffer takes the next one.
        let stale = slots.latest.replace(value);
        self.spare = stale.or_else(|| slots.returned.take());
        drop(slots);
        self.mailbox.ready.notify_one();
        Ok(())
    }
}

/// The consumer thread: takes the newest value, consumes it, gives the buffer back.
fn consume<T>(mailbox: &Mailbox<T>, mut consumer: impl FnMut(&T) -> MediaResult<()>) {
    loop {
        let value = {
            let mut slots = mailbox.lock();
            loop {
                if let Some(value) = slots.latest.take() {
                    break value;
                }
                if slots.closed {
                    return;
                }
                slots = mailbox.ready.wait(slots).unwrap_or_else(|e| e.into_inner());
            }
        };
        let result = consumer(&value);
        let mut slots = mailbox.lock();
        slots.returned = Some(value);
        if let Err(e) = result {
            slots.failed = Some(e.to_string());
            return;
        }
    }
}

impl<T: Send + 'static> Drop for Detached<T> {
    /// Waits for the value being consumed, so the consumer (and a file it writes) is finished
    /// when this returns.
    fn drop(&mut self) {
        self.mailbox.lock().closed = true;
        self.mailbox.ready.notify_one();
        if let Some(thread) = self.thread.take() {
            // A panicking consumer ended the thread already; nothing is left to wait for.
            let _ = thread.join();
        }
    }
}

/// Copies `from` into `into`, reusing `into`'s plane buffers when there is one.
pub fn copy_frame(into: &mut Option<I420Frame>, from: &I420Frame) {
    let Some(target) = into.as_mut() else {
        *into = Some(from.clone());
        return;
    };
    target.width = from.width;
    target.height = from.height;
    target.y.clone_from(&from.y);
    target.u.clone_from(&from.u);
    target.v.clone_from(&from.v);
    target.stride_y = from.stride_y;
    target.stride_uv = from.stride_uv;
    target.capture_time_us = from.capture_time_us;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};

    fn frame(n: u64) -> I420Frame {
        let mut frame = I420Frame::black(16, 16).unwrap();
        frame.capture_time_us = n;
        frame
    }

    /// Sends a copy of `frame` the way a producer does: into a recycled buffer if there is one.
    fn send_frame(detached: &mut Detached<Option<I420Frame>>, n: u64) -> MediaResult<()> {
        let mut buffer = detached.recycled().unwrap_or_default();
        copy_frame(&mut buffer, &frame(n));
        detached.send(buffer)
    }

    /// A consumer that reports each frame's capture time, then blocks until allowed to go on.
    fn gated() -> (Detached<Option<I420Frame>>, Receiver<u64>, SyncSender<()>) {
        let (seen_tx, seen) = channel();
        let (go, go_rx) = sync_channel(0);
        let detached = Detached::spawn("test-preview", move |frame: &Option<I420Frame>| {
            let _ = seen_tx.send(frame.as_ref().map_or(0, |f| f.capture_time_us));
            go_rx
                .recv()
                .map_err(|_| MediaError::InvalidFrame("gate closed".into()))
        })
        .unwrap();
        (detached, seen, go)
    }

    #[test]
    fn a_blocked_consumer_does_not_block_the_producer_and_then_gets_the_newest_frame() {
        let (mut detached, seen, go) = gated();
        send_frame(&mut detached, 1).unwrap();
        // The consumer is now stuck in frame 1 until `go`; the producer keeps sending.
        assert_eq!(seen.recv().unwrap(), 1);
        for n in 2..=100 {
            send_frame(&mut detached, n).unwrap();
        }
        go.send(()).unwrap();
        // Frames 2..=99 were stale before the consumer was free again.
        assert_eq!(seen.recv().unwrap(), 100);
        go.send(()).unwrap();
        drop(detached);
        assert!(seen.try_recv().is_err());
    }

    #[test]
    fn a_few_buffers_go_round_however_many_frames_pass() {
        let (tx, rx) = channel();
        let mut detached = Detached::spawn("test-preview", move |frame: &Option<I420Frame>| {
            let _ = tx.send(frame.as_ref().map_or(0, |f| f.y.as_ptr() as usize));
            Ok(())
        })
        .unwrap();
        for n in 0..500 {
            send_frame(&mut detached, n).unwrap();
        }
        drop(detached);
        let buffers: std::collections::HashSet<usize> = rx.try_iter().collect();
        assert!((1..=4).contains(&buffers.len()), "{}", buffers.len());
    }

    #[test]
    fn a_failed_consumer_is_reported_on_the_next_send() {
        let (mut detached, seen, go) = gated();
        send_frame(&mut detached, 1).unwrap();
        assert_eq!(seen.recv().unwrap(), 1);
        drop(go);
        // The consumer sees the gate close and fails; the producer learns it on a later send.
        let mut n = 2;
        while send_frame(&mut detached, n).is_ok() {
            n += 1;
            std::thread::yield_now();
        }
    }
}
