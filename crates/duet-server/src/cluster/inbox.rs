//! A node's own channel: inputs for the hubs it holds, and what those hubs of other nodes send
//! back to the connections routed to them.

use super::wire::{BusMessage, WireInput};
use super::{Awaited, Cluster};
use crate::hub::{HubHandle, HubInput, Outlet};
use crate::server::Shared;
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Reads this node's channel until `shutdown`, subscribing again whenever the connection to
/// Redis is lost. Messages published meanwhile are lost, so every routed connection is closed
/// when the subscription comes back (their clients reconnect and resync).
pub(crate) async fn serve_inbox(cluster: Cluster, shared: Arc<Shared>) {
    let shutdown = shared.shutdown.clone();
    let (hubs, outbound_queue) = (&shared.hubs, shared.config.limits.outbound_queue);
    let retry = cluster.bus().lease() / 4;
    let mut first = true;
    loop {
        let subscribed = tokio::select! {
            () = shutdown.cancelled() => return,
            subscribed = cluster.bus().subscribe() => subscribed,
        };
        let mut messages = match subscribed {
            Ok(messages) => messages,
            Err(error) => {
                tracing::warn!(%error, "subscribing to this node's bus channel failed; retrying");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(retry) => continue,
                }
            }
        };
        if !first {
            cluster.drop_all_routes().await;
        }
        first = false;
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = messages.next() => message,
            };
            let Some(message) = message else {
                tracing::warn!("this node's bus subscription ended; subscribing again");
                break;
            };
            match serde_json::from_slice::<BusMessage>(message.get_payload_bytes()) {
                Ok(message) => handle(&cluster, hubs, outbound_queue, message).await,
                Err(error) => tracing::error!(%error, "unreadable bus message; ignored"),
            }
        }
    }
}

async fn handle(
    cluster: &Cluster,
    hubs: &crate::hub::Hubs,
    outbound_queue: usize,
    message: BusMessage,
) {
    match message {
        BusMessage::Input { app, from, input } => {
            let Some(HubHandle::Local(hub)) = hubs.running(&app).await else {
                not_here(cluster, &from, *input).await;
                return;
            };
            let input = into_hub_input(cluster, &app, &from, outbound_queue, *input);
            if hub.send(input).await.is_err() {
                tracing::debug!(%app, "the hub stopped before an input from another node");
            }
        }
        BusMessage::Out { conn, out } => cluster.deliver(conn, out.into()),
        BusMessage::Closed { conn } => cluster.remove_route(conn),
        BusMessage::Admitted { reply, ok } => {
            if let Some(Awaited::Admitted(answer)) = cluster.take_reply(reply) {
                let _ = answer.send(ok);
            }
        }
        BusMessage::Presences { reply, presences } => {
            if let Some(Awaited::Presences(answer)) = cluster.take_reply(reply) {
                let _ = answer.send(presences);
            }
        }
    }
}

/// An input for an app whose hub is not (or no longer) here: a device logging in is turned
/// away, so that its connection closes and its client finds the app's new node.
async fn not_here(cluster: &Cluster, from: &str, input: WireInput) {
    if let WireInput::Online { conn, .. } = input {
        let message = BusMessage::Closed { conn };
        if let Err(error) = cluster.bus().publish(from, &message).await {
            tracing::warn!(%error, "turning away a device of another node failed");
        }
    }
}

/// Rebuilds a hub input, with channels whose other ends publish back to node `from`.
fn into_hub_input(
    cluster: &Cluster,
    app: &str,
    from: &str,
    outbound_queue: usize,
    input: WireInput,
) -> HubInput {
    match input {
        WireInput::Online {
            key,
            nick,
            call_waiting,
            conn,
            contacts,
            reply,
        } => {
            let outlet = cluster.remote_device_linked(from, conn, app, key.clone(), outbound_queue);
            let (admitted, admission) = oneshot::channel();
            tokio::spawn(answer(
                cluster.clone(),
                from.to_owned(),
                admission,
                move |ok| BusMessage::Admitted { reply, ok },
            ));
            HubInput::Online {
                key,
                nick,
                call_waiting,
                conn,
                outbound: Outlet::Node(outlet),
                contacts,
                admitted,
            }
        }
        WireInput::Offline { key, conn, reason } => {
            cluster.remote_device_gone(from, conn);
            HubInput::Offline { key, conn, reason }
        }
        WireInput::Call {
            key,
            conn,
            req,
            request,
        } => HubInput::Call {
            key,
            conn,
            req,
            request,
        },
        WireInput::RefusedAsBusy {
            key,
            conn,
            req,
            request,
        } => HubInput::RefusedAsBusy {
            key,
            conn,
            req,
            request,
        },
        WireInput::Revoked { account, tokens } => HubInput::Revoked { account, tokens },
        WireInput::ContactsChanged { changes } => HubInput::ContactsChanged { changes },
        WireInput::Presences { accounts, reply } => {
            let (answer_to, answered) = oneshot::channel();
            tokio::spawn(answer(
                cluster.clone(),
                from.to_owned(),
                answered,
                move |presences| BusMessage::Presences { reply, presences },
            ));
            HubInput::Presences {
                accounts,
                reply: answer_to,
            }
        }
    }
}

/// Publishes the hub's answer to node `node` once it comes.
async fn answer<T>(
    cluster: Cluster,
    node: String,
    answered: oneshot::Receiver<T>,
    message: impl FnOnce(T) -> BusMessage,
) {
    let Ok(value) = answered.await else {
        return;
    };
    if let Err(error) = cluster.bus().publish(&node, &message(value)).await {
        tracing::warn!(%node, %error, "an answer for another node was lost");
    }
}
