//! The client's mirror of the server's call state, sans-IO like the [`crate::Switchboard`].
//!
//! The mirror never decides a race: it sends the user's actions, then converges to whatever the
//! server answers (an accept answered with `answered_elsewhere` ends as OTHER_CLIENT_ACCEPT; a
//! cancel that lost to an accept ends as a normal CALL_END). Inputs go in through `handle_*` and
//! the action methods with `now_ms`; frames to send and media commands come out of
//! [`ClientMirror::poll_output`], user-facing events (nertc-call's names) out of
//! [`ClientMirror::poll_event`]; [`ClientMirror::poll_timeout`] says when to call
//! [`ClientMirror::handle_timeout`].
//!
//! ```text
//!                 call()                      accepted / merged
//!       Idle ---------------> Calling ------------------------------> InCall
//!        ^ ^                    |  rejected / busy / timeout /            |
//!        | |                    |  cancel ack / record / guard            | ended / record /
//!        | +--------------------+                                         | lost past grace
//!        |         INVITED                 accept ack                     |
//!        +------<- Called ---------------------------------------------> +
//!          canceled / timeout / other device / reject ack / record
//! ```
//!
//! Architecture invariant: no I/O, no clock reads, no randomness (the caller names call ids).
//! Server events whose per-call `seq` was already seen are dropped, so a repeated or reordered
//! frame cannot move the mirror backwards.

mod abandoned;
mod actions;
mod inbound;
mod media_stats;
mod output;
mod resync;
mod timers;
mod types;

#[cfg(test)]
mod tests;

pub use media_stats::{MediaStats, NetworkQuality};
pub use output::{ClientEvent, ClientOutput, MediaAction};
pub use types::{
    CallMedia, CallState, ClientConfig, ClientError, CurrentCall, Invite, Role, ServerError,
    Session,
};

use duet_protocol::{CallId, ClientFrame, ClientMessage};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many calls' last-seen sequence numbers are remembered, to drop late duplicates.
const SEQ_MEMORY: usize = 1024;

/// How many timed-out requests are remembered, so that a late answer still moves the mirror.
const LATE_MEMORY: usize = 64;

