//! Memory growth over many calls in one process (webrtc-rs has had per-connection leaks).
//!
//! Run: `cargo bench -p duet-media --bench repeated_calls -- [calls]` (default 50; the issue's
//! check is 200). Each call connects, releases, carries media until 10 frames are decoded on
//! each side, and closes. Prints resident memory after the 10th call (the baseline, once
//! allocator pools and codec tables are warm) and after the last, against the 5 MB budget.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

use common::{call, loopback_config};
use duet_media::{ConnectionState, MediaEvent};
use duet_testkit::{recv_matching, wait_for_within};

/// A numeric field of /proc/self/status ("VmRSS" in kB, "Threads").
fn status_field(name: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(f64::NAN)
}

/// Resident set size in MB.
fn rss_mb() -> f64 {
    status_field("VmRSS") / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let calls: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50)
        .max(11);
    let limit = Duration::from_secs(20);
    let mut baseline = f64::NAN;
    for n in 1..=calls {
        let (mut a, mut b) = call(loopback_config(440.0), loopback_config(1000.0)).await;
        let connected = |e: &MediaEvent| {
            matches!(
                e,
                MediaEvent::ConnectionState {
                    state: ConnectionState::Connected
                }
            )
        };
        recv_matching(&mut a.events, "the caller to connect", limit, connected).await;
        recv_matching(&mut b.events, "the callee to connect", limit, connected).await;
        a.media.release();
        b.media.release();
        wait_for_within("10 frames both ways", limit, || {
            a.video.frames() >= 10 && b.video.frames() >= 10
        })
        .await;
        a.media.close().await.unwrap();
        b.media.close().await.unwrap();
        drop((a, b));
        // Let closed connections' tasks wind down before measuring.
        tokio::time::sleep(Duration::from_millis(100)).await;
        if n == 10 {
            baseline = rss_mb();
        }
        if n % 10 == 0 {
            println!(
                "after call {n:>4}: RSS {:>7.1} MB, {} threads, {} live tasks",
                rss_mb(),
                status_field("Threads"),
                tokio::runtime::Handle::current()
                    .metrics()
                    .num_alive_tasks()
            );
        }
    }
    let last = rss_mb();
    let growth = last - baseline;
    println!("duet-media repeated calls: {calls} calls, 320x240 test pattern + tone");
    println!("RSS after call 10 {baseline:>8.1} MB");
    println!("RSS after call {calls} {last:>8.1} MB");
    println!(
        "growth after the first 10       {growth:>8.1} MB baseline    5.0 MB ratio {:.2}",
        growth / 5.0
    );
}
