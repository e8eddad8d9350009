//! One task per WebSocket connection: login, then a loop that reads requests, writes what the
//! hub sends, and watches the heartbeat and the token's expiry.
//!
//! Per-connection state is kept small (a few ids, a token bucket, a bounded queue) because an
//! idle connection is the common case and a server holds very many of them.

mod accounts;
mod contacts;
mod login;
mod requests;
mod socket;

use crate::clock::wall_now_ms;
use crate::config::Limits;
use crate::contacts::rules::Action;
use crate::hub::{outbound_queue, ConnId, HubHandle, HubInput, Outbound, OutboundReceiver, Outlet};
use crate::rate_limit::TokenBucket;
use crate::server::Shared;
use crate::store::{App, Link, RevokedTokens, StoreError};
use crate::turn_credentials::{ice_servers_for, refresh_at_ms};
use axum::extract::ws::{Message, WebSocket};
use duet_call::{CallRequest, DeviceKey};
use duet_protocol::{
    decode_client, CallAction, ClientMessage, EndReason, ErrorCode, ProtocolError, ServerFrame,
    ServerMessage,
};
use futures_util::SinkExt;
use login::{authenticate, LoggedIn};
use requests::Requests;
use socket::{close, refuse_and_close, send, send_error, CloseCause};
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tracing::Instrument;

pub(crate) use accounts::Attempts;

/// Most queued frames written in one go before the socket is flushed.
const MAX_COALESCED_FRAMES: usize = 64;

/// Refuses a connection over the connection limit.
pub(crate) async fn refuse_full(mut socket: WebSocket) {
    let message = "the server is at its connection limit; try again later";
    refuse_and_close(
        &mut socket,
        None,
        ErrorCode::ServerFull,
        message,
        CloseCause::Overloaded,
    )
    .await;
}

/// Serves one connection from `peer` until it closes.
pub(crate) async fn run(mut socket: WebSocket, shared: Arc<Shared>, peer: IpAddr) {
    let conn = shared.next_conn.fetch_add(1, Ordering::Relaxed);
    let limits = &shared.config.limits;
    let mut bucket = TokenBucket::new(limits.message_burst, limits.messages_per_second);
    // Both phases are boxed. This task lives as long as the connection, and a phase inline in
    // it would keep the room of the largest phase's state all that time: 9 KB a connection,
    // most of an idle connection's memory (docs/benchmarks.md, "Across the nodes of a cluster").
    let login = Box::pin(log_in_or_refuse(&mut socket, &shared, &mut bucket, peer)).await;
    let Some((req, logged_in)) = login else {
        return;
    };
    let span =
        tracing::info_span!("session", app = %logged_in.app.app_key, device = %logged_in.key, conn);
    let session = Session::start(socket, shared, conn, bucket, req, logged_in).instrument(span);
    Box::pin(session).await;
}

/// Waits for a valid login within the login timeout; `None` if the connection ended or was
/// refused (the error was sent and the connection closed).
async fn log_in_or_refuse(
    socket: &mut WebSocket,
    shared: &Arc<Shared>,
    bucket: &mut TokenBucket,
    peer: IpAddr,
) -> Option<(Option<u64>, LoggedIn)> {
    let login_timeout = Duration::from_millis(shared.config.login_timeout_ms);
    tokio::select! {
        login = wait_for_login(socket, shared, bucket, peer) => login,
        () = tokio::time::sleep(login_timeout) => {
            let message = format!("no login within {} ms", login_timeout.as_millis());
            refuse_and_close(socket, None, ErrorCode::NotLoggedIn, &message, CloseCause::Policy).await;
            None
        }
        () = shared.shutdown.cancelled() => {
            close(socket, CloseCause::GoingAway, "server shutting down").await;
            None
        }
        // Not logged in yet: nothing to move, so the connection just goes (the client's next
        // attempt finds another server).
        () = shared.draining.cancelled() => {
            close(socket, CloseCause::GoingAway, "server draining; connect to another").await;
            None
        }
    }
}

