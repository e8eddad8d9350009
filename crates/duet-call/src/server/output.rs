//! What the switchboard asks its I/O layer to do.

use crate::server::StoredCall;
use crate::DeviceKey;
use duet_protocol::{AccountId, CallRecord, Presence, ServerMessage};

/// One effect for the I/O layer, drained with [`crate::Switchboard::poll_output`] after each input.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Send `msg` to one connected device; `req` answers that device's request, if it made one.
    Send {
        to: DeviceKey,
        req: Option<u64>,
        msg: ServerMessage,
    },
    /// An account's presence changed; tell the contacts who watch it.
    Presence {
        account: AccountId,
        presence: Presence,
    },
    /// A call was created or changed phase, or used up half the event numbers its stored copy
    /// reserved: persist it (replacing the stored copy) so that it survives a server restart.
    CallStored(StoredCall),
    /// A call ended: write its one record and delete its stored copy, in one transaction.
    CallEnded(CallRecord),
}
