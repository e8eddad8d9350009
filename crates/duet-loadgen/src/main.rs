//! Load generator for duet-server on loopback. Bounded in count and time; it starts the server it
//! measures (and a bare WebSocket server as the baseline) and stops them when done.
//!
//! - `duet-loadgen idle --connections 100000`: memory per idle authenticated connection, ours
//!   against a bare axum WebSocket server holding the same number of connections.
//! - `duet-loadgen cycles --pairs 64 --seconds 10`: call cycles per second (invite, accept, hang up,
//!   record) with p50/p99, against `ping` round trips on the same server as the baseline.
//! - `duet-loadgen tls-cost`: both of the above over ws:// then wss://, with the ratios.
//! - `duet-loadgen cluster-cost`: cycles on one node, then on two nodes sharing a Redis bus (the
//!   bench starts its own `redis-server`), with the ratio.
//! - `duet-loadgen cluster-idle --nodes 7 --connections 100000`: idle connections spread over the
//!   nodes of a cluster (and as many worker processes), with the memory of all nodes.
//! - `duet-loadgen failover --devices 10000`: the hub's node killed under that many devices; the
//!   time until every one is back on the other node.

mod baseline;
mod bus;
mod client;
mod cluster_idle;
mod cycles;
mod failover;
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
        /// Connect over wss:// to a server with a certificate made for the run.
        #[arg(long)]
        tls: bool,
    },
    /// Call cycles per second with latency percentiles.
    Cycles {
        /// Caller/callee pairs running cycles concurrently.
        #[arg(long, default_value_t = 64)]
        pairs: usize,
        /// How long to run (at most 120).
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Connect over wss:// to a server with a certificate made for the run.
        #[arg(long)]
        tls: bool,
    },
    /// The cost of TLS: cycles and idle memory over ws:// then wss://, in one run, with ratios.
    TlsCost {
        #[arg(long, default_value_t = 64)]
        pairs: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, default_value_t = 10_000)]
        connections: usize,
    },
    /// The cost of the cluster's bus: cycles on one node, then on two nodes (callers on the node
    /// without the app's hub), in one run, with the ratio.
    ClusterCost {
        #[arg(long, default_value_t = 64)]
        pairs: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Idle connections over the nodes of a cluster (one Redis bus, one SQLite file), with the
    /// resident memory of all nodes; the baseline is one stand-alone node holding one share.
    ClusterIdle {
        /// Nodes (each holds connections / nodes, under the 20,000 open files of a process).
        #[arg(long, default_value_t = 7)]
        nodes: usize,
        /// Connections in all (at most 200000).
        #[arg(long, default_value_t = 100_000)]
        connections: usize,
    },
    /// The app's hub's node killed under `devices` devices: the time until every one is logged
    /// in and resynced on the other node.
    Failover {
        /// Devices logged in to the hub's node (at most 18000: one process's open files).
        #[arg(long, default_value_t = 10_000)]
        devices: usize,
    },
    /// Internal: one worker of `cluster-idle`, holding connections first..first+count.
    #[command(hide = true)]
    IdleWorker {
        #[arg(long)]
        server: std::net::SocketAddr,
        #[arg(long)]
        tokens: PathBuf,
        #[arg(long)]
        first: usize,
        #[arg(long)]
        count: usize,
    },
    /// Internal: the bare WebSocket server used as the memory baseline.
    #[command(hide = true)]
    BaselineServer {
        #[arg(long)]
        port_file: PathBuf,
    },
}

fn check_cycles(pairs: usize, seconds: u64) -> anyhow::Result<()> {
    anyhow::ensure!(seconds <= 120, "at most 120 seconds");
    anyhow::ensure!((1..=4096).contains(&pairs), "--pairs must be 1..=4096");
    limits::raise_open_files(pairs as u64 * 4 + 1024)?;
    Ok(())
}

