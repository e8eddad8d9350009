//! The one task that owns the WebSocket and the client mirror.

use crate::backoff::reconnect_delay;
use crate::clock::Clock;
use crate::devices::{MediaChoice, MediaChoices};
use crate::events::EventHub;
use crate::media::{MediaCallInfo, MediaEngine, MediaEvents, MediaReport, MediaSession};
use crate::{CallEvent, CallKitConfig, CallKitError};
use duet_call::client::{
    CallState, ClientConfig, ClientError, ClientMirror, ClientOutput, CurrentCall, Invite,
    MediaAction, Role, Session,
};
use duet_protocol::{
    decode_server, encode, AccountId, CallId, CallType, ClientFrame, ClientMessage, ContactState,
    DeviceId, EndReason, ErrorCode, ServerFrame, ServerMessage,
};
use futures_util::{SinkExt, StreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{
    connect_async_tls_with_config, Connector, MaybeTlsStream, WebSocketStream,
};
use tracing::{debug, info, info_span, warn};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A session that lasted this long was working: when it is lost, the next server is tried at
/// once instead of after a back-off delay.
const STABLE_SESSION: Duration = Duration::from_secs(2);

/// A user action for the task.
#[derive(Debug)]
pub(crate) enum Action {
    Call {
        call_id: CallId,
        callee: AccountId,
        call_type: CallType,
        attachment: serde_json::Value,
        timeout_ms: u64,
    },
    Accept {
        call_id: CallId,
        as_type: Option<CallType>,
    },
    Reject {
        call_id: CallId,
        busy: bool,
    },
    /// Hangs up the current call and accepts `call_id` (call waiting's "end and answer"); the
    /// hang-up's waiter goes to `hangup` (`None` when there was no call to hang up), the accept's
    /// to the command's reply.
    EndAndAccept {
        call_id: CallId,
        as_type: Option<CallType>,
        hangup: oneshot::Sender<Waiter>,
    },
    Cancel,
    Hangup,
    SwitchType(CallType),
    AnswerSwitch {
        accept: bool,
    },
    LocalMedia {
        audio: Option<bool>,
        video: Option<bool>,
    },
    /// A device, speaker or remote-audio choice, already recorded in the shared choices: for
    /// the calls running.
    Choice(MediaChoice),
    /// Shares a screen or window (already checked by the engine) in the answered call, or
    /// stops sharing (`None`).
    ScreenShare(Option<String>),
    Request(ClientMessage),
    Logout,
}

/// What a request gets back: the server's answer, or `None` when the mirror's request timeout
/// passed first.
pub(crate) type Answer = Option<ServerMessage>;

/// Where the answer to an action arrives; `None` when the action needs no answer.
pub(crate) type Waiter = Option<oneshot::Receiver<Answer>>;

/// A command from a [`crate::CallKit`] handle.
pub(crate) struct Command {
    pub action: Action,
    pub reply: oneshot::Sender<Result<Waiter, CallKitError>>,
}

/// What handles read without asking the task.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub status: CallState,
    pub current: Option<CurrentCall>,
    pub invites: Vec<Invite>,
    pub session: Option<Session>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            status: CallState::Idle,
            current: None,
            invites: Vec::new(),
            session: None,
        }
    }
}

/// The media of a call that rings from a non-contact, or during another call (call waiting): not
/// started, so no device is opened and no candidate leaves this machine before the user answers.
struct DeferredMedia {
    info: MediaCallInfo,
    /// The caller's offer and candidates, in arrival order.
    signals: Vec<serde_json::Value>,
}

/// How a connection ended.
enum Exit {
    /// Lost: reconnect.
    Lost,
    /// The server is stopping (`server.draining`): connect to the next server at once; calls go
    /// on and are re-synced there.
    Moving,
    /// Logged out, or every handle was dropped: stop.
    Stop,
}

