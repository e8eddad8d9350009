//! The memory baseline: a bare axum WebSocket server that only answers pings, nothing else.

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;

/// Serves `/ws` on a free loopback port and writes the port to `port_file`.
pub async fn serve(port_file: PathBuf) -> anyhow::Result<()> {
    let app = Router::new().route("/ws", get(upgrade));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    std::fs::write(&port_file, listener.local_addr()?.port().to_string())?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(ws: WebSocketUpgrade) -> axum::response::Response {
    ws.on_upgrade(hold)
}

async fn hold(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.recv().await {
        if let Message::Text(text) = message {
            if socket.send(Message::Text(text)).await.is_err() {
                return;
            }
        }
    }
}
