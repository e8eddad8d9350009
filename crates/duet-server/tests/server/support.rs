//! A small WebSocket client that speaks the protocol, and the calls the tests place with it.

use duet_protocol::{
    decode_server, encode, AccountId, CallAction, CallEvent, CallId, CallSnapshot, ClientFrame,
    ClientMessage, DeviceId, EndReason, ErrorCode, ServerFrame, ServerMessage,
};
use duet_server::RunningServer;
use futures_util::{SinkExt, StreamExt};
use sqlx::{Connection, SqliteConnection};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Guards against a hung test; not an assertion on how fast anything is.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Guards [`log_in_until_it_works`] against a cluster that never takes a device again; above
/// a lease's expiry plus the next holder's settling, with room for a loaded machine.
const LOGIN_GUARD: Duration = Duration::from_secs(30);

pub fn account(s: &str) -> AccountId {
    AccountId::new(s).unwrap()
}

pub fn device(s: &str) -> DeviceId {
    DeviceId::new(s).unwrap()
}

pub fn call_id(s: &str) -> CallId {
    CallId::new(s).unwrap()
}

/// One WebSocket connection.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_req: u64,
}

impl Client {
    /// Connects to the server's WebSocket endpoint.
    pub async fn connect(server: &RunningServer) -> Client {
        Client::connect_url(&server.ws_url()).await
    }