/// Reads frames until a valid login; answers anything else with an error. `None` if the
/// connection ended or the login was refused (the error was sent and the connection closed).
async fn wait_for_login(
    socket: &mut WebSocket,
    shared: &Shared,
    bucket: &mut TokenBucket,
    peer: IpAddr,
) -> Option<(Option<u64>, LoggedIn)> {
    loop {
        let text = match next_text(socket, bucket).await? {
            Incoming::Text(text) => text,
            Incoming::Refused(error) => {
                let _ = send_error(socket, None, error, None).await;
                continue;
            }
            Incoming::Control => continue,
        };
        let frame = match decode_client(&text) {
            Ok(frame) => frame,
            Err(e) => {
                let _ = send_error(socket, e.req, e.error, None).await;
                continue;
            }
        };
        let (app_key, account, token, device, call_waiting) = match frame.msg {
            ClientMessage::Login {
                app_key,
                account,
                token,
                device,
                call_waiting,
            } => (app_key, account, token, device, call_waiting),
            other => {
                let answer = before_login(shared, peer, other).await;
                let sent = match answer {
                    Ok(msg) => send(socket, &ServerFrame::new(frame.req, msg)).await,
                    Err(error) => send_error(socket, frame.req, error, None).await,
                };
                if sent.is_err() {
                    return None;
                }
                continue;
            }
        };
        match authenticate(shared, &app_key, account.clone(), &token, device).await {
            Ok(logged_in) => {
                let logged_in = LoggedIn {
                    call_waiting,
                    ..logged_in
                };
                return Some((frame.req, logged_in));
            }
            Err(error) => {
                tracing::info!(app = %app_key, %account, code = ?error.code, "login refused");
                refuse_and_close(
                    socket,
                    frame.req,
                    error.code,
                    &error.message,
                    CloseCause::Policy,
                )
                .await;
                return None;
            }
        }
    }
}

/// The answer to a message other than `login` on a connection not logged in yet.
async fn before_login(
    shared: &Shared,
    peer: IpAddr,
    msg: ClientMessage,
) -> Result<ServerMessage, ProtocolError> {
    match msg {
        ClientMessage::AppInfo { app_key } => accounts::app_info(shared, app_key).await,
        ClientMessage::Register {
            app_key,
            account,
            nick,
            password,
            code,
        } => {
            let request = accounts::Registering {
                app_key,
                account,
                nick,
                password,
                code,
            };
            accounts::register(shared, peer, request).await
        }
        ClientMessage::PasswordLogin {
            app_key,
            account,
            password,
        } => accounts::password_login(shared, peer, app_key, account, password).await,
        _ => Err(ProtocolError::new(
            ErrorCode::NotLoggedIn,
            "log in first: send `login` (or `register` / `login.password` for a token)",
        )),
    }
}

/// A received text frame, a frame refused before decoding, or a control frame (ping, pong).
enum Incoming {
    Text(String),
    Refused(ProtocolError),
    Control,
}

/// The next data frame. `None` when the connection ended, or after closing it for a frame over
/// the size limit or a message rate over the limit (the client was told why). Every frame counts
/// against the rate, binary, ping and pong included: each costs a read and most an answer (an
/// error, or the pong the WebSocket layer sends by itself), so none may come for free.
async fn next_text(socket: &mut WebSocket, bucket: &mut TokenBucket) -> Option<Incoming> {
    let message = match socket.recv().await? {
        Ok(message) => message,
        Err(error) => {
            if socket::is_oversized(error) {
                let message = format!(
                    "a frame may be at most {} bytes",
                    duet_protocol::MAX_FRAME_BYTES
                );
                refuse_and_close(
                    socket,
                    None,
                    ErrorCode::FrameTooLarge,
                    &message,
                    CloseCause::TooBig,
                )
                .await;
            }
            return None;
        }
    };
    if let Message::Close(_) = message {
        return None;
    }
    if !bucket.take(Instant::now()) {
        let message = "too many messages; slow down";
        refuse_and_close(
            socket,
            None,
            ErrorCode::RateLimited,
            message,
            CloseCause::Overloaded,
        )
        .await;
        return None;
    }
    Some(match message {
        Message::Text(text) => Incoming::Text(text.as_str().to_owned()),
        Message::Binary(_) => Incoming::Refused(ProtocolError::new(
            ErrorCode::InvalidMessage,
            "frames must be JSON text, not binary",
        )),
        // Answered (ping) or ignored (pong) by the WebSocket layer; counted above.
        Message::Ping(_) | Message::Pong(_) => Incoming::Control,
        Message::Close(_) => return None,
    })
}

