//! A listener for axum whose connections have finished their TLS handshake. Handshakes run on
//! their own tasks, so a client that stalls mid-handshake holds up nobody else, and each must
//! finish within the handshake timeout or its TCP connection is dropped. Sockets are admitted
//! and guarded (see `ConnectionGuards`) before the handshake starts. A client speaking
//! anything but TLS (garbage, plain HTTP) fails its handshake and is dropped the same way.

use crate::guarded_io::GuardedIo;
use crate::server::ConnectionGuards;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// Handshakes in progress at once; a connection arriving beyond this is closed at once, so a
/// flood of idle TCP connections cannot hold memory that the connection limit does not count.
const MAX_PENDING_HANDSHAKES: usize = 4_096;

/// Connections through their handshake, waiting for axum to take them.
const ACCEPTED_QUEUE: usize = 256;

/// A TLS connection over a guarded socket.
pub(crate) type TlsIo = TlsStream<GuardedIo<TcpStream>>;

/// Accepts TCP connections and hands axum the ones whose handshake succeeded.
pub(crate) struct TlsListener {
    local_addr: SocketAddr,
    accepted: mpsc::Receiver<(TlsIo, SocketAddr)>,
}

impl TlsListener {
    /// Starts accepting on `tcp` until `stop` is cancelled.
    pub(crate) fn start(
        tcp: TcpListener,
        config: Arc<rustls::ServerConfig>,
        guards: ConnectionGuards,
        stop: CancellationToken,
    ) -> std::io::Result<Self> {
        let local_addr = tcp.local_addr()?;
        let (sender, accepted) = mpsc::channel(ACCEPTED_QUEUE);
        tokio::spawn(accept_loop(
            tcp,
            TlsAcceptor::from(config),
            guards,
            sender,
            stop,
        ));
        Ok(Self {
            local_addr,
            accepted,
        })
    }
}

async fn accept_loop(
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    guards: ConnectionGuards,
    accepted: mpsc::Sender<(TlsIo, SocketAddr)>,
    stop: CancellationToken,
) {
    let handshake_timeout = guards.handshake_timeout;
    let pending = Arc::new(Semaphore::new(MAX_PENDING_HANDSHAKES));
    loop {
        let (stream, peer) = tokio::select! {
            _ = stop.cancelled() => return,
            _ = accepted.closed() => return,
            result = tcp.accept() => match result {
                Ok(connection) => connection,
                Err(error) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(%error, "accepting a TCP connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(stream) = guards.guard(stream, peer, tokio::time::Instant::now()) else {
            tracing::debug!(%peer, "too many open connections; closed at accept");
            continue;
        };
        let Ok(slot) = pending.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "too many TLS handshakes in progress; connection closed");
            continue;
        };
        if let Err(error) = stream.get_ref().set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let acceptor = acceptor.clone();
        let accepted = accepted.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => {
                    drop(slot);
                    let _ = accepted.send((tls, peer)).await;
                }
                Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.accepted.recv().await {
            Some(connection) => connection,
            // The accept loop stopped (shutdown): accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