pub(crate) struct Driver {
    config: CallKitConfig,
    account: AccountId,
    mirror: ClientMirror,
    clock: Clock,
    media: Arc<dyn MediaEngine>,
    sessions: HashMap<CallId, Box<dyn MediaSession>>,
    signals_tx: mpsc::UnboundedSender<(CallId, serde_json::Value)>,
    signals_rx: mpsc::UnboundedReceiver<(CallId, serde_json::Value)>,
    /// What media sessions report that changes their call (no path, video paused).
    reports_tx: mpsc::UnboundedSender<(CallId, MediaReport)>,
    reports_rx: mpsc::UnboundedReceiver<(CallId, MediaReport)>,
    /// Calls whose media failed while they still rang: ended with `ice_failed` once answered.
    media_failed: HashSet<CallId>,
    /// This account's accepted contacts, as last heard from the server (requests and blocked
    /// accounts are not). Only they may ring this device with media pre-connected.
    contacts: HashSet<AccountId>,
    /// Incoming calls from non-contacts: their media starts only once answered, with the
    /// negotiation that arrived while ringing.
    deferred: HashMap<CallId, DeferredMedia>,
    /// The TLS configuration for `wss://`, built at the first secure connection.
    tls: Option<Arc<rustls::ClientConfig>>,
    waiters: HashMap<u64, oneshot::Sender<Answer>>,
    hub: EventHub,
    shared: Arc<Mutex<Shared>>,
    /// This device's media choices, kept by the handles across logins.
    choices: Arc<Mutex<MediaChoices>>,
    logout_req: Option<u64>,
    rng: fastrand::Rng,
    /// Every server to try (`server_url`, then `other_server_urls`), never empty.
    urls: Vec<String>,
    /// The one the next connection goes to.
    url_index: usize,
}

impl Driver {
    pub(crate) fn new(
        config: CallKitConfig,
        account: AccountId,
        device: DeviceId,
        media: Arc<dyn MediaEngine>,
        hub: EventHub,
        shared: Arc<Mutex<Shared>>,
        choices: Arc<Mutex<MediaChoices>>,
    ) -> Self {
        let (signals_tx, signals_rx) = mpsc::unbounded_channel();
        let (reports_tx, reports_rx) = mpsc::unbounded_channel();
        let mut client = ClientConfig::new(account.clone(), device);
        client.request_timeout_ms =
            u64::try_from(config.request_timeout.as_millis()).unwrap_or(u64::MAX / 4);
        client.open_microphone = config.open_microphone;
        client.open_camera = config.open_camera;
        // Empty: the callee sees the account's nickname on the server.
        client.nick = Some(config.nick_name.clone()).filter(|nick| !nick.is_empty());
        let urls = config.server_urls().map(str::to_owned).collect();
        Self {
            urls,
            url_index: 0,
            config,
            account,
            mirror: ClientMirror::new(client),
            clock: Clock::new(),
            media,
            sessions: HashMap::new(),
            signals_tx,
            signals_rx,
            reports_tx,
            reports_rx,
            media_failed: HashSet::new(),
            contacts: HashSet::new(),
            deferred: HashMap::new(),
            tls: None,
            waiters: HashMap::new(),
            hub,
            shared,
            choices,
            logout_req: None,
            rng: fastrand::Rng::new(),
        }
    }

    /// The span every log line of this task is in.
    pub(crate) fn span(&self) -> tracing::Span {
        // nertc-call's `uid` only labels the logs: the account and device identify everything.
        info_span!(
            "callkit",
            account = %self.account,
            device = %self.mirror.config().device,
            uid = self.config.uid
        )
    }

    /// Runs until logout or until every handle is gone. The first login's outcome goes to
    /// `first_login`; a failed first login ends the task, later failures are retried.
    pub(crate) async fn run(
        mut self,
        mut commands: mpsc::Receiver<Command>,
        first_login: oneshot::Sender<Result<Session, CallKitError>>,
    ) {
        let mut first = Some(first_login);
        let mut attempt: u32 = 0;
        // Servers the first login has tried; it fails once each has refused or not answered.
        let mut first_tries = 0;
        loop {
            // Whether the next attempt goes out at once rather than after a back-off delay.
            let mut at_once = false;
            match self.connect_and_login().await {
                Ok((socket, session)) => {
                    attempt = 0;
                    if let Some(reply) = first.take() {
                        let _ = reply.send(Ok(session));
                    }
                    let up_since = Instant::now();
                    match self.serve(socket, &mut commands).await {
                        Exit::Stop => return self.stopped(),
                        // Asked to move: another server now (behind one URL, the load balancer
                        // picks one that is not draining).
                        Exit::Moving => at_once = true,
                        // This server went away: another one may well be up, so try it now; a
                        // lone server gets the usual delay to come back, and so does a session
                        // that died young (servers that drop every login must not be hammered).
                        Exit::Lost => {
                            at_once = self.urls.len() > 1 && up_since.elapsed() >= STABLE_SESSION;
                        }
                    }
                    self.next_url();
                }
                Err(error) => {
                    if let Some(reply) = first.take() {
                        first_tries += 1;
                        if is_fatal(&error) || first_tries >= self.urls.len() {
                            let _ = reply.send(Err(error));
                            return self.stopped();
                        }
                        warn!(%error, url = %self.url(), "login failed; trying the next server");
                        first = Some(reply);
                        at_once = true;
                    } else {
                        warn!(%error, url = %self.url(), "reconnect failed");
                    }
                    self.next_url();
                    if let (true, CallKitError::Server { code, message }) =
                        (is_fatal(&error), &error)
                    {
                        // The token no longer works: retrying cannot help, so say why and stop.
                        self.hub
                            .deliver(CallEvent::Error(duet_call::client::ServerError {
                                code: *code,
                                message: message.clone(),
                                call_id: None,
                            }));
                        return self.stopped();
                    }
                }
            }
            self.mirror.handle_disconnected(self.clock.now_ms());
            self.waiters.clear();
            self.pump();
            if at_once {
                info!(url = %self.url(), "signaling lost or moved; connecting to the next server");
                continue;
            }
            let delay = reconnect_delay(
                attempt,
                self.config.min_reconnect_delay,
                self.config.max_reconnect_delay,
                &mut self.rng,
            );
            attempt = attempt.saturating_add(1);
            info!(?delay, attempt, "signaling lost; reconnecting");
            if let Exit::Stop = self.wait_offline(delay, &mut commands).await {
                return self.stopped();
            }
        }
    }