/// How a session ended, and what the hub must be told.
enum End {
    /// Lost without a goodbye (closed, broken, silent, too fast): calls wait for a reconnect.
    Lost,
    /// Left on purpose: the device's call ends with this reason.
    Left(EndReason),
    /// Nothing to tell: a newer connection took over, or the server is stopping.
    Quiet,
}

/// How and why a session ends: what to tell the hub, and what to tell the client.
struct Exit {
    end: End,
    cause: CloseCause,
    why: &'static str,
    /// An `error` frame to send before closing.
    error: Option<ErrorCode>,
}

impl Exit {
    fn new(end: End, cause: CloseCause, why: &'static str) -> Self {
        Self {
            end,
            cause,
            why,
            error: None,
        }
    }

    fn with_error(mut self, code: ErrorCode) -> Self {
        self.error = Some(code);
        self
    }
}

/// A logged-in connection.
struct Session {
    shared: Arc<Shared>,
    socket: WebSocket,
    app_key: String,
    key: DeviceKey,
    conn: ConnId,
    hub: HubHandle,
    bucket: TokenBucket,
    /// The login token's id and issue time, to tell whether a revocation covers it.
    token_id: String,
    token_issued_at_ms: u64,
    /// Directory searches: fewer than other messages, so that nobody pages through the app.
    searches: TokenBucket,
}

/// The device a login admits, as [`admit`] needs it.
struct Device<'a> {
    app: &'a App,
    key: &'a DeviceKey,
    nick: &'a str,
    call_waiting: bool,
    conn: ConnId,
    req: Option<u64>,
}

/// Hands the device to the app's hub and waits for it to be let in; the hub (it may have moved)
/// and the device's queue of frames, or `None` once the client was refused and the socket closed.
async fn admit(
    socket: &mut WebSocket,
    shared: &Arc<Shared>,
    hub: HubHandle,
    device: Device<'_>,
) -> Option<(HubHandle, OutboundReceiver)> {
    let Device {
        app,
        key,
        nick,
        call_waiting,
        conn,
        req,
    } = device;
    let mut hub = hub;
    let mut tries = 0;
    loop {
        tries += 1;
        let (outbound, frames) = outbound_queue(shared.config.limits.outbound_queue);
        let (admitted, admission) = oneshot::channel();
        let account = key.account.as_str();
        let held = shared.contact_locks.lock(&app.app_key, &[account]).await;
        let contacts = match contacts::watched(shared, &app.app_key, &key.account).await {
            Ok(contacts) => contacts,
            Err(error) => {
                drop(held);
                tracing::error!(%error, "reading the contact list at login failed");
                let why = "the server could not read this account's contacts; try again";
                refuse_and_close(socket, req, ErrorCode::Internal, why, CloseCause::Policy).await;
                return None;
            }
        };
        let online = HubInput::Online {
            key: key.clone(),
            nick: nick.to_owned(),
            call_waiting,
            conn,
            outbound: Outlet::Connection(outbound),
            contacts,
            admitted,
        };
        let queued = hub.send(online).await;
        drop(held);
        if !queued {
            close(socket, CloseCause::GoingAway, "server shutting down").await;
            return None;
        }
        match admission.await {
            Ok(true) => return Some((hub, frames)),
            Ok(false) => {
                let max = shared.config.calls.max_devices_per_account;
                let message = format!(
                    "at most {max} devices of one account may be online at once; log out of one"
                );
                let code = ErrorCode::TooManyDevices;
                refuse_and_close(socket, req, code, &message, CloseCause::Policy).await;
                return None;
            }
            Err(_) => {
                // Given up while another node's hub was to answer: that node died or let
                // the app go, and the lease has moved (here, when this node took the app).
                // The login waits for that rather than sending its client into back-off.
                if let Some(moved) = moved_hub(shared, app, &hub, tries).await {
                    tracing::info!("the app's hub moved before admitting the login; retried");
                    hub = moved;
                    continue;
                }
                close(socket, CloseCause::GoingAway, "server shutting down").await;
                return None;
            }
        }
    }
}

/// Times one login is handed to the app's hub when the hub it was handed to moved away first.
const ADMISSION_TRIES: u32 = 3;

/// The app's hub now, if the login's `tries` so far allow another and it has moved off the
/// other node `tried` was on (a local hub that stopped means this server is shutting down).
async fn moved_hub(shared: &Shared, app: &App, tried: &HubHandle, tries: u32) -> Option<HubHandle> {
    let tried_node = tried.remote_node()?;
    if tries >= ADMISSION_TRIES {
        return None;
    }
    let now = shared.hubs.get(app).await.ok()??;
    (now.remote_node() != Some(tried_node)).then_some(now)
}

