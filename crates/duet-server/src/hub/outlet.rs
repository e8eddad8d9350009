//! Where the hub hands what a device is to receive: the queue of its connection on this node, or
//! the outbox of the node it is connected to.
//!
//! A connection's queue is `flume`'s bounded channel rather than tokio's: flume allocates its
//! buffer as frames arrive and keeps little while empty, tokio allocates its first block of 32
//! slots with the channel. An idle connection's queue is empty almost always, and 100,000 of them
//! are the point (docs/benchmarks.md, "Across the nodes of a cluster").

use super::Outbound;
use crate::cluster::NodeOutlet;

/// The hub's end of a connection's queue.
pub(crate) type OutboundSender = flume::Sender<Outbound>;
/// The connection's end of its queue.
pub(crate) type OutboundReceiver = flume::Receiver<Outbound>;

/// A connection's queue holding at most `capacity` messages (at least one).
pub(crate) fn outbound_queue(capacity: usize) -> (OutboundSender, OutboundReceiver) {
    flume::bounded(capacity.max(1))
}

/// The device cannot keep up: its queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueFull;

/// A device's way out.
#[derive(Debug)]
pub(crate) enum Outlet {
    /// The device's connection is on this node.
    Connection(OutboundSender),
    /// The device's connection is on another node of the cluster.
    Node(NodeOutlet),
}

impl Outlet {
    /// Queues `out` for the device. A queue whose connection already ended takes nothing and is
    /// not full: the connection's `Offline` input is on its way to the hub.
    pub(crate) fn offer(&self, out: Outbound) -> Result<(), QueueFull> {
        match self {
            Outlet::Connection(queue) => match queue.try_send(out) {
                Err(flume::TrySendError::Full(_)) => Err(QueueFull),
                Ok(()) | Err(flume::TrySendError::Disconnected(_)) => Ok(()),
            },
            Outlet::Node(outlet) => outlet.offer(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_connection_queue_says_so_and_an_ended_one_takes_frames_quietly() {
        let (sender, receiver) = outbound_queue(2);
        let outlet = Outlet::Connection(sender);
        outlet.offer(Outbound::Frame("1".into())).unwrap();
        outlet.offer(Outbound::Replaced).unwrap();
        assert_eq!(outlet.offer(Outbound::Frame("3".into())), Err(QueueFull));
        assert!(matches!(receiver.try_recv(), Ok(Outbound::Frame(text)) if text == "1"));
        outlet.offer(Outbound::Frame("3".into())).unwrap();
        drop(receiver);
        assert_eq!(outlet.offer(Outbound::Frame("4".into())), Ok(()));
    }

    #[test]
    fn a_queue_holds_at_least_one_message() {
        let (sender, _receiver) = outbound_queue(0);
        let outlet = Outlet::Connection(sender);
        assert_eq!(outlet.offer(Outbound::Replaced), Ok(()));
        assert_eq!(outlet.offer(Outbound::Replaced), Err(QueueFull));
    }
}
