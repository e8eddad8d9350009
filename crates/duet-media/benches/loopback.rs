//! Loopback call bench: connect time, accept-to-first-frame, capture-to-decoded latency and
//! CPU per client, for two sessions in one process over 127.0.0.1.
//!
//! Run: `cargo bench -p duet-media --bench loopback -- [calls] [width] [height]`
//! (defaults 5 calls at 1280x720). Prints each measurement with the target as the
//! baseline and the ratio measured/target.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{call, loopback_config};
use duet_media::frame::now_us;
use duet_media::sink::VideoSink;
use duet_media::source::test_pattern::{age_us, decode_stamp};
use duet_media::{ConnectionState, I420Frame, MediaEvent, MediaResult};
use duet_testkit::{recv_matching, wait_for_within};

/// Records capture-to-decoded latency of every decoded test-pattern frame.
#[derive(Clone, Default)]
struct LatencyProbe(Arc<Mutex<Vec<u64>>>);

impl VideoSink for LatencyProbe {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        if let Some(stamp) = decode_stamp(frame) {
            self.0.lock().unwrap().push(age_us(&stamp, now_us()));
        }
        Ok(())
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// CPU seconds (user + system) this process has used.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of /proc/self/stat (utime, stime) are at 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn report(name: &str, value: f64, target: f64, unit: &str) {
    println!(
        "{name:<34} {value:>9.1} {unit:<3} baseline {target:>6.1} {unit:<3} ratio {:.2}",
        value / target
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let calls: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(5);
    let width: u32 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1280);
    let height: u32 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(720);
    let limit = Duration::from_secs(20);
    let (mut connect_ms, mut first_frame_ms, mut latency_ms, mut cpu_pct) =
        (vec![], vec![], vec![], vec![]);

    for _ in 0..calls {
        let mut configs = [loopback_config(440.0), loopback_config(1000.0)];
        for c in &mut configs {
            c.video_width = Some(width);
            c.video_height = Some(height);
            c.min_bitrate = 1200;
            c.max_bitrate = 2000;
        }
        let [caller, callee] = configs;
        let started = Instant::now();
        let (mut a, mut b) = call(caller, callee).await;
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
        connect_ms.push(started.elapsed().as_secs_f64() * 1000.0);

        let probe = LatencyProbe::default();
        a.media.set_video_sink(Some(Box::new(probe.clone())));
        let accepted = Instant::now();
        a.media.release();
        b.media.release();
        recv_matching(
            &mut a.events,
            "the caller's first remote frame",
            limit,
            |e| matches!(e, MediaEvent::FirstRemoteVideoFrame { .. }),
        )
        .await;
        first_frame_ms.push(accepted.elapsed().as_secs_f64() * 1000.0);

        // Let rate control settle, then measure latency and CPU over 5 s of steady state.
        tokio::time::sleep(Duration::from_secs(1)).await;
        probe.0.lock().unwrap().clear();
        let (cpu0, wall0) = (cpu_seconds(), Instant::now());
        wait_for_within("150 latency samples", limit, || {
            probe.0.lock().unwrap().len() >= 150
        })
        .await;
        let (cpu1, wall) = (cpu_seconds(), wall0.elapsed().as_secs_f64());
        // Two clients share this process.
        cpu_pct.push((cpu1 - cpu0) / wall * 100.0 / 2.0);
        // CPU per second follows the frames actually coded: a loaded machine that delivers fewer
        // than 30 a second shows a lower figure for the same work per frame.
        let fps = probe.0.lock().unwrap().len() as f64 / wall;
        eprintln!(
            "call {}: CPU per client {:.1} % at {fps:.1} decoded frames/s",
            cpu_pct.len(),
            cpu_pct[cpu_pct.len() - 1]
        );
        latency_ms.extend(probe.0.lock().unwrap().iter().map(|&us| us as f64 / 1000.0));

        a.media.close().await.unwrap();
        b.media.close().await.unwrap();
    }

    for v in [
        &mut connect_ms,
        &mut first_frame_ms,
        &mut latency_ms,
        &mut cpu_pct,
    ] {
        v.sort_by(f64::total_cmp);
    }
    println!("duet-media loopback bench: {calls} calls at {width}x{height}, test pattern + tone");
    report(
        "connect (start -> connected) p50",
        percentile(&connect_ms, 0.5),
        50.0,
        "ms",
    );
    report(
        "accept -> first frame p50",
        percentile(&first_frame_ms, 0.5),
        50.0,
        "ms",
    );
    report(
        "accept -> first frame p95",
        percentile(&first_frame_ms, 0.95),
        50.0,
        "ms",
    );
    report(
        "capture -> decoded p50",
        percentile(&latency_ms, 0.5),
        20.0,
        "ms",
    );
    report(
        "capture -> decoded p95",
        percentile(&latency_ms, 0.95),
        20.0,
        "ms",
    );
    report(
        "CPU per client (avg of calls)",
        cpu_pct.iter().sum::<f64>() / cpu_pct.len().max(1) as f64,
        40.0,
        "%",
    );
}
