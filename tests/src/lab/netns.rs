//! Network namespaces: create, run commands and threads inside, list and kill their processes,
//! delete. Everything goes through iproute2 (`ip netns`), except [`in_netns`], which moves one
//! thread of the test process into a namespace with `setns(2)`.

// Unsafe code is allowed in this module only: setns(2) moves a test thread into a namespace; std has no call for it.
#![allow(unsafe_code)]

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::thread;

/// Runs a command to completion and fails the test with its stderr if it fails.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} cannot run ({e}); is it installed?"));
    assert!(
        out.status.success(),
        "`{program} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A `Command` that runs `program` inside namespace `ns` (`ip netns exec` execs it in place, so
/// the child's pid is the program's).
pub fn command_in(ns: &str, program: &str) -> Command {
    let mut command = Command::new("ip");
    command.args(["netns", "exec", ns, program]);
    command
}

/// Runs `program args` inside `ns` to completion, failing the test if it fails.
pub fn run_in(ns: &str, program: &str, args: &[&str]) -> String {
    let mut all = vec!["netns", "exec", ns, program];
    all.extend_from_slice(args);
    run("ip", &all)
}

/// Creates namespace `ns` with its loopback up.
pub fn create(ns: &str) {
    run("ip", &["netns", "add", ns]);
    run("ip", &["-n", ns, "link", "set", "lo", "up"]);
}

/// Names of every namespace on the machine.
pub fn list() -> Vec<String> {
    run("ip", &["netns", "list"])
        .lines()
        // `ip netns list` prints `name (id: 3)` for namespaces with an id.
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Process ids of everything running inside `ns`.
pub fn pids(ns: &str) -> Vec<u32> {
    let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Kills (SIGKILL) every process in `ns`, then deletes it. Never fails: it runs from `Drop`.
pub fn destroy(ns: &str) {
    for pid in pids(ns) {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    let _ = Command::new("ip").args(["netns", "delete", ns]).status();
}

/// Runs `job` on a thread that has entered namespace `ns` (network namespaces are per thread):
/// sockets it opens live in `ns`. The rest of the process stays where it was.
pub fn in_netns<T: Send + 'static>(ns: &str, job: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    thread::spawn(move || {
        let file = File::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        // SAFETY: setns with a valid namespace fd only changes this thread's network namespace.
        let entered = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(
            entered,
            0,
            "setns({path}) failed: {}",
            std::io::Error::last_os_error()
        );
        job()
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}