/// Plain then TLS, cycles then idle memory, on the same machine in one run; prints the ratios.
async fn tls_cost(
    bin: PathBuf,
    pairs: usize,
    seconds: u64,
    connections: usize,
) -> anyhow::Result<()> {
    let plain = cycles::run(bin.clone(), pairs, seconds, false).await?;
    let tls = cycles::run(bin.clone(), pairs, seconds, true).await?;
    let plain_idle = idle::run(bin.clone(), connections, 100, false).await?;
    let tls_idle = idle::run(bin, connections, 100, true).await?;
    println!(
        "TLS cost: cycles/s wss {:.0} vs ws {:.0} (ratio {:.2}), p99 {:.2} vs {:.2} ms; \
         idle bytes per connection wss {tls_idle:.0} vs ws {plain_idle:.0} (ratio {:.2})",
        tls.per_second,
        plain.per_second,
        tls.per_second / plain.per_second,
        tls.p99_ms,
        plain.p99_ms,
        tls_idle / plain_idle
    );
    Ok(())
}

/// One node, then two nodes on a Redis bus; prints the ratio.
async fn cluster_cost(bin: PathBuf, pairs: usize, seconds: u64) -> anyhow::Result<()> {
    let one = cycles::run(bin.clone(), pairs, seconds, false).await?;
    let redis = bus::Redis::start().await?;
    let layout = cycles::Layout::TwoNodes { bus: redis.url() };
    let two = cycles::run_on(bin, pairs, seconds, false, layout).await?;
    println!(
        "cluster cost: cycles/s across two nodes {:.0} vs one node {:.0} (ratio {:.2}), p99 {:.2} vs {:.2} ms",
        two.per_second,
        one.per_second,
        two.per_second / one.per_second,
        two.p99_ms,
        one.p99_ms
    );
    Ok(())
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
            tls,
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
            runtime.block_on(idle::run(bin, connections, devices_per_account, tls))?;
            Ok(())
        }
        Command::Cycles {
            pairs,
            seconds,
            tls,
        } => {
            check_cycles(pairs, seconds)?;
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(cycles::run(bin, pairs, seconds, tls))?;
            Ok(())
        }
        Command::ClusterCost { pairs, seconds } => {
            check_cycles(pairs, seconds)?;
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(cluster_cost(bin, pairs, seconds))
        }
        Command::ClusterIdle { nodes, connections } => {
            anyhow::ensure!(connections <= 200_000, "at most 200000 connections");
            anyhow::ensure!((1..=64).contains(&nodes), "--nodes must be 1..=64");
            let share = connections.div_ceil(nodes) as u64;
            let fds = limits::raise_open_files(share + 1024)?;
            anyhow::ensure!(
                share + 256 <= fds,
                "{share} connections on one node need {} open files per process, and this \
                 machine allows {fds} (`ulimit -Hn`); use more nodes",
                share + 256
            );
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(cluster_idle::run(bin, nodes, connections))
        }
        Command::Failover { devices } => {
            anyhow::ensure!(
                (1..=18_000).contains(&devices),
                "--devices must be 1..=18000"
            );
            let fds = limits::raise_open_files(devices as u64 * 2 + 1024)?;
            anyhow::ensure!(
                devices as u64 + 512 <= fds,
                "{devices} devices need {} open files, and this machine allows {fds}",
                devices + 512
            );
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(failover::run(bin, devices))
        }
        Command::IdleWorker {
            server,
            tokens,
            first,
            count,
        } => {
            limits::raise_open_files(count as u64 + 1024)?;
            runtime.block_on(cluster_idle::worker(server, tokens, first, count))
        }
        Command::TlsCost {
            pairs,
            seconds,
            connections,
        } => {
            check_cycles(pairs, seconds)?;
            anyhow::ensure!(connections <= 50_000, "at most 50000 connections");
            limits::raise_open_files(connections as u64 + 1024)?;
            let bin = server::locate(cli.server_bin)?;
            runtime.block_on(tls_cost(bin, pairs, seconds, connections))
        }
    }
}
