//! A scripted WebSocket server on 127.0.0.1:0: each test reads the client's frames and sends
//! the frames the real server would.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// Accepts connections and hands each to the test.
pub struct FakeServer {
    pub url: String,
    connections: mpsc::UnboundedReceiver<FakeConnection>,
}

/// One client connection, driven by the test.
pub struct FakeConnection {
    socket: WebSocketStream<TcpStream>,
}

impl FakeServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/ws", listener.local_addr().unwrap());
        let (tx, connections) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if let Ok(socket) = tokio_tungstenite::accept_async(stream).await {
                    if tx.send(FakeConnection { socket }).is_err() {
                        break;
                    }
                }
            }
        });
        Self { url, connections }
    }

    /// The next client connection.
    pub async fn accept(&mut self) -> FakeConnection {
        self.connections
            .recv()
            .await
            .expect("the accept loop runs as long as the server")
    }
}

impl FakeConnection {
    /// The next frame from the client that is not a ping, or `None` once it closed.
    pub async fn recv(&mut self) -> Option<Value> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => {
                    let value: Value = serde_json::from_str(text.as_str()).unwrap();
                    if value["type"] != "ping" {
                        return Some(value);
                    }
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// The next frame, including pings.
    pub async fn recv_any(&mut self) -> Option<Value> {
        loop {
            match self.socket.next().await? {
                Ok(Message::Text(text)) => {
                    return Some(serde_json::from_str(text.as_str()).unwrap())
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    pub async fn send(&mut self, frame: Value) {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .unwrap();
    }

    /// Sends any text as one frame.
    pub async fn send_text(&mut self, text: String) {
        self.socket.send(Message::text(text)).await.unwrap();
    }

    /// Answers the login frame with `login.ok` (heartbeat `heartbeat_ms`) and a resync of `calls`,
    /// then the SDK's contact list request with bob (the caller of [`invited`]) as a contact.
    pub async fn login(&mut self, heartbeat_ms: u64, calls: Value) -> Value {
        let contacts = json!([{"account": "bob", "nick": "Bob", "presence": "online"}]);
        self.login_with_contacts(heartbeat_ms, calls, contacts)
            .await
    }

    /// Like [`FakeConnection::login`], answering the contact list request with `contacts`.
    pub async fn login_with_contacts(
        &mut self,
        heartbeat_ms: u64,
        calls: Value,
        contacts: Value,
    ) -> Value {
        let login = self.login_only(heartbeat_ms, calls).await;
        let list = self
            .recv()
            .await
            .expect("the SDK asks for the contact list");
        assert_eq!(list["type"], "contacts.list");
        self.send(json!({"v": 1, "type": "contacts", "req": list["req"], "contacts": contacts}))
            .await;
        login
    }

    /// Answers the login frame with `login.ok` and a resync of `calls`, nothing more.
    pub async fn login_only(&mut self, heartbeat_ms: u64, calls: Value) -> Value {
        let login = self.recv().await.expect("the client logs in first");
        assert_eq!(login["type"], "login");
        self.send(json!({
            "v": 1, "type": "login.ok", "req": login["req"], "account": login["account"], "nick": "Nick",
            "device": login["device"], "heartbeat_ms": heartbeat_ms, "ice_servers": [{"urls": ["stun:127.0.0.1:3478"]}],
            "safe_mode": true, "server_time_ms": 1_764_115_200_000u64
        }))
        .await;
        self.send(json!({"v": 1, "type": "resync", "calls": calls}))
            .await;
        login
    }

    /// Drops the connection without a close handshake, like a network failure.
    pub fn drop_hard(self) {
        drop(self.socket);
    }
}

/// A ringing call from bob to `callee`, as `invited` carries it.
pub fn invited(call_id: &str, seq: u64, callee: &str) -> Value {
    json!({
        "v": 1, "type": "call", "event": "invited", "call_id": call_id, "seq": seq,
        "caller": {"account": "bob", "device": "bob-desktop", "nick": "Bob"}, "callee": callee,
        "call_type": 2, "attachment": {"hello": 1}, "expires_in_ms": 30000, "call_token": format!("tok-{call_id}")
    })
}

/// A server call event.
pub fn event(call_id: &str, seq: u64, body: Value) -> Value {
    let mut frame = json!({"v": 1, "type": "call", "call_id": call_id, "seq": seq});
    for (k, v) in body.as_object().unwrap() {
        frame[k] = v.clone();
    }
    frame
}

/// A record of `call_id` with `status`.
pub fn record(call_id: &str, seq: u64, status: u8) -> Value {
    event(
        call_id,
        seq,
        json!({"event": "record", "record": {
            "call_id": call_id, "from": "bob", "to": "alice", "call_type": 2, "status": status,
            "reason": "canceled", "started_at_ms": 1, "ended_at_ms": 2, "duration_ms": 0
        }}),
    )
}
