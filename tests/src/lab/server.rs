//! duet-server inside the public namespace (plain ws:// or wss:// with the lab's certificate),
//! and duet-cli clients inside the client namespaces.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::netns;
use super::tls::Certificates;
use crate::{bin, Cli, GUARD};

/// A duet-server process in a lab namespace.
pub struct LabServer {
    child: Child,
    dir: tempfile::TempDir,
    /// `ws://…/ws` or `wss://…/ws`.
    pub url: String,
}

impl LabServer {
    /// Starts duet-server in `ns` on `ip:port`, serving wss:// with `tls`, with `extra` flags.
    pub fn start(
        ns: &str,
        ip: Ipv4Addr,
        port: u16,
        tls: &Certificates,
        extra: &[String],
    ) -> LabServer {
        let dir = tempfile::tempdir().expect("a temp dir");
        let log = std::fs::File::create(dir.path().join("server.log")).expect("a log file");
        let database = dir.path().join("duet.sqlite").display().to_string();
        let mut command = netns::command_in(ns, &bin("duet-server").display().to_string());
        command.args(["--database", &database, "--bind", &format!("{ip}:{port}")]);
        command
            .arg("--tls-cert")
            .arg(&tls.cert)
            .arg("--tls-key")
            .arg(&tls.key);
        let child = command
            .args(extra)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("duet-server starts");
        let mut server = LabServer {
            child,
            dir,
            url: format!("wss://{ip}:{port}/ws"),
        };
        server.wait_listening(ns, SocketAddr::from((ip, port)));
        server
    }

    fn wait_listening(&mut self, ns: &str, addr: SocketAddr) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("duet-server exited ({status}); log:\n{}", self.log());
            }
            let up = netns::in_netns(ns, move || {
                TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
            });
            if up {
                return;
            }
            assert!(
                started.elapsed() < GUARD,
                "duet-server never listened; log:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Creates `account` with the admin CLI (on the database file; no network) and returns a
    /// user that runs duet-cli in namespace `ns`, trusting `ca` if given.
    pub fn user(&self, account: &str, ns: &str, ca: Option<PathBuf>) -> LabUser {
        let database = self.dir.path().join("duet.sqlite").display().to_string();
        let token = crate::admin(&database, &["user", "add", account, "--nick", account]);
        LabUser {
            account: account.to_owned(),
            token,
            url: self.url.clone(),
            ns: ns.to_owned(),
            ca,
        }
    }
}

impl Drop for LabServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An account whose duet-cli runs inside a client namespace.
#[derive(Debug, Clone)]
pub struct LabUser {
    pub account: String,
    pub token: String,
    pub url: String,
    /// The client namespace.
    pub ns: String,
    /// The CA given with `--ca`, if any.
    pub ca: Option<PathBuf>,
}

impl LabUser {
    /// The same account without `--ca`.
    pub fn without_ca(&self) -> LabUser {
        LabUser {
            ca: None,
            ..self.clone()
        }
    }

    fn command(&self, device: &str, args: &[&str]) -> Command {
        let mut command = netns::command_in(&self.ns, &bin("duet-cli").display().to_string());
        command.args([
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
        ]);
        if let Some(ca) = &self.ca {
            command.arg("--ca").arg(ca);
        }
        command.args(args);
        command
    }

    /// Starts duet-cli on `device` with `args` after the login flags.
    pub fn cli(&self, device: &str, args: &[&str]) -> Cli {
        Cli::spawn(self.command(device, args))
    }

    /// Runs duet-cli to completion, capturing stdout and stderr (under the guard).
    pub fn output(&self, device: &str, args: &[&str]) -> Output {
        let child = self
            .command(device, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("duet-cli starts");
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(GUARD) {
            Ok(out) => out.expect("duet-cli's output is read"),
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("duet-cli ran past the guard of {GUARD:?}");
            }
        }
    }
}
