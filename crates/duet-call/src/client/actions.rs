//! The user's actions: each checks the mirror's state, then sends one numbered request.

use super::{CallMedia, ClientMirror, CurrentCall, PendingKind, Role};
use super::{ClientError, MediaAction};
use duet_protocol::{
    AccountId, CallAction, CallId, CallType, ClientMessage, DeviceId, VideoOffReason,
};

impl ClientMirror {
    /// Sends a request that is not about a call (login, contacts, history, ...); returns its `req`.
    pub fn request(&mut self, msg: ClientMessage, now_ms: u64) -> Result<u64, ClientError> {
        if !self.connected {
            return Err(ClientError::NotConnected);
        }
        Ok(self.send_request(msg, None, PendingKind::Other, now_ms))
    }

    /// Places a call (nertc-call's `call`); `call_id` must be new (the SDK makes a random one).
    pub fn call(
        &mut self,
        call_id: CallId,
        callee: AccountId,
        call_type: CallType,
        attachment: serde_json::Value,
        timeout_ms: u64,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        self.check_logged_in()?;
        if let Some(current) = &self.current {
            return Err(ClientError::AlreadyInCall(current.call_id.clone()));
        }
        if callee == self.config.account {
            return Err(ClientError::SelfCall);
        }
        self.current = Some(CurrentCall {
            call_id: call_id.clone(),
            role: Role::Caller,
            peer: callee.clone(),
            peer_device: None,
            call_type,
            answered: false,
            answered_at_ms: None,
            media: CallMedia::starting(&self.config),
            call_token: None,
            cancel_on_ack: false,
            // The app's timeout may be any number: the guard saturates rather than overflow.
            guard_at_ms: Some(
                now_ms
                    .saturating_add(timeout_ms)
                    .saturating_add(self.config.guard_slack_ms),
            ),
            next_seq: 2,
        });
        let action = CallAction::Invite {
            callee,
            call_type,
            attachment,
            timeout_ms,
            nick: self.config.nick.clone(),
        };
        let msg = self.call_message(call_id.clone(), 1, None, action);
        Ok(self.send_request(msg, Some(call_id), PendingKind::Invite, now_ms))
    }

    /// Answers a ringing call, as `as_type` if given (audio answers a video call as audio).
    pub fn accept(
        &mut self,
        call_id: &CallId,
        as_type: Option<CallType>,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        self.check_logged_in()?;
        if let Some(current) = &self.current {
            return Err(ClientError::AlreadyInCall(current.call_id.clone()));
        }
        let action = CallAction::Accept { call_type: as_type };
        let request = self.invite_action(call_id, action, PendingKind::Accept, now_ms)?;
        if let Some(invite) = self.invites.iter_mut().find(|i| i.call_id == *call_id) {
            invite.answer_as = as_type;
        }
        Ok(request)
    }

    /// Call waiting's "end and answer": ends the current call (cancels it while it still rings)
    /// and answers the ringing `call_id`, as one user action. Both requests go out at once: the
    /// server takes a connection's messages in order, so the accept finds this device free, and
    /// the old call's end (`ended`, or the cancel's ack) reaches the mirror before the accept's
    /// ack. Returns the hang-up's `req` (`None` without a current call: a plain accept) and the
    /// accept's. Refused without sending anything if the invite no longer rings here, or if the
    /// current call cannot be cancelled yet (its invite's ack, with the token, is still due).
    pub fn end_and_accept(
        &mut self,
        call_id: &CallId,
        as_type: Option<CallType>,
        now_ms: u64,
    ) -> Result<(Option<u64>, u64), ClientError> {
        self.check_logged_in()?;
        if self.invite(call_id).is_none() {
            return Err(ClientError::NoSuchInvite(call_id.clone()));
        }
        let safe_mode = self.session.as_ref().is_some_and(|s| s.safe_mode);
        if self
            .current
            .as_ref()
            .is_some_and(|c| !c.answered && c.call_token.is_none() && safe_mode)
        {
            // The cancel would wait for the ack, and the accept would overtake it (busy).
            return Err(ClientError::WrongState(self.status()));
        }
        let hangup = match self.current {
            Some(_) => self.hangup(now_ms)?,
            None => None,
        };
        let action = CallAction::Accept { call_type: as_type };
        let accept = self.invite_action(call_id, action, PendingKind::Accept, now_ms)?;
        if let Some(invite) = self.invites.iter_mut().find(|i| i.call_id == *call_id) {
            invite.answer_as = as_type;
        }
        Ok((hangup, accept))
    }

