//! Starting and stopping the server: listener, HTTP routes, hubs and the record writer.

use crate::admin::Admin;
use crate::admission::Admission;
use crate::clock::Clock;
use crate::cluster::{Bus, BusMetrics, Cluster};
use crate::config::{ClusterSettings, ServerConfig};
use crate::connection::{self, Attempts};
use crate::contacts::ContactLocks;
use crate::error::ServerError;
use crate::guarded_io::{GuardedIo, HandshakeDone};
use crate::health::{self, ReadyCheck, StoreReady};
use crate::hub::Hubs;
use crate::known_accounts::KnownAccounts;
use crate::metrics::{Metrics, OpenConnection};
use crate::passwords::PasswordWork;
use crate::store::writer::{spawn_writer, StoreHealth, WriterHandle};
use crate::store::{self, Store};
use crate::tls::{watch_for_changes, CertStore, TlsListener};
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::IncomingStream;
use axum::serve::Listener;
use axum::Router;
use duet_protocol::MAX_FRAME_BYTES;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Read buffer per connection: small, because idle connections are the common case (measured:
/// 12.1 KB per idle connection with 4 KiB, 100k of them over 1 GiB); a large frame (an SDP) just
/// takes a few more reads.
const READ_BUFFER_BYTES: usize = 1024;
/// Accounts remembered as existing (for invite checks) before the set is cleared.
const KNOWN_ACCOUNTS_BOUND: usize = 1_000_000;

/// What every connection task shares.
pub(crate) struct Shared {
    pub config: ServerConfig,
    pub store: Arc<dyn Store>,
    pub clock: Clock,
    pub hubs: Hubs,
    pub next_conn: AtomicU64,
    pub shutdown: CancellationToken,
    /// Cancelled when the server starts draining: new WebSocket upgrades get 503 and every
    /// logged-in connection is told `server.draining`.
    pub draining: CancellationToken,
    /// The drain timeout of the drain under way, for `server.draining`'s `closes_in_ms`.
    pub drain_timeout_ms: AtomicU64,
    /// Connection tasks, awaited on shutdown.
    pub connections: TaskTracker,
    /// One permit per open connection, up to `limits.max_connections`.
    pub connection_slots: Arc<Semaphore>,
    /// Accounts known to exist, to check callees without a query.
    pub known_accounts: KnownAccounts,
    /// Issues login tokens for `register` and `login.password`.
    pub admin: Admin,
    /// Password hashing, a bounded number at a time.
    pub passwords: PasswordWork,
    /// Limits on password attempts and registrations.
    pub attempts: Attempts,
    /// Whether the store takes writes (from the writer; kept after shutdown takes the writer).
    pub store_health: Arc<StoreHealth>,
    /// Orders contact changes and logins touching the same accounts.
    pub contact_locks: ContactLocks,
    /// What `/metrics` reports.
    pub metrics: Arc<Metrics>,
    /// What `/readyz` checks besides draining.
    pub ready_checks: Vec<Arc<dyn ReadyCheck>>,
}

/// A server running on its own tasks; call [`RunningServer::shutdown`] to stop it cleanly.
pub struct RunningServer {
    local_addr: SocketAddr,
    /// Whether the port speaks TLS (`wss://`).
    tls: bool,
    shared: Arc<Shared>,
    admin: Admin,
    http: JoinHandle<std::io::Result<()>>,
    writer: JoinHandle<()>,
}

/// Opens the configured database (SQLite, or PostgreSQL for a `postgres://` URL) and starts
/// serving.
pub async fn start(config: ServerConfig) -> Result<RunningServer, ServerError> {
    let busy_wait = Duration::from_millis(config.limits.store_wait_ms);
    let store = store::open(&config.database, busy_wait).await?;
    start_with_store(config, store).await
}

/// Starts serving on `store` (any [`Store`] implementation).
pub async fn start_with_store(
    config: ServerConfig,
    store: Arc<dyn Store>,
) -> Result<RunningServer, ServerError> {
    let admin = Admin::new(store.clone());
    if let Some(app_key) = &config.default_app {
        if store.apps().await?.is_empty() {
            admin.ensure_app(app_key).await?;
        }
    }
    let clock = Clock::start();
    let shutdown = CancellationToken::new();
    let limits = &config.limits;
    let metrics = Arc::new(Metrics::new());
    let (writer, writer_task) = spawn_writer(
        store.clone(),
        limits.write_queue,
        limits.write_batch_max,
        Some(metrics.store_batch.clone()),
    );
    let store_health = writer.health().clone();
    let cluster = match &config.cluster {
        Some(settings) => Some(
            join_cluster(
                settings,
                BusMetrics {
                    publish_seconds: metrics.bus_publish.clone(),
                    publish_failures: metrics.bus_publish_failures.clone(),
                    hub_round_trip_seconds: metrics.hub_round_trip.clone(),
                },
            )
            .await?,
        ),
        None => None,
    };
    let hubs = Hubs::new(
        store.clone(),
        clock.clone(),
        config.calls.clone(),
        limits.hub_queue,
        writer,
        shutdown.clone(),
        metrics.clone(),
        cluster.clone(),
    );
    hubs.start_all().await?;
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let local_addr = listener.local_addr()?;
    let certs = match &config.tls {
        Some(files) => {
            let store = CertStore::load(files)?;
            tokio::spawn(watch_for_changes(
                store.clone(),
                files.clone(),
                shutdown.clone(),
            ));
            Some(store)
        }
        None => None,
    };
    let guards = ConnectionGuards {
        admission: Admission::new(
            limits.max_connections.saturating_add(limits.max_handshakes),
            limits.max_connections_per_address,
        ),
        handshake_timeout: Duration::from_millis(limits.handshake_timeout_ms),
        write_timeout: Duration::from_millis(limits.write_timeout_ms),
    };
    let store_ready: Arc<dyn ReadyCheck> = Arc::new(StoreReady {
        store: store.clone(),
        health: store_health.clone(),
    });
    let mut ready_checks: Vec<Arc<dyn ReadyCheck>> = vec![store_ready];
    if let Some(cluster) = &cluster {
        let bus = cluster.bus().clone();
        ready_checks.push(Arc::new(crate::health::BusReady { bus }));
    }
    let shared = Arc::new(Shared {
        connection_slots: Arc::new(Semaphore::new(limits.max_connections)),
        admin: admin.clone(),
        passwords: PasswordWork::new(config.accounts.parallel_hashes),
        attempts: Attempts::new(&config.accounts, cluster.as_ref().map(|c| c.bus().clone())),
        contact_locks: ContactLocks::default(),
        config,
        store,
        clock,
        hubs,
        next_conn: AtomicU64::new(first_conn_id()),
        shutdown: shutdown.clone(),
        draining: CancellationToken::new(),
        drain_timeout_ms: AtomicU64::new(0),
        connections: TaskTracker::new(),
        known_accounts: KnownAccounts::new(KNOWN_ACCOUNTS_BOUND),
        ready_checks,
        store_health,
        metrics,
    });
    tokio::spawn(crate::revocation_watch::watch(shared.clone()));
    tokio::spawn(crate::retention::run(shared.clone()));
    if let Some(cluster) = cluster {
        tokio::spawn(crate::cluster::serve_inbox(cluster.clone(), shared.clone()));
        tokio::spawn(crate::cluster::keep_alive(cluster.clone(), shared.clone()));
        tokio::spawn(crate::cluster::keep_up(cluster, shared.clone()));
    }
    let router = Router::new()
        .route("/ws", get(upgrade))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .with_state(shared.clone());
    let http = match &certs {
        Some(certs) => {
            let listener =
                TlsListener::start(listener, certs.server_config(), guards, shutdown.clone())?;
            serve_on(listener, router, shutdown)
        }
        None => serve_on(PlainListener { listener, guards }, router, shutdown),
    };
    let tls = certs.is_some();
    tracing::info!(%local_addr, tls, "duet-server listening (WebSocket at /ws)");
    Ok(RunningServer {
        local_addr,
        tls,
        shared,
        admin,
        http,
        writer: writer_task,
    })
}

/// Connects to the cluster's bus as this node; each publish is timed, each failed one counted,
/// into `publish_metrics`.
async fn join_cluster(
    settings: &ClusterSettings,
    metrics: BusMetrics,
) -> Result<Cluster, ServerError> {
    let node = match &settings.node_id {
        Some(node) => node.clone(),
        None => random_node_id()?,
    };
    let bus = Bus::connect(&settings.bus, node.clone(), settings.lease, metrics).await?;
    bus.heartbeat().await?;
    tracing::info!(%node, "joined the cluster");
    Ok(Cluster::new(bus))
}

fn random_node_id() -> Result<String, ServerError> {
    crate::login_token::random_text(6)
        .map_err(|e| ServerError::Io(std::io::Error::other(e.to_string())))
}

/// Connection ids start at a random multiple of 2^32, so that ids of different nodes (which
/// meet in a hub) do not collide.
fn first_conn_id() -> u64 {
    let mut bytes = [0u8; 4];
    // Without randomness (never on a supported OS) ids start at 1, as on a single node.
    if getrandom::fill(&mut bytes).is_err() {
        return 1;
    }
    (u64::from(u32::from_le_bytes(bytes)) << 32) | 1
}

/// Serves `router` on `listener` until `shutdown` is cancelled.
fn serve_on<L>(
    listener: L,
    router: Router,
    shutdown: CancellationToken,
) -> JoinHandle<std::io::Result<()>>
where
    L: Listener<Addr = SocketAddr>,
    PeerAddr: for<'a> Connected<IncomingStream<'a, L>>,
{
    tokio::spawn(async move {
        // The peer's address limits password attempts and registrations per address.
        let service = router.into_make_service_with_connect_info::<PeerAddr>();
        axum::serve(listener, service)
            .with_graceful_shutdown(shutdown.cancelled_owned())
            .await
    })
}

/// Where a connection comes from, and the flag its WebSocket upgrade sets (which lifts the
/// handshake deadline), for any of our listeners (plain or TLS).
#[derive(Debug, Clone)]
struct PeerAddr(SocketAddr, HandshakeDone);

impl Connected<IncomingStream<'_, TlsListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        PeerAddr(
            *stream.remote_addr(),
            stream.io().get_ref().0.handshake_done(),
        )
    }
}