    fn stopped(&mut self) {
        self.mirror.handle_logged_out(self.clock.now_ms());
        self.pump();
        self.waiters.clear();
        info!("signaling stopped");
    }

    /// The server the next connection goes to.
    fn url(&self) -> &str {
        self.urls
            .get(self.url_index)
            .map_or(self.config.server_url.as_str(), String::as_str)
    }

    /// Moves on to the next server of the list (round it).
    fn next_url(&mut self) {
        self.url_index = (self.url_index + 1) % self.urls.len().max(1);
    }

    async fn connect_and_login(&mut self) -> Result<(Socket, Session), CallKitError> {
        let url = self.url().to_owned();
        let limit = self.config.request_timeout;
        let connect_error = |reason: String| CallKitError::Connect {
            url: url.clone(),
            reason,
        };
        let connector = self.connector(&url)?;
        let connecting = connect_async_tls_with_config(url.as_str(), None, true, Some(connector));
        let (mut socket, _) = timeout(limit, connecting)
            .await
            .map_err(|_| connect_error("timed out".into()))?
            .map_err(|e| {
                crate::tls::untrusted(&url, &e).unwrap_or_else(|| connect_error(e.to_string()))
            })?;
        let now = self.clock.now_ms();
        self.mirror.handle_connected(now);
        let login = ClientMessage::Login {
            app_key: self.config.app_key.clone(),
            account: self.account.clone(),
            token: self.config.im_token.clone(),
            device: self.mirror.config().device.clone(),
            call_waiting: self.config.call_waiting,
        };
        let req = self.mirror.request(login, now)?;
        let deadline = Instant::now() + limit;
        flush(&mut socket, self.pump(), self.config.debug)
            .await
            .map_err(|_| CallKitError::ConnectionLost)?;
        loop {
            let frame = match timeout_at(deadline, socket.next()).await {
                Err(()) => return Err(CallKitError::Timeout(limit)),
                Ok(Some(Ok(Message::Text(text)))) => text,
                Ok(Some(Ok(_))) => continue,
                Ok(Some(Err(_)) | None) => return Err(CallKitError::ConnectionLost),
            };
            crate::wire_log::received(self.config.debug, frame.as_str());
            let resynced = match decode_server(frame.as_str()) {
                Ok(frame) => {
                    let resynced = matches!(frame.msg, ServerMessage::Resync { .. });
                    self.login_answer(&mut socket, frame, req).await?;
                    resynced
                }
                // A resync this SDK cannot read (from a server that lets one grow past the frame
                // limit, or nest deeper than JSON readers go) must not lock the account out:
                // log in with the calls as they were, and let later events bring them up to date.
                Err(error) if self.mirror.session().is_some() && may_be_resync(&frame) => {
                    warn!(%error, "the server's resync could not be read; logging in without it");
                    true
                }
                Err(error) => {
                    warn!(%error, "undecodable frame from the server");
                    continue;
                }
            };
            // Login is done once the resync that follows `login.ok` is in: an action taken before
            // it would be judged against a state the resync then overwrites.
            if let (true, Some(session)) = (resynced, self.mirror.session().cloned()) {
                // Who may ring with media pre-connected; the answer arrives while serving.
                self.mirror
                    .request(ClientMessage::ContactsList, self.clock.now_ms())?;
                flush(&mut socket, self.pump(), self.config.debug)
                    .await
                    .map_err(|_| CallKitError::ConnectionLost)?;
                return Ok((socket, session));
            }
        }
    }

