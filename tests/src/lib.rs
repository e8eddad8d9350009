//! Harness for the end-to-end tests: starts the real `duet-server` binary on a free loopback port with
//! its own SQLite file, creates accounts with its admin CLI, and runs `duet-cli` processes whose JSON
//! event lines and exit codes the tests read.
//!
//! The binaries come from the workspace's target directory; `scripts/test.sh` builds them before the
//! tests run (`cargo build --workspace` first when running these tests by hand).

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

pub mod lab;

/// Longest any process in a test may run before the test fails (a guard, not a measurement).
pub const GUARD: Duration = Duration::from_secs(90);

/// The directory holding the built binaries: the test executable lives in `<target>/debug/deps`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

/// Path of a workspace binary, failing clearly if it was not built.
pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` (scripts/test.sh does) before these tests",
        path.display()
    );
    path
}

/// Runs `duet-server --database DATABASE ARGS` (an admin command, no network) and returns its
/// trimmed stdout, failing the test if it fails.
pub fn admin(database: &str, args: &[&str]) -> String {
    let out = Command::new(bin("duet-server"))
        .args(["--database", database])
        .args(args)
        .output()
        .expect("duet-server admin command runs");
    assert!(
        out.status.success(),
        "duet-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .trim()
        .to_owned()
}

/// A duet-server process on a free loopback port, with its own data directory.
pub struct Server {
    child: Option<Child>,
    pub dir: tempfile::TempDir,
    pub port: u16,
    extra: Vec<String>,
}

impl Server {
    /// Starts a server with default settings plus `extra` flags (e.g. `--reconnect-grace 2s`).
    pub fn start(extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut server = Server {
            child: None,
            dir,
            // The server picks a free port at its first start and keeps it for restarts: a
            // port picked here and released could be taken by another test's process first.
            port: 0,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        server.spawn();
        server
    }

    fn database(&self) -> String {
        self.dir.path().join("duet.sqlite").display().to_string()
    }

    fn spawn(&mut self) {
        let log_path = self.dir.path().join("server.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("a log file");
        let logged_before = self.log().len();
        let mut child = Command::new(bin("duet-server"))
            .args([
                "--database",
                &self.database(),
                "--bind",
                &format!("127.0.0.1:{}", self.port),
            ])
            .args(&self.extra)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("duet-server starts");
        self.port = wait_until_listening(&mut child, &log_path, logged_before);
        self.child = Some(child);
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/ws", self.port)
    }

    /// Runs an admin command against this server's database and returns its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        admin(&self.database(), args)
    }

    /// Creates an account and returns its login token.
    pub fn user(&self, account: &str) -> User {
        let token = self.admin(&["user", "add", account, "--nick", &display_name(account)]);
        User {
            account: account.to_owned(),
            token,
            url: self.url(),
        }
    }

    /// Stops the server with SIGTERM and waits until it has drained and exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            wait_with_guard(&mut child);
        }
    }

    /// Kills the server abruptly (no draining) — a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and database.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the duet-server `child`, logging to `log`, says it listens (in what it logs past
/// the first `logged_before` bytes) and returns its port; fails with the log if it exits first.
pub fn wait_until_listening(child: &mut Child, log: &Path, logged_before: usize) -> u16 {
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(port) = text.get(logged_before..).and_then(listening_port) {
            return port;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("duet-server exited ({status}) before listening; log:\n{text}");
        }
        assert!(
            started.elapsed() < GUARD,
            "duet-server never listened; log:\n{text}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

/// The port of the first "duet-server listening on ws://127.0.0.1:PORT/ws" line of `log`.
fn listening_port(log: &str) -> Option<u16> {
    let line = log
        .lines()
        .find(|l| l.contains("duet-server listening on "))?;
    let url = line
        .split("listening on ")
        .nth(1)?
        .split_whitespace()
        .next()?;
    let authority = url.split("://").nth(1)?.split('/').next()?;
    authority.rsplit(':').next()?.parse().ok()
}

fn wait_with_guard(child: &mut Child) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait works") {
            return status;
        }
        if started.elapsed() > GUARD {
            let _ = child.kill();
            panic!("process {} ran past the guard of {GUARD:?}", child.id());
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// An account and its login token on one server.
#[derive(Clone)]
pub struct User {
    pub account: String,
    pub token: String,
    pub url: String,
}

/// A running duet-cli process whose event lines are collected as they come. Dropped while still
/// running (a test failed before `finish`), it is killed: a leftover bot would keep calling,
/// take CPU from the tests after it, and hold the test run's inherited stderr open.
pub struct Cli {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

/// What a finished duet-cli printed and how it exited.
#[derive(Debug)]
pub struct Finished {
    pub code: i32,
    pub events: Vec<Value>,
}

impl User {
    /// Starts `duet-cli` as this user on `device` with `args` after the login flags.
    pub fn cli(&self, device: &str, args: &[&str]) -> Cli {
        let mut command = Command::new(bin("duet-cli"));
        command.args(self.login_args(device)).args(args);
        Cli::spawn(command)
    }

    /// Like [`User::cli`], with `env` added to its environment and `unset` taken out of it
    /// (a client on another desktop: a Wayland session's variables, no `DISPLAY`).
    pub fn cli_in(
        &self,
        device: &str,
        args: &[&str],
        env: &[(String, String)],
        unset: &[&str],
    ) -> Cli {
        let mut command = Command::new(bin("duet-cli"));
        command.args(self.login_args(device)).args(args);
        command.envs(env.iter().map(|(k, v)| (k, v)));
        for name in unset {
            command.env_remove(name);
        }
        Cli::spawn(command)
    }

    /// duet-cli's login flags for this user on `device`.
    pub fn login_args(&self, device: &str) -> Vec<String> {
        [
            "--server",
            &self.url,
            "--app-key",
            "demo",
            "--account",
            &self.account,
            "--token",
            &self.token,
            "--device",
            device,
        ]
        .map(String::from)
        .to_vec()
    }

    /// Runs `duet-cli` to completion and returns what it printed.
    pub fn run(&self, device: &str, args: &[&str]) -> Finished {
        self.cli(device, args).finish()
    }

    /// The user's call records, newest first, as printed by `duet-cli history`.
    pub fn history(&self) -> Vec<Value> {
        let done = self.run(
            &format!("{}-history", self.account),
            &["history", "--limit", "200"],
        );
        assert_eq!(done.code, 0, "history failed: {:?}", done.events);
        done.events
            .into_iter()
            .filter_map(|e| e.get("record").cloned())
            .collect()
    }
}

/// Reads a child's stdout on a thread, one JSON value per line; a line that is not JSON fails
/// the test, naming `who` printed it.
pub fn json_lines(stdout: std::process::ChildStdout, who: &'static str) -> mpsc::Receiver<Value> {
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            match serde_json::from_str::<Value>(&line) {
                Ok(v) => {
                    if tx.send(v).is_err() {
                        return;
                    }
                }
                Err(e) => panic!("{who} printed a line that is not JSON ({e}): {line}"),
            }
        }
    });
    lines
}

impl Cli {
    /// Starts `command` (a duet-cli invocation, possibly wrapped, e.g. in `ip netns exec`) with
    /// its stdout read as event lines and its stderr going to the test's.
    pub fn spawn(mut command: Command) -> Cli {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("duet-cli starts");
        let lines = json_lines(child.stdout.take().expect("stdout is piped"), "duet-cli");
        Cli {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until an event named `name` is printed, and returns it.
    pub fn wait_for(&mut self, name: &str) -> Value {
        let started = Instant::now();
        loop {
            if let Some(found) = self.seen.iter().find(|e| event_name(e) == name) {
                return found.clone();
            }
            let left = GUARD.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => panic!("no {name} event within the guard; got {:?}", self.seen),
            }
        }
    }

    /// Waits until an event named `name` for which `matches` holds is printed, and returns it.
    pub fn wait_for_match(&mut self, name: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            if let Some(found) = self
                .seen
                .iter()
                .find(|e| event_name(e) == name && matches(e))
            {
                return found.clone();
            }
            let left = GUARD.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => panic!(
                    "no matching {name} event within the guard; got {:?}",
                    self.seen
                ),
            }
        }
    }

    /// Every event printed so far, without waiting.
    pub fn events_so_far(&mut self) -> &[Value] {
        while let Ok(v) = self.lines.try_recv() {
            self.seen.push(v);
        }
        &self.seen
    }

    /// Waits for the process to exit and returns its events and exit code.
    pub fn finish(mut self) -> Finished {
        let status = wait_with_guard(&mut self.child);
        // The reader thread ends at EOF, after the last line.
        while let Ok(v) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(v);
        }
        Finished {
            code: status.code().unwrap_or(-1),
            events: std::mem::take(&mut self.seen),
        }
    }

    /// Sends SIGINT, as Ctrl-C would: duet-cli hangs up (or cancels) and waits for the record.
    pub fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process abruptly (a crash: no logout, the socket just closes).
    pub fn kill(mut self) {
        self.reap();
    }

    fn reap(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        self.reap();
    }
}

/// nertc-call's event name of a printed line.
pub fn event_name(event: &Value) -> &str {
    event.get("event").and_then(Value::as_str).unwrap_or("")
}

impl Finished {
    /// Names of the printed events, in order.
    pub fn names(&self) -> Vec<&str> {
        self.events.iter().map(event_name).collect()
    }

    /// The record this process printed (MESSAGE_SENT), failing if there is not exactly one.
    pub fn record(&self) -> Value {
        let records: Vec<&Value> = self
            .events
            .iter()
            .filter(|e| event_name(e) == "MESSAGE_SENT")
            .collect();
        assert_eq!(
            records.len(),
            1,
            "expected one MESSAGE_SENT, got {:?}",
            self.events
        );
        records[0]["record"].clone()
    }
}

/// Records in `history` with this call id.
pub fn records_of<'a>(history: &'a [Value], call_id: &Value) -> Vec<&'a Value> {
    history
        .iter()
        .filter(|r| r["call_id"] == *call_id)
        .collect()
}

/// The nickname a test account gets: a person's name where the screenshots show one (the app's
/// contacts, the popup), and the account capitalised otherwise.
pub fn display_name(account: &str) -> String {
    match account {
        "alice" => "Alice Chen".to_owned(),
        "bob" => "Bob Martin".to_owned(),
        "carol" => "Carol Díaz".to_owned(),
        "bot" => "Duet bot".to_owned(),
        other => {
            let mut chars = other.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        }
    }
}
