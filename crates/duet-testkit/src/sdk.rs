//! SDK clients on a test server, and their events.

use duet_callkit::{CallEvent, CallKit, CallKitConfig, CallParams, CallStatus, CallType, Invite};
use duet_server::RunningServer;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use crate::server::{add_user, APP_KEY};
use crate::wait::{next_matching, HANG_GUARD};

/// An SDK's event stream.
pub type Events = BoxStream<'static, CallEvent>;

/// Creates `account` and logs it in with the SDK (on `device`, or the SDK's default device);
/// returns the SDK and its event stream, subscribed before the login.
pub async fn client(
    server: &RunningServer,
    account: &str,
    device: Option<&str>,
) -> (CallKit, Events) {
    client_with(server, account, move |mut config| {
        if let Some(device) = device {
            config.device_id = device.to_owned();
        }
        CallKit::new(config).expect("a valid SDK configuration")
    })
    .await
}

/// Creates `account` and logs in the SDK that `make` builds from the account's configuration.
pub async fn client_with(
    server: &RunningServer,
    account: &str,
    make: impl FnOnce(CallKitConfig) -> CallKit,
) -> (CallKit, Events) {
    let token = add_user(server, account).await;
    let kit = make(CallKitConfig::new(
        &server.ws_url(),
        APP_KEY,
        account,
        &token,
    ));
    let events = kit.events().boxed();
    kit.login()
        .await
        .unwrap_or_else(|e| panic!("{account} cannot log in: {e}"));
    (kit, events)
}

/// The next event that is not a re-sync notice; panics after [`HANG_GUARD`].
pub async fn next_event(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> CallEvent {
    let next = async {
        loop {
            let event = events
                .next()
                .await
                .expect("the SDK keeps its event stream open");
            if !matches!(event, CallEvent::Resynced { .. }) {
                return event;
            }
        }
    };
    tokio::time::timeout(HANG_GUARD, next)
        .await
        .unwrap_or_else(|_| panic!("no event within {HANG_GUARD:?}"))
}

/// Waits for the event named `name` (e.g. "INVITED"), skipping others, and returns it; panics
/// naming it after [`HANG_GUARD`].
pub async fn wait_for_event(
    events: &mut (impl Stream<Item = CallEvent> + Unpin),
    name: &str,
) -> CallEvent {
    next_matching(events, &format!("a {name} event"), HANG_GUARD, |event| {
        event.name() == name
    })
    .await
}

/// Waits for the first event for which `want` holds, skipping others, and returns it; panics
/// naming `what` after [`HANG_GUARD`].
pub async fn wait_for_event_where(
    events: &mut (impl Stream<Item = CallEvent> + Unpin),
    what: &str,
    want: impl FnMut(&CallEvent) -> bool,
) -> CallEvent {
    next_matching(events, what, HANG_GUARD, want).await
}

/// The invite of the next INVITED event.
pub async fn invited(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> Invite {
    match wait_for_event(events, "INVITED").await {
        CallEvent::Invited(invite) => invite,
        other => unreachable!("an INVITED event is an invite: {other:?}"),
    }
}

/// `caller` calls `callee_account` with `call_type`, and `callee` accepts the invite its
/// `callee_events` bring; returns that invite.
pub async fn answered_call(
    caller: &CallKit,
    callee_account: &str,
    call_type: CallType,
    callee: &CallKit,
    callee_events: &mut (impl Stream<Item = CallEvent> + Unpin),
) -> Invite {
    caller
        .call(CallParams::new(callee_account, call_type))
        .await
        .unwrap_or_else(|e| panic!("calling {callee_account}: {e}"));
    let invite = invited(callee_events).await;
    callee
        .accept(&invite)
        .await
        .unwrap_or_else(|e| panic!("{callee_account} accepting: {e}"));
    invite
}

/// The status of the call record in the next MESSAGE_SENT event.
pub async fn record_status(events: &mut (impl Stream<Item = CallEvent> + Unpin)) -> CallStatus {
    match wait_for_event(events, "MESSAGE_SENT").await {
        CallEvent::MessageSent { record } => record.status,
        other => unreachable!("a MESSAGE_SENT event carries a record: {other:?}"),
    }
}
