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

/// What backs a process's memory, by PSS: anonymous memory, the heap, each shared-memory object
/// and each file, the `top` largest named, for finding which part of a process grew. Read from
/// /proc/PID/smaps; empty when the process is gone.
pub fn by_mapping(pid: u32, top: usize) -> String {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return String::new();
    };
    let mut kib_by_name: std::collections::BTreeMap<String, u64> = Default::default();
    let mut largest_anonymous: Vec<u64> = vec![];
    let mut current = String::new();
    for line in smaps.lines() {
        if let Some(rest) = line.strip_prefix("Pss:") {
            let kib: u64 = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            *kib_by_name.entry(current.clone()).or_default() += kib;
            if current == "anonymous" {
                largest_anonymous.push(kib);
            }
        } else if is_mapping_header(line) {
            current = mapping_name(line);
        }
    }
    let mut named: Vec<(String, u64)> = kib_by_name.into_iter().collect();
    named.sort_by_key(|(_, kib)| std::cmp::Reverse(*kib));
    largest_anonymous.sort_unstable_by_key(|kib| std::cmp::Reverse(*kib));
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut out: Vec<String> = named
        .iter()
        .take(top)
        .map(|(name, kib)| format!("{name} {:.1}", mib(*kib)))
        .collect();
    out.push(format!(
        "largest anonymous mappings {}",
        largest_anonymous
            .iter()
            .take(top)
            .map(|kib| format!("{:.1}", mib(*kib)))
            .collect::<Vec<_>>()
            .join("/")
    ));
    format!("{} (MiB)", out.join(", "))
}

/// smaps interleaves one header line per mapping ("start-end perms offset dev inode [path]")
/// with "Key: value" lines; a header's first field is an address range.
fn is_mapping_header(line: &str) -> bool {
    line.split_whitespace()
        .next()
        .and_then(|range| range.split_once('-'))
        .is_some_and(|(start, end)| {
            u64::from_str_radix(start, 16).is_ok() && u64::from_str_radix(end, 16).is_ok()
        })
}

/// The header's path, with anonymous mappings under one name.
fn mapping_name(header: &str) -> String {
    let path = header
        .split_whitespace()
        .skip(5)
        .collect::<Vec<_>>()
        .join(" ");
    if path.is_empty() {
        "anonymous".to_string()
    } else {
        path
    }
}
