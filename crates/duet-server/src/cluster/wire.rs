//! What nodes say to each other: JSON messages on each node's Redis channel.
//!
//! A hub's inputs cross the bus without their channels: a reply (was the device admitted, the
//! presences asked for) comes back as its own message naming the request, and a connection's
//! outbound queue is named by its connection id, unique across the cluster.

use crate::hub::{ConnId, ContactChange, Outbound};
use crate::store::RevokedTokens;
use duet_call::{CallRequest, DeviceKey};
use duet_protocol::{AccountId, EndReason, Presence};
use serde::{Deserialize, Serialize};

/// One message on the bus.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(super) enum BusMessage {
    /// An input for the hub of `app`, from a connection on node `from`.
    Input {
        app: String,
        from: String,
        /// Boxed: inputs (a call request) are much larger than the other messages.
        input: Box<WireInput>,
    },
    /// Something the hub hands connection `conn` (on the receiving node) to write.
    Out { conn: ConnId, out: WireOutbound },
    /// The hub let go of connection `conn` (it fell behind, or the hub stopped): it must close.
    Closed { conn: ConnId },
    /// The answer to [`WireInput::Online`] number `reply`.
    Admitted { reply: u64, ok: bool },
    /// The answer to [`WireInput::Presences`] number `reply`.
    Presences {
        reply: u64,
        presences: Vec<Presence>,
    },
}

/// A hub input as it crosses the bus (see `HubInput` for what each means).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum WireInput {
    Online {
        key: DeviceKey,
        nick: String,
        call_waiting: bool,
        conn: ConnId,
        contacts: Vec<AccountId>,
        reply: u64,
    },
    Offline {
        key: DeviceKey,
        conn: ConnId,
        reason: Option<EndReason>,
    },
    Call {
        key: DeviceKey,
        conn: ConnId,
        req: Option<u64>,
        request: CallRequest,
    },
    RefusedAsBusy {
        key: DeviceKey,
        conn: ConnId,
        req: Option<u64>,
        request: CallRequest,
    },
    Revoked {
        account: AccountId,
        tokens: RevokedTokens,
    },
    ContactsChanged {
        changes: Vec<ContactChange>,
    },
    Presences {
        accounts: Vec<AccountId>,
        reply: u64,
    },
}

/// An [`Outbound`] as it crosses the bus.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum WireOutbound {
    Frame { text: String },
    Replaced,
    Revoked { tokens: RevokedTokens },
}

impl From<Outbound> for WireOutbound {
    fn from(out: Outbound) -> Self {
        match out {
            Outbound::Frame(text) => WireOutbound::Frame { text },
            Outbound::Replaced => WireOutbound::Replaced,
            Outbound::Revoked(tokens) => WireOutbound::Revoked { tokens },
        }
    }
}

impl From<WireOutbound> for Outbound {
    fn from(out: WireOutbound) -> Self {
        match out {
            WireOutbound::Frame { text } => Outbound::Frame(text),
            WireOutbound::Replaced => Outbound::Replaced,
            WireOutbound::Revoked { tokens } => Outbound::Revoked(tokens),
        }
    }
}

/// The bus channel a node listens on.
pub(super) fn channel_of(node: &str) -> String {
    format!("duet:node:{node}")
}

/// The key whose value names the node holding `app`'s hub.
pub(super) fn lease_key(app: &str) -> String {
    format!("duet:lease:{app}")
}

/// The key that exists while `node` runs.
pub(super) fn alive_key(node: &str) -> String {
    format!("duet:alive:{node}")
}
