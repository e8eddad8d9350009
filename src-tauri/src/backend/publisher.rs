//! The one task that derives the page's state and sends it. Commands and the SDK's event pump
//! only ask it to look again ([`Publisher::nudge`], [`Publisher::refresh`]); it reads the
//! inputs, and when the state changed it numbers it one higher and delivers it. With a single
//! publisher a later derivation is always delivered later, so no lock protocol is needed; the
//! revision only lets a window drop a state that reaches it out of order (the bootstrap reply
//! racing an `app-state` event).

use crate::backend::state::AppState;
use tokio::sync::{mpsc, oneshot, watch};

/// A request to derive again; the sender, when present, hears once that derivation was delivered.
type Nudge = Option<oneshot::Sender<()>>;

/// Handle to the publishing task; the task ends when the handle is dropped.
pub struct Publisher {
    nudges: mpsc::UnboundedSender<Nudge>,
    shown: watch::Receiver<AppState>,
}

impl Publisher {
    /// Starts the task on the current tokio runtime. `derive` reads the inputs; `deliver` gets
    /// `(previous, new)` for each change and must only queue work (it runs on the task).
    pub fn start(
        mut derive: impl FnMut() -> AppState + Send + 'static,
        mut deliver: impl FnMut(&AppState, &AppState) + Send + 'static,
    ) -> Self {
        let (nudges, mut inbox) = mpsc::unbounded_channel::<Nudge>();
        let (shown_tx, shown) = watch::channel(AppState::signed_out());
        tokio::spawn(async move {
            while let Some(first) = inbox.recv().await {
                // Every nudge queued so far is answered by this one derivation.
                let mut waiting = vec![first];
                while let Ok(more) = inbox.try_recv() {
                    waiting.push(more);
                }
                let previous = shown_tx.borrow().clone();
                let mut state = derive();
                state.revision = previous.revision;
                if state != previous {
                    state.revision = previous.revision + 1;
                    deliver(&previous, &state);
                    shown_tx.send_replace(state);
                }
                for done in waiting.into_iter().flatten() {
                    let _ = done.send(());
                }
            }
        });
        Self { nudges, shown }
    }

    /// The state last delivered, with its revision.
    pub fn shown(&self) -> AppState {
        self.shown.borrow().clone()
    }

    /// Asks for a fresh derivation without waiting for it (from the event pump and sync code).
    pub fn nudge(&self) {
        let _ = self.nudges.send(None);
    }

    /// Asks for a fresh derivation and waits until it was delivered (or found unchanged), so a
    /// command's effect is in [`Self::shown`] when the command returns.
    pub async fn refresh(&self) {
        let (done, delivered) = oneshot::channel();
        if self.nudges.send(Some(done)).is_ok() {
            let _ = delivered.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::state::Status;
    use std::sync::{Arc, Mutex};

    fn with_status(status: Status) -> AppState {
        AppState {
            status,
            ..AppState::signed_out()
        }
    }

    /// Each delivered state's status and revision, in delivery order.
    type Deliveries = Arc<Mutex<Vec<(Status, u64)>>>;

    /// A publisher whose inputs are `source` and whose deliveries land in the returned list.
    fn publisher(source: Arc<Mutex<Status>>) -> (Publisher, Deliveries) {
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let sink = delivered.clone();
        let publisher = Publisher::start(
            move || with_status(*source.lock().unwrap()),
            move |_, state| sink.lock().unwrap().push((state.status, state.revision)),
        );
        (publisher, delivered)
    }

    #[tokio::test]
    async fn only_a_change_is_delivered_and_each_change_is_numbered_one_higher() {
        let source = Arc::new(Mutex::new(Status::SignedOut));
        let (publisher, delivered) = publisher(source.clone());
        for status in [
            Status::SignedOut,
            Status::Idle,
            Status::Idle,
            Status::Calling,
            Status::Idle,
        ] {
            *source.lock().unwrap() = status;
            publisher.refresh().await;
        }
        assert_eq!(
            *delivered.lock().unwrap(),
            vec![(Status::Idle, 1), (Status::Calling, 2), (Status::Idle, 3)]
        );
        assert_eq!(publisher.shown().revision, 3);
        assert_eq!(publisher.shown().status, Status::Idle);
    }

    /// A command that changed the inputs sees its effect delivered when `refresh` returns, and
    /// nudges that pile up are answered by one derivation of the newest inputs.
    #[tokio::test]
    async fn refresh_returns_after_the_newest_inputs_were_delivered() {
        let source = Arc::new(Mutex::new(Status::Idle));
        let (publisher, delivered) = publisher(source.clone());
        *source.lock().unwrap() = Status::Calling;
        publisher.nudge();
        publisher.nudge();
        *source.lock().unwrap() = Status::Idle;
        publisher.refresh().await;
        assert_eq!(publisher.shown().status, Status::Idle);
        let delivered = delivered.lock().unwrap().clone();
        assert_eq!(
            delivered.last(),
            Some(&(Status::Idle, delivered.len() as u64))
        );
        assert!(
            delivered.windows(2).all(|pair| pair[1].1 == pair[0].1 + 1),
            "numbered in delivery order: {delivered:?}"
        );
    }
}
