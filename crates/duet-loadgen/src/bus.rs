//! A Redis for the cluster bench: Debian's `redis-server` on a free loopback port, no
//! persistence, killed when dropped.

use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use tokio::process::{Child, Command};

pub struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    pub async fn start() -> anyhow::Result<Redis> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting redis-server (scripts/setup.sh test installs it)")?;
        crate::server::wait_listening(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        Ok(Redis { child, port })
    }

    /// The server's process id (for its memory).
    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("redis-server has exited")
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}
