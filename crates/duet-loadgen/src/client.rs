//! A minimal protocol client: connect from a chosen loopback address, log in, send and await frames.

use duet_protocol::{
    decode_server, encode, AccountId, CallAction, CallId, ClientFrame, ClientMessage, DeviceId,
    ServerFrame, ServerMessage,
};
use futures_util::{SinkExt, StreamExt};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

/// How clients reach the server: plain `ws://`, or `wss://` trusting the given configuration.
#[derive(Clone)]
pub enum Transport {
    Plain,
    Tls(Arc<rustls::ClientConfig>),
}

pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    pub device: DeviceId,
    pub heartbeat_ms: u64,
}

/// The loopback source address for connection number `n`: 127.0.0.x spreads the connections over
/// many source addresses, because one address has only ~28k ephemeral ports for a socket bound
/// before it connects, those of a run a minute ago (in TIME_WAIT) included; 4,000 an address leaves
/// room for several runs back to back.
pub fn source_ip(n: usize) -> IpAddr {
    let host = 2 + (n / 4_000) as u8;
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, host))
}

impl Client {
    pub async fn connect(
        server: SocketAddr,
        source: IpAddr,
        transport: &Transport,
    ) -> anyhow::Result<Self> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source, 0))?;
        let stream = socket.connect(server).await?;
        stream.set_nodelay(true)?;
        let (url, connector) = match transport {
            Transport::Plain => (format!("ws://{server}/ws"), Connector::Plain),
            Transport::Tls(config) => (
                format!("wss://{server}/ws"),
                Connector::Rustls(config.clone()),
            ),
        };
        let (ws, _) =
            tokio_tungstenite::client_async_tls_with_config(url, stream, None, Some(connector))
                .await?;
        Ok(Self {
            ws,
            device: DeviceId::new("pending")?,
            heartbeat_ms: 10_000,
        })
    }

    pub async fn send(&mut self, req: Option<u64>, msg: ClientMessage) -> anyhow::Result<()> {
        let text = encode(&ClientFrame::new(req, msg));
        self.ws.send(Message::text(text)).await?;
        Ok(())
    }

    pub async fn recv(&mut self) -> anyhow::Result<ServerFrame> {
        loop {
            match self.ws.next().await {
                Some(Ok(Message::Text(text))) => return Ok(decode_server(&text)?),
                Some(Ok(Message::Close(frame))) => anyhow::bail!("server closed: {frame:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => anyhow::bail!("connection ended"),
            }
        }
    }

    /// Receives frames until `pick` accepts one.
    pub async fn recv_until<T>(
        &mut self,
        mut pick: impl FnMut(&ServerMessage) -> Option<T>,
    ) -> anyhow::Result<T> {
        loop {
            let frame = self.recv().await?;
            if let ServerMessage::Error { code, message, .. } = &frame.msg {
                anyhow::bail!("server error {code:?}: {message}");
            }
            if let Some(found) = pick(&frame.msg) {
                return Ok(found);
            }
        }
    }

    pub async fn login(
        &mut self,
        app_key: &str,
        account: &str,
        token: &str,
        device: &str,
    ) -> anyhow::Result<()> {
        self.device = DeviceId::new(device)?;
        let msg = ClientMessage::Login {
            app_key: app_key.into(),
            account: AccountId::new(account)?,
            token: token.into(),
            device: self.device.clone(),
            call_waiting: false,
        };
        self.send(Some(1), msg).await?;
        self.heartbeat_ms = self
            .recv_until(|m| match m {
                ServerMessage::LoginOk { heartbeat_ms, .. } => Some(*heartbeat_ms),
                _ => None,
            })
            .await?;
        self.recv_until(|m| matches!(m, ServerMessage::Resync { .. }).then_some(()))
            .await
    }

    pub async fn call(
        &mut self,
        req: u64,
        id: &CallId,
        seq: u64,
        token: Option<String>,
        action: CallAction,
    ) -> anyhow::Result<()> {
        let msg = ClientMessage::Call {
            call_id: id.clone(),
            device: self.device.clone(),
            seq,
            call_token: token,
            action,
        };
        self.send(Some(req), msg).await
    }
}