    /// Connects to the WebSocket endpoint at `url` (`ws://127.0.0.1:PORT/ws`).
    pub async fn connect_url(url: &str) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        Client { ws, next_req: 1 }
    }

    /// Connects to `url` and logs in `account` on `device` of app `demo`, after the resync.
    pub async fn login_url(url: &str, account: &str, token: &str, device_id: &str) -> Client {
        let mut client = Client::connect_url(url).await;
        client.log_in(account, token, device_id).await;
        client
    }

    async fn log_in(&mut self, account: &str, token: &str, device_id: &str) -> Vec<CallSnapshot> {
        let req = self
            .send(login_msg("demo", account, token, device_id))
            .await;
        let ok = self.recv().await;
        assert_eq!(ok.req, Some(req));
        assert!(matches!(ok.msg, ServerMessage::LoginOk { .. }), "{ok:?}");
        match self.recv().await.msg {
            ServerMessage::Resync { calls } => calls,
            other => panic!("expected a resync, got {other:?}"),
        }
    }

    /// Connects to `url` and logs in; returns the client and the calls of its resync.
    pub async fn login_with_resync_url(
        url: &str,
        account: &str,
        token: &str,
        device_id: &str,
    ) -> (Client, Vec<CallSnapshot>) {
        let mut client = Client::connect_url(url).await;
        let calls = client.log_in(account, token, device_id).await;
        (client, calls)
    }

    /// Connects, or `None` if the server closed the socket before the WebSocket handshake.
    pub async fn try_connect(server: &RunningServer) -> Option<Client> {
        Client::try_connect_url(&server.ws_url()).await
    }

    /// Connects to `url`, or `None` if nothing listens there or the server refused the
    /// WebSocket handshake (a draining server answers `503`).
    pub async fn try_connect_url(url: &str) -> Option<Client> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await.ok()?;
        Some(Client { ws, next_req: 1 })
    }

    /// Connects and logs in `account` on `device` of app `demo`; returns the client after the resync.
    pub async fn login(
        server: &RunningServer,
        account: &str,
        token: &str,
        device_id: &str,
    ) -> Client {
        Client::login_with_resync(server, account, token, device_id)
            .await
            .0
    }

    /// Like [`Client::login`], also returning the calls the resync listed.
    pub async fn login_with_resync(
        server: &RunningServer,
        account: &str,
        token: &str,
        device_id: &str,
    ) -> (Client, Vec<CallSnapshot>) {
        let mut client = Client::connect(server).await;
        let calls = client.log_in(account, token, device_id).await;
        (client, calls)
    }

    /// Sends `msg` with a fresh request number and returns it.
    pub async fn send(&mut self, msg: ClientMessage) -> u64 {
        self.try_send(msg).await.unwrap()
    }

    /// Sends `msg` with a fresh request number and returns it, or why the connection could not
    /// take it (it closed).
    pub async fn try_send(
        &mut self,
        msg: ClientMessage,
    ) -> Result<u64, tokio_tungstenite::tungstenite::Error> {
        let req = self.next_req;
        self.next_req += 1;
        let text = encode(&ClientFrame::new(Some(req), msg));
        self.ws.send(Message::text(text)).await?;
        Ok(req)
    }

    /// Closes the connection as a client leaving does (a close frame, then the socket).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }

    /// Sends a call action.
    pub async fn call(
        &mut self,
        id: &str,
        dev: &str,
        seq: u64,
        token: Option<&str>,
        action: CallAction,
    ) -> u64 {
        let msg = ClientMessage::Call {
            call_id: call_id(id),
            device: device(dev),
            seq,
            call_token: token.map(str::to_owned),
            action,
        };
        self.send(msg).await
    }

    /// Sends any text as one frame.
    pub async fn send_raw(&mut self, text: impl Into<String>) {
        self.ws.send(Message::text(text.into())).await.unwrap();
    }

    /// Sends any WebSocket message (binary, ping...) as it is.
    pub async fn send_message(&mut self, message: Message) {
        self.ws.send(message).await.unwrap();
    }

    /// The next frame; `None` at a close frame or the end of the stream.
    pub async fn next(&mut self) -> Option<ServerFrame> {
        loop {
            let read = tokio::time::timeout(HANG_GUARD, self.ws.next())
                .await
                .expect("the server sent nothing (hang guard)");
            match read {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Text(text))) => {
                    return Some(decode_server(text.as_str()).expect("a valid server frame"))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next frame, however long it takes (for a client that idles); `None` at a close frame
    /// or the end of the stream.
    pub async fn next_unguarded(&mut self) -> Option<ServerFrame> {
        loop {
            match self.ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return None,
                Some(Ok(Message::Text(text))) => {
                    return Some(decode_server(text.as_str()).expect("a valid server frame"))
                }
                Some(Ok(_)) => continue,
            }
        }
    }

    /// The next frame; panics if the connection closed.
    pub async fn recv(&mut self) -> ServerFrame {
        match self.next().await {
            Some(frame) => frame,
            None => panic!("connection closed while a frame was expected"),
        }
    }

    /// The next frame for which `want` holds, skipping others.
    pub async fn recv_until(&mut self, want: impl Fn(&ServerMessage) -> bool) -> ServerFrame {
        loop {
            let frame = self.recv().await;
            if want(&frame.msg) {
                return frame;
            }
        }
    }

    /// The next `error` frame's code and request number; panics on anything else.
    pub async fn expect_error(&mut self) -> (ErrorCode, Option<u64>) {
        let frame = self.recv().await;
        match frame.msg {
            ServerMessage::Error { code, .. } => (code, frame.req),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    /// Reads until the server closes the connection; panics if a data frame comes first.
    pub async fn expect_closed(&mut self) {
        if let Some(frame) = self.next().await {
            panic!("expected the connection to close, got {frame:?}");
        }
    }

    /// Sends a ping and waits for its pong: proves the connection is still usable.
    pub async fn assert_usable(&mut self) {
        let req = self.send(ClientMessage::Ping).await;
        let frame = self.recv_until(|m| matches!(m, ServerMessage::Pong)).await;
        assert_eq!(frame.req, Some(req));
    }

    /// The next call event, with its call id.
    pub async fn call_event(&mut self) -> (CallId, CallEvent) {
        let frame = self
            .recv_until(|m| matches!(m, ServerMessage::Call { .. }))
            .await;
        match frame.msg {
            ServerMessage::Call { call_id, event, .. } => (call_id, event),
            _ => unreachable!("filtered above"),
        }
    }

    /// The call token in the next `call.ack`.
    pub async fn ack_token(&mut self) -> String {
        let frame = self
            .recv_until(|m| matches!(m, ServerMessage::CallAck { .. }))
            .await;
        match frame.msg {
            ServerMessage::CallAck { call_token, .. } => call_token.expect("a token in the ack"),
            _ => unreachable!("filtered above"),
        }
    }
}

/// Logs `account` in on `device` of app `demo` at `url`: the client and its resync, or why
/// not: `Err(Some(code))` when the server refused the login with an error, `Err(None)` when it
/// refused the connection or closed it.
pub async fn try_log_in(
    url: &str,
    account: &str,
    token: &str,
    device: &str,
) -> Result<(Client, Vec<CallSnapshot>), Option<ErrorCode>> {
    let mut client = Client::try_connect_url(url).await.ok_or(None)?;
    client.send(login_msg("demo", account, token, device)).await;
    match client.next().await.ok_or(None)?.msg {
        ServerMessage::LoginOk { .. } => match client.next().await.ok_or(None)?.msg {
            ServerMessage::Resync { calls } => Ok((client, calls)),
            other => panic!("expected a resync, got {other:?}"),
        },
        ServerMessage::Error { code, .. } => Err(Some(code)),
        other => panic!("expected the login's answer, got {other:?}"),
    }
}

/// Pause between two logins of [`log_in_until_it_works`].
const LOGIN_RETRY: Duration = Duration::from_millis(50);

/// Logs in at `url` until it works (in a cluster, a login is turned away while the app's hub
/// moves between nodes, and a node may be starting); returns the client and its resync.
pub async fn log_in_until_it_works(
    url: &str,
    account: &str,
    token: &str,
    device: &str,
) -> (Client, Vec<CallSnapshot>) {
    let started = Instant::now();
    loop {
        if let Ok(logged_in) = try_log_in(url, account, token, device).await {
            return logged_in;
        }
        assert!(
            started.elapsed() < LOGIN_GUARD,
            "{account} never logged in at {url}"
        );
        tokio::time::sleep(LOGIN_RETRY).await;
    }
}

/// A `login` message for app `app`.
pub fn login_msg(app: &str, account_id: &str, token: &str, device_id: &str) -> ClientMessage {
    ClientMessage::Login {
        app_key: app.to_owned(),
        account: account(account_id),
        token: token.to_owned(),
        device: device(device_id),
        call_waiting: false,
    }
}

/// A video invite to `callee`.
pub fn invite(callee: &str) -> CallAction {
    CallAction::Invite {
        callee: account(callee),
        call_type: duet_protocol::CallType::Video,
        attachment: serde_json::Value::Null,
        timeout_ms: 30_000,
        nick: None,
    }
}

/// Places call `id` from alice (device a1) to bob (device b1) and has bob answer.
/// Returns the caller's and the callee's call tokens.
pub async fn answered_call(alice: &mut Client, bob: &mut Client, id: &str) -> (String, String) {
    alice.call(id, "a1", 1, None, invite("bob")).await;
    let alice_token = alice.ack_token().await;
    let (rung, event) = bob.call_event().await;
    assert_eq!(rung, call_id(id));
    let CallEvent::Invited {
        call_token: bob_token,
        ..
    } = event
    else {
        panic!("expected invited, got {event:?}");
    };
    bob.call(
        id,
        "b1",
        1,
        Some(&bob_token),
        CallAction::Accept { call_type: None },
    )
    .await;
    bob.ack_token().await;
    let (_, event) = alice.call_event().await;
    assert!(matches!(event, CallEvent::Accepted { .. }), "{event:?}");
    (alice_token, bob_token)
}

/// Polls of `/readyz` before a test gives up (a hang guard, not a timing assertion).
const HEALTH_POLLS: usize = 600;

/// `GET /readyz` of the server at `addr` (readiness, which reports the store): the status code
/// and the body.
pub async fn health(addr: SocketAddr) -> (u16, String) {
    http_get(addr, "/readyz").await
}

/// `GET path` of the server at `addr`: the status code and the body.
pub async fn http_get(addr: SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    (status, body)
}

/// Scrapes `/metrics` of the server at `addr`: its text.
pub async fn scrape(addr: SocketAddr) -> String {
    let (status, text) = http_get(addr, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    text
}

/// The value of the sample `series` (a metric name with its labels, as printed) in a scrape.
pub fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.split(' ').next()?.parse().ok()
    })
}

