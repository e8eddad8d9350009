//! Converging to the server's `resync` after login or reconnect.

use super::{CallMedia, ClientEvent, ClientMirror, CurrentCall, Invite, MediaAction, Role};
use duet_protocol::{CallId, CallSnapshot, CallSnapshotPhase, EndReason};

impl ClientMirror {
    /// Adopts the server's view: its own call and the calls ringing this device, nothing else.
    pub(super) fn resync(&mut self, calls: Vec<CallSnapshot>, now_ms: u64) {
        let mut gone = Vec::new();
        let mut own = None;
        let mut ringing = Vec::new();
        for snapshot in calls {
            self.remember_seq(&snapshot.call_id, snapshot.seq);
            let mine_as_caller = snapshot.caller.device == self.config.device
                && snapshot.caller.account == self.config.account;
            let mine_as_callee = matches!(&snapshot.phase, CallSnapshotPhase::Active { callee_device, .. }
                if *callee_device == self.config.device && snapshot.callee == self.config.account);
            if mine_as_caller || mine_as_callee {
                own = Some((snapshot, mine_as_caller));
            } else if matches!(snapshot.phase, CallSnapshotPhase::Ringing { .. }) {
                ringing.push(snapshot);
            }
        }
        // A call this mirror gave up on (CALLING_TIMEOUT was shown) that the server connected
        // meanwhile is hung up, not brought back.
        if let Some((snapshot, _)) = own.take_if(|(s, _)| self.abandoned.contains(&s.call_id)) {
            let token = match snapshot.phase {
                CallSnapshotPhase::Ringing { call_token, .. }
                | CallSnapshotPhase::Active { call_token, .. } => call_token,
            };
            let id = snapshot.call_id;
            self.end_abandoned(&id, id.clone(), token, now_ms);
        }
        // No honest server lists a call twice. One that does gets each call once, as this
        // device's own call if it is that (a call is never both current and ringing here).
        if let Some((snapshot, _)) = &own {
            ringing.retain(|s| s.call_id != snapshot.call_id);
        }
        let mut seen = std::collections::HashSet::new();
        ringing.retain(|s| seen.insert(s.call_id.clone()));
        // An invite the guard dropped (CALLING_TIMEOUT was shown) does not ring again: the resync
        // may be older than that, or the server's deadline later than the mirror's.
        ringing.retain(|s| !self.abandoned.contains(&s.call_id));
        self.adopt_own_call(own, &mut gone, now_ms);
        let listed: Vec<CallId> = ringing.iter().map(|s| s.call_id.clone()).collect();
        let dropped: Vec<CallId> = self
            .invites
            .iter()
            .filter(|i| !listed.contains(&i.call_id))
            .map(|i| i.call_id.clone())
            .collect();
        for id in dropped {
            self.take_invite(&id);
            self.close_media(&id);
            gone.push(id);
        }
        for snapshot in ringing {
            let CallSnapshotPhase::Ringing {
                expires_in_ms,
                call_token,
                waiting,
            } = snapshot.phase
            else {
                continue;
            };
            if let Some(known) = self
                .invites
                .iter_mut()
                .find(|i| i.call_id == snapshot.call_id)
            {
                known.expires_at_ms = now_ms.saturating_add(expires_in_ms);
                known.waiting = waiting;
                known.call_token = call_token;
                continue;
            }
            self.add_invite(Invite {
                call_id: snapshot.call_id,
                caller: snapshot.caller,
                call_type: snapshot.call_type,
                attachment: snapshot.attachment,
                expires_at_ms: now_ms.saturating_add(expires_in_ms),
                waiting,
                call_token,
                // This app may have answered before a restart; numbers from its clock stay above those.
                next_seq: now_ms.max(1),
                answer_as: None,
            });
        }
        self.resynced = true;
        self.emit(ClientEvent::Resynced {
            status: self.status(),
            current: self.current.clone(),
            invites: self.invites.clone(),
            gone,
        });
    }

    fn adopt_own_call(
        &mut self,
        own: Option<(CallSnapshot, bool)>,
        gone: &mut Vec<CallId>,
        now_ms: u64,
    ) {
        let same = match (&own, &self.current) {
            (Some((snapshot, _)), Some(current)) => snapshot.call_id == current.call_id,
            _ => false,
        };
        if !same {
            if let Some(lost) = self.current.clone() {
                // It ended while this device was away; the server keeps its record.
                self.take_current(&lost.call_id);
                gone.push(lost.call_id.clone());
                self.emit(ClientEvent::CallEnd {
                    call_id: lost.call_id,
                    reason: EndReason::ConnectionLost,
                    by: None,
                });
            }
        }
        let Some((snapshot, as_caller)) = own else {
            return;
        };
        let slack = self.config.guard_slack_ms;
        let (answered, token, guard, callee_device) = match snapshot.phase {
            CallSnapshotPhase::Ringing {
                expires_in_ms,
                call_token,
                ..
            } => (
                false,
                call_token,
                Some(now_ms.saturating_add(expires_in_ms).saturating_add(slack)),
                None,
            ),
            CallSnapshotPhase::Active {
                callee_device,
                call_token,
                ..
            } => (true, call_token, None, Some(callee_device)),
        };
        let (role, peer, peer_device) = if as_caller {
            (Role::Caller, snapshot.callee.clone(), callee_device)
        } else {
            (
                Role::Callee,
                snapshot.caller.account.clone(),
                Some(snapshot.caller.device.clone()),
            )
        };
        if let Some(current) = self.current.as_mut().filter(|_| same) {
            let newly_answered = answered && !current.answered;
            current.answered = answered;
            if newly_answered {
                current.answered_at_ms = Some(now_ms);
            }
            current.call_token = Some(token);
            current.guard_at_ms = guard;
            current.call_type = snapshot.call_type;
            current.peer_device = peer_device.clone();
            let call_id = current.call_id.clone();
            if newly_answered {
                self.media(MediaAction::Release {
                    call_id: call_id.clone(),
                });
                self.emit(ClientEvent::UserAccept {
                    call_id,
                    peer,
                    peer_device,
                    call_type: snapshot.call_type,
                });
            }
            self.send_deferred_cancel(now_ms);
            return;
        }
        let call_id = snapshot.call_id.clone();
        self.current = Some(CurrentCall {
            call_id: call_id.clone(),
            role,
            peer,
            peer_device,
            call_type: snapshot.call_type,
            answered,
            answered_at_ms: answered.then_some(now_ms),
            media: CallMedia::starting(&self.config),
            call_token: Some(token),
            cancel_on_ack: false,
            guard_at_ms: guard,
            // This app may have sent numbers before a restart; numbers from its clock stay above those.
            next_seq: now_ms.max(1),
        });
        let start = MediaAction::Start {
            call_id: call_id.clone(),
            role,
            call_type: snapshot.call_type,
            ice_servers: self
                .session
                .as_ref()
                .map(|s| s.ice_servers.clone())
                .unwrap_or_default(),
        };
        self.media(start);
        if answered {
            self.media(MediaAction::Release { call_id });
        }
    }
}
