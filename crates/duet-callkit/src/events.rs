//! Delivering events: a broadcast for streams, and nertc-call's `on(event, handler)` / `off`.

use crate::{CallEvent, EventName};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// A handler registered with [`crate::CallKit::on`].
pub type Handler = Arc<dyn Fn(&CallEvent) + Send + Sync>;

/// Names a registered handler, for [`crate::CallKit::off`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandlerId(u64);

/// What [`crate::CallKit::off`] removes: one handler (by the id `on` returned), or every handler
/// of an event name as nertc-call's `off(eventCode)` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Off {
    /// The handler `on` returned this id for.
    Handler(HandlerId),
    /// Every handler registered for this name ([`EventName::All`]: those registered for `All`,
    /// not every handler).
    Event(EventName),
}

impl From<HandlerId> for Off {
    fn from(id: HandlerId) -> Off {
        Off::Handler(id)
    }
}

impl From<EventName> for Off {
    fn from(name: EventName) -> Off {
        Off::Event(name)
    }
}

/// Where the SDK's task delivers events.
#[derive(Clone)]
pub(crate) struct EventHub {
    sender: broadcast::Sender<CallEvent>,
    handlers: Arc<Mutex<Vec<(HandlerId, EventName, Handler)>>>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
}

impl EventHub {
    /// Streams lag rather than block the SDK: a receiver more than this far behind loses events.
    const CAPACITY: usize = 1024;

    pub(crate) fn new() -> Self {
        Self {
            sender: broadcast::channel(Self::CAPACITY).0,
            handlers: Arc::new(Mutex::new(Vec::new())),
            next_id: Arc::new(std::sync::atomic::AtomicU64::new(1)),
        }
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<CallEvent> {
        self.sender.subscribe()
    }

    pub(crate) fn on(&self, name: EventName, handler: Handler) -> HandlerId {
        let id = HandlerId(
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        );
        self.lock().push((id, name, handler));
        id
    }

    /// Removes what `off` names; false when nothing was registered for it.
    pub(crate) fn off(&self, off: Off) -> bool {
        let mut handlers = self.lock();
        let before = handlers.len();
        handlers.retain(|(id, name, _)| match off {
            Off::Handler(gone) => *id != gone,
            Off::Event(gone) => *name != gone,
        });
        handlers.len() != before
    }

    /// Sends `event` to every stream and to the handlers registered for its name (or for all).
    pub(crate) fn deliver(&self, event: CallEvent) {
        let matching: Vec<Handler> = self
            .lock()
            .iter()
            .filter(|(_, name, _)| name.matches(&event))
            .map(|(_, _, h)| h.clone())
            .collect();
        // Called outside the lock, so a handler may register or remove handlers.
        for handler in matching {
            handler(&event);
        }
        // No receiver is fine: nobody listens yet.
        let _ = self.sender.send(event);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(HandlerId, EventName, Handler)>> {
        // A handler that panicked poisons nothing we rely on: the list itself stays consistent.
        self.handlers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
