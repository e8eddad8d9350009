//! Shared pieces of the SDK's tests.
#![allow(dead_code)]

pub mod fake_server;
pub mod recording_media;

use duet_callkit::CallEvent;
use futures_util::{Stream, StreamExt};

/// The next event that is not a re-sync notice or a signal.
pub async fn next_event(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> CallEvent {
    loop {
        let event = events
            .next()
            .await
            .expect("the SDK keeps its event stream open");
        if !matches!(event, CallEvent::Resynced { .. }) {
            return event;
        }
    }
}

/// Waits for the event named `name`, skipping others; returns it.
pub async fn wait_for(
    events: &mut (impl Stream<Item = CallEvent> + Unpin),
    name: &str,
) -> CallEvent {
    loop {
        let event = events
            .next()
            .await
            .expect("the SDK keeps its event stream open");
        if event.name() == name {
            return event;
        }
    }
}
