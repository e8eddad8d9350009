//! A client written from docs/protocol.md alone: raw JSON frames over a plain WebSocket, no SDK.
//! Tests use it as the "non-Duet peer" that proves the documented protocol is enough.

use crate::wait::HANG_GUARD;
use duet_server::RunningServer;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// One logged-in raw connection.
pub struct RawPeer {
    ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
}

impl RawPeer {
    /// Creates `account` on `server`, connects, logs in as `device` and waits for the resync.
    pub async fn login(server: &RunningServer, account: &str, device: &str) -> RawPeer {
        let token = crate::add_user(server, account).await;
        let (ws, _) = tokio_tungstenite::connect_async(server.ws_url())
            .await
            .expect("the test server accepts WebSocket connections");
        let mut peer = RawPeer { ws };
        peer.send(
            serde_json::json!({"v": 1, "type": "login", "req": 1, "app_key": "demo",
            "account": account, "token": token, "device": device}),
        )
        .await;
        peer.until(|f| f["type"] == "resync").await;
        peer
    }

    /// Sends one frame.
    pub async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("the connection is open");
    }

    /// The next frame for which `want` holds, skipping others; panics after [`HANG_GUARD`].
    pub async fn until(&mut self, want: impl Fn(&Value) -> bool) -> Value {
        loop {
            let message = tokio::time::timeout(HANG_GUARD, self.ws.next())
                .await
                .expect("a frame within the hang guard")
                .expect("the connection is open")
                .expect("a readable frame");
            if let Ok(text) = message.to_text() {
                let frame: Value = serde_json::from_str(text).expect("the server sends JSON");
                if want(&frame) {
                    return frame;
                }
            }
        }
    }
}
