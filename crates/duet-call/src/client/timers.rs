//! Time and the connection: the mirror's own guard timers, connects, losses and logout.

use super::{ClientEvent, ClientMirror};
use duet_protocol::{CallAction, CallId, ClientFrame, EndReason};

impl ClientMirror {
    /// When [`Self::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        let guard = self.current.as_ref().and_then(|c| c.guard_at_ms);
        let slack = self.config.guard_slack_ms;
        // Durations come from the server and the app: sums saturate rather than overflow.
        let invites = self
            .invites
            .iter()
            .map(|i| i.expires_at_ms.saturating_add(slack));
        let requests = self.pending.values().map(|p| p.deadline_ms);
        guard.into_iter().chain(invites).chain(requests).min()
    }

    /// Gives up on whatever the server left hanging past its own deadline plus slack.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        let mut overdue: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline_ms <= now_ms)
            .map(|(req, _)| *req)
            .collect();
        overdue.sort_unstable();
        for req in overdue {
            // The app hears no answer any more, but the server may still have acted on the
            // request (an accept that won, an invite that rings): its late answer must still move
            // the mirror, or the server keeps this device in a call the mirror knows nothing of.
            if let Some(pending) = self.pending.remove(&req) {
                self.late.insert(req, pending);
            }
            while self.late.len() > super::LATE_MEMORY {
                self.late.pop_first();
            }
            self.outputs
                .push_back(super::ClientOutput::TimedOut { req });
        }
        let slack = self.config.guard_slack_ms;
        let expired: Vec<CallId> = self
            .invites
            .iter()
            .filter(|i| i.expires_at_ms.saturating_add(slack) <= now_ms)
            .map(|i| i.call_id.clone())
            .collect();
        for call_id in expired {
            // An accept of it may be under way, and win.
            self.abandon(call_id.clone());
            self.take_invite(&call_id);
            self.close_media(&call_id);
            self.emit(ClientEvent::CallingTimeout { call_id });
        }
        let due = self
            .current
            .as_ref()
            .filter(|c| c.guard_at_ms.is_some_and(|at| at <= now_ms))
            .cloned();
        let Some(call) = due else {
            return;
        };
        // Ended here, it stays ended: should the server still have it (a restart re-arms the
        // grace of the calls it restores; a resync sent before the cancel below arrived lists it
        // ringing), the late ack, `merged` or resync that shows it has it hung up.
        self.end_here(call.clone(), EndReason::ConnectionLost, None);
        if call.answered {
            return;
        }
        // The server went quiet about this call: withdraw it, so it cannot ring on unseen.
        // Without the token it cannot be cancelled now; it is hung up should the server answer.
        if self.connected && call.call_token.is_some() {
            let msg = duet_protocol::ClientMessage::Call {
                call_id: call.call_id.clone(),
                device: self.config.device.clone(),
                seq: call.next_seq,
                call_token: call.call_token.clone(),
                action: CallAction::Cancel,
            };
            self.outputs
                .push_back(super::ClientOutput::Send(ClientFrame::new(None, msg)));
        }
        self.emit(ClientEvent::CallingTimeout {
            call_id: call.call_id,
        });
    }

    /// A transport to the server is up; log in next with [`Self::request`].
    pub fn handle_connected(&mut self, _now_ms: u64) {
        self.connected = true;
        self.session = None;
        self.resynced = false;
        self.late.clear();
    }

    /// The transport was lost (onDisconnect). Requests in flight are forgotten; an answered call
    /// waits the server's reconnect grace period plus slack for a re-sync before it ends here.
    pub fn handle_disconnected(&mut self, now_ms: u64) {
        // Only a session that was up is "lost"; a failed reconnect attempt is no news.
        let was_up = self.session.is_some();
        self.connected = false;
        self.session = None;
        self.resynced = false;
        self.pending.clear();
        // Answers come on the connection that carried the request; that one is gone.
        self.late.clear();
        let grace = self
            .config
            .reconnect_grace_ms
            .saturating_add(self.config.guard_slack_ms);
        if let Some(call) = self
            .current
            .as_mut()
            .filter(|c| c.answered && c.guard_at_ms.is_none())
        {
            call.guard_at_ms = Some(now_ms.saturating_add(grace));
        }
        if was_up {
            self.emit(ClientEvent::Disconnected);
        }
    }

    /// This device logged out: its call ends with `logged_out` and nothing rings here any more.
    pub fn handle_logged_out(&mut self, _now_ms: u64) {
        self.connected = false;
        self.session = None;
        self.resynced = false;
        self.pending.clear();
        self.late.clear();
        if let Some(call) = self.current.clone() {
            self.take_current(&call.call_id);
            if call.answered {
                self.emit(ClientEvent::CallEnd {
                    call_id: call.call_id,
                    reason: EndReason::LoggedOut,
                    by: Some(self.config.account.clone()),
                });
            }
        }
        let invites: Vec<CallId> = self.invites.iter().map(|i| i.call_id.clone()).collect();
        for call_id in invites {
            self.take_invite(&call_id);
            self.close_media(&call_id);
        }
    }
}