/// A request waiting for its answer, so the answer can be interpreted.
#[derive(Debug, Clone, PartialEq)]
struct Pending {
    call_id: Option<CallId>,
    kind: PendingKind,
    deadline_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PendingKind {
    Invite,
    Accept,
    Reject,
    Cancel,
    Other,
}

/// One device's view of its calls: status, current call, ringing invites.
#[derive(Debug)]
pub struct ClientMirror {
    config: ClientConfig,
    connected: bool,
    session: Option<Session>,
    /// The `resync` that follows `login.ok` is in: the mirror stands where the server does, and
    /// the user's actions may go (one taken before would be undone by that older resync).
    resynced: bool,
    current: Option<CurrentCall>,
    /// Calls ringing this device, oldest first.
    invites: Vec<Invite>,
    last_seq: HashMap<CallId, u64>,
    seq_order: VecDeque<CallId>,
    pending: HashMap<u64, Pending>,
    /// Requests reported `TimedOut` whose answer may still come (the server may have acted on
    /// them), by `req`; see `timers.rs`.
    late: BTreeMap<u64, Pending>,
    /// Calls given up on before the server heard of it; see `abandoned.rs`.
    abandoned: VecDeque<CallId>,
    next_req: u64,
    outputs: VecDeque<ClientOutput>,
    events: VecDeque<ClientEvent>,
}

impl ClientMirror {
    /// A disconnected, idle mirror for the device in `config`.
    pub fn new(config: ClientConfig) -> Self {
        Self {
            config,
            connected: false,
            session: None,
            resynced: false,
            current: None,
            invites: Vec::new(),
            last_seq: HashMap::new(),
            seq_order: VecDeque::new(),
            pending: HashMap::new(),
            late: BTreeMap::new(),
            abandoned: VecDeque::new(),
            next_req: 1,
            outputs: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// nertc-call's `callStatus`.
    pub fn status(&self) -> CallState {
        match &self.current {
            Some(call) if call.answered => CallState::InCall,
            Some(_) => CallState::Calling,
            None if self.invites.is_empty() => CallState::Idle,
            None => CallState::Called,
        }
    }

    /// The call this device placed or answered.
    pub fn current(&self) -> Option<&CurrentCall> {
        self.current.as_ref()
    }

    /// Calls ringing this device, oldest first.
    pub fn invites(&self) -> &[Invite] {
        &self.invites
    }

    /// The invite of call `call_id`, if it still rings here.
    pub fn invite(&self, call_id: &CallId) -> Option<&Invite> {
        self.invites.iter().find(|i| i.call_id == *call_id)
    }

    /// What login said, while logged in.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Whether a transport is up (login may still be under way).
    pub fn is_connected(&self) -> bool {
        self.connected
    }

    /// The next effect to carry out, until `None`.
    pub fn poll_output(&mut self) -> Option<ClientOutput> {
        self.outputs.pop_front()
    }

    /// The next user-facing event, until `None`.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Sends `msg` as a numbered request and remembers what it was for.
    fn send_request(
        &mut self,
        msg: ClientMessage,
        call_id: Option<CallId>,
        kind: PendingKind,
        now_ms: u64,
    ) -> u64 {
        let req = self.next_req;
        self.next_req += 1;
        let deadline_ms = now_ms.saturating_add(self.config.request_timeout_ms);
        self.pending.insert(
            req,
            Pending {
                call_id,
                kind,
                deadline_ms,
            },
        );
        self.outputs
            .push_back(ClientOutput::Send(ClientFrame::new(Some(req), msg)));
        req
    }

    fn emit(&mut self, event: ClientEvent) {
        self.events.push_back(event);
    }

    fn media(&mut self, action: MediaAction) {
        self.outputs.push_back(ClientOutput::Media(action));
    }

    /// Whether a server event numbered `seq` for `call_id` is new; remembers it if so.
    fn fresh(&mut self, call_id: &CallId, seq: u64) -> bool {
        match self.last_seq.get_mut(call_id) {
            Some(last) if seq <= *last => false,
            Some(last) => {
                *last = seq;
                true
            }
            None => {
                self.remember_seq(call_id, seq);
                true
            }
        }
    }

    /// Raises the last seen `seq` of `call_id` (a re-sync covers everything up to its number).
    fn remember_seq(&mut self, call_id: &CallId, seq: u64) {
        let last = self.last_seq.entry(call_id.clone()).or_insert_with(|| {
            self.seq_order.push_back(call_id.clone());
            0
        });
        *last = (*last).max(seq);
        while self.seq_order.len() > SEQ_MEMORY {
            if let Some(old) = self.seq_order.pop_front() {
                self.last_seq.remove(&old);
            }
        }
    }

    /// Removes and returns the invite of `call_id`.
    fn take_invite(&mut self, call_id: &CallId) -> Option<Invite> {
        let index = self.invites.iter().position(|i| i.call_id == *call_id)?;
        Some(self.invites.remove(index))
    }

    /// Ends the current call if it is `call_id`, closing its media; returns it.
    fn take_current(&mut self, call_id: &CallId) -> Option<CurrentCall> {
        if self.current.as_ref().is_some_and(|c| c.call_id == *call_id) {
            self.media(MediaAction::Close {
                call_id: call_id.clone(),
            });
            return self.current.take();
        }
        None
    }

    /// The current call, if it is `call_id`.
    fn current_mut(&mut self, call_id: &CallId) -> Option<&mut CurrentCall> {
        self.current.as_mut().filter(|c| c.call_id == *call_id)
    }

    fn is_current(&self, call_id: &CallId) -> bool {
        self.current.as_ref().is_some_and(|c| c.call_id == *call_id)
    }
}