impl Session {
    async fn start(
        mut socket: WebSocket,
        shared: Arc<Shared>,
        conn: ConnId,
        bucket: TokenBucket,
        req: Option<u64>,
        logged_in: LoggedIn,
    ) {
        let LoggedIn {
            app,
            hub,
            key,
            nick,
            call_waiting,
            expires_at_ms,
            token_id,
            issued_at_ms: token_issued_at_ms,
        } = logged_in;
        let issued_at_ms = wall_now_ms();
        let (ice_servers, ice_expires_at_ms) = ice_servers_for(
            &key.account,
            &shared.config.ice_servers,
            shared.config.turn.as_ref(),
            issued_at_ms,
        );
        let ok = ServerMessage::LoginOk {
            account: key.account.clone(),
            nick: nick.clone(),
            device: key.device.clone(),
            heartbeat_ms: shared.config.heartbeat_ms,
            ice_servers,
            ice_expires_at_ms,
            safe_mode: app.safe_mode,
            server_time_ms: shared.clock.now_ms(),
        };
        // The hub admits the device before `login.ok` is sent; its resync waits in the queue
        // and goes out right after. Boxed, as the login was: its state is not the session's.
        let device = Device {
            app: &app,
            key: &key,
            nick: &nick,
            call_waiting,
            conn,
            req,
        };
        let Some((hub, frames)) = Box::pin(admit(&mut socket, &shared, hub, device)).await else {
            return;
        };
        if send(&mut socket, &ServerFrame::new(req, ok)).await.is_err() {
            // The hub was told the device is online: tell it the connection is gone.
            let offline = HubInput::Offline {
                key,
                conn,
                reason: None,
            };
            hub.send(offline).await;
            return;
        }
        tracing::info!("logged in");
        let searches = directory_bucket(&shared.config.limits);
        let mut session = Session {
            shared,
            socket,
            app_key: app.app_key,
            key,
            conn,
            hub,
            bucket,
            token_id,
            token_issued_at_ms,
            searches,
        };
        let ice_refresh = ice_expires_at_ms.map(|expires| ice_refresh_after(issued_at_ms, expires));
        let exit = session.serve(frames, expires_at_ms, ice_refresh).await;
        let reason = match exit.end {
            End::Lost => Some(None),
            End::Left(reason) => Some(Some(reason)),
            End::Quiet => None,
        };
        // Tell the hub before closing, so that whatever the client does after seeing the close
        // (reconnecting, asking a contact's presence) finds the server already knowing.
        if let Some(reason) = reason {
            tracing::info!(?reason, "session ended");
            let offline = HubInput::Offline {
                key: session.key.clone(),
                conn,
                reason,
            };
            session.hub.send(offline).await;
        }
        let socket = &mut session.socket;
        match exit.error {
            Some(code) => refuse_and_close(socket, None, code, exit.why, exit.cause).await,
            None => close(socket, exit.cause, exit.why).await,
        }
    }