impl Connected<IncomingStream<'_, PlainListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, PlainListener>) -> Self {
        PeerAddr(*stream.remote_addr(), stream.io().handshake_done())
    }
}

/// What every listener applies to the sockets it accepts (see [`GuardedIo`] and [`Admission`]).
#[derive(Debug, Clone)]
pub(crate) struct ConnectionGuards {
    pub admission: Arc<Admission>,
    pub handshake_timeout: Duration,
    pub write_timeout: Duration,
}

impl ConnectionGuards {
    /// Guards `io` from `peer`, accepted at `accepted_at`; `None` (close it at once) when the
    /// server or this address has as many sockets open as it may.
    pub(crate) fn guard<T>(
        &self,
        io: T,
        peer: SocketAddr,
        accepted_at: tokio::time::Instant,
    ) -> Option<GuardedIo<T>> {
        let ticket = self.admission.admit(peer.ip())?;
        Some(GuardedIo::new(
            io,
            ticket,
            accepted_at,
            self.handshake_timeout,
            self.write_timeout,
        ))
    }
}

/// The plain (`ws://`) listener: axum's TCP listener with TCP_NODELAY and the guards on every
/// connection.
struct PlainListener {
    listener: tokio::net::TcpListener,
    guards: ConnectionGuards,
}

