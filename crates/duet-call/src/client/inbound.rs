//! Frames from the server: answers to this device's requests and call events.

use super::{
    CallMedia, ClientEvent, ClientMirror, ClientOutput, CurrentCall, Invite, MediaAction, Pending,
    PendingKind, Role,
};
use super::{ServerError, Session};
use duet_protocol::{
    CallEvent, CallId, CallType, ErrorCode, OtherDeviceAction, ServerFrame, ServerMessage,
};

impl ClientMirror {
    /// Handles one frame from the server.
    pub fn handle_frame(&mut self, frame: ServerFrame, now_ms: u64) {
        let pending = frame.req.and_then(|req| self.pending.remove(&req));
        let awaited = pending.is_some();
        // An answer after `TimedOut` reaches no one, but tells what the server did all the same.
        let pending = pending.or_else(|| frame.req.and_then(|req| self.late.remove(&req)));
        match &frame.msg {
            ServerMessage::LoginOk {
                nick,
                heartbeat_ms,
                ice_servers,
                safe_mode,
                ..
            } => {
                self.session = Some(Session {
                    safe_mode: *safe_mode,
                    heartbeat_ms: *heartbeat_ms,
                    ice_servers: ice_servers.clone(),
                    nick: nick.clone(),
                });
            }
            ServerMessage::IceServers { ice_servers, .. } => {
                if let Some(session) = self.session.as_mut() {
                    session.ice_servers = ice_servers.clone();
                }
                self.media(MediaAction::IceServers {
                    ice_servers: ice_servers.clone(),
                });
            }
            ServerMessage::Resync { calls } => self.resync(calls.clone(), now_ms),
            ServerMessage::CallAck {
                call_id,
                call_token,
            } => {
                self.on_ack(pending, call_id, call_token.clone(), now_ms);
                if let Some(token) = call_token {
                    self.end_abandoned(call_id, call_id.clone(), token.clone(), now_ms);
                }
            }
            ServerMessage::Error {
                code,
                message,
                call_id,
            } => self.on_error(pending, *code, message, call_id.clone(), now_ms),
            ServerMessage::Call {
                call_id,
                seq,
                event,
            } if self.fresh(call_id, *seq) => self.on_event(call_id, event.clone(), now_ms),
            ServerMessage::Presence { account, presence } => self.emit(ClientEvent::Presence {
                account: account.clone(),
                presence: *presence,
            }),
            ServerMessage::ContactsChanged { account, contact } => {
                self.emit(ClientEvent::ContactsChanged {
                    account: account.clone(),
                    contact: contact.clone(),
                })
            }
            _ => {}
        }
        // Only a request still waited for is answered: one past its timeout was reported as
        // `TimedOut` already, and its late answer must not reach whoever asks next.
        if let (Some(req), true) = (frame.req, awaited) {
            self.outputs.push_back(ClientOutput::Answer {
                req,
                msg: frame.msg,
            });
        }
    }