    /// Serves until the session ends; `ice_refresh` is when the device needs fresh TURN
    /// credentials (none without TURN).
    async fn serve(
        &mut self,
        frames: OutboundReceiver,
        expires_at_ms: u64,
        ice_refresh: Option<Instant>,
    ) -> Exit {
        let silence = Duration::from_millis(self.shared.config.heartbeat_ms.saturating_mul(3));
        let expiry = self.shared.clock.instant_at(expires_at_ms);
        let shutdown = self.shared.shutdown.clone();
        let draining = self.shared.draining.clone();
        let mut told_to_move = false;
        let mut silent_until = Instant::now() + silence;
        let mut ice_refresh = ice_refresh;
        loop {
            tokio::select! {
                biased;
                () = shutdown.cancelled() => {
                    return Exit::new(End::Quiet, CloseCause::GoingAway, "server shutting down");
                }
                () = draining.cancelled(), if !told_to_move => {
                    told_to_move = true;
                    let closes_in_ms = self.shared.drain_timeout_ms.load(Ordering::Relaxed);
                    tracing::info!("server draining; telling the device to move");
                    let frame = ServerFrame::new(None, ServerMessage::ServerDraining { closes_in_ms });
                    if send(&mut self.socket, &frame).await.is_err() {
                        return Exit::new(End::Lost, CloseCause::Policy, "connection broken");
                    }
                }
                frame = frames.recv_async() => match frame.ok() {
                    Some(Outbound::Frame(text)) => match self.write_queued(text, &frames).await {
                        Err(_) => return Exit::new(End::Lost, CloseCause::Policy, "connection broken"),
                        Ok(None) => {}
                        Ok(Some(Some(Outbound::Replaced))) => {
                            let why = "this device logged in on another connection";
                            return Exit::new(End::Quiet, CloseCause::Policy, why).with_error(ErrorCode::AlreadyLoggedIn);
                        }
                        Ok(Some(Some(Outbound::Revoked(tokens)))) => {
                            if let Some(exit) = self.revoked(&tokens) {
                                return exit;
                            }
                        }
                        Ok(Some(_)) => {
                            return Exit::new(End::Quiet, CloseCause::Policy, "too slow to receive messages");
                        }
                    },
                    Some(Outbound::Replaced) => {
                        let why = "this device logged in on another connection";
                        return Exit::new(End::Quiet, CloseCause::Policy, why).with_error(ErrorCode::AlreadyLoggedIn);
                    }
                    Some(Outbound::Revoked(tokens)) => {
                        if let Some(exit) = self.revoked(&tokens) {
                            return exit;
                        }
                    }
                    None => {
                        // The hub let go of this connection: it fell too far behind, or the hub
                        // stopped (in a cluster: the app moved to another node). The client
                        // reconnects and resyncs as after any lost connection.
                        return Exit::new(End::Quiet, CloseCause::GoingAway, "the server let go of this connection; reconnect");
                    }
                },
                incoming = next_text(&mut self.socket, &mut self.bucket) => {
                    silent_until = Instant::now() + silence;
                    let text = match incoming {
                        None => return Exit::new(End::Lost, CloseCause::Normal, "closed"),
                        Some(Incoming::Refused(error)) => {
                            let _ = send_error(&mut self.socket, None, error, None).await;
                            continue;
                        }
                        Some(Incoming::Control) => continue,
                        Some(Incoming::Text(text)) => text,
                    };
                    // Boxed: request handling is rare next to idling, so its state stays out of
                    // the idle connection's future.
                    if let Some(exit) = Box::pin(self.handle(&text)).await {
                        return exit;
                    }
                }
                () = tokio::time::sleep_until(silent_until) => {
                    tracing::info!("no message for three heartbeats; dropping the connection");
                    return Exit::new(End::Lost, CloseCause::Policy, "heartbeat missed");
                }
                () = sleep_until(ice_refresh) => {
                    match self.send_fresh_ice_servers().await {
                        Ok(next) => ice_refresh = next,
                        Err(_) => return Exit::new(End::Lost, CloseCause::Policy, "connection broken"),
                    }
                }
                () = sleep_until(expiry) => {
                    let why = "the login token has expired; log in again with a new one";
                    let end = End::Left(EndReason::TokenExpired);
                    return Exit::new(end, CloseCause::Policy, why).with_error(ErrorCode::TokenExpired);
                }
            }
        }
    }

    /// The session's end if `tokens` covers its login token.
    fn revoked(&self, tokens: &RevokedTokens) -> Option<Exit> {
        if !tokens.covers(&self.token_id, self.token_issued_at_ms) {
            return None;
        }
        tracing::info!("login token revoked; closing the session");
        let why = "the login token was revoked; log in again with a new one";
        // The device's call ends as for an expired token: the account may no longer use it.
        let end = End::Left(EndReason::TokenExpired);
        Some(Exit::new(end, CloseCause::Policy, why).with_error(ErrorCode::TokenRevoked))
    }

    /// Pushes `ice.servers` with credentials issued now; returns when to push the next ones.
    async fn send_fresh_ice_servers(&mut self) -> Result<Option<Instant>, axum::Error> {
        let config = &self.shared.config;
        let issued_at_ms = wall_now_ms();
        let (ice_servers, expires) = ice_servers_for(
            &self.key.account,
            &config.ice_servers,
            config.turn.as_ref(),
            issued_at_ms,
        );
        let Some(ice_expires_at_ms) = expires else {
            return Ok(None);
        };
        let push = ServerMessage::IceServers {
            ice_servers,
            ice_expires_at_ms,
        };
        send(&mut self.socket, &ServerFrame::new(None, push)).await?;
        tracing::debug!(ice_expires_at_ms, "fresh TURN credentials sent");
        Ok(Some(ice_refresh_after(issued_at_ms, ice_expires_at_ms)))
    }

