//! The Redis side of a node: publishing to other nodes, its own channel, leases and liveness.

use super::wire::{alive_key, channel_of, lease_key, BusMessage};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use redis::aio::{ConnectionManager, ConnectionManagerConfig, PubSubStream};
use std::time::{Duration, Instant};

/// Why the bus could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Redis could not be reached or refused the command.
    #[error("the cluster bus (Redis) failed: {0}")]
    Redis(#[from] redis::RedisError),
    /// A message could not be encoded or decoded.
    #[error("a bus message is malformed: {0}")]
    Message(#[from] serde_json::Error),
}

/// Renews the lease only while this node still holds it.
const RENEW: &str = r"if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
else
  return 0
end";

/// Gives the lease up only if this node holds it.
const RELEASE: &str = r"if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
else
  return 0
end";

/// A token bucket every node shares (password attempts): up to ARGV[1] tokens, refilled at one
/// per ARGV[2] ms; with ARGV[3] = 1 a token is taken. Returns 1 if a token was there. The time is
/// Redis's own, so that the nodes' clocks need not agree; a full bucket is forgotten.
const ATTEMPT_BUCKET: &str = r"local time = redis.call('time')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local burst = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local state = redis.call('hmget', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) / refill)
local had = tokens >= 1
if ARGV[3] == '1' then
  if had then tokens = tokens - 1 end
  redis.call('hset', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
  redis.call('pexpire', KEYS[1], math.ceil((burst - tokens) * refill) + 1000)
end
if had then return 1 else return 0 end";

/// Who holds an app's lease, as [`Bus::take_or_find`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lease {
    /// This node, which has just taken it.
    Taken,
    /// This node, already.
    Held,
    /// Another node.
    Other(String),
    /// Nobody: it expired between taking and reading it.
    Vanished,
}

/// What a node's bus reports to `/metrics`.
#[derive(Clone)]
pub(crate) struct BusMetrics {
    /// The time of each successful publish round trip.
    pub publish_seconds: Histogram,
    /// Messages the bus did not take.
    pub publish_failures: Counter,
    /// From forwarding a request to an app's hub on another node to its answer coming back.
    pub hub_round_trip_seconds: Histogram,
}

/// One node's connection to Redis; cheap to clone.
#[derive(Clone)]
pub(crate) struct Bus {
    client: redis::Client,
    commands: ConnectionManager,
    node: String,
    lease: Duration,
    metrics: BusMetrics,
}

impl Bus {
    /// Connects to the Redis at `url` as node `node`; fails if Redis cannot be reached now.
    pub(crate) async fn connect(
        url: &str,
        node: String,
        lease: Duration,
        metrics: BusMetrics,
    ) -> Result<Self, BusError> {
        let client = redis::Client::open(url)?;
        // Commands fail within a fraction of the lease rather than hanging, so that a node cut
        // off from Redis notices before its leases expire.
        let limit = (lease / 4).max(Duration::from_millis(100));
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(limit))
            .set_response_timeout(Some(limit))
            .set_number_of_retries(1);
        let commands = client.get_connection_manager_with_config(config).await?;
        Ok(Self {
            client,
            commands,
            node,
            lease,
            metrics,
        })
    }

    /// Counts one answer from another node's hub, `waited` after its request was forwarded.
    pub(super) fn hub_answered(&self, waited: Duration) {
        self.metrics
            .hub_round_trip_seconds
            .observe(waited.as_secs_f64());
    }

    /// This node's name.
    pub(crate) fn node(&self) -> &str {
        &self.node
    }

    /// How long a lease lasts without renewal.
    pub(crate) fn lease(&self) -> Duration {
        self.lease
    }

    fn lease_ms(&self) -> u64 {
        u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX)
    }

    /// Sends `message` to node `node`.
    pub(super) async fn publish(&self, node: &str, message: &BusMessage) -> Result<(), BusError> {
        self.publish_all(node, std::slice::from_ref(message)).await
    }

    /// Sends `messages` to node `node`, in order, in one round trip (a pipeline). Each
    /// successful round trip is one sample of `publish_seconds`; failed messages are counted.
    pub(super) async fn publish_all(
        &self,
        node: &str,
        messages: &[BusMessage],
    ) -> Result<(), BusError> {
        let started = Instant::now();
        match self.try_publish_all(node, messages).await {
            Ok(()) => {
                // Failures are not timed: a timeout's time is the command timeout, not the
                // bus's latency. They are counted, and logged by the caller.
                self.metrics
                    .publish_seconds
                    .observe(started.elapsed().as_secs_f64());
                Ok(())
            }
            Err(error) => {
                self.metrics.publish_failures.inc_by(messages.len() as u64);
                Err(error)
            }
        }
    }

    async fn try_publish_all(&self, node: &str, messages: &[BusMessage]) -> Result<(), BusError> {
        let channel = channel_of(node);
        let mut pipeline = redis::pipe();
        for message in messages {
            let payload = serde_json::to_string(message)?;
            pipeline.cmd("PUBLISH").arg(&channel).arg(payload).ignore();
        }
        let mut conn = self.commands.clone();
        let () = pipeline.query_async(&mut conn).await?;
        Ok(())
    }

    /// A fresh subscription to this node's channel; it ends when the connection to Redis does.
    pub(crate) async fn subscribe(&self) -> Result<PubSubStream, BusError> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(channel_of(&self.node)).await?;
        Ok(pubsub.into_on_message())
    }

    /// The node holding `app`'s lease, if any.
    pub(crate) async fn holder(&self, app: &str) -> Result<Option<String>, BusError> {
        let mut conn = self.commands.clone();
        Ok(redis::cmd("GET")
            .arg(lease_key(app))
            .query_async(&mut conn)
            .await?)
    }

    /// Takes `app`'s lease if nobody holds it; says who holds it afterwards.
    pub(crate) async fn take_or_find(&self, app: &str) -> Result<Lease, BusError> {
        let mut conn = self.commands.clone();
        let taken: Option<String> = redis::cmd("SET")
            .arg(lease_key(app))
            .arg(&self.node)
            .arg("NX")
            .arg("PX")
            .arg(self.lease_ms())
            .query_async(&mut conn)
            .await?;
        if taken.is_some() {
            return Ok(Lease::Taken);
        }
        Ok(match self.holder(app).await? {
            Some(node) if node == self.node => Lease::Held,
            Some(node) => Lease::Other(node),
            None => Lease::Vanished,
        })
    }

    /// Extends this node's lease on `app`; false if it no longer holds it.
    pub(crate) async fn renew(&self, app: &str) -> Result<bool, BusError> {
        let mut conn = self.commands.clone();
        let renewed: i64 = redis::Script::new(RENEW)
            .key(lease_key(app))
            .arg(&self.node)
            .arg(self.lease_ms())
            .invoke_async(&mut conn)
            .await?;
        Ok(renewed == 1)
    }

    /// Gives up this node's lease on `app`, so that another node takes the app at once.
    pub(crate) async fn release(&self, app: &str) -> Result<(), BusError> {
        let mut conn = self.commands.clone();
        let _: i64 = redis::Script::new(RELEASE)
            .key(lease_key(app))
            .arg(&self.node)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Says this node is running, for one lease.
    pub(crate) async fn heartbeat(&self) -> Result<(), BusError> {
        let mut conn = self.commands.clone();
        let _: () = redis::cmd("SET")
            .arg(alive_key(&self.node))
            .arg(1)
            .arg("PX")
            .arg(self.lease_ms())
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    /// Whether node `node` said it was running within the last lease.
    pub(crate) async fn is_alive(&self, node: &str) -> Result<bool, BusError> {
        let mut conn = self.commands.clone();
        Ok(redis::cmd("EXISTS")
            .arg(alive_key(node))
            .query_async(&mut conn)
            .await?)
    }

    /// The shared bucket `key` (see [`ATTEMPT_BUCKET`]): whether it had a token, taking one
    /// when `take`.
    pub(crate) async fn attempt_bucket(
        &self,
        key: &str,
        burst: u32,
        refill: Duration,
        take: bool,
    ) -> Result<bool, BusError> {
        let mut conn = self.commands.clone();
        let had: i64 = redis::Script::new(ATTEMPT_BUCKET)
            .key(format!("duet:attempts:{key}"))
            .arg(burst)
            .arg(u64::try_from(refill.as_millis()).unwrap_or(u64::MAX).max(1))
            .arg(u8::from(take))
            .invoke_async(&mut conn)
            .await?;
        Ok(had == 1)
    }

    /// Whether Redis answers (for `/readyz`).
    pub(crate) async fn ping(&self) -> Result<(), BusError> {
        let mut conn = self.commands.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    /// Says this node stopped (on shutdown), so that others need not wait for its lease.
    pub(crate) async fn leave(&self) -> Result<(), BusError> {
        let mut conn = self.commands.clone();
        let _: i64 = redis::cmd("DEL")
            .arg(alive_key(&self.node))
            .query_async(&mut conn)
            .await?;
        Ok(())
    }
}