    /// Takes in a frame received while logging in; fails on the login's refusal or on a safe
    /// mode that disagrees with the configuration.
    async fn login_answer(
        &mut self,
        socket: &mut Socket,
        frame: ServerFrame,
        req: u64,
    ) -> Result<(), CallKitError> {
        let answer = (frame.req == Some(req)).then(|| frame.msg.clone());
        self.mirror.handle_frame(frame, self.clock.now_ms());
        // The resync may have the mirror send something at once: the hang-up of a call it ended
        // while offline (the user's, or its guard's) that the server still lists.
        let frames = self.pump();
        flush(socket, frames, self.config.debug)
            .await
            .map_err(|_| CallKitError::ConnectionLost)?;
        match answer {
            // nertc-call's `checkSum` is the app's expectation; the server's app setting
            // decides, so a disagreement is a configuration error to say, not to paper over.
            Some(ServerMessage::LoginOk { safe_mode, .. })
                if safe_mode != self.config.check_sum =>
            {
                let _ = socket.close(None).await;
                Err(CallKitError::SafeModeMismatch {
                    check_sum: self.config.check_sum,
                    server_safe_mode: safe_mode,
                })
            }
            Some(ServerMessage::LoginOk { .. }) | None => Ok(()),
            Some(ServerMessage::Error { code, message, .. }) => {
                Err(CallKitError::Server { code, message })
            }
            Some(other) => Err(CallKitError::UnexpectedAnswer(format!("{other:?}"))),
        }
    }

    /// Plain for a `ws://` `url`; rustls with the system's roots and the configured CA for
    /// `wss://`.
    fn connector(&mut self, url: &str) -> Result<Connector, CallKitError> {
        if !url.starts_with("wss://") {
            return Ok(Connector::Plain);
        }
        let config = match &self.tls {
            Some(config) => config.clone(),
            None => {
                let config = crate::tls::client_config(self.config.tls_ca_file.as_deref())?;
                self.tls.insert(config).clone()
            }
        };
        Ok(Connector::Rustls(config))
    }

    /// A call's camera was paused (or resumed) by the network: tell the peer, if the call is
    /// the current one (an ended call's late report changes nothing).
    fn video_paused_by_network(&mut self, call_id: &CallId, paused: bool) {
        if self.mirror.current().is_none_or(|c| c.call_id != *call_id) {
            return;
        }
        info!(%call_id, paused, "video paused by the network");
        let now = self.clock.now_ms();
        if let Err(error) = self.mirror.set_video_paused_by_network(paused, now) {
            debug!(%call_id, %error, "video pause not announced");
        }
    }

    /// A call's media found no path: end the call with `ice_failed` if it is answered, or as
    /// soon as it is.
    fn media_fault(&mut self, call_id: CallId) {
        let answered = self
            .mirror
            .current()
            .is_some_and(|call| call.call_id == call_id && call.answered);
        if !answered {
            self.media_failed.insert(call_id);
            return;
        }
        info!(%call_id, "media found no path; ending the call");
        if let Err(error) = self
            .mirror
            .hangup_because(EndReason::IceFailed, self.clock.now_ms())
        {
            debug!(%call_id, %error, "hang-up after ICE failure not sent");
        }
    }

    async fn serve(&mut self, mut socket: Socket, commands: &mut mpsc::Receiver<Command>) -> Exit {
        let heartbeat = Duration::from_millis(
            self.mirror
                .session()
                .map_or(10_000, |s| s.heartbeat_ms)
                .max(100),
        );
        let mut ping = tokio::time::interval_at(Instant::now() + heartbeat, heartbeat);
        let mut last_heard = Instant::now();
        loop {
            let timer = self
                .mirror
                .poll_timeout()
                .map(|at| self.clock.instant_at(at));
            tokio::select! {
                incoming = socket.next() => match incoming {
                    Some(Ok(Message::Text(text))) => {
                        last_heard = Instant::now();
                        crate::wire_log::received(self.config.debug, text.as_str());
                        match decode_server(text.as_str()) {
                            Ok(ServerFrame { msg: ServerMessage::ServerDraining { closes_in_ms }, .. }) => {
                                let _ = socket.close(None).await;
                                if self.logout_req.is_some() {
                                    return Exit::Stop;
                                }
                                info!(closes_in_ms, "the server is draining; moving to the next server");
                                return Exit::Moving;
                            }
                            Ok(frame) => {
                                let answers_logout = frame.req.is_some() && frame.req == self.logout_req;
                                self.mirror.handle_frame(frame, self.clock.now_ms());
                                if answers_logout {
                                    self.pump();
                                    let _ = socket.close(None).await;
                                    return Exit::Stop;
                                }
                            }
                            Err(error) => warn!(%error, "undecodable frame from the server"),
                        }
                    }
                    Some(Ok(_)) => last_heard = Instant::now(),
                    Some(Err(_)) | None => {
                        return if self.logout_req.is_some() { Exit::Stop } else { Exit::Lost };
                    }
                },
                command = commands.recv() => match command {
                    Some(command) => self.command(command),
                    None => {
                        let _ = socket.close(None).await;
                        return Exit::Stop;
                    }
                },
                Some((call_id, report)) = self.reports_rx.recv() => match report {
                    MediaReport::IceFailed => self.media_fault(call_id),
                    MediaReport::VideoPausedByNetwork(paused) => {
                        self.video_paused_by_network(&call_id, paused)
                    }
                },
                Some((call_id, payload)) = self.signals_rx.recv() => {
                    if let Err(error) = self.mirror.signal(&call_id, None, payload, self.clock.now_ms()) {
                        debug!(%call_id, %error, "media signal dropped");
                    }
                }
                () = sleep_until_opt(timer) => self.mirror.handle_timeout(self.clock.now_ms()),
                _ = ping.tick() => {
                    if last_heard.elapsed() > heartbeat * 3 {
                        warn!("server silent for three heartbeats");
                        return Exit::Lost;
                    }
                    if flush(&mut socket, vec![ClientFrame::new(None, ClientMessage::Ping)], self.config.debug).await.is_err() {
                        return Exit::Lost;
                    }
                }
            }
            let frames = self.pump();
            if flush(&mut socket, frames, self.config.debug).await.is_err() {
                return Exit::Lost;
            }
        }
    }

