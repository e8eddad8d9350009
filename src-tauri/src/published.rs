//! The state the page was last sent, and the one rule that keeps it current: derive, compare and
//! deliver under one lock, numbering every change.
//!
//! Commands (on tokio threads) and the SDK's event pump both publish. Deriving outside the lock
//! let an older snapshot be delivered after a newer one: a call the peer declined at once stayed
//! on "Calling…" forever, because nothing published again (stop 13's CI). Under one lock the last
//! delivery is always derived last. The revision lets the page also drop a state that reaches it
//! out of order, such as the bootstrap reply racing an `app-state` event.

use crate::view::AppState;
use std::sync::{Mutex, MutexGuard};

/// The last published [`AppState`].
pub struct PublishedState {
    current: Mutex<AppState>,
}

impl Default for PublishedState {
    fn default() -> Self {
        Self {
            current: Mutex::new(AppState::signed_out()),
        }
    }
}

impl PublishedState {
    /// The state last delivered, with its revision.
    pub fn get(&self) -> AppState {
        self.lock().clone()
    }

    /// Derives the state and, when it differs from the last one, numbers it one higher and hands
    /// `(previous, new)` to `deliver`. Both closures run under the lock, so `deliver` must not
    /// wait for anything that may itself publish (the Tauri main thread included).
    pub fn publish(
        &self,
        derive: impl FnOnce() -> AppState,
        deliver: impl FnOnce(&AppState, &AppState),
    ) {
        let mut current = self.lock();
        let mut state = derive();
        state.revision = current.revision;
        if state == *current {
            return;
        }
        state.revision = current.revision + 1;
        let previous = std::mem::replace(&mut *current, state);
        deliver(&previous, &current);
    }

    fn lock(&self) -> MutexGuard<'_, AppState> {
        // The state is replaced whole, so a panic cannot leave it half-updated.
        self.current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::Status;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Arc};

    fn with_status(status: Status) -> AppState {
        AppState {
            status,
            ..AppState::signed_out()
        }
    }

    fn deliveries(published: &PublishedState, states: &[Status]) -> Vec<(Status, u64)> {
        let mut delivered = vec![];
        for status in states {
            published.publish(
                || with_status(*status),
                |_, state| delivered.push((state.status, state.revision)),
            );
        }
        delivered
    }

    #[test]
    fn only_a_change_is_delivered_and_each_change_is_numbered_one_higher() {
        let published = PublishedState::default();
        let delivered = deliveries(
            &published,
            &[
                Status::SignedOut,
                Status::Idle,
                Status::Idle,
                Status::Calling,
                Status::Idle,
            ],
        );
        assert_eq!(
            delivered,
            vec![(Status::Idle, 1), (Status::Calling, 2), (Status::Idle, 3)]
        );
        assert_eq!(published.get().revision, 3);
        assert_eq!(published.get().status, Status::Idle);
    }

    /// The CI failure's interleaving: a command's thread has read the SDK ("calling") when the
    /// event pump reads it again after the peer declined ("idle"). The pump's state must be the
    /// one delivered last.
    #[test]
    fn a_publish_that_read_the_sdk_later_is_delivered_later() {
        let published = Arc::new(PublishedState::default());
        let declined = Arc::new(AtomicBool::new(false));
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let sdk_status = {
            let declined = declined.clone();
            move || {
                if declined.load(Ordering::SeqCst) {
                    Status::Idle
                } else {
                    Status::Calling
                }
            }
        };

        let (read, was_read) = mpsc::channel();
        let (resume, resumed) = mpsc::channel::<()>();
        let command = {
            let (published, delivered, sdk_status) =
                (published.clone(), delivered.clone(), sdk_status.clone());
            std::thread::spawn(move || {
                published.publish(
                    || {
                        let status = sdk_status();
                        read.send(()).expect("the test waits for the read");
                        resumed.recv().expect("the test resumes the command");
                        with_status(status)
                    },
                    |_, state| delivered.lock().expect("not poisoned").push(state.status),
                );
            })
        };
        was_read.recv().expect("the command read the SDK");
        declined.store(true, Ordering::SeqCst);
        let pump = {
            let (published, delivered) = (published.clone(), delivered.clone());
            std::thread::spawn(move || {
                published.publish(
                    || with_status(sdk_status()),
                    |_, state| delivered.lock().expect("not poisoned").push(state.status),
                );
            })
        };
        resume.send(()).expect("the command waits");
        command.join().expect("the command thread");
        pump.join().expect("the pump thread");

        assert_eq!(
            *delivered.lock().expect("not poisoned"),
            vec![Status::Calling, Status::Idle]
        );
        assert_eq!(published.get().status, Status::Idle);
    }
}
