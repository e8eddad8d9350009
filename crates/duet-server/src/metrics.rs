//! Prometheus metrics for `/metrics`: what the server counts as it runs, and what a scrape
//! samples from the hubs and the writer.
//!
//! Kept off the hot path: frames are not counted; gauges of devices, calls and queues are sampled
//! at scrape time (one hub input per app and scrape), and only connections, call ends and writer
//! batches touch a metric as they happen (an atomic add, or a histogram's short lock).

use duet_protocol::{CallRecord, CallStatus};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// The content type of [`Metrics::encode`]'s text (OpenMetrics, which Prometheus reads).
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A call cycle's end, as labels: the record's status and the reason.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct EndLabels {
    status: &'static str,
    reason: String,
}

/// Every metric of one server.
pub(crate) struct Metrics {
    registry: Registry,
    /// WebSocket connections open now (logged in or not).
    pub connections_open: Gauge,
    /// Devices logged in now (sampled at scrape).
    pub devices_online: Gauge,
    /// Calls ringing now (sampled at scrape).
    pub calls_ringing: Gauge,
    /// Calls answered and not ended now (sampled at scrape).
    pub calls_answered: Gauge,
    /// Inputs waiting in the hubs' queues, all apps together (sampled at scrape).
    pub hub_queue_depth: Gauge,
    /// Call changes waiting for the database (sampled at scrape).
    pub store_backlog: Gauge,
    /// Calls ended, by record status and end reason.
    pub call_cycles: Family<EndLabels, Counter>,
    /// From the invite reaching the server to the call's record handed to the writer.
    pub invite_to_record: Histogram,
    /// How long one writer transaction (a batch of call changes) took.
    pub store_batch: Histogram,
    /// How long Redis took to take one message for another node (cluster nodes only).
    pub bus_publish: Histogram,
    /// Messages for another node that the bus did not take (cluster nodes only).
    pub bus_publish_failures: Counter,
    /// From a request forwarded to another node's hub to its answer (cluster nodes only).
    pub hub_round_trip: Histogram,
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let mut registry = Registry::with_prefix("duet");
        let connections_open = Gauge::default();
        let devices_online = Gauge::default();
        let calls_ringing = Gauge::default();
        let calls_answered = Gauge::default();
        let hub_queue_depth = Gauge::default();
        let store_backlog = Gauge::default();
        let call_cycles = Family::<EndLabels, Counter>::default();
        // 10 ms to ~160 s: a cycle is ring time plus talk time, from a load test's instant
        // answer and hang-up to a long call.
        let invite_to_record = Histogram::new(exponential_buckets(0.01, 2.0, 15));
        // 0.5 ms to ~4 s: a SQLite commit of a batch, up to one waiting for a busy lock.
        let store_batch = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        // 0.1 ms to ~0.8 s: a PUBLISH to a Redis nearby, up to one near the bus's command
        // timeout (a quarter lease).
        let bus_publish = Histogram::new(exponential_buckets(0.0001, 2.0, 14));
        let bus_publish_failures = Counter::default();
        // 0.2 ms to ~1.6 s: two publishes and a hub's turn, up to a reply near its timeout's
        // first seconds (longer waits are given up as lost).
        let hub_round_trip = Histogram::new(exponential_buckets(0.0002, 2.0, 14));
        registry.register(
            "connections_open",
            "WebSocket connections open now",
            connections_open.clone(),
        );
        registry.register(
            "devices_online",
            "Devices logged in now",
            devices_online.clone(),
        );
        registry.register("calls_ringing", "Calls ringing now", calls_ringing.clone());
        registry.register(
            "calls_answered",
            "Calls answered and not yet ended",
            calls_answered.clone(),
        );
        registry.register(
            "hub_queue_depth",
            "Inputs waiting in the hubs' queues (all apps)",
            hub_queue_depth.clone(),
        );
        registry.register(
            "store_backlog",
            "Call changes waiting to be committed to the database",
            store_backlog.clone(),
        );
        registry.register(
            "call_cycles_ended",
            "Calls ended (one record each), by record status and end reason",
            call_cycles.clone(),
        );
        registry.register(
            "invite_to_record_seconds",
            "From an invite reaching the server to its call's record handed to the writer",
            invite_to_record.clone(),
        );
        registry.register(
            "store_batch_seconds",
            "Time of one database transaction of call changes",
            store_batch.clone(),
        );
        registry.register(
            "bus_publish_seconds",
            "Time of one message published to another node over the bus (Redis PUBLISH)",
            bus_publish.clone(),
        );
        registry.register(
            "bus_publish_failures",
            "Messages for another node the bus did not take (Redis unreachable, timed out)",
            bus_publish_failures.clone(),
        );
        registry.register(
            "hub_round_trip_seconds",
            "From a request forwarded to its app's hub on another node (a login's admission, a presence query) to its answer",
            hub_round_trip.clone(),
        );
        Self {
            registry,
            connections_open,
            devices_online,
            calls_ringing,
            calls_answered,
            hub_queue_depth,
            store_backlog,
            call_cycles,
            invite_to_record,
            store_batch,
            bus_publish,
            bus_publish_failures,
            hub_round_trip,
        }
    }

    /// Counts an ended call, `now_ms` being when its record goes to the writer.
    pub(crate) fn call_ended(&self, record: &CallRecord, now_ms: u64) {
        let reason = serde_json::to_value(record.reason)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let labels = EndLabels {
            status: status_label(record.status),
            reason,
        };
        self.call_cycles.get_or_create(&labels).inc();
        let elapsed = Duration::from_millis(now_ms.saturating_sub(record.started_at_ms));
        self.invite_to_record.observe(elapsed.as_secs_f64());
    }

    /// The registry as Prometheus text.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "encoding metrics failed");
        }
        text
    }
}

/// The record status as a label value.
fn status_label(status: CallStatus) -> &'static str {
    match status {
        CallStatus::Completed => "completed",
        CallStatus::Canceled => "canceled",
        CallStatus::Rejected => "rejected",
        CallStatus::Unanswered => "unanswered",
        CallStatus::Busy => "busy",
    }
}

/// Keeps [`Metrics::connections_open`] up while a connection lives.
pub(crate) struct OpenConnection(Gauge);

impl OpenConnection {
    pub(crate) fn new(gauge: &Gauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}