impl Listener for PlainListener {
    type Io = GuardedIo<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // axum's accept retries transient errors (EMFILE, ECONNABORTED) itself.
            let (tcp, addr) = Listener::accept(&mut self.listener).await;
            let Some(io) = self.guards.guard(tcp, addr, tokio::time::Instant::now()) else {
                tracing::debug!(%addr, "too many open connections; closed at accept");
                continue;
            };
            // Small frames go out at once: with Nagle's algorithm, the second frame of a burst
            // (an ack then an event) waits for the peer's delayed ACK, 40 ms on Linux. (The TLS
            // listener sets it on each connection itself.)
            if let Err(error) = io.get_ref().set_nodelay(true) {
                tracing::debug!(%error, "cannot set TCP_NODELAY");
            }
            return (io, addr);
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// Frames queued for one connection are written together up to this many bytes.
const WRITE_COALESCE_BYTES: usize = 16 * 1024;

async fn upgrade(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(PeerAddr(peer, handshake)): ConnectInfo<PeerAddr>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if !crate::origin::allowed(&headers, &shared.config.allowed_origins) {
        tracing::info!(%peer, origin = ?headers.get(header::ORIGIN), "WebSocket from a web page origin not allowed");
        let body = "this origin may not open a WebSocket here (see allowed_origins)";
        return (StatusCode::FORBIDDEN, body).into_response();
    }
    if shared.draining.is_cancelled() {
        tracing::debug!(%peer, "WebSocket refused: draining");
        let body =
            "this server is draining (shutting down); connect to another server of the service\n";
        return (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    }
    let slot = shared.connection_slots.clone().try_acquire_owned().ok();
    let tracker = shared.connections.clone();
    ws.max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER_BYTES)
        // Frames queued together go out in one write (see `Session::serve`); the buffer only grows
        // while frames wait, so an idle connection holds none.
        .write_buffer_size(WRITE_COALESCE_BYTES)
        .max_write_buffer_size(4 * MAX_FRAME_BYTES)
        .on_upgrade(move |socket| {
            // A WebSocket now: the login timeout and the heartbeat take over from here.
            handshake.set();
            let open = OpenConnection::new(&shared.metrics.connections_open);
            tracker.track_future(async move {
                let _open = open;
                match slot {
                    Some(slot) => {
                        connection::run(socket, shared, peer.ip()).await;
                        drop(slot);
                    }
                    None => connection::refuse_full(socket).await,
                }
            })
        })
}

impl RunningServer {
    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The WebSocket URL clients connect to: `wss://` when TLS is configured.
    pub fn ws_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/ws", self.local_addr)
    }

