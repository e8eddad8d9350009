//! Waiting with a deadline. Every wait names what it waits for, and that name is in the panic
//! when the deadline passes.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc::UnboundedReceiver;

/// How long a wait may take before the test fails: a guard against a hung test on a machine
/// shared with builds, not a bound on how fast anything is.
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(20);

/// Polls `done` until it holds; panics naming `what` after [`HANG_GUARD`].
pub async fn wait_for(what: &str, done: impl FnMut() -> bool) {
    wait_for_within(what, HANG_GUARD, done).await
}

/// Polls `done` until it holds; panics naming `what` after `limit`.
pub async fn wait_for_within(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let polling = async {
        while !done() {
            tokio::time::sleep(POLL).await;
        }
    };
    if tokio::time::timeout(limit, polling).await.is_err() {
        panic!("gave up waiting for {what} after {limit:?}");
    }
}

/// Runs `attempt` until it returns `Some`, and returns that; panics naming `what` after `limit`.
/// For conditions that must be awaited themselves (a request, a connection).
pub async fn poll_until<T, F, Fut>(what: &str, limit: Duration, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let polling = async {
        loop {
            if let Some(found) = attempt().await {
                return found;
            }
            tokio::time::sleep(POLL).await;
        }
    };
    match tokio::time::timeout(limit, polling).await {
        Ok(found) => found,
        Err(_) => panic!("gave up waiting for {what} after {limit:?}"),
    }
}

/// Polls `done` on this thread until it holds; panics naming `what` after `limit`.
pub fn blocking_wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < limit,
            "gave up waiting for {what} after {limit:?}"
        );
        std::thread::sleep(POLL);
    }
}

/// Receives until a message for which `want` holds, skipping others, and returns it; panics
/// naming `what` after `limit` or if the channel closes first.
pub async fn recv_matching<T>(
    receiver: &mut UnboundedReceiver<T>,
    what: &str,
    limit: Duration,
    want: impl FnMut(&T) -> bool,
) -> T {
    let mut messages = futures_util::stream::poll_fn(|cx| receiver.poll_recv(cx));
    next_matching(&mut messages, what, limit, want).await
}

/// The next item of `stream` for which `want` holds, skipping others; panics naming `what`
/// after `limit` or if the stream ends first.
pub async fn next_matching<S: Stream + Unpin>(
    stream: &mut S,
    what: &str,
    limit: Duration,
    mut want: impl FnMut(&S::Item) -> bool,
) -> S::Item {
    let receiving = async {
        loop {
            let item = stream
                .next()
                .await
                .unwrap_or_else(|| panic!("the stream ended while waiting for {what}"));
            if want(&item) {
                return item;
            }
        }
    };
    match tokio::time::timeout(limit, receiving).await {
        Ok(item) => item,
        Err(_) => panic!("gave up waiting for {what} after {limit:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_that_is_met_returns() {
        let mut polls = 0;
        wait_for("three polls", || {
            polls += 1;
            polls == 3
        })
        .await;
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        for n in 1..=3 {
            sender.send(n).unwrap();
        }
        let found = recv_matching(&mut receiver, "an even number", HANG_GUARD, |n| n % 2 == 0);
        assert_eq!(found.await, 2);
    }

    #[tokio::test]
    #[should_panic(expected = "gave up waiting for the moon to turn blue")]
    async fn a_missed_deadline_names_what_was_awaited() {
        wait_for_within("the moon to turn blue", Duration::from_millis(50), || false).await;
    }

    #[tokio::test]
    #[should_panic(expected = "the stream ended while waiting for a message")]
    async fn a_closed_channel_names_what_was_awaited() {
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<u8>();
        drop(sender);
        recv_matching(&mut receiver, "a message", HANG_GUARD, |_| true).await;
    }
}
