//! A connection's socket with two deadlines the HTTP and WebSocket layers above it do not keep:
//! the whole handshake (TLS, HTTP headers, WebSocket upgrade) must be done within a time from
//! accept, and a write that makes no progress for a time fails. Without them, half-sent headers
//! hold a socket forever and a client that stops reading holds its task and buffers forever.

use crate::admission::Ticket;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Set once the connection is a WebSocket: from then on, login and heartbeat deadlines apply.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandshakeDone(Arc<AtomicBool>);

impl HandshakeDone {
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// `inner` with the handshake deadline and the write-stall timeout; holds the connection's
/// admission ticket until the socket is dropped.
#[derive(Debug)]
pub(crate) struct GuardedIo<T> {
    inner: T,
    _ticket: Ticket,
    done: HandshakeDone,
    /// Until the handshake is done; dropped after, so an established connection keeps no timer.
    handshake_deadline: Option<Pin<Box<Sleep>>>,
    write_timeout: Duration,
    /// Started when a write cannot proceed, cleared by the next write that does.
    write_stall: Option<Pin<Box<Sleep>>>,
}

impl<T> GuardedIo<T> {
    /// Guards `inner`, accepted at `accepted_at`.
    pub(crate) fn new(
        inner: T,
        ticket: Ticket,
        accepted_at: Instant,
        handshake_timeout: Duration,
        write_timeout: Duration,
    ) -> Self {
        Self {
            inner,
            _ticket: ticket,
            done: HandshakeDone::default(),
            handshake_deadline: Some(Box::pin(tokio::time::sleep_until(
                accepted_at + handshake_timeout,
            ))),
            write_timeout,
            write_stall: None,
        }
    }

    /// The guarded socket.
    pub(crate) fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The flag the WebSocket upgrade sets.
    pub(crate) fn handshake_done(&self) -> HandshakeDone {
        self.done.clone()
    }

    /// Fails once the handshake deadline passed without the handshake being done.
    fn check_handshake(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        let Some(deadline) = self.handshake_deadline.as_mut() else {
            return Ok(());
        };
        if self.done.is_set() {
            self.handshake_deadline = None;
            return Ok(());
        }
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the connection did not become a WebSocket in time",
            )),
            Poll::Pending => Ok(()),
        }
    }

    /// After a write-side poll: clears the stall on progress, fails once it lasted too long.
    fn check_stall<R>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if poll.is_ready() {
            self.write_stall = None;
            return poll;
        }
        let timeout = self.write_timeout;
        let stall = self
            .write_stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(stall.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "the peer stopped reading",
        )))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check_handshake(cx)?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_handshake(cx)?;
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.check_stall(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check_handshake(cx)?;
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.check_stall(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_flush(cx);
        this.check_stall(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_shutdown(cx);
        this.check_stall(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::Admission;
    use std::net::IpAddr;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    const HANDSHAKE: Duration = Duration::from_secs(10);
    const WRITE: Duration = Duration::from_secs(5);

    fn guarded(buffer: usize) -> (GuardedIo<DuplexStream>, DuplexStream) {
        let (ours, theirs) = tokio::io::duplex(buffer);
        let ticket = Admission::new(10, 10)
            .admit(IpAddr::from([127, 0, 0, 1]))
            .unwrap();
        let io = GuardedIo::new(ours, ticket, Instant::now(), HANDSHAKE, WRITE);
        (io, theirs)
    }

    #[tokio::test(start_paused = true)]
    async fn a_handshake_not_done_in_time_fails_the_read() {
        let started = Instant::now();
        let (mut io, mut peer) = guarded(64);
        let partial = b"GET /ws HTTP/1.1\r\nHost: x\r\n";
        peer.write_all(partial).await.unwrap();
        let mut buf = [0u8; 64];
        let n = io.read(&mut buf).await.unwrap();
        assert_eq!(n, partial.len(), "what was sent is read");
        // Half-sent headers: the peer sends nothing more; the read waits until the deadline.
        let error = io.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(Instant::now() - started, HANDSHAKE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_done_handshake_lifts_the_deadline() {
        let (mut io, mut peer) = guarded(64);
        io.handshake_done().set();
        tokio::time::advance(HANDSHAKE * 2).await;
        peer.write_all(b"hello").await.unwrap();
        let mut buf = [0u8; 5];
        io.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"hello");
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_stops_reading_fails_the_write_after_the_timeout() {
        let (mut io, _peer) = guarded(16);
        io.handshake_done().set();
        let started = Instant::now();
        let error = io.write_all(&[0u8; 64]).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(
            Instant::now() - started,
            WRITE,
            "failed at the timeout, not before"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_reader_that_keeps_up_is_not_cut() {
        let (mut io, mut peer) = guarded(16);
        io.handshake_done().set();
        let reader = tokio::spawn(async move {
            let mut got = Vec::new();
            let mut buf = [0u8; 8];
            while got.len() < 64 {
                // Slower than one buffer a timeout, but never stalled for a whole timeout.
                tokio::time::sleep(WRITE / 2).await;
                let n = peer.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
            }
            got
        });
        io.write_all(&[9u8; 64]).await.unwrap();
        assert_eq!(reader.await.unwrap(), vec![9u8; 64]);
    }
}