    /// Writes `first` and every frame already queued behind it with one flush: under load the hub
    /// often has several frames for a connection (an ack and an event), and a write each costs a
    /// syscall and a TCP segment apiece. Returns a queued non-frame message met on the way, or
    /// `None` in it when the queue closed, for the select loop to act on.
    async fn write_queued(
        &mut self,
        first: String,
        frames: &OutboundReceiver,
    ) -> Result<Option<Option<Outbound>>, axum::Error> {
        self.socket.feed(Message::Text(first.into())).await?;
        let mut leftover = None;
        for _ in 0..MAX_COALESCED_FRAMES {
            match frames.try_recv() {
                Ok(Outbound::Frame(text)) => self.socket.feed(Message::Text(text.into())).await?,
                Ok(other) => {
                    leftover = Some(Some(other));
                    break;
                }
                Err(flume::TryRecvError::Empty) => break,
                Err(flume::TryRecvError::Disconnected) => {
                    leftover = Some(None);
                    break;
                }
            }
        }
        self.socket.flush().await?;
        Ok(leftover)
    }

    /// Handles one frame; `Some` if the session ends because of it.
    async fn handle(&mut self, text: &str) -> Option<Exit> {
        let frame = match decode_client(text) {
            Ok(frame) => frame,
            Err(e) => {
                self.reply(e.req, Err(e.error)).await;
                return None;
            }
        };
        let req = frame.req;
        let requests = Requests {
            shared: &self.shared,
            app_key: &self.app_key,
            account: &self.key.account,
            hub: &self.hub,
        };
        let answer = match frame.msg {
            ClientMessage::Ping => Ok(ServerMessage::Pong),
            ClientMessage::Login { .. }
            | ClientMessage::Register { .. }
            | ClientMessage::PasswordLogin { .. } => Err(ProtocolError::new(
                ErrorCode::AlreadyLoggedIn,
                "this connection is already logged in",
            )),
            ClientMessage::AppInfo { .. } => {
                let app_key = Some(self.app_key.clone());
                accounts::app_info(&self.shared, app_key).await
            }
            ClientMessage::Logout => {
                self.reply(req, Ok(ServerMessage::Ok)).await;
                let end = End::Left(EndReason::LoggedOut);
                return Some(Exit::new(end, CloseCause::Normal, "logged out"));
            }
            ClientMessage::ContactsList => requests.contacts().await,
            ClientMessage::ContactsAdd { account } => {
                requests.contact_action(Action::Add, account).await
            }
            ClientMessage::ContactsAccept { account } => {
                requests.contact_action(Action::Accept, account).await
            }
            ClientMessage::ContactsIgnore { account } => {
                requests.contact_action(Action::Ignore, account).await
            }
            ClientMessage::ContactsRemove { account } => {
                requests.contact_action(Action::Remove, account).await
            }
            ClientMessage::ContactsBlock { account } => {
                requests.contact_action(Action::Block, account).await
            }
            ClientMessage::ContactsUnblock { account } => {
                requests.contact_action(Action::Unblock, account).await
            }
            ClientMessage::DirectorySearch { query, limit } => {
                if self.searches.take(Instant::now()) {
                    requests.search(&query, limit).await
                } else {
                    Err(ProtocolError::new(
                        ErrorCode::RateLimited,
                        "too many directory searches; wait a moment and search again",
                    ))
                }
            }
            ClientMessage::HistoryList { before, limit } => {
                requests.history(before.as_deref(), limit).await
            }
            ClientMessage::Call {
                call_id,
                device,
                seq,
                call_token,
                action,
            } => {
                let request = CallRequest {
                    call_id,
                    device,
                    seq,
                    call_token,
                    action,
                };
                return self.call(req, request).await;
            }
        };
        self.reply(req, answer).await;
        None
    }

