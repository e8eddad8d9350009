//! On a hub's node: one outbox per other node, and one task that publishes, in order, what the
//! hubs here hand that node's devices.
//!
//! One queue and task per node, not per device: a device of another node costs the hub's node
//! its hub entry and a few words, so that 100,000 devices over seven nodes fit the memory goal
//! (docs/benchmarks.md, "Across the nodes of a cluster"). Frames of one device keep their order,
//! since they all go through its node's one queue.

use super::wire::BusMessage;
use super::Cluster;
use crate::hub::{ConnId, Outbound, QueueFull};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// What an outbox carries: something for connection `conn`, or the hub letting go of it.
#[derive(Debug)]
enum Parcel {
    Out(ConnId, Outbound),
    Closed(ConnId),
}

/// The queue of one other node's frames.
pub(super) struct Outbox {
    node: String,
    /// Unbounded so that a device's `Closed` is never lost; frames are bounded by `pending`.
    queue: mpsc::UnboundedSender<Parcel>,
    /// Frames queued and not yet taken by the publishing task.
    pending: AtomicUsize,
    /// Devices of the node with an outlet here.
    linked: AtomicUsize,
    /// Frames each device may have waiting, as a connection's own queue (`outbound_queue`).
    per_device: usize,
}

impl Outbox {
    /// An outbox for node `node` and the task that empties it, ending once every outlet and
    /// the cluster's own reference are gone.
    pub(super) fn open(cluster: &Cluster, node: &str, per_device: usize) -> Arc<Self> {
        let (outbox, parcels) = Self::new(node, per_device);
        let weak = Arc::downgrade(&outbox);
        tokio::spawn(publish(cluster.clone(), node.to_owned(), weak, parcels));
        outbox
    }

    fn new(node: &str, per_device: usize) -> (Arc<Self>, mpsc::UnboundedReceiver<Parcel>) {
        let (queue, parcels) = mpsc::unbounded_channel();
        let outbox = Arc::new(Self {
            node: node.to_owned(),
            queue,
            pending: AtomicUsize::new(0),
            linked: AtomicUsize::new(0),
            per_device: per_device.max(1),
        });
        (outbox, parcels)
    }

    /// An outlet for connection `conn` of the node.
    pub(super) fn outlet(self: &Arc<Self>, conn: ConnId) -> NodeOutlet {
        self.linked.fetch_add(1, Ordering::Relaxed);
        NodeOutlet {
            conn,
            outbox: self.clone(),
        }
    }
}

/// A device of another node, as the hub holds it: frames go to its node's outbox, and dropping
/// it (the hub let go of the device) tells that node to close the connection.
pub(crate) struct NodeOutlet {
    conn: ConnId,
    outbox: Arc<Outbox>,
}

impl std::fmt::Debug for NodeOutlet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeOutlet")
            .field("node", &self.outbox.node)
            .field("conn", &self.conn)
            .finish()
    }
}

impl NodeOutlet {
    /// Queues `out` for publishing. Full when the node's frames waiting reach what its devices'
    /// own queues would hold: the bus is not keeping up.
    pub(crate) fn offer(&self, out: Outbound) -> Result<(), QueueFull> {
        let outbox = &self.outbox;
        let bound = outbox.per_device * outbox.linked.load(Ordering::Relaxed).max(1);
        if outbox.pending.fetch_add(1, Ordering::Relaxed) >= bound {
            outbox.pending.fetch_sub(1, Ordering::Relaxed);
            return Err(QueueFull);
        }
        if outbox.queue.send(Parcel::Out(self.conn, out)).is_err() {
            // The publishing task ended (the runtime is shutting down): nothing to deliver to.
            outbox.pending.fetch_sub(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl Drop for NodeOutlet {
    fn drop(&mut self) {
        self.outbox.linked.fetch_sub(1, Ordering::Relaxed);
        // Behind the device's frames, so its node writes them before closing the connection.
        let _ = self.outbox.queue.send(Parcel::Closed(self.conn));
    }
}

/// Most parcels published in one round trip to the bus.
const BATCH: usize = 256;

/// Publishes the outbox's parcels to node `node` in order until every sender is gone. Parcels
/// that wait together go in one pipeline: one task per node must not cost a round trip each
/// when a thousand devices log in at once.
async fn publish(
    cluster: Cluster,
    node: String,
    outbox: std::sync::Weak<Outbox>,
    mut parcels: mpsc::UnboundedReceiver<Parcel>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    while parcels.recv_many(&mut batch, BATCH).await > 0 {
        let frames = batch
            .iter()
            .filter(|p| matches!(p, Parcel::Out(..)))
            .count();
        if let Some(outbox) = outbox.upgrade() {
            outbox.pending.fetch_sub(frames, Ordering::Relaxed);
        }
        let messages: Vec<BusMessage> = batch
            .drain(..)
            .map(|parcel| match parcel {
                Parcel::Out(conn, out) => BusMessage::Out {
                    conn,
                    out: out.into(),
                },
                Parcel::Closed(conn) => {
                    cluster.remote_device_gone(&node, conn);
                    BusMessage::Closed { conn }
                }
            })
            .collect();
        if let Err(error) = cluster.bus().publish_all(&node, &messages).await {
            tracing::warn!(%node, messages = messages.len(), %error, "messages for another node's devices were lost");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> Outbound {
        Outbound::Frame(text.to_owned())
    }

    fn describe(parcel: Parcel) -> String {
        match parcel {
            Parcel::Out(conn, Outbound::Frame(text)) => format!("{conn}:{text}"),
            Parcel::Out(conn, other) => format!("{conn}:{other:?}"),
            Parcel::Closed(conn) => format!("{conn}:closed"),
        }
    }

    #[test]
    fn a_devices_frames_keep_their_order_and_its_close_comes_after_them() {
        let (outbox, mut parcels) = Outbox::new("n1", 8);
        let (a, b) = (outbox.outlet(1), outbox.outlet(2));
        a.offer(frame("a1")).unwrap();
        b.offer(frame("b1")).unwrap();
        a.offer(frame("a2")).unwrap();
        drop(a);
        b.offer(Outbound::Replaced).unwrap();
        let mut seen = Vec::new();
        while let Ok(parcel) = parcels.try_recv() {
            seen.push(describe(parcel));
        }
        assert_eq!(seen, ["1:a1", "2:b1", "1:a2", "1:closed", "2:Replaced"]);
    }

    #[test]
    fn frames_waiting_are_bounded_by_what_the_linked_devices_queues_would_hold() {
        let (outbox, _parcels) = Outbox::new("n1", 2);
        let a = outbox.outlet(1);
        a.offer(frame("1")).unwrap();
        a.offer(frame("2")).unwrap();
        assert_eq!(a.offer(frame("3")), Err(QueueFull));
        // A second device of the node doubles the room.
        let b = outbox.outlet(2);
        b.offer(frame("3")).unwrap();
        b.offer(frame("4")).unwrap();
        assert_eq!(b.offer(frame("5")), Err(QueueFull));
        // A device let go gives its share back, and its close is queued all the same.
        drop(b);
        assert_eq!(a.offer(frame("5")), Err(QueueFull));
        assert_eq!(outbox.pending.load(Ordering::Relaxed), 4);
    }
}
