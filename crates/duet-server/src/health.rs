//! The operator's HTTP endpoints beside `/ws`: `/healthz` (alive), `/readyz` (may take devices)
//! and `/metrics` (Prometheus).

use crate::server::Shared;
use crate::store::writer::StoreHealth;
use crate::store::Store;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// How long one readiness check may take before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a scrape waits for one hub's counts (a hub with a full queue is reported as such).
const STATS_TIMEOUT: Duration = Duration::from_secs(1);

/// Something `/readyz` checks before saying the server may take devices: the store here; the
/// message bus adds its own when the server runs as several nodes.
#[async_trait::async_trait]
pub trait ReadyCheck: Send + Sync {
    /// A short name for the reason line (`store`, `bus`).
    fn name(&self) -> &'static str;
    /// `Err` with the reason when the dependency cannot serve now.
    async fn check(&self) -> Result<(), String>;
}

/// The store answers a cheap read, and the writer's commits succeed and keep up.
pub(crate) struct StoreReady {
    pub store: Arc<dyn Store>,
    pub health: Arc<StoreHealth>,
}

#[async_trait::async_trait]
impl ReadyCheck for StoreReady {
    fn name(&self) -> &'static str {
        "store"
    }

    async fn check(&self) -> Result<(), String> {
        let status = self.health.status();
        if let Some((since, error)) = &status.failing {
            return Err(format!(
                "database writes failing for {} s, {} call changes waiting: {error}",
                since.as_secs(),
                status.backlog
            ));
        }
        if !status.is_healthy() {
            return Err(format!(
                "{} call changes waiting for the database (limit {})",
                status.backlog, status.backlog_limit
            ));
        }
        self.store
            .last_revocation_id()
            .await
            .map(|_| ())
            .map_err(|error| format!("database read failed: {error}"))
    }
}

/// The cluster's bus (Redis) answers, on a node of several.
pub(crate) struct BusReady {
    pub bus: crate::cluster::Bus,
}

#[async_trait::async_trait]
impl ReadyCheck for BusReady {
    fn name(&self) -> &'static str {
        "bus"
    }

    async fn check(&self) -> Result<(), String> {
        self.bus.ping().await.map_err(|error| error.to_string())
    }
}

/// `200 ok` while the process serves HTTP: it is alive (restarting it would not help anything
/// `/readyz` reports, and would lose call changes still waiting for the database).
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// `200 ok` when the server may take devices: not draining, and every [`ReadyCheck`] passes;
/// else `503` with one line per reason.
pub(crate) async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    let mut reasons = Vec::new();
    if shared.draining.is_cancelled() {
        reasons.push("draining: this server is shutting down".to_owned());
    }
    for check in &shared.ready_checks {
        match tokio::time::timeout(CHECK_TIMEOUT, check.check()).await {
            Ok(Ok(())) => {}
            Ok(Err(reason)) => reasons.push(format!("{}: {reason}", check.name())),
            Err(_) => reasons.push(format!(
                "{}: no answer within {} s",
                check.name(),
                CHECK_TIMEOUT.as_secs()
            )),
        }
    }
    if reasons.is_empty() {
        return "ok".into_response();
    }
    let mut body = String::from("not ready:\n");
    for reason in reasons {
        body.push_str(&reason);
        body.push('\n');
    }
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

/// The metrics in Prometheus's text format, with the gauges sampled now.
pub(crate) async fn metrics(State(shared): State<Arc<Shared>>) -> Response {
    let metrics = &shared.metrics;
    let (mut devices, mut ringing, mut answered, mut queued) = (0, 0, 0, 0);
    for hub in shared.hubs.all().await {
        queued += hub.queued();
        if let Ok(Some(stats)) = tokio::time::timeout(STATS_TIMEOUT, hub.stats()).await {
            devices += stats.devices;
            ringing += stats.ringing;
            answered += stats.answered;
        }
    }
    let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    metrics.devices_online.set(gauge(devices));
    metrics.calls_ringing.set(gauge(ringing));
    metrics.calls_answered.set(gauge(answered));
    metrics.hub_queue_depth.set(gauge(queued));
    metrics
        .store_backlog
        .set(gauge(shared.store_health.status().backlog));
    (
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        metrics.encode(),
    )
        .into_response()
}