    /// Passes a call action to the hub, after checking that an invite's callee exists in this app.
    async fn call(&mut self, req: Option<u64>, request: CallRequest) -> Option<Exit> {
        if let CallAction::Invite { callee, .. } = &request.action {
            let known = self.shared.known_accounts.contains(&self.app_key, callee);
            if *callee != self.key.account && !known {
                let found = self.shared.store.account(&self.app_key, callee).await;
                let refusal = match found {
                    Ok(Some(_)) => {
                        self.shared.known_accounts.insert(&self.app_key, callee);
                        None
                    }
                    Ok(None) => Some(ProtocolError::new(
                        ErrorCode::UnknownAccount,
                        format!("no account `{callee}` in this app"),
                    )),
                    Err(error) => {
                        tracing::error!(%error, "callee lookup failed");
                        Some(ProtocolError::new(
                            ErrorCode::Internal,
                            "the server could not look up the callee; try again",
                        ))
                    }
                };
                if let Some(error) = refusal {
                    let _ = send_error(&mut self.socket, req, error, Some(request.call_id)).await;
                    return None;
                }
            }
        }
        if let Some(error) = reused_call_id(&self.shared, &self.app_key, &request).await {
            let _ = send_error(&mut self.socket, req, error, Some(request.call_id)).await;
            return None;
        }
        let blocked = blocked_invite(&self.shared, &self.app_key, &self.key, &request).await;
        let input = match blocked {
            Ok(true) => HubInput::RefusedAsBusy {
                key: self.key.clone(),
                conn: self.conn,
                req,
                request,
            },
            Ok(false) => HubInput::Call {
                key: self.key.clone(),
                conn: self.conn,
                req,
                request,
            },
            Err(error) => {
                tracing::error!(%error, "block lookup failed");
                let error = ProtocolError::new(
                    ErrorCode::Internal,
                    "the server could not look up the callee; try again",
                );
                let _ = send_error(&mut self.socket, req, error, Some(request.call_id)).await;
                return None;
            }
        };
        if !self.hub.send(input).await {
            return Some(Exit::new(
                End::Quiet,
                CloseCause::GoingAway,
                "server shutting down",
            ));
        }
        None
    }

    async fn reply(&mut self, req: Option<u64>, answer: Result<ServerMessage, ProtocolError>) {
        let result = match answer {
            Ok(msg) => send(&mut self.socket, &ServerFrame::new(req, msg)).await,
            Err(error) => send_error(&mut self.socket, req, error, None).await,
        };
        if let Err(error) = result {
            tracing::debug!(%error, "reply not delivered");
        }
    }
}

/// Refuses an invite whose call id already has a record: the switchboard remembers recently
/// ended calls, but not across a restart or beyond its memory, and the record of a second call
/// under the same id could not be kept.
async fn reused_call_id(
    shared: &Shared,
    app_key: &str,
    request: &CallRequest,
) -> Option<ProtocolError> {
    if !matches!(request.action, CallAction::Invite { .. }) {
        return None;
    }
    let call_id = &request.call_id;
    match shared.store.call_recorded(app_key, call_id.as_str()).await {
        Ok(false) => None,
        Ok(true) => Some(ProtocolError::new(
            ErrorCode::CallEnded,
            format!("call {call_id} has ended; a new call needs a new call id"),
        )),
        Err(error) => Some(requests::internal(error)),
    }
}

/// Whether `request` invites an account that blocked the sender `key` (then it is refused as
/// busy before the switchboard). Only a well-formed invite from the connection's own device
/// qualifies; anything else goes to the switchboard, which refuses it for what is wrong with it.
async fn blocked_invite(
    shared: &Shared,
    app_key: &str,
    key: &DeviceKey,
    request: &CallRequest,
) -> Result<bool, StoreError> {
    let CallAction::Invite { callee, .. } = &request.action else {
        return Ok(false);
    };
    if *callee == key.account || request.device != key.device {
        return Ok(false);
    }
    let links = shared
        .store
        .link_pair(app_key, callee, &key.account)
        .await?;
    Ok(links.own == Some(Link::Blocked))
}

/// A full bucket of directory searches.
fn directory_bucket(limits: &Limits) -> TokenBucket {
    let refill_s = (limits.directory_refill_ms as f32 / 1000.0).max(f32::EPSILON);
    TokenBucket::with_rate(limits.directory_burst, 1.0 / refill_s, Instant::now())
}

/// The instant fresh TURN credentials are due for credentials issued at `issued_at_ms`.
fn ice_refresh_after(issued_at_ms: u64, expires_at_ms: u64) -> Instant {
    let due_ms = refresh_at_ms(issued_at_ms, expires_at_ms).saturating_sub(issued_at_ms);
    Instant::now() + Duration::from_millis(due_ms)
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
