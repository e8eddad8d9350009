//! Idle authenticated connections spread over the nodes of a cluster, with the resident memory of
//! all of them. One process may hold 20,000 open files on these machines, so both sides are split:
//! `nodes` duet-server processes, and as many worker processes of this binary (`idle-worker`),
//! each holding one node's share of the connections. The baseline, in the same run, is one
//! stand-alone node holding one share.

use crate::client::Transport;
use crate::idle::{self, open_logged_in};
use crate::limits::rss_bytes;
use crate::server::{self, ServerProcess};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

/// Devices per account, as `idle` logs them in.
const DEVICES_PER_ACCOUNT: usize = 100;
/// The goal: this many connections ...
const GOAL_CONNECTIONS: f64 = 100_000.0;
/// ... in at most this much resident memory across all nodes.
const GOAL_BYTES: f64 = 1024.0 * 1_048_576.0;

/// Opens `connections` over `nodes` nodes of a cluster and prints the memory they take.
pub async fn run(bin: PathBuf, nodes: usize, connections: usize) -> anyhow::Result<()> {
    let share = connections.div_ceil(nodes);
    let alone = idle::run(bin.clone(), share, DEVICES_PER_ACCOUNT, false).await?;

    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.sqlite");
    let (accounts, tokens) =
        server::provision_devices(&db, "idle", connections, DEVICES_PER_ACCOUNT).await?;
    let tokens_file = dir.path().join("tokens");
    let lines: Vec<String> = accounts
        .iter()
        .zip(&tokens)
        .map(|(account, token)| format!("{account} {token}"))
        .collect();
    std::fs::write(&tokens_file, lines.join("\n"))?;

    let redis = crate::bus::Redis::start().await?;
    let mut running = Vec::with_capacity(nodes);
    for i in 0..nodes {
        let node_dir = dir.path().join(format!("n{i}"));
        std::fs::create_dir_all(&node_dir)?;
        let name = format!("n{i}");
        let node =
            server::spawn_node(&bin, &node_dir, &db, false, Some((&redis.url(), &name))).await?;
        running.push(node);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = resident(&running)?;
    let redis_before = rss_bytes(redis.pid()?)?;

    let started = Instant::now();
    let mut workers = Vec::with_capacity(nodes);
    for (i, node) in running.iter().enumerate() {
        let first = i * share;
        let count = share.min(connections.saturating_sub(first));
        workers.push(Worker::start(node.addr, &tokens_file, first, count)?);
    }
    let mut opened = Vec::with_capacity(nodes);
    for worker in &mut workers {
        opened.push(worker.opened().await?);
    }
    let ramp = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = resident(&running)?;
    let redis_after = rss_bytes(redis.pid()?)?;
    report(&before, &after, &opened, ramp, alone);
    println!(
        "redis-server (the bus): {:.1} MiB before, {:.1} MiB after",
        mib(redis_before),
        mib(redis_after)
    );
    drop(workers);
    for node in running {
        node.stop().await?;
    }
    Ok(())
}

fn report(before: &[u64], after: &[u64], opened: &[usize], ramp: Duration, alone: f64) {
    let total: usize = opened.iter().sum();
    println!(
        "cluster idle connections: {total} authenticated over {} nodes (one app, its hub on n0), \
         logged in over {:.1} s",
        opened.len(),
        ramp.as_secs_f64()
    );
    println!("| node | connections | RSS before | RSS after |");
    println!("|---|---:|---:|---:|");
    for (i, ((b, a), n)) in before.iter().zip(after).zip(opened).enumerate() {
        println!("| n{i} | {n} | {:.1} MiB | {:.1} MiB |", mib(*b), mib(*a));
    }
    let (sum_before, sum_after) = (before.iter().sum::<u64>(), after.iter().sum::<u64>());
    let per_connection = sum_after.saturating_sub(sum_before) as f64 / total.max(1) as f64;
    println!(
        "all nodes: {:.1} MiB before, {:.1} MiB after ({:.1} MiB in all); {per_connection:.0} \
         bytes per connection",
        mib(sum_before),
        mib(sum_after),
        mib(sum_after)
    );
    println!(
        "baseline (one stand-alone node, one share): {alone:.0} bytes per connection; ratio \
         cluster/stand-alone: {:.2}",
        per_connection / alone
    );
    println!(
        "goal: {GOAL_CONNECTIONS:.0} connections in at most 1024 MiB across all nodes: {:.0} MiB \
         in all for {total} ({:.2} of the goal's memory per connection)",
        mib(sum_after),
        (sum_after as f64 / total.max(1) as f64) / (GOAL_BYTES / GOAL_CONNECTIONS)
    );
}

/// Resident memory of each node, in order.
fn resident(nodes: &[ServerProcess]) -> anyhow::Result<Vec<u64>> {
    nodes.iter().map(|node| rss_bytes(node.pid)).collect()
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// One worker process holding one node's share of the connections; killed when dropped.
struct Worker {
    child: Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

impl Worker {
    fn start(
        server: SocketAddr,
        tokens: &Path,
        first: usize,
        count: usize,
    ) -> anyhow::Result<Self> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("idle-worker")
            .args(["--server", &server.to_string()])
            .arg("--tokens")
            .arg(tokens)
            .args(["--first", &first.to_string(), "--count", &count.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .context("the worker's stdout is piped")?;
        Ok(Worker {
            child,
            lines: BufReader::new(stdout).lines(),
        })
    }

    /// Waits for the worker's `opened N` line.
    async fn opened(&mut self) -> anyhow::Result<usize> {
        let line = self.lines.next_line().await?;
        let line = line.with_context(|| {
            format!(
                "worker {:?} exited before opening its connections",
                self.child.id()
            )
        })?;
        line.strip_prefix("opened ")
            .and_then(|n| n.trim().parse().ok())
            .with_context(|| format!("the worker said {line:?}"))
    }
}

/// The worker: opens connections `first..first + count` (account `n / 100`, device `dev{n}`,
/// from [`source_ip`]`(n)`) to `server`, prints `opened N`, and keeps them alive until its
/// standard input closes.
pub async fn worker(
    server: SocketAddr,
    tokens: PathBuf,
    first: usize,
    count: usize,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&tokens)?;
    let accounts: Vec<(&str, &str)> = text
        .lines()
        .map(|line| line.split_once(' ').context("a line `account token`"))
        .collect::<Result<_, _>>()?;
    let (stop, stopped) = watch::channel(false);
    let credentials = |n: usize| {
        accounts
            .get(n / DEVICES_PER_ACCOUNT)
            .copied()
            .context("fewer accounts than connections")
    };
    let range = first..first + count;
    let opened = open_logged_in(server, &Transport::Plain, range, credentials, &stopped).await?;
    println!("opened {opened}");
    let mut rest = Vec::new();
    tokio::io::stdin().read_to_end(&mut rest).await?;
    let _ = stop.send(true);
    Ok(())
}
