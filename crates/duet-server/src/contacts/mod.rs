//! Contacts: the rules of requests and blocks, and the locks that keep the presence index true.

mod locks;
pub(crate) mod rules;

pub(crate) use locks::ContactLocks;

/// Most requests one account may have waiting for an answer; more get `too_many_pending`.
pub(crate) const MAX_PENDING_REQUESTS: u32 = 100;