    /// Waits `delay` before the next attempt; actions are refused meanwhile, timers still run.
    async fn wait_offline(
        &mut self,
        delay: Duration,
        commands: &mut mpsc::Receiver<Command>,
    ) -> Exit {
        let until = Instant::now() + delay;
        loop {
            let timer = self
                .mirror
                .poll_timeout()
                .map(|at| self.clock.instant_at(at));
            tokio::select! {
                () = sleep_until(until) => return Exit::Lost,
                command = commands.recv() => match command {
                    Some(Command { action: Action::Logout, reply }) => {
                        let _ = reply.send(Ok(None));
                        return Exit::Stop;
                    }
                    Some(Command { action: Action::LocalMedia { audio, video }, reply }) => {
                        // Offline the switch applies here at once; the peer cannot be told
                        // (NotConnected) until the next `call.media`.
                        let _ = self.mirror.set_local_media(audio, video, self.clock.now_ms());
                        self.apply_local_media();
                        let _ = reply.send(Ok(None));
                    }
                    // The media of a call survives a lost connection; so do its devices.
                    Some(Command { action: Action::Choice(choice), reply }) => {
                        self.apply_choice(&choice);
                        let _ = reply.send(Ok(None));
                    }
                    // The user's hang-up (or cancel) ends the call here at once; the server is
                    // told after the reconnect, once its resync lists the call (the mirror's
                    // `end_offline`), so the peer's call does not wait for the reconnect grace.
                    Some(command @ Command { action: Action::Hangup | Action::Cancel, .. }) => {
                        self.command(command);
                    }
                    Some(Command { reply, .. }) => {
                        let _ = reply.send(Err(CallKitError::ConnectionLost));
                    }
                    None => return Exit::Stop,
                },
                () = sleep_until_opt(timer) => self.mirror.handle_timeout(self.clock.now_ms()),
            }
            // Nothing can be sent while offline; the mirror only sends when connected anyway.
            self.pump();
        }
    }

