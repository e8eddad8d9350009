//! Calls the mirror gave up on before the server could be told: its invite's ack (the token to
//! cancel with) or its answer's ack had not arrived when the guard gave up on a silent server.
//! If that answer comes after all (the server did connect the call: the callee answered, glare
//! merged it, or this device's accept won), the mirror hangs the call up at once, so that it
//! does not live on at the server with a device that shows nothing of it (and stays busy).

use super::ClientMirror;
use duet_protocol::{CallAction, CallId, ClientFrame, ClientMessage, EndReason};

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