    /// Administers apps, accounts and tokens of this server's store.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }

    /// The server's store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }

    /// Waits until every call change made so far is committed to the store.
    pub async fn flush(&self) {
        if let Some(writer) = self.writer_handle() {
            writer.flush().await;
        }
    }

    fn writer_handle(&self) -> Option<WriterHandle> {
        self.shared.hubs.writer()
    }

    /// Drains the server before a planned stop: refuses new WebSocket upgrades (503), tells
    /// every logged-in device with `server.draining` to move to another server, and returns once
    /// every connection has closed or `timeout` has passed (the connections still open are then
    /// closed by [`RunningServer::shutdown`]). Calls are not ended: devices re-sync them where
    /// they log in next. Calling it again only waits again.
    pub async fn drain(&self, timeout: Duration) {
        let timeout_ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.shared
            .drain_timeout_ms
            .store(timeout_ms, std::sync::atomic::Ordering::Relaxed);
        // In a cluster, the apps whose hubs run here go to other nodes first: the devices then
        // move to a node that has (or takes) their app's hub, rather than being routed back here.
        self.shared.hubs.hand_over().await;
        let open = self.shared.connections.len();
        tracing::info!(open, ?timeout, "draining: telling devices to move");
        self.shared.draining.cancel();
        // Closing the tracker only lets `wait` return once it is empty; it still tracks new
        // tasks (none come: upgrades are refused).
        self.shared.connections.close();
        match tokio::time::timeout(timeout, self.shared.connections.wait()).await {
            Ok(()) => tracing::info!("drained: every connection has left"),
            Err(_) => tracing::warn!(
                open = self.shared.connections.len(),
                "drain timeout passed with connections still open; closing them"
            ),
        }
    }

    /// Whether [`RunningServer::drain`] has started.
    pub fn is_draining(&self) -> bool {
        self.shared.draining.is_cancelled()
    }

    /// Stops accepting, closes every connection (calls survive for the next start), stops the
    /// hubs, and commits every queued call change before returning.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        tracing::info!("shutting down");
        self.shared.shutdown.cancel();
        self.http.await??;
        self.shared.connections.close();
        self.shared.connections.wait().await;
        self.shared.hubs.stop().await;
        self.writer.await?;
        self.shared.hubs.release_leases().await;
        self.shared.store.close().await;
        tracing::info!("shut down; every call change is committed");
        Ok(())
    }
}
