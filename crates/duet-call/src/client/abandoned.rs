//! Calls the mirror showed ended on its own: its guard gave up on a silent server (an outgoing
//! call, cancelled if the token was in hand; an invite, maybe being accepted; an answered call
//! past the reconnect grace), or an accept was acked after this device placed another call. If
//! the server shows such a call live after all (a late ack, `merged`, or a resync, possibly older
//! than the give-up, lists it), the mirror hangs it up at once rather than show it again, so that
//! it neither ends twice here nor lives on at the server with a device that shows nothing of it
//! (and stays busy); an invite of it does not ring again.
//!
//! The user hanging up (or cancelling) while the connection is lost takes the same road: the call
//! ends here at once, and the resync after the reconnect, which still lists it, has it hung up at
//! the server with the token it carries. Had the server ended it meanwhile (the peer hung up, or
//! its reconnect grace ran out), the resync does not list it and nothing is sent.

use super::{ClientEvent, ClientMirror, CurrentCall};
use duet_protocol::{AccountId, CallAction, CallId, ClientFrame, ClientMessage, EndReason};

/// How many such calls are remembered; a late answer after more give-ups is not expected.
const ABANDONED_MEMORY: usize = 16;

impl ClientMirror {
    /// Remembers that the mirror dropped `call_id` while an answer about it may still come.
    pub(super) fn abandon(&mut self, call_id: CallId) {
        self.abandoned.push_back(call_id);
        while self.abandoned.len() > ABANDONED_MEMORY {
            self.abandoned.pop_front();
        }
    }

    /// Ends the current call for the user while there is no session to send the hang-up on:
    /// an answered call reports `CallEnd` (`user_hangup`, by this account) as the server's
    /// `ended` would.
    pub(super) fn end_offline(&mut self) {
        if let Some(call) = self.current.clone() {
            let by = Some(self.config.account.clone());
            self.end_here(call, EndReason::UserHangup, by);
        }
    }

    /// Ends `call` on this device alone, the server not told now: its media closes, it is
    /// remembered as abandoned, and if it was answered `CallEnd` reports `reason` and `by`.
    pub(super) fn end_here(&mut self, call: CurrentCall, reason: EndReason, by: Option<AccountId>) {
        self.take_current(&call.call_id);
        self.abandon(call.call_id.clone());
        if call.answered {
            self.emit(ClientEvent::CallEnd {
                call_id: call.call_id,
                reason,
                by,
            });
        }
    }

    /// The server answered about `call_id` with a token after the mirror gave up on it: ends
    /// `live` (the call the server connected: `call_id` itself, or the call glare merged it into)
    /// with a hang-up, which cancels it if it still rings.
    pub(super) fn end_abandoned(
        &mut self,
        call_id: &CallId,
        live: CallId,
        token: String,
        now_ms: u64,
    ) {
        let Some(index) = self.abandoned.iter().position(|id| id == call_id) else {
            return;
        };
        self.abandoned.remove(index);
        if !self.connected || self.current.as_ref().is_some_and(|c| c.call_id == live) {
            return;
        }
        let msg = ClientMessage::Call {
            call_id: live,
            device: self.config.device.clone(),
            // Above the few numbers the abandoned call used (as after a restart of this app).
            seq: now_ms.max(2),
            call_token: Some(token),
            action: CallAction::Hangup {
                reason: EndReason::UserHangup,
            },
        };
        self.outputs
            .push_back(super::ClientOutput::Send(ClientFrame::new(None, msg)));
    }
}