    fn command(&mut self, Command { action, reply }: Command) {
        let now = self.clock.now_ms();
        let result = match action {
            Action::Call {
                call_id,
                callee,
                call_type,
                attachment,
                timeout_ms,
            } => {
                let _span = info_span!("call", call_id = %call_id).entered();
                info!(%callee, ?call_type, "placing call");
                self.mirror
                    .call(call_id, callee, call_type, attachment, timeout_ms, now)
                    .map(Some)
            }
            Action::Accept { call_id, as_type } => {
                let _span = info_span!("call", call_id = %call_id).entered();
                info!(?as_type, "accepting");
                let accepted = self.mirror.accept(&call_id, as_type, now);
                if let (Ok(_), Some(call_type), Some(session)) =
                    (&accepted, as_type, self.sessions.get_mut(&call_id))
                {
                    session.set_call_type(call_type);
                }
                accepted.map(Some)
            }
            Action::Reject { call_id, busy } => {
                let _span = info_span!("call", call_id = %call_id).entered();
                info!(busy, "rejecting");
                self.mirror.reject(&call_id, busy, now).map(Some)
            }
            Action::EndAndAccept {
                call_id,
                as_type,
                hangup,
            } => {
                let _span = info_span!("call", call_id = %call_id).entered();
                info!(?as_type, "ending the current call and accepting");
                match self.mirror.end_and_accept(&call_id, as_type, now) {
                    Ok((hangup_req, accept_req)) => {
                        let _ = hangup.send(hangup_req.and_then(|req| self.wait_for(req)));
                        if let (Some(call_type), Some(session)) =
                            (as_type, self.sessions.get_mut(&call_id))
                        {
                            session.set_call_type(call_type);
                        }
                        Ok(Some(accept_req))
                    }
                    Err(error) => Err(error),
                }
            }
            Action::Cancel => self.mirror.cancel(now),
            Action::Hangup => self.mirror.hangup(now),
            Action::SwitchType(call_type) => self.mirror.switch_type(call_type, now).map(Some),
            Action::AnswerSwitch { accept } => {
                let wanted = match self.mirror.current().map(|c| c.call_type) {
                    Some(CallType::Audio) => CallType::Video,
                    _ => CallType::Audio,
                };
                self.mirror.answer_switch(wanted, accept, now).map(Some)
            }
            Action::LocalMedia { audio, video } => {
                let sent = self.mirror.set_local_media(audio, video, now);
                self.apply_local_media();
                sent
            }
            Action::Choice(choice) => {
                self.apply_choice(&choice);
                Ok(None)
            }
            Action::ScreenShare(target) => self.screen_share(target.as_deref()).map(|()| None),
            Action::Request(msg) => {
                // An add is only a request until the server says otherwise (CONTACTS_CHANGED);
                // a removal or a block ends a contact at once.
                if let ClientMessage::ContactsRemove { account }
                | ClientMessage::ContactsBlock { account } = &msg
                {
                    self.contacts.remove(account);
                }
                self.mirror.request(msg, now).map(Some)
            }
            Action::Logout => {
                let req = self.mirror.request(ClientMessage::Logout, now);
                if let Ok(req) = req {
                    self.logout_req = Some(req);
                }
                req.map(Some)
            }
        };
        let waiter = match result {
            Ok(Some(req)) => Ok(self.wait_for(req)),
            Ok(None) => Ok(None),
            Err(error) => Err(CallKitError::from(error)),
        };
        let _ = reply.send(waiter);
    }

    /// Where the answer to request `req` will arrive.
    fn wait_for(&mut self, req: u64) -> Waiter {
        let (tx, rx) = oneshot::channel();
        self.waiters.insert(req, tx);
        Some(rx)
    }

    /// Microphone and camera for the media of `call_id`: the current call's own switches, or
    /// the defaults a new call starts with (a call that still rings here).
    fn local_media_of(&self, call_id: &CallId) -> (bool, bool) {
        match self.mirror.current().filter(|c| c.call_id == *call_id) {
            Some(call) => (call.media.local_audio, call.media.local_video),
            None => {
                let config = self.mirror.config();
                (config.open_microphone, config.open_camera)
            }
        }
    }

    /// Hands every media session the microphone and camera the mirror says it should have.
    fn apply_local_media(&mut self) {
        let wanted: Vec<(CallId, (bool, bool))> = self
            .sessions
            .keys()
            .map(|call_id| (call_id.clone(), self.local_media_of(call_id)))
            .collect();
        for (call_id, (audio, video)) in wanted {
            if let Some(session) = self.sessions.get_mut(&call_id) {
                session.set_audio_enabled(audio);
                session.set_video_enabled(video);
            }
        }
    }

    /// Starts (`Some`) or stops sharing in the answered call's media.
    fn screen_share(&mut self, target: Option<&str>) -> Result<(), ClientError> {
        let call = self.mirror.current().ok_or(ClientError::NoCall)?;
        if !call.answered {
            return Err(ClientError::WrongState(self.mirror.status()));
        }
        let call_id = call.call_id.clone();
        // A call without a media session (its media failed to start) has nothing to share on.
        if let Some(session) = self.sessions.get_mut(&call_id) {
            match target {
                Some(target) => session.start_screen_share(target),
                None => session.stop_screen_share(),
            }
        }
        Ok(())
    }

    /// Hands a media choice to every call's media.
    fn apply_choice(&mut self, choice: &MediaChoice) {
        for session in self.sessions.values_mut() {
            choice.apply_to_session(session.as_mut());
        }
    }

