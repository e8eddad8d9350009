//! A hub on another node, as the connections of this node see it.

use super::wire::{BusMessage, WireInput};
use super::{Awaited, Cluster};
use crate::hub::HubInput;

/// Forwards hub inputs to the node holding the app's lease; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct RemoteHub {
    cluster: Cluster,
    app: String,
    holder: String,
}

impl RemoteHub {
    pub(super) fn new(cluster: Cluster, app: String, holder: String) -> Self {
        Self {
            cluster,
            app,
            holder,
        }
    }

    /// The node holding the app's lease when this handle was made.
    pub(crate) fn holder(&self) -> &str {
        &self.holder
    }

    /// Publishes `input` to the hub's node; false if the bus failed (the caller acts as if the
    /// hub had stopped: the connection closes and its client reconnects).
    pub(crate) async fn send(&self, input: HubInput) -> bool {
        let cluster = &self.cluster;
        let mut routed = None;
        let mut reply = None;
        let input = match input {
            HubInput::Online {
                key,
                nick,
                call_waiting,
                conn,
                outbound,
                contacts,
                admitted,
            } => {
                // Routed before publishing: the hub's first frames may come before its answer.
                cluster.add_route(conn, &self.app, &self.holder, key.clone(), outbound);
                routed = Some(conn);
                let id = cluster.expect_reply(&self.app, Awaited::Admitted(admitted));
                reply = Some(id);
                WireInput::Online {
                    key,
                    nick,
                    call_waiting,
                    conn,
                    contacts,
                    reply: id,
                }
            }
            HubInput::Offline { key, conn, reason } => {
                cluster.remove_route(conn);
                WireInput::Offline { key, conn, reason }
            }
            HubInput::Call {
                key,
                conn,
                req,
                request,
            } => WireInput::Call {
                key,
                conn,
                req,
                request,
            },
            HubInput::RefusedAsBusy {
                key,
                conn,
                req,
                request,
            } => WireInput::RefusedAsBusy {
                key,
                conn,
                req,
                request,
            },
            HubInput::Revoked { account, tokens } => WireInput::Revoked { account, tokens },
            HubInput::ContactsChanged { changes } => WireInput::ContactsChanged { changes },
            // Counts for `/metrics` are asked of this node's own hubs only: each node reports
            // the hubs it runs.
            HubInput::Stats { .. } => return false,
            HubInput::Presences {
                accounts,
                reply: answer,
            } => {
                let id = cluster.expect_reply(&self.app, Awaited::Presences(answer));
                reply = Some(id);
                WireInput::Presences {
                    accounts,
                    reply: id,
                }
            }
        };
        let message = BusMessage::Input {
            app: self.app.clone(),
            from: cluster.bus().node().to_owned(),
            input: Box::new(input),
        };
        match cluster.bus().publish(&self.holder, &message).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(app = %self.app, holder = %self.holder, %error, "forwarding to the hub's node failed");
                if let Some(conn) = routed {
                    cluster.remove_route(conn);
                }
                if let Some(id) = reply {
                    cluster.take_reply(id);
                }
                false
            }
        }
    }
}
