//! Screen capture cost at 15 fps on a 1920x1080 Xvfb: CPU time of the capturing thread (and of
//! the X server) per second of capture, for an idle screen, a screen fully repainted every frame
//! (a video), and, as the baseline, grabbing every tick without damage tracking; then the time
//! from a finished fill to `capture()` returning that frame.
//!
//! `cargo bench -p duet-screen --bench capture` (needs `Xvfb`); `-- --seconds N` per scenario.

// Unsafe code is allowed in this module only: clock_gettime for the thread's CPU time, which std
// does not offer.
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

use duet_screen::test_display::TestDisplay;
use duet_screen::{Capture, ScreenCapturer, ScreenError};

const FPS: u32 = 15;

fn thread_cpu() -> Duration {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec and the clock id is a Linux constant.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is available on Linux");
    Duration::new(time.tv_sec as u64, time.tv_nsec as u32)
}

/// The process's user + system time from /proc (clock ticks of 10 ms), if readable.
fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

enum Mode {
    Idle,
    Video,
    Naive,
}

/// Runs `seconds` of 15 fps ticks; returns (capture thread CPU, X server CPU, frames).
fn run(
    display: &TestDisplay,
    mode: Mode,
    seconds: u32,
) -> Result<(Duration, Option<Duration>, u32), ScreenError> {
    let mut capturer = ScreenCapturer::open(&display.screen_target())?;
    capturer.capture()?;
    let tick = Duration::from_secs(1) / FPS;
    let server_start = display.server_pid().and_then(process_cpu);
    let (mut cpu, mut frames) = (Duration::ZERO, 0);
    let start = Instant::now();
    for i in 0..seconds * FPS {
        if let Mode::Video = mode {
            // The painting is the "video player", not the capturer: not counted.
            display.fill_root_rect(
                0,
                0,
                1920,
                1080,
                if i % 2 == 0 { 0x10_20_30 } else { 0x30_20_10 },
            )?;
        }
        let before = thread_cpu();
        let got = match mode {
            Mode::Naive => capturer.capture_now()?,
            _ => capturer.capture()?,
        };
        frames += u32::from(matches!(got, Capture::Frame(_)));
        cpu += thread_cpu() - before;
        if let Some(wait) = (start + tick * (i + 1)).checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let server = display
        .server_pid()
        .and_then(process_cpu)
        .zip(server_start)
        .map(|(end, start)| end - start);
    Ok((cpu, server, frames))
}

fn percent(cpu: Duration, seconds: u32) -> f64 {
    cpu.as_secs_f64() / f64::from(seconds) * 100.0
}

fn main() -> Result<(), ScreenError> {
    let args: Vec<String> = std::env::args().collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(5);
    let display = TestDisplay::start(1920, 1080)?;
    display.fill_root(0x20_40_60)?;
    display.warp_pointer(960, 540)?;
    println!("duet-screen capture, 1920x1080 Xvfb, {FPS} fps, {seconds} s a scenario");
    let shm = ScreenCapturer::open(&display.screen_target())?.uses_shm();
    println!("grab path: {}", if shm { "MIT-SHM" } else { "GetImage" });
    let mut idle_cpu = Duration::ZERO;
    for (name, mode) in [
        ("idle screen (damage)", Mode::Idle),
        ("repainted every frame (damage)", Mode::Video),
        ("naive: grab every tick", Mode::Naive),
    ] {
        let is_idle = matches!(mode, Mode::Idle);
        let is_naive = matches!(mode, Mode::Naive);
        let (cpu, server, frames) = run(&display, mode, seconds)?;
        let server = server.map_or("n/a".into(), |s| format!("{:.1} %", percent(s, seconds)));
        println!(
            "{name:32} capture thread {:6.2} % of a core ({:5.1} ms/s), X server {server:>7}, {frames} frames",
            percent(cpu, seconds),
            cpu.as_secs_f64() * 1e3 / f64::from(seconds),
        );
        if is_idle {
            idle_cpu = cpu;
        }
        if is_naive {
            println!(
                "ratio idle / naive: {:.4}",
                idle_cpu.as_secs_f64() / cpu.as_secs_f64()
            );
        }
    }

    // Latency: the fill has been drawn when `fill_root_rect` returns; how long until
    // `capture()` gives the frame showing it.
    let mut capturer = ScreenCapturer::open(&display.screen_target())?;
    capturer.capture()?;
    let mut took = Vec::new();
    for i in 0..40u32 {
        let rgb = 0x01_01_01 * (i % 200 + 20);
        display.fill_root_rect(0, 0, 1920, 1080, rgb)?;
        let start = Instant::now();
        let Capture::Frame(frame) = capturer.capture()? else {
            return Err(ScreenError::Protocol("no frame after a fill".into()));
        };
        let elapsed = start.elapsed();
        let b = rgb as u8;
        if frame.pixel(10, 10) != Some([b, b, b, 255]) {
            return Err(ScreenError::Protocol("frame does not show the fill".into()));
        }
        took.push(elapsed);
    }
    took.sort();
    println!(
        "fill -> capture() returns that frame: median {:.2} ms, max {:.2} ms (plus up to one tick, {:.1} ms, of pacing)",
        took[took.len() / 2].as_secs_f64() * 1e3,
        took[took.len() - 1].as_secs_f64() * 1e3,
        1e3 / f64::from(FPS)
    );
    Ok(())
}