    fn on_ack(
        &mut self,
        pending: Option<Pending>,
        call_id: &CallId,
        token: Option<String>,
        now_ms: u64,
    ) {
        let Some(pending) = pending else {
            return;
        };
        match pending.kind {
            PendingKind::Invite => {
                let ice_servers = self.ice_servers();
                let Some(call) = self.current.as_mut().filter(|c| c.call_id == *call_id) else {
                    return;
                };
                if call.call_token.is_none() {
                    call.call_token = token;
                    let start = MediaAction::Start {
                        call_id: call_id.clone(),
                        role: Role::Caller,
                        call_type: call.call_type,
                        ice_servers,
                    };
                    self.media(start);
                }
                self.send_deferred_cancel(now_ms);
            }
            PendingKind::Accept => {
                let Some(invite) = self.take_invite(call_id) else {
                    return;
                };
                if self.current.is_some() {
                    // This device placed another call before the answer came (the accept was
                    // slow, or timed out): the user moved on, so the call the accept connected
                    // is hung up (by `end_abandoned`, with the token this ack carries) rather
                    // than taking the place of the call being placed.
                    self.close_media(call_id);
                    self.abandon(call_id.clone());
                    return;
                }
                let call_type = invite.answer_as.unwrap_or(invite.call_type);
                self.current = Some(CurrentCall {
                    call_id: call_id.clone(),
                    role: Role::Callee,
                    peer: invite.caller.account.clone(),
                    peer_device: Some(invite.caller.device.clone()),
                    call_type,
                    answered: true,
                    answered_at_ms: Some(now_ms),
                    media: CallMedia::starting(&self.config),
                    call_token: token.or(Some(invite.call_token)),
                    cancel_on_ack: false,
                    guard_at_ms: None,
                    next_seq: invite.next_seq,
                });
                self.media(MediaAction::Release {
                    call_id: call_id.clone(),
                });
            }
            PendingKind::Reject => {
                if self.take_invite(call_id).is_some() {
                    self.close_media(call_id);
                }
            }
            PendingKind::Cancel => {
                // The cancel won: the call never connected. Had the accept won, `accepted` came first
                // and the server turned the cancel into a hang-up, reported by `ended`.
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.call_id == *call_id && !c.answered)
                {
                    self.take_current(call_id);
                }
            }
            PendingKind::Other => {}
        }
    }

    fn on_error(
        &mut self,
        pending: Option<Pending>,
        code: ErrorCode,
        message: &str,
        call_id: Option<CallId>,
        now_ms: u64,
    ) {
        let Some(call_id) = call_id.or_else(|| pending.as_ref().and_then(|p| p.call_id.clone()))
        else {
            return;
        };
        let gone = matches!(code, ErrorCode::CallEnded | ErrorCode::UnknownCall);
        match pending.map(|p| p.kind) {
            Some(PendingKind::Invite)
                if self
                    .current
                    .as_ref()
                    .is_some_and(|c| c.call_id == call_id && !c.answered) =>
            {
                self.current = None;
            }
            Some(PendingKind::Accept | PendingKind::Reject) => {
                if code == ErrorCode::AnsweredElsewhere && self.take_invite(&call_id).is_some() {
                    self.close_media(&call_id);
                    self.emit(ClientEvent::OtherClientAccept {
                        call_id: call_id.clone(),
                    });
                } else if gone && self.take_invite(&call_id).is_some() {
                    self.close_media(&call_id);
                }
            }
            Some(PendingKind::Cancel | PendingKind::Other) if gone => {
                self.take_current(&call_id);
            }
            _ => {}
        }
        if code == ErrorCode::StaleSeq {
            // Numbers used before a restart of this app are unknown; jump past them for the retry.
            if let Some(call) = self.current.as_mut().filter(|c| c.call_id == call_id) {
                call.next_seq = call.next_seq.max(now_ms);
            }
        }
        self.emit(ClientEvent::Error(ServerError {
            code,
            message: message.to_owned(),
            call_id: Some(call_id),
        }));
    }

    fn on_event(&mut self, call_id: &CallId, event: CallEvent, now_ms: u64) {
        match event {
            CallEvent::Invited {
                caller,
                call_type,
                attachment,
                expires_in_ms,
                call_token,
                waiting,
                ..
            } => {
                // Also a call this mirror showed ended already (see `abandoned.rs`).
                let known = self.is_current(call_id)
                    || self.invite(call_id).is_some()
                    || self.abandoned.contains(call_id);
                if caller.device == self.config.device || known {
                    return;
                }
                let invite = Invite {
                    call_id: call_id.clone(),
                    caller,
                    call_type,
                    attachment,
                    expires_at_ms: now_ms.saturating_add(expires_in_ms),
                    waiting,
                    call_token,
                    next_seq: 1,
                    answer_as: None,
                };
                self.add_invite(invite);
            }
            CallEvent::Accepted { callee, call_type } => {
                let Some(call) = self
                    .current
                    .as_mut()
                    .filter(|c| c.call_id == *call_id && !c.answered)
                else {
                    return;
                };
                call.answered = true;
                call.answered_at_ms = Some(now_ms);
                call.peer_device = Some(callee.device.clone());
                call.call_type = call_type;
                call.guard_at_ms = None;
                call.cancel_on_ack = false;
                self.media(MediaAction::Release {
                    call_id: call_id.clone(),
                });
                self.emit(ClientEvent::UserAccept {
                    call_id: call_id.clone(),
                    peer: callee.account,
                    peer_device: Some(callee.device),
                    call_type,
                });
            }
            CallEvent::OtherDevice { action } => {
                if self.take_invite(call_id).is_some() {
                    self.close_media(call_id);
                    let call_id = call_id.clone();
                    self.emit(match action {
                        OtherDeviceAction::Accepted => ClientEvent::OtherClientAccept { call_id },
                        OtherDeviceAction::Rejected => ClientEvent::OtherClientReject { call_id },
                    });
                }
            }
            CallEvent::Rejected | CallEvent::Busy => {
                if self.current.as_ref().is_some_and(|c| !c.answered)
                    && self.take_current(call_id).is_some()
                {
                    let call_id = call_id.clone();
                    self.emit(match event {
                        CallEvent::Busy => ClientEvent::UserBusy { call_id },
                        _ => ClientEvent::UserReject { call_id },
                    });
                }
            }
            CallEvent::Canceled => {
                if let Some(invite) = self.take_invite(call_id) {
                    self.close_media(call_id);
                    self.emit(ClientEvent::UserCancel {
                        call_id: call_id.clone(),
                        from: invite.caller.account,
                    });
                }
            }
            CallEvent::Timeout => {
                let ended = self.take_invite(call_id).is_some() && {
                    self.close_media(call_id);
                    true
                };
                let ended = ended || self.take_current(call_id).is_some();
                if ended {
                    self.emit(ClientEvent::CallingTimeout {
                        call_id: call_id.clone(),
                    });
                }
            }
            CallEvent::Ended { reason, by } => {
                if self.take_current(call_id).is_some() {
                    self.emit(ClientEvent::CallEnd {
                        call_id: call_id.clone(),
                        reason,
                        by,
                    });
                }
            }
            CallEvent::Record { record } => {
                // The record is the last word on a call: whatever of it is still here is over.
                self.take_current(call_id);
                if self.take_invite(call_id).is_some() {
                    self.close_media(call_id);
                }
                self.emit(ClientEvent::MessageSent { record });
            }
            CallEvent::Signal { from, payload } => self.emit(ClientEvent::Signal {
                call_id: call_id.clone(),
                from,
                payload,
            }),
            CallEvent::Media {
                audio,
                video,
                video_reason,
            } => {
                // A reason is only for video that is off.
                let reason = video_reason.filter(|_| !video);
                if let Some(call) = self.current_mut(call_id) {
                    call.media.remote_audio = audio;
                    call.media.remote_video = video;
                    call.media.remote_video_reason = reason;
                }
                let call_id = call_id.clone();
                self.emit(ClientEvent::AudioAvailable {
                    call_id: call_id.clone(),
                    available: audio,
                });
                self.emit(ClientEvent::VideoAvailable {
                    call_id,
                    available: video,
                    reason,
                });
            }
            CallEvent::SwitchRequested { call_type } => {
                if let Some(call) = self.current_mut(call_id) {
                    call.media.switch_request = Some(call_type);
                }
                self.emit(ClientEvent::SwitchRequested {
                    call_id: call_id.clone(),
                    call_type,
                })
            }
            CallEvent::TypeChanged { call_type } => {
                if let Some(call) = self.current_mut(call_id) {
                    call.call_type = call_type;
                    call.media.switched_to(call_type);
                }
                self.emit(ClientEvent::CallTypeChange {
                    call_id: call_id.clone(),
                    call_type,
                });
            }
            CallEvent::SwitchRefused { call_type } => {
                if let Some(call) = self.current_mut(call_id) {
                    call.media.switch_request = None;
                }
                self.emit(ClientEvent::SwitchRefused {
                    call_id: call_id.clone(),
                    call_type,
                })
            }
            CallEvent::Merged { into, call_token } => self.merge(call_id, into, call_token, now_ms),
        }
    }

    /// Rings a new invite here; an older invite from the same caller is replaced silently.
    pub(super) fn add_invite(&mut self, invite: Invite) {
        let stale: Vec<CallId> = self
            .invites
            .iter()
            .filter(|i| i.caller.account == invite.caller.account)
            .map(|i| i.call_id.clone())
            .collect();
        for id in stale {
            self.take_invite(&id);
            self.close_media(&id);
        }
        let start = MediaAction::Start {
            call_id: invite.call_id.clone(),
            role: Role::Callee,
            call_type: invite.call_type,
            ice_servers: self.ice_servers(),
        };
        self.invites.push(invite.clone());
        self.media(start);
        self.emit(ClientEvent::Invited(invite));
    }

    /// Glare: this device's outgoing call `call_id` became the answered call `into`, as callee.
    fn merge(&mut self, call_id: &CallId, into: CallId, call_token: String, now_ms: u64) {
        let Some(outgoing) = self.current.take_if(|c| c.call_id == *call_id) else {
            return self.end_abandoned(call_id, into, call_token, now_ms);
        };
        if self.abandoned.contains(&into) {
            // The crossing invite stopped ringing here by the mirror's guard (CALLING_TIMEOUT was
            // shown) before the server's answer came: what it joined this call into ended here
            // already. It is hung up there, and this call, consumed by it, ends here the same way.
            self.end_abandoned(&into, into.clone(), call_token, now_ms);
            self.emit(ClientEvent::CallingTimeout {
                call_id: outgoing.call_id,
            });
            return;
        }
        let crossing = self.take_invite(&into);
        if crossing.is_none() {
            let start = MediaAction::Start {
                call_id: into.clone(),
                role: Role::Callee,
                call_type: outgoing.call_type,
                ice_servers: self.ice_servers(),
            };
            self.media(start);
        }
        let call_type: CallType = crossing
            .as_ref()
            .map_or(outgoing.call_type, |i| i.call_type);
        let peer_device = crossing.as_ref().map(|i| i.caller.device.clone());
        self.current = Some(CurrentCall {
            call_id: into.clone(),
            role: Role::Callee,
            peer: outgoing.peer.clone(),
            peer_device: peer_device.clone(),
            call_type,
            answered: true,
            answered_at_ms: Some(now_ms),
            media: CallMedia::starting(&self.config),
            call_token: Some(call_token),
            cancel_on_ack: false,
            guard_at_ms: None,
            next_seq: crossing.map_or(1, |i| i.next_seq),
        });
        self.media(MediaAction::Release {
            call_id: into.clone(),
        });
        self.emit(ClientEvent::UserAccept {
            call_id: into,
            peer: outgoing.peer,
            peer_device,
            call_type,
        });
    }

    fn ice_servers(&self) -> Vec<duet_protocol::IceServer> {
        self.session
            .as_ref()
            .map(|s| s.ice_servers.clone())
            .unwrap_or_default()
    }
}