    /// Declines a ringing call; `busy` declines as busy (the caller sees USER_BUSY).
    pub fn reject(
        &mut self,
        call_id: &CallId,
        busy: bool,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        self.check_logged_in()?;
        self.invite_action(
            call_id,
            CallAction::Reject { busy },
            PendingKind::Reject,
            now_ms,
        )
    }

    /// Withdraws this device's ringing call. Before the invite's ack brought the call token it is
    /// sent on the ack, and `None` is returned.
    pub fn cancel(&mut self, now_ms: u64) -> Result<Option<u64>, ClientError> {
        let offline = self.check_logged_in().is_err();
        if offline && self.current.is_none() {
            return Err(ClientError::NotConnected);
        }
        let call = self.current.as_mut().ok_or(ClientError::NoCall)?;
        if call.role != Role::Caller || call.answered {
            return Err(ClientError::WrongState(self.status()));
        }
        if offline {
            self.end_offline();
            return Ok(None);
        }
        if call.call_token.is_none() && self.session.as_ref().is_some_and(|s| s.safe_mode) {
            call.cancel_on_ack = true;
            return Ok(None);
        }
        let call_id = call.call_id.clone();
        Ok(Some(self.current_action(
            CallAction::Cancel,
            PendingKind::Cancel,
            now_ms,
            &call_id,
        )))
    }

    /// Ends the current call; while it still rings, this cancels it. Without a session (the
    /// connection is lost and being made again) the call ends here at once and the server is
    /// told after the reconnect (see `end_offline`); nothing is returned to wait for then.
    pub fn hangup(&mut self, now_ms: u64) -> Result<Option<u64>, ClientError> {
        if self.check_logged_in().is_err() && self.current.is_some() {
            self.end_offline();
            return Ok(None);
        }
        self.hangup_because(duet_protocol::EndReason::UserHangup, now_ms)
    }

    /// Ends the current call with `reason` (say `ice_failed` when media could not connect), which
    /// both parties' records carry; while it still rings, this cancels it.
    pub fn hangup_because(
        &mut self,
        reason: duet_protocol::EndReason,
        now_ms: u64,
    ) -> Result<Option<u64>, ClientError> {
        self.check_logged_in()?;
        let call = self.current.as_ref().ok_or(ClientError::NoCall)?;
        if !call.answered {
            return self.cancel(now_ms);
        }
        let call_id = call.call_id.clone();
        let action = CallAction::Hangup { reason };
        Ok(Some(self.current_action(
            action,
            PendingKind::Other,
            now_ms,
            &call_id,
        )))
    }

    /// Relays media negotiation for the current call or a ringing invite.
    pub fn signal(
        &mut self,
        call_id: &CallId,
        to: Option<DeviceId>,
        payload: serde_json::Value,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        self.check_logged_in()?;
        let action = CallAction::Signal { to, payload };
        if self.is_current(call_id) {
            return Ok(self.current_action(action, PendingKind::Other, now_ms, call_id));
        }
        self.invite_action(call_id, action, PendingKind::Other, now_ms)
    }

    /// Tells the peer this device's microphone and camera state (AUDIO_/VIDEO_AVAILABLE), and
    /// why video is off if the user has it on (`video_reason`).
    pub fn set_media(
        &mut self,
        audio: bool,
        video: bool,
        video_reason: Option<VideoOffReason>,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        let call_id = self.answered_call()?;
        let action = CallAction::Media {
            audio,
            video,
            video_reason,
        };
        Ok(self.current_action(action, PendingKind::Other, now_ms, &call_id))
    }

    /// The network paused (true) or resumed this device's camera in the current call: once
    /// answered, the peer is told (VIDEO_AVAILABLE false with reason `network`, or true), and
    /// the `req` returned. Nothing is sent while the user has the camera off, nor when nothing
    /// changed.
    pub fn set_video_paused_by_network(
        &mut self,
        paused: bool,
        now_ms: u64,
    ) -> Result<Option<u64>, ClientError> {
        let Some(call) = self.current.as_mut() else {
            return Ok(None);
        };
        let media = &mut call.media;
        let before = media.announced();
        media.local_video_paused = paused;
        let (audio, video, reason) = media.announced();
        if !call.answered || (audio, video, reason) == before {
            return Ok(None);
        }
        self.set_media(audio, video, reason, now_ms).map(Some)
    }

