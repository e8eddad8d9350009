//! Call cycles per second: invite, accept, hang up, record, on concurrent caller/callee pairs;
//! `ping` round trips on the same server and connections are the baseline.

use crate::client::{source_ip, Client};
use crate::limits::cpu_seconds;
use crate::server::{self, APP_KEY};
use duet_protocol::{
    AccountId, CallAction, CallEvent, CallId, CallType, ClientMessage, EndReason, ServerMessage,
};
use duet_server::{SqliteStore, Store};
use hdrhistogram::Histogram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

struct Pair {
    index: usize,
    caller: Client,
    callee: Client,
    callee_account: AccountId,
}

/// What one run of cycles measured.
pub struct Cycles {
    pub per_second: f64,
    pub p99_ms: f64,
}

/// Where the servers run.
pub enum Layout {
    /// One duet-server process, as by default.
    OneNode,
    /// Two nodes on one database and the Redis bus at this URL: callees connect to the node that
    /// holds the app's hub, callers to the other, so that every caller request and every frame
    /// to a caller crosses the bus.
    TwoNodes { bus: String },
}

/// Runs cycles for `seconds` on `pairs` pairs, over `wss://` when `tls`; prints and returns the rate.
pub async fn run(bin: PathBuf, pairs: usize, seconds: u64, tls: bool) -> anyhow::Result<Cycles> {
    run_on(bin, pairs, seconds, tls, Layout::OneNode).await
}

/// [`run`] on the servers of `layout`.
pub async fn run_on(
    bin: PathBuf,
    pairs: usize,
    seconds: u64,
    tls: bool,
    layout: Layout,
) -> anyhow::Result<Cycles> {
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("bench.sqlite");
    let accounts: Vec<String> = (0..pairs)
        .flat_map(|i| [format!("caller{i}"), format!("callee{i}")])
        .collect();
    let tokens = server::provision(&db, &accounts).await?;
    let (server, callers_node) = match &layout {
        Layout::OneNode => (server::spawn(&bin, dir.path(), &db, tls).await?, None),
        Layout::TwoNodes { bus } => {
            let (hub_dir, other_dir) = (dir.path().join("hub"), dir.path().join("other"));
            std::fs::create_dir_all(&hub_dir)?;
            std::fs::create_dir_all(&other_dir)?;
            // Started first, so it takes the app's lease.
            let hub = server::spawn_node(&bin, &hub_dir, &db, tls, Some((bus, "hub"))).await?;
            let other =
                server::spawn_node(&bin, &other_dir, &db, tls, Some((bus, "other"))).await?;
            (hub, Some(other))
        }
    };
    let callers_addr = callers_node.as_ref().map_or(server.addr, |n| n.addr);
    let transport = server.transport.clone();
    let mut connected = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let mut caller = Client::connect(callers_addr, source_ip(2 * i), &transport).await?;
        caller
            .login(APP_KEY, &accounts[2 * i], &tokens[2 * i], "d")
            .await?;
        let mut callee = Client::connect(server.addr, source_ip(2 * i + 1), &transport).await?;
        callee
            .login(APP_KEY, &accounts[2 * i + 1], &tokens[2 * i + 1], "d")
            .await?;
        let callee_account = AccountId::new(accounts[2 * i + 1].clone())?;
        connected.push(Pair {
            index: i,
            caller,
            callee,
            callee_account,
        });
    }

    let baseline_for = Duration::from_secs(seconds.clamp(1, 5));
    let (pairs_back, ping_hist) = drive(connected, baseline_for, ping_round_trip).await?;
    let run_for = Duration::from_secs(seconds.max(1));
    // CPU of every server process and of this load generator over the cycles window only.
    let server_pids: Vec<u32> = std::iter::once(server.pid)
        .chain(callers_node.as_ref().map(|n| n.pid))
        .collect();
    let server_cpu =
        || -> anyhow::Result<f64> { server_pids.iter().map(|&p| cpu_seconds(p)).sum() };
    let (server_cpu_before, own_cpu_before) = (server_cpu()?, cpu_seconds(0)?);
    let (_, cycle_hist) = drive(pairs_back, run_for, call_cycle).await?;
    let server_cpu_used = server_cpu()? - server_cpu_before;
    let own_cpu_used = cpu_seconds(0)? - own_cpu_before;
    if let Some(node) = callers_node {
        node.stop().await?;
    }
    server.stop().await?;

    let written = count_records(&db, pairs).await?;
    let cycles = cycle_hist.len();
    anyhow::ensure!(
        written == cycles,
        "{cycles} cycles completed but {written} records were written"
    );
    let rate = cycles as f64 / run_for.as_secs_f64();
    let ping_rate = ping_hist.len() as f64 / baseline_for.as_secs_f64();
    let scheme = if tls { "wss" } else { "ws" };
    let nodes = match layout {
        Layout::OneNode => "one node",
        Layout::TwoNodes { .. } => "two nodes (callers on the node without the hub)",
    };
    println!(
        "pairs: {pairs}, run: {} s, {scheme}://, {nodes}",
        run_for.as_secs()
    );
    println!(
        "call cycles: {cycles} ({rate:.0}/s), latency p50 {:.2} ms, p99 {:.2} ms; records written: {written}",
        ms(cycle_hist.value_at_quantile(0.5)),
        ms(cycle_hist.value_at_quantile(0.99))
    );
    println!(
        "server CPU over the cycles: {server_cpu_used:.2} s ({:.0} cycles per CPU-second, {:.3} \
         CPU-seconds per 1,000 cycles); load generator CPU: {own_cpu_used:.2} s",
        cycles as f64 / server_cpu_used.max(f64::EPSILON),
        server_cpu_used * 1000.0 / cycles.max(1) as f64
    );
    println!(
        "baseline ping round trips: {} ({ping_rate:.0}/s), latency p50 {:.2} ms, p99 {:.2} ms",
        ping_hist.len(),
        ms(ping_hist.value_at_quantile(0.5)),
        ms(ping_hist.value_at_quantile(0.99))
    );
    println!(
        "ratio cycles/s to ping round trips/s: {:.3} (a cycle is 3 requests and 8 server frames)",
        rate / ping_rate
    );
    println!("goal: 5000 cycles/s with p99 under 50 ms");
    Ok(Cycles {
        per_second: rate,
        p99_ms: ms(cycle_hist.value_at_quantile(0.99)),
    })
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

