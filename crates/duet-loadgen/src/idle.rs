//! Memory per idle authenticated connection, against a bare WebSocket server holding as many.

use crate::client::{source_ip, Client, Transport};
use crate::limits::rss_bytes;
use crate::server::{self, APP_KEY};
use duet_protocol::ClientMessage;
use futures_util::{stream, StreamExt};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Connections opened at once while ramping up.
const RAMP_CONCURRENCY: usize = 256;

/// Opens `connections` idle logged-in connections (over `wss://` when `tls`), prints the memory
/// per connection against the bare baseline, and returns duet-server's bytes per connection.
pub async fn run(
    bin: PathBuf,
    connections: usize,
    devices_per_account: usize,
    tls: bool,
) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.sqlite");
    let (accounts, tokens) =
        server::provision_devices(&db, "idle", connections, devices_per_account).await?;
    let server = server::spawn(&bin, dir.path(), &db, tls).await?;
    let transport = server.transport.clone();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_bytes(server.pid)?;
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let credentials = |n: usize| {
        Ok((
            accounts[n / devices_per_account].as_str(),
            tokens[n / devices_per_account].as_str(),
        ))
    };
    let range = 0..connections;
    let opened = open_logged_in(server.addr, &transport, range, credentials, &stopped).await?;
    let ramp = started.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_bytes(server.pid)?;
    let ours = after.saturating_sub(before) as f64 / opened as f64;
    let _ = stop.send(true);
    server.stop().await?;

    let baseline = baseline_per_connection(connections).await?;
    println!(
        "idle connections: {opened} authenticated over {}, logged in over {:.1} s",
        if tls { "wss://" } else { "ws://" },
        ramp.as_secs_f64()
    );
    println!(
        "duet-server RSS: {:.1} MiB before, {:.1} MiB after",
        mib(before),
        mib(after)
    );
    println!("duet-server: {ours:.0} bytes per idle authenticated connection");
    println!("baseline (bare axum WebSocket server): {baseline:.0} bytes per idle connection");
    println!("ratio duet/baseline: {:.2}", ours / baseline);
    println!(
        "projected for 100k idle connections: {:.0} MiB (goal: at most 1024 MiB)",
        ours * 100_000.0 / 1_048_576.0
    );
    Ok(ours)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Opens connections `range` to `server`, [`RAMP_CONCURRENCY`] at a time: connection `n` from
/// [`source_ip`]`(n)`, logged in as device `dev{n}` of the account and token `credentials(n)`
/// gives, then kept alive by a task until `stopped` changes. Returns how many were opened.
pub(crate) async fn open_logged_in<'a>(
    server: SocketAddr,
    transport: &Transport,
    range: std::ops::Range<usize>,
    credentials: impl Fn(usize) -> anyhow::Result<(&'a str, &'a str)>,
    stopped: &watch::Receiver<bool>,
) -> anyhow::Result<usize> {
    stream::iter(range)
        .map(|n| {
            let stopped = stopped.clone();
            let credentials = credentials(n);
            async move {
                let (account, token) = credentials?;
                let mut client = Client::connect(server, source_ip(n), transport).await?;
                client
                    .login(APP_KEY, account, token, &format!("dev{n}"))
                    .await?;
                tokio::spawn(keep_alive(client, stopped));
                anyhow::Ok(())
            }
        })
        .buffer_unordered(RAMP_CONCURRENCY)
        .fold(Ok(0usize), |acc, r| async move {
            acc.and_then(|n| r.map(|()| n + 1))
        })
        .await
}

/// Pings at the advertised heartbeat and reads whatever comes, until told to stop.
async fn keep_alive(mut client: Client, mut stopped: watch::Receiver<bool>) {
    let beat = Duration::from_millis(client.heartbeat_ms.max(1_000));
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = tokio::time::sleep(beat) => {
                if client.send(None, ClientMessage::Ping).await.is_err() {
                    return;
                }
            }
            frame = client.recv() => {
                if frame.is_err() {
                    return;
                }
            }
        }
    }
}

/// Opens `connections` plain WebSockets to the bare server and measures its growth per connection.
async fn baseline_per_connection(connections: usize) -> anyhow::Result<f64> {
    let dir = tempfile::tempdir()?;
    let port_file = dir.path().join("port");
    let mut child = tokio::process::Command::new(std::env::current_exe()?)
        .arg("baseline-server")
        .arg("--port-file")
        .arg(&port_file)
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("baseline server exited at once"))?;
    let mut port = None;
    for _ in 0..600 {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            if let Ok(p) = text.trim().parse::<u16>() {
                port = Some(p);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let addr = SocketAddr::from((
        [127, 0, 0, 1],
        port.ok_or_else(|| anyhow::anyhow!("baseline server never started"))?,
    ));
    server::wait_listening(addr).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_bytes(pid)?;
    let clients: Vec<Client> = stream::iter(0..connections)
        .map(|n| Client::connect(addr, source_ip(n), &crate::client::Transport::Plain))
        .buffer_unordered(RAMP_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_bytes(pid)?;
    drop(clients);
    child.kill().await?;
    Ok(after.saturating_sub(before) as f64 / connections as f64)
}