    /// The media choices as they are now.
    fn choices(&self) -> MediaChoices {
        self.choices
            .lock()
            // Replaced whole by the handles; a panic elsewhere cannot leave them half-written.
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Carries out the mirror's effects; returns the frames to send.
    fn pump(&mut self) -> Vec<ClientFrame> {
        let mut frames = Vec::new();
        let mut answers = Vec::new();
        while let Some(output) = self.mirror.poll_output() {
            match output {
                ClientOutput::Send(frame) => frames.push(frame),
                ClientOutput::Media(action) => self.media_action(action),
                ClientOutput::Answer { req, msg } => answers.push((req, msg)),
                ClientOutput::TimedOut { req } => {
                    if let Some(waiter) = self.waiters.remove(&req) {
                        let _ = waiter.send(None);
                    }
                }
            }
        }
        // Published before answers and events go out, so whoever sees one reads the state after it.
        self.publish();
        for (req, msg) in answers {
            if let ServerMessage::Contacts { contacts } = &msg {
                self.contacts = contacts
                    .iter()
                    .filter(|c| c.state == ContactState::Accepted)
                    .map(|c| c.account.clone())
                    .collect();
                self.start_deferred_from_contacts();
            }
            if let Some(waiter) = self.waiters.remove(&req) {
                let _ = waiter.send(Some(msg));
            }
        }
        while let Some(event) = self.mirror.poll_event() {
            match &event {
                CallEvent::ContactsChanged { account, contact } => {
                    let accepted = contact
                        .as_ref()
                        .is_some_and(|c| c.state == ContactState::Accepted);
                    if accepted {
                        self.contacts.insert(account.clone());
                        self.start_deferred_from_contacts();
                    } else {
                        self.contacts.remove(account);
                    }
                }
                CallEvent::Signal {
                    call_id, payload, ..
                } => {
                    if let Some(session) = self.sessions.get_mut(call_id) {
                        session.handle_remote_signal(payload.clone());
                    } else if let Some(deferred) = self.deferred.get_mut(call_id) {
                        deferred.signals.push(payload.clone());
                    }
                }
                // An answer as audio to a video call also changes the type, without an event.
                CallEvent::CallTypeChange { call_id, call_type }
                | CallEvent::UserAccept {
                    call_id, call_type, ..
                } => {
                    let (audio, video) = self.local_media_of(call_id);
                    if let Some(session) = self.sessions.get_mut(call_id) {
                        session.set_call_type(*call_type);
                        session.set_audio_enabled(audio);
                        session.set_video_enabled(video);
                    }
                }
                _ => {}
            }
            match event.call_id() {
                Some(call_id) => info!(call_id = %call_id, event = event.name(), "call event"),
                None => info!(event = event.name(), "event"),
            }
            self.hub.deliver(event);
        }
        frames
    }

    fn media_action(&mut self, action: MediaAction) {
        match action {
            MediaAction::Start {
                call_id,
                role,
                call_type,
                ice_servers,
            } => {
                let info = MediaCallInfo {
                    call_id: call_id.clone(),
                    role,
                    call_type,
                    ice_servers,
                    ice_policy: self.config.ice_policy,
                    profile: self.config.media_profile(),
                    // Read again when the session starts (a deferred one starts later).
                    choices: MediaChoices::default(),
                };
                if role == Role::Callee && !self.may_preconnect(&call_id) {
                    debug!(%call_id, "media waits for the answer (a non-contact, or a waiting call)");
                    let deferred = DeferredMedia {
                        info,
                        signals: Vec::new(),
                    };
                    self.deferred.insert(call_id, deferred);
                } else {
                    self.start_media(info);
                }
            }
            MediaAction::Release { call_id } => {
                self.start_deferred(&call_id);
                if let Some(session) = self.sessions.get_mut(&call_id) {
                    session.release();
                }
                self.announce_media_switched_off(&call_id);
                if self.media_failed.remove(&call_id) {
                    self.media_fault(call_id);
                }
            }
            MediaAction::Close { call_id } => {
                self.deferred.remove(&call_id);
                self.media_failed.remove(&call_id);
                if let Some(mut session) = self.sessions.remove(&call_id) {
                    session.close();
                }
            }
            // Calls already connecting keep the credential their relay was allocated with: a TURN
            // server binds an allocation to the username that created it (coturn answers another
            // with 441 Wrong Credentials) and authenticates its refreshes with the key it stored
            // then, so the allocation outlives the credential's expiry. Fresh credentials are for
            // the calls that start from now on, including those ringing here without media yet.
            MediaAction::IceServers { ice_servers } => {
                debug!("fresh ICE servers for the next calls");
                for deferred in self.deferred.values_mut() {
                    deferred.info.ice_servers = ice_servers.clone();
                }
            }
        }
    }

    /// At the answer, tells the peer with `call.media` that the microphone or camera is off: a peer
    /// takes both as on until told (docs/protocol.md, "Microphone and camera"), and a switch made
    /// while the call rang was not sent then.
    fn announce_media_switched_off(&mut self, call_id: &CallId) {
        if self.mirror.current().is_none_or(|c| c.call_id != *call_id) {
            return;
        }
        let (audio, video) = self.local_media_of(call_id);
        if audio && video {
            return;
        }
        if let Err(error) = self
            .mirror
            .set_media(audio, video, None, self.clock.now_ms())
        {
            debug!(%call_id, %error, "media state not announced");
        }
    }

    /// Whether the caller of the ringing call `call_id` is in this account's contact list.
    fn caller_is_contact(&self, call_id: &CallId) -> bool {
        self.mirror
            .invites()
            .iter()
            .find(|invite| invite.call_id == *call_id)
            .is_some_and(|invite| self.contacts.contains(&invite.caller.account))
    }

    /// Whether the media of the call `call_id` ringing here may start before the answer: its
    /// caller is a contact, and this device is in no other call (a waiting call's media would
    /// reach for the camera and microphone the current call holds; it starts on the answer).
    fn may_preconnect(&self, call_id: &CallId) -> bool {
        let in_other_call = self
            .mirror
            .current()
            .is_some_and(|call| call.call_id != *call_id);
        self.caller_is_contact(call_id) && !in_other_call
    }

    /// Starts the media of ringing calls whose caller turned out to be a contact (an invite
    /// re-synced at login rings before the contact list is in).
    fn start_deferred_from_contacts(&mut self) {
        let ready: Vec<CallId> = self
            .deferred
            .keys()
            .filter(|call_id| self.may_preconnect(call_id))
            .cloned()
            .collect();
        for call_id in ready {
            self.start_deferred(&call_id);
        }
    }

    /// Starts a deferred call's media with the negotiation that arrived meanwhile, as the type it
    /// was answered as (a video call answered as audio opens no camera).
    fn start_deferred(&mut self, call_id: &CallId) {
        let Some(DeferredMedia { mut info, signals }) = self.deferred.remove(call_id) else {
            return;
        };
        if let Some(call) = self.mirror.current().filter(|c| c.call_id == *call_id) {
            info.call_type = call.call_type;
        }
        self.start_media(info);
        if let Some(session) = self.sessions.get_mut(call_id) {
            for payload in signals {
                session.handle_remote_signal(payload);
            }
        }
    }

    /// Starts a call's media session, with the media choices of the moment, and relays its
    /// negotiation.
    fn start_media(&mut self, mut info: MediaCallInfo) {
        info.choices = self.choices();
        let call_id = info.call_id.clone();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let relay = self.signals_tx.clone();
        let id = call_id.clone();
        // Tags the session's signals with its call; ends when the session drops its sender.
        tokio::spawn(async move {
            while let Some(payload) = rx.recv().await {
                if relay.send((id.clone(), payload)).is_err() {
                    break;
                }
            }
        });
        let events = MediaEvents::new(call_id.clone(), self.hub.clone(), self.reports_tx.clone());
        let (audio, video) = self.local_media_of(&call_id);
        let mut session = self.media.start(info, tx, events);
        session.set_audio_enabled(audio);
        session.set_video_enabled(video);
        if let Some(mut old) = self.sessions.insert(call_id, session) {
            old.close();
        }
    }

    fn publish(&self) {
        let mut shared = self
            .shared
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        shared.status = self.mirror.status();
        shared.current = self.mirror.current().cloned();
        shared.invites = self.mirror.invites().to_vec();
        shared.session = self.mirror.session().cloned();
    }
}

/// Login refusals that a retry cannot fix.
fn is_fatal(error: &CallKitError) -> bool {
    matches!(
        error.code(),
        Some(
            ErrorCode::BadToken
                | ErrorCode::TokenExpired
                | ErrorCode::TokenRevoked
                | ErrorCode::UnknownApp
                | ErrorCode::UnknownAccount
        )
    )
}

/// Sends `frames` in order; `debug` (nertc-call's) logs each one.
/// Whether an undecodable frame may be the `resync`: its `type` says so, or cannot be read.
fn may_be_resync(text: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_str::<Kind>(text).map_or(true, |k| k.kind.as_deref() == Some("resync"))
}

async fn flush(
    socket: &mut Socket,
    frames: Vec<ClientFrame>,
    debug: bool,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    for frame in frames {
        let text = encode(&frame);
        crate::wire_log::sent(debug, &text);
        socket.send(Message::text(text)).await?;
    }
    Ok(())
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn timeout_at<F: std::future::Future>(deadline: Instant, future: F) -> Result<F::Output, ()> {
    tokio::time::timeout_at(deadline, future)
        .await
        .map_err(|_| ())
}
