//! Processes the GUI harness starts: each in its own process group, so that dropping it ends the
//! whole tree it grew (tauri-driver → WebKitWebDriver → duet → WebKit's helpers) by process id.

use std::collections::HashMap;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};

/// A started process, killed with its process group and every descendant on drop.
pub struct Owned {
    child: Child,
    name: &'static str,
}

impl Owned {
    /// Starts `command` in a new process group.
    pub fn spawn(name: &'static str, command: &mut Command) -> Owned {
        let child = command
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} does not start: {e}"));
        Owned { child, name }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // Descendants first: a process that made its own group (or session) is not in ours.
        let mut pids = descendants(self.pid());
        pids.reverse();
        for pid in pids {
            signal_kill(&pid.to_string());
        }
        signal_kill(&format!("-{}", self.pid()));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signal_kill(target: &str) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", target])
        .stderr(std::process::Stdio::null())
        .status();
}

/// A process's name and parent as /proc tells them.
struct Stat {
    comm: String,
    ppid: u32,
}

fn stat_of(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself hold spaces or parentheses: split at the last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text.get(open + 1..close)?.to_owned();
    let ppid = text.get(close + 2..)?.split(' ').nth(1)?.parse().ok()?;
    Some(Stat { comm, ppid })
}

fn all_processes() -> HashMap<u32, Stat> {
    let mut map = HashMap::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            if let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) {
                if let Some(stat) = stat_of(pid) {
                    map.insert(pid, stat);
                }
            }
        }
    }
    map
}

/// Every descendant of `root` (not `root` itself), parents before their children.
pub fn descendants(root: u32) -> Vec<u32> {
    let all = all_processes();
    let mut found = vec![];
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        let mut children: Vec<u32> = all
            .iter()
            .filter(|(_, stat)| stat.ppid == parent)
            .map(|(pid, _)| *pid)
            .collect();
        children.sort_unstable();
        found.extend(&children);
        frontier.extend(children);
    }
    found
}

/// The first descendant of `root` whose process name is `comm`.
pub fn descendant_named(root: u32, comm: &str) -> Option<u32> {
    descendants(root)
        .into_iter()
        .find(|pid| stat_of(*pid).is_some_and(|s| s.comm == comm))
}

/// The process name of `pid` ("?" once it is gone).
pub fn comm_of(pid: u32) -> String {
    stat_of(pid).map_or_else(|| "?".into(), |s| s.comm)
}

/// CPU seconds (user + system) `pid` has used, or None once it is gone.
fn cpu_seconds_of(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = text.get(text.rfind(')')? + 2..)?.split(' ').collect();
    // After the name: state, ppid, ... utime is the 14th field of the line, stime the 15th.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // /proc counts in USER_HZ, which Linux fixes at 100 for user space on every architecture.
    Some(ticks as f64 / 100.0)
}

/// CPU seconds used so far by `root` and every descendant that still runs.
pub fn tree_cpu_seconds(root: u32) -> f64 {
    std::iter::once(root)
        .chain(descendants(root))
        .filter_map(cpu_seconds_of)
        .sum()
}

/// CPU seconds used so far by `root` and each descendant that still runs, with their names.
pub fn cpu_by_process(root: u32) -> Vec<(u32, String, f64)> {
    std::iter::once(root)
        .chain(descendants(root))
        .filter_map(|pid| Some((pid, comm_of(pid), cpu_seconds_of(pid)?)))
        .collect()
}
