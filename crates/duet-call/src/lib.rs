#![forbid(unsafe_code)]
//! Duet's call state machines, sans-IO: no threads, no sockets, no clock reads.
//!
//! The server's [`Switchboard`] holds the one authoritative state of every call of an app and
//! decides every race (cancel against accept, two devices answering, glare) atomically, because
//! each input is handled to completion before the next. Inputs go in through `handle_*` with the
//! current time; effects come out of [`Switchboard::poll_output`]; [`Switchboard::poll_timeout`]
//! says when to call [`Switchboard::handle_timeout`]. Tests drive it in virtual time.
//!
//! A call's life on the server:
//!
//! ```text
//!            invite                      accept (first device wins)
//!   (none) ---------> Ringing ---------------------------------------> Active
//!             |          |  \ reject / busy / cancel / timeout           |  hangup / logout /
//!             | busy     |   \ caller lost past grace                    |  party lost past grace
//!             v          v    v                                          v
//!           Ended(busy) Ended(rejected | busy | canceled | unanswered) Ended(completed)
//!
//!   glare: an invite A->B while B->A rings turns B->A into Active with A's device as callee.
//!   cancel after accept won becomes a hang-up: Ended(completed) with ~0 s.
//! ```
//!
//! Every call that was placed reaches `Ended` exactly once, and that emits exactly one record.
//! The client's mirror of this state lives in [`client`].

pub mod client;
pub mod server;
mod token;

pub use server::{CallRequest, Output, StoredCall, Switchboard, SwitchboardConfig};
pub use token::CallTokens;

use duet_protocol::{AccountId, DeviceId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One device of one account: the unit that connects, rings and takes part in calls.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeviceKey {
    pub account: AccountId,
    pub device: DeviceId,
}

impl DeviceKey {
    /// The key of `device` of `account`.
    pub fn new(account: AccountId, device: DeviceId) -> Self {
        Self { account, device }
    }
}

impl fmt::Display for DeviceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.account, self.device)
    }
}
