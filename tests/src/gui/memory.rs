//! The app's memory: proportional set size (PSS, shared pages split among their users) of the
//! app process and every process under it (WebKitWebProcess, WebKitNetworkProcess, ...), read
//! from /proc/PID/smaps_rollup.

use super::procs::{comm_of, descendants};

/// One process's share of memory.
#[derive(Debug, Clone)]
pub struct ProcessMemory {
    pub pid: u32,
    pub name: String,
    pub pss_kib: u64,
}

fn pss_kib(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    rollup
        .lines()
        .find_map(|line| line.strip_prefix("Pss:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// PSS of `root` and all its descendants that still run.
pub fn tree(root: u32) -> Vec<ProcessMemory> {
    std::iter::once(root)
        .chain(descendants(root))
        .filter_map(|pid| {
            pss_kib(pid).map(|pss_kib| ProcessMemory {
                pid,
                name: comm_of(pid),
                pss_kib,
            })
        })
        .collect()
}

/// The sum over `processes`, in MiB.
pub fn total_mib(processes: &[ProcessMemory]) -> f64 {
    processes.iter().map(|p| p.pss_kib).sum::<u64>() as f64 / 1024.0
}

/// "name pid: N MiB" per process, for the benchmark's printout.
pub fn breakdown(processes: &[ProcessMemory]) -> String {
    processes
        .iter()
        .map(|p| {
            format!(
                "{} ({}): {:.1} MiB",
                p.name,
                p.pid,
                p.pss_kib as f64 / 1024.0
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