    /// This device turns its microphone and/or camera on or off (`None` keeps it). In a call it
    /// changes that call's [`CallMedia`] and, once answered, tells the peer (the `req` returned);
    /// outside a call it changes what the next call starts with.
    pub fn set_local_media(
        &mut self,
        audio: Option<bool>,
        video: Option<bool>,
        now_ms: u64,
    ) -> Result<Option<u64>, ClientError> {
        let Some(call) = self.current.as_mut() else {
            self.config.open_microphone = audio.unwrap_or(self.config.open_microphone);
            self.config.open_camera = video.unwrap_or(self.config.open_camera);
            return Ok(None);
        };
        let media = &mut call.media;
        media.local_audio = audio.unwrap_or(media.local_audio);
        media.local_video = video.unwrap_or(media.local_video);
        let ((audio, video, reason), answered) = (media.announced(), call.answered);
        if !answered {
            return Ok(None);
        }
        self.set_media(audio, video, reason, now_ms).map(Some)
    }

    /// Asks to switch the answered call to `call_type` (video to audio happens at once).
    pub fn switch_type(&mut self, call_type: CallType, now_ms: u64) -> Result<u64, ClientError> {
        let call_id = self.answered_call()?;
        Ok(self.current_action(
            CallAction::SwitchType { call_type },
            PendingKind::Other,
            now_ms,
            &call_id,
        ))
    }

    /// Answers the peer's request to switch to `call_type`.
    pub fn answer_switch(
        &mut self,
        call_type: CallType,
        accept: bool,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        let call_id = self.answered_call()?;
        let action = CallAction::SwitchAnswer { call_type, accept };
        Ok(self.current_action(action, PendingKind::Other, now_ms, &call_id))
    }

    fn check_logged_in(&self) -> Result<(), ClientError> {
        if self.connected && self.session.is_some() && self.resynced {
            Ok(())
        } else {
            Err(ClientError::NotConnected)
        }
    }

    fn answered_call(&self) -> Result<CallId, ClientError> {
        self.check_logged_in()?;
        match &self.current {
            Some(call) if call.answered => Ok(call.call_id.clone()),
            Some(_) => Err(ClientError::WrongState(self.status())),
            None => Err(ClientError::NoCall),
        }
    }

    /// Sends `action` on the current call `call_id` with its token and next sequence number.
    fn current_action(
        &mut self,
        action: CallAction,
        kind: PendingKind,
        now_ms: u64,
        call_id: &CallId,
    ) -> u64 {
        let (seq, token) = match self.current.as_mut() {
            Some(call) => {
                call.next_seq += 1;
                (call.next_seq - 1, call.call_token.clone())
            }
            None => (1, None),
        };
        let msg = self.call_message(call_id.clone(), seq, token, action);
        self.send_request(msg, Some(call_id.clone()), kind, now_ms)
    }

    /// Sends `action` on the ringing invite `call_id`.
    fn invite_action(
        &mut self,
        call_id: &CallId,
        action: CallAction,
        kind: PendingKind,
        now_ms: u64,
    ) -> Result<u64, ClientError> {
        let invite = self
            .invites
            .iter_mut()
            .find(|i| i.call_id == *call_id)
            .ok_or_else(|| ClientError::NoSuchInvite(call_id.clone()))?;
        invite.next_seq += 1;
        let (seq, token) = (invite.next_seq - 1, invite.call_token.clone());
        let msg = self.call_message(call_id.clone(), seq, Some(token), action);
        Ok(self.send_request(msg, Some(call_id.clone()), kind, now_ms))
    }

    fn call_message(
        &self,
        call_id: CallId,
        seq: u64,
        call_token: Option<String>,
        action: CallAction,
    ) -> ClientMessage {
        ClientMessage::Call {
            call_id,
            device: self.config.device.clone(),
            seq,
            call_token,
            action,
        }
    }

    /// Sends a cancel the user asked for before the token arrived, now that it has.
    pub(super) fn send_deferred_cancel(&mut self, now_ms: u64) {
        let due = self
            .current
            .as_ref()
            .filter(|c| c.cancel_on_ack && c.call_token.is_some() && !c.answered)
            .map(|c| c.call_id.clone());
        if let Some(call_id) = due {
            if let Some(call) = self.current.as_mut() {
                call.cancel_on_ack = false;
            }
            self.current_action(CallAction::Cancel, PendingKind::Cancel, now_ms, &call_id);
        }
    }

    /// Closes the media of an invite that stopped ringing here.
    pub(super) fn close_media(&mut self, call_id: &CallId) {
        self.media(MediaAction::Close {
            call_id: call_id.clone(),
        });
    }
}