type Step =
    for<'a> fn(&'a mut Pair, u64) -> futures_util::future::BoxFuture<'a, anyhow::Result<()>>;

/// Runs `step` on every pair concurrently for `how_long`; returns the pairs and the latencies (µs).
async fn drive(
    pairs: Vec<Pair>,
    how_long: Duration,
    step: Step,
) -> anyhow::Result<(Vec<Pair>, Histogram<u64>)> {
    let deadline = Instant::now() + how_long;
    let tasks: Vec<_> = pairs
        .into_iter()
        .map(|mut pair| {
            tokio::spawn(async move {
                let mut hist = Histogram::<u64>::new(3)?;
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    step(&mut pair, n).await?;
                    hist.record(t0.elapsed().as_micros() as u64)?;
                    n += 1;
                }
                anyhow::Ok((pair, hist))
            })
        })
        .collect();
    let mut total = Histogram::<u64>::new(3)?;
    let mut back = Vec::new();
    for task in tasks {
        let (pair, hist) = task.await??;
        total.add(&hist)?;
        back.push(pair);
    }
    back.sort_by_key(|p| p.index);
    Ok((back, total))
}

fn ping_round_trip(
    pair: &mut Pair,
    _n: u64,
) -> futures_util::future::BoxFuture<'_, anyhow::Result<()>> {
    Box::pin(async move {
        pair.caller.send(None, ClientMessage::Ping).await?;
        pair.caller
            .recv_until(|m| matches!(m, ServerMessage::Pong).then_some(()))
            .await
    })
}

fn call_cycle(pair: &mut Pair, n: u64) -> futures_util::future::BoxFuture<'_, anyhow::Result<()>> {
    Box::pin(async move {
        let id = CallId::new(format!("p{}-{n}", pair.index))?;
        let invite = CallAction::Invite {
            callee: pair.callee_account.clone(),
            call_type: CallType::Video,
            attachment: serde_json::Value::Null,
            timeout_ms: 30_000,
            nick: None,
        };
        pair.caller.call(1, &id, 1, None, invite).await?;
        let caller_token = pair
            .caller
            .recv_until(|m| match m {
                ServerMessage::CallAck {
                    call_id,
                    call_token: Some(t),
                } if *call_id == id => Some(t.clone()),
                _ => None,
            })
            .await?;
        let callee_token = pair
            .callee
            .recv_until(|m| match m {
                ServerMessage::Call {
                    call_id,
                    event: CallEvent::Invited { call_token, .. },
                    ..
                } if *call_id == id => Some(call_token.clone()),
                _ => None,
            })
            .await?;
        pair.callee
            .call(
                2,
                &id,
                1,
                Some(callee_token),
                CallAction::Accept { call_type: None },
            )
            .await?;
        pair.caller
            .recv_until(|m| match m {
                ServerMessage::Call {
                    call_id,
                    event: CallEvent::Accepted { .. },
                    ..
                } if *call_id == id => Some(()),
                _ => None,
            })
            .await?;
        let hangup = CallAction::Hangup {
            reason: EndReason::UserHangup,
        };
        pair.caller
            .call(3, &id, 2, Some(caller_token), hangup)
            .await?;
        for client in [&mut pair.caller, &mut pair.callee] {
            client
                .recv_until(|m| match m {
                    ServerMessage::Call {
                        call_id,
                        event: CallEvent::Record { .. },
                        ..
                    } if *call_id == id => Some(()),
                    _ => None,
                })
                .await?;
        }
        Ok(())
    })
}

/// Counts the records in the database after the server has drained and stopped.
async fn count_records(db: &std::path::Path, pairs: usize) -> anyhow::Result<u64> {
    let store = SqliteStore::open(&db.display().to_string()).await?;
    let mut total = 0u64;
    for i in 0..pairs {
        let account = AccountId::new(format!("caller{i}"))?;
        let mut before = None;
        loop {
            let page = store.history(APP_KEY, &account, before, 200).await?;
            total += page.len() as u64;
            match page.last() {
                Some((position, _)) if page.len() == 200 => before = Some(*position),
                _ => break,
            }
        }
    }
    store.close().await;
    Ok(total)
}