/// The value of `series`, which must be in the scrape `text`.
pub fn value(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no `{series}` in the scrape:\n{text}"))
}

/// Waits until `/readyz` at `addr` answers `status`; returns its body.
pub async fn wait_for_health(addr: SocketAddr, status: u16) -> String {
    for _ in 0..HEALTH_POLLS {
        let (now, body) = health(addr).await;
        if now == status {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("/readyz never answered {status}");
}

/// Alice (device a1, holding `alice_token`, the caller's call token) hangs up call `id`; both
/// see it end.
pub async fn hang_up(alice: &mut Client, bob: &mut Client, id: &str, alice_token: &str) {
    let hangup = CallAction::Hangup {
        reason: EndReason::UserHangup,
    };
    alice.call(id, "a1", 2, Some(alice_token), hangup).await;
    for client in [alice, bob] {
        let (ended, event) = client.call_event().await;
        assert_eq!(ended.as_str(), id);
        assert!(matches!(event, CallEvent::Ended { .. }), "{event:?}");
    }
}

/// Holds SQLite's write lock on the database at `path` until released, as a backup tool or a
/// second process would: the server's commits then fail after their busy wait.
pub struct WriteLock(SqliteConnection);

impl WriteLock {
    pub async fn take(path: &Path) -> WriteLock {
        let url = format!("sqlite:{}", path.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut conn)
            .await
            .unwrap();
        WriteLock(conn)
    }

    pub async fn release(mut self) {
        sqlx::query("ROLLBACK").execute(&mut self.0).await.unwrap();
        self.0.close().await.unwrap();
    }
}
