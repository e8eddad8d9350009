//! Which TCP connections the server keeps: a bound on all open sockets and on each address,
//! checked in the accept loop before anything is read, so a refused connection costs one
//! `accept` and one `close` (no task, no buffer, no TLS state).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Open-socket bounds shared by the listener and every connection it admitted.
#[derive(Debug)]
pub(crate) struct Admission {
    /// One permit per open socket, whatever its stage (TLS, HTTP, WebSocket).
    open: Arc<Semaphore>,
    /// Open sockets per peer address; an address leaves the map with its last socket.
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
    refused: AtomicU64,
}

/// Held by an admitted connection for as long as its socket is open.
#[derive(Debug)]
pub(crate) struct Ticket {
    admission: Arc<Admission>,
    ip: IpAddr,
    _open: OwnedSemaphorePermit,
}

impl Admission {
    /// At most `max_open` sockets, `max_per_address` of them from one address.
    pub(crate) fn new(max_open: usize, max_per_address: usize) -> Arc<Self> {
        Arc::new(Self {
            open: Arc::new(Semaphore::new(max_open.min(Semaphore::MAX_PERMITS))),
            per_address: Mutex::new(HashMap::new()),
            max_per_address,
            refused: AtomicU64::new(0),
        })
    }

    /// A ticket for a socket from `ip`, or `None` when a bound is reached (close the socket).
    pub(crate) fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Ticket> {
        let Ok(open) = self.open.clone().try_acquire_owned() else {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        };
        {
            // The map is only counted up and down, so a panic elsewhere cannot leave it broken.
            let mut per_address = self
                .per_address
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let count = per_address.entry(ip).or_insert(0);
            if *count >= self.max_per_address {
                drop(per_address);
                self.refused.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            *count += 1;
        }
        Some(Ticket {
            admission: self.clone(),
            ip,
            _open: open,
        })
    }

    /// Sockets closed at accept since the start.
    #[cfg(test)]
    fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Open sockets from `ip`.
    #[cfg(test)]
    fn open_from(&self, ip: IpAddr) -> usize {
        let per_address = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        per_address.get(&ip).copied().unwrap_or(0)
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut per_address = self
            .admission
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = per_address.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                per_address.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn one_address_gets_its_share_and_no_more() {
        let admission = Admission::new(100, 2);
        let first = admission.admit(ip(1)).unwrap();
        let _second = admission.admit(ip(1)).unwrap();
        assert!(admission.admit(ip(1)).is_none());
        assert!(
            admission.admit(ip(2)).is_some(),
            "other addresses are not affected"
        );
        drop(first);
        assert!(
            admission.admit(ip(1)).is_some(),
            "a closed socket frees its place"
        );
        assert_eq!(admission.refused(), 1);
    }

    #[test]
    fn the_total_bounds_every_address_together() {
        let admission = Admission::new(2, 10);
        let _a = admission.admit(ip(1)).unwrap();
        let _b = admission.admit(ip(2)).unwrap();
        assert!(admission.admit(ip(3)).is_none());
        assert_eq!(
            admission.open_from(ip(3)),
            0,
            "a refused socket leaves no entry"
        );
    }

    #[test]
    fn an_address_leaves_the_map_with_its_last_socket() {
        let admission = Admission::new(10, 10);
        let ticket = admission.admit(ip(1)).unwrap();
        assert_eq!(admission.open_from(ip(1)), 1);
        drop(ticket);
        assert_eq!(admission.open_from(ip(1)), 0);
        assert!(admission.per_address.lock().unwrap().is_empty());
    }
}
