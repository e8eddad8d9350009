//! Load generator for duet-server on loopback. Bounded in count and time; it starts the server it
//! measures (and a bare WebSocket server as the baseline) and stops them when done.
//!
//! - `duet-loadgen idle --connections 100000`: memory per idle authenticated connection, ours
//!   against a bare axum WebSocket server holding the same number of connections.
//! - `duet-loadgen cycles --pairs 64 --seconds 10`: call cycles per second (invite, accept, hang up,
//!   record) with p50/p99, against `ping` round trips on the same server as the baseline.

mod baseline;
mod client;
mod cycles;
mod idle;
mod limits;
mod server;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Load generator for duet-server on loopback")]
struct Cli {
    /// The duet-server binary to measure (default: the one next to this binary).
    #[arg(long, global = true)]
    server_bin: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Memory per idle authenticated connection.
    Idle {
        /// Connections to open (at most 200000).
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
        /// Devices per account (accounts = connections / devices).
        #[arg(long, default_value_t = 100)]
        devices_per_account: usize,
    },
    /// Call cycles per second with latency percentiles.
    Cycles {
        /// Caller/callee pairs running cycles concurrently.
        #[arg(long, default_value_t = 64)]
        pairs: usize,
        /// How long to run (at most 120).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Internal: the bare WebSocket server used as the memory baseline.
    #[command(hide = true)]
    BaselineServer {
        #[arg(long)]
        port_file: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match cli.command {
        Command::BaselineServer { port_file } => runtime.block_on(baseline::serve(port_file)),
        Command::Idle {
            connections,
            devices_per_account,
        } => {
            anyhow::ensure!(connections <= 200_000, "at most 200000 connections");
            anyhow::ensure!(
                devices_per_account > 0,
                "--devices-per-account must be positive"
            );
            // Each side of a loopback connection is a file descriptor in its own process.
            let fds = limits::raise_open_files(connections as u64 + 1024)?;
            anyhow::ensure!(
                connections as u64 + 256 <= fds,
                "{connections} connections need {} open files per process, and this machine allows {fds} \
                 (`ulimit -Hn`); ask for fewer",
                connections + 256
            );
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(idle::run(bin, connections, devices_per_account))
        }
        Command::Cycles { pairs, seconds } => {
            anyhow::ensure!(seconds <= 120, "at most 120 seconds");
            anyhow::ensure!((1..=4096).contains(&pairs), "--pairs must be 1..=4096");
            limits::raise_open_files(pairs as u64 * 4 + 1024)?;
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(cycles::run(bin, pairs, seconds))
        }
    }
}
