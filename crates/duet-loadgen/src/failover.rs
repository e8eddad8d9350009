//! Failover: `devices` idle devices logged in to the node holding the app's hub, which is then
//! killed (SIGKILL). Each device reconnects to the other node as the SDK does (at once after a
//! session that had lasted, then with its back-off: 0.5 s doubling to 30 s, each delay a random
//! point in its upper half) until it is logged in and resynced. Prints the time from the kill to
//! each device back, against the floor the lease sets (the dead node's lease runs out, then the
//! new holder waits two thirds of a lease before restoring the app), and against the same devices'
//! first mass login on a live node in the same run.

use crate::client::{source_ip, Client, Transport};
use crate::server::{self, APP_KEY};
use futures_util::{stream, StreamExt};
use hdrhistogram::Histogram;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Devices per account.
const DEVICES_PER_ACCOUNT: usize = 100;
/// Logins in flight at once during the first mass login.
const RAMP_CONCURRENCY: usize = 256;
/// The cluster's lease (duet-server's default).
const LEASE: Duration = Duration::from_secs(3);
/// The SDK's reconnect back-off (duet-callkit's defaults).
const MIN_DELAY: Duration = Duration::from_millis(500);
const MAX_DELAY: Duration = Duration::from_secs(30);
/// A device not back after this long counts as lost (the run fails).
const GIVE_UP: Duration = Duration::from_secs(120);

/// What one device's return took.
struct Back {
    after: Duration,
    logins: u32,
}

pub async fn run(bin: PathBuf, devices: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.sqlite");
    let (accounts, tokens) =
        server::provision_devices(&db, "fail", devices, DEVICES_PER_ACCOUNT).await?;
    let redis = crate::bus::Redis::start().await?;
    let (hub_dir, other_dir) = (dir.path().join("hub"), dir.path().join("other"));
    std::fs::create_dir_all(&hub_dir)?;
    std::fs::create_dir_all(&other_dir)?;
    // Started first, so it takes the app's lease.
    let hub = server::spawn_node(&bin, &hub_dir, &db, false, Some((&redis.url(), "hub"))).await?;
    let other =
        server::spawn_node(&bin, &other_dir, &db, false, Some((&redis.url(), "other"))).await?;

    let started = Instant::now();
    let hub_addr = hub.addr;
    let clients: Vec<Client> = stream::iter(0..devices)
        .map(|n| {
            let account = &accounts[n / DEVICES_PER_ACCOUNT];
            let token = &tokens[n / DEVICES_PER_ACCOUNT];
            async move {
                let mut client = Client::connect(hub_addr, source_ip(n), &Transport::Plain).await?;
                client
                    .login(APP_KEY, account, token, &format!("dev{n}"))
                    .await?;
                anyhow::Ok(client)
            }
        })
        .buffer_unordered(RAMP_CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let first_login = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;

    let killed = Instant::now();
    hub.kill()?;
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(n, client)| {
            let account = accounts[n / DEVICES_PER_ACCOUNT].clone();
            let token = tokens[n / DEVICES_PER_ACCOUNT].clone();
            tokio::spawn(come_back(client, other.addr, account, token, n, killed))
        })
        .collect();
    let mut times = Histogram::<u64>::new(3)?;
    let mut logins = Histogram::<u64>::new(3)?;
    for task in tasks {
        let back = task.await??;
        times.record(back.after.as_millis() as u64)?;
        logins.record(u64::from(back.logins))?;
    }
    other.stop().await?;

    let floor = LEASE * 2 / 3 + LEASE * 2 / 3;
    let every = Duration::from_millis(times.max());
    println!(
        "failover: {devices} devices on the hub's node, killed (SIGKILL); lease {} s",
        LEASE.as_secs()
    );
    println!(
        "kill -> device logged in and resynced on the other node: p50 {} ms, p99 {} ms, all {} ms",
        times.value_at_quantile(0.5),
        times.value_at_quantile(0.99),
        times.max()
    );
    println!(
        "logins per device: p50 {}, max {} (1: the first login got in)",
        logins.value_at_quantile(0.5),
        logins.max()
    );
    println!(
        "floor set by the lease: at least {} ms (the lease runs out two thirds to one lease after \
         the last renewal, then the new holder settles for two thirds of a lease); ratio all / \
         floor: {:.2}",
        floor.as_millis(),
        every.as_secs_f64() / floor.as_secs_f64()
    );
    println!(
        "baseline: the same devices' first login on a live node took {} ms; ratio failover all / \
         first login: {:.2}",
        first_login.as_millis(),
        every.as_secs_f64() / first_login.as_secs_f64()
    );
    Ok(())
}

/// Reads `client` until its node goes, then logs in at `other` until it works; returns when
/// the device is back, counted from `killed`.
async fn come_back(
    mut client: Client,
    other: SocketAddr,
    account: String,
    token: String,
    n: usize,
    killed: Instant,
) -> anyhow::Result<Back> {
    while client.recv().await.is_ok() {}
    drop(client);
    let mut rng = fastrand::Rng::with_seed(n as u64);
    let mut logins = 0;
    loop {
        logins += 1;
        let attempt = async {
            let mut client = Client::connect(other, source_ip(n), &Transport::Plain).await?;
            client
                .login(APP_KEY, &account, &token, &format!("dev{n}"))
                .await?;
            anyhow::Ok(client)
        };
        if let Ok(client) = attempt.await {
            let after = killed.elapsed();
            drop(client);
            return Ok(Back { after, logins });
        }
        anyhow::ensure!(
            killed.elapsed() < GIVE_UP,
            "device {n} was not back {GIVE_UP:?} after the kill"
        );
        tokio::time::sleep(back_off(logins - 1, &mut rng)).await;
    }
}

/// The SDK's delay before reconnect attempt `attempt` (0-based): `MIN_DELAY * 2^attempt` capped
/// at `MAX_DELAY`, then a random point in its upper half.
fn back_off(attempt: u32, rng: &mut fastrand::Rng) -> Duration {
    let ceiling = MIN_DELAY
        .saturating_mul(2u32.saturating_pow(attempt.min(20)))
        .min(MAX_DELAY);
    let half = ceiling / 2;
    half + Duration::from_millis(rng.u64(0..=half.as_millis() as u64))
}
