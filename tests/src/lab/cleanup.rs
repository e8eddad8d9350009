//! Names the lab's namespaces so that leftovers can be found, and removes them: every lab owns a
//! [`Namespaces`] guard whose `Drop` kills everything running inside and deletes the namespaces,
//! also when the test panics; [`sweep_stale`] removes those of test processes that died without
//! running their `Drop` (SIGKILL, a crash).

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use super::netns;

/// Every lab namespace starts with this, then `<pid>-<lab number>-<role>`.
pub const PREFIX: &str = "duetlab-";

static NEXT_LAB: AtomicU32 = AtomicU32::new(0);

/// The namespaces of one lab, deleted (with all their processes) when dropped.
pub struct Namespaces {
    /// `duetlab-<pid>-<n>`: the common start of this lab's namespace names.
    stem: String,
    created: Vec<String>,
}

impl Namespaces {
    /// A new, empty set with a name stem unique to this process and lab. Sweeps stale
    /// namespaces of dead processes first.
    pub fn new() -> Namespaces {
        sweep_stale();
        let n = NEXT_LAB.fetch_add(1, Ordering::Relaxed);
        Namespaces {
            stem: format!("{PREFIX}{}-{n}", std::process::id()),
            created: Vec::new(),
        }
    }

    /// Creates the namespace `<stem>-<role>` and returns its name.
    pub fn create(&mut self, role: &str) -> String {
        let name = format!("{}-{role}", self.stem);
        // Registered before it exists, so a failure half-way still deletes it.
        self.created.push(name.clone());
        netns::create(&name);
        name
    }
}

impl Default for Namespaces {
    fn default() -> Self {
        Namespaces::new()
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        // Processes first (they may hold sockets), then the namespaces; veth pairs go with them.
        for ns in self.created.iter().rev() {
            netns::destroy(ns);
        }
    }
}

/// The pid in a lab namespace's name, if it is one.
fn owner_pid(name: &str) -> Option<u32> {
    name.strip_prefix(PREFIX)?.split('-').next()?.parse().ok()
}

/// Deletes lab namespaces whose test process is gone, with whatever still runs in them.
pub fn sweep_stale() {
    for name in netns::list() {
        if let Some(pid) = owner_pid(&name) {
            if !Path::new(&format!("/proc/{pid}")).exists() {
                netns::destroy(&name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::owner_pid;

    #[test]
    fn the_owner_pid_is_read_from_a_lab_namespace_name() {
        assert_eq!(owner_pid("duetlab-4242-3-pub"), Some(4242));
        assert_eq!(owner_pid("other-4242-3-pub"), None);
        assert_eq!(owner_pid("duetlab-x-3-pub"), None);
    }
}
