//! SDK call bench: two `CallKit` clients with `DuetMediaEngine` calling each other through a real
//! duet-server on 127.0.0.1, against Chromium calling Chromium through the same server in the
//! same run (interop/run.js `pair`), which is the baseline.
//!
//! Run: `cargo bench -p duet-call-media --bench sdk_call -- [calls] [width] [height]`
//! (defaults 5 calls at 1280x720, 30 fps). Needs /usr/bin/chromium and interop/node_modules
//! (scripts/setup.sh test). Per call and per stack it measures:
//! - *call() -> first remote frame*: the callee answers the moment INVITED arrives; from the
//!   caller's `call()` to the first decoded remote picture at the caller.
//! - *accept -> first remote frame*: the callee lets it ring for a second (media connects
//!   meanwhile: the caller is in the callee's contacts), then answers; from its `accept()` to the
//!   first decoded picture at the callee.
//! - *accept -> first remote frame, caller not a contact*: the same, from a caller the callee has
//!   not added; the callee opens no device and sends no candidate before it answers, so media
//!   connects only after the accept.
//! - *capture -> decoded*: on that second call, after one second of settling, for every decoded
//!   picture on both sides over 150 caller frames, wall clock at decode minus the capture time
//!   read from the picture's stamp (both stacks draw duet-media's stamp code).
//! - *CPU per client*: over the same window; Duet's two clients share this process (plus the
//!   in-process server), so process CPU / 2; each Chromium is its own process tree.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use duet_call_media::{DuetMediaEngine, MediaSetup};
use duet_callkit::{AudioQuality, CallEvent, CallId, CallKit, CallParams, CallType, Invite};
use duet_media::frame::now_us;
use duet_media::sink::VideoSink;
use duet_media::source::test_pattern::{age_us, decode_stamp};
use duet_media::{I420Frame, MediaResult};
use duet_server::RunningServer;
use duet_testkit::{add_user, client_with, next_matching, start_server, Events};
use serde_json::Value;

/// Longest any wait may take before the bench gives up (a hang guard, not a measurement).
const GUARD: Duration = Duration::from_secs(60);
/// How long the callee lets the second call ring before answering.
const RING: Duration = Duration::from_secs(1);
/// Caller frames in the steady-state window (5 s at 30 fps).
const STEADY_FRAMES: usize = 150;

/// When the first remote picture of the measured call arrived, and the capture-to-decoded age
/// of each one after.
#[derive(Default)]
struct ProbeState {
    call: Option<CallId>,
    first_frame: Option<Instant>,
    ages_ms: Vec<f64>,
}

/// Shared by every call of one client; counts only the call it was pointed at, since a finished
/// call's media may still be decoding its last frames when the next call starts.
#[derive(Clone, Default)]
struct FrameProbe(Arc<Mutex<ProbeState>>);

impl FrameProbe {
    fn state(&self) -> std::sync::MutexGuard<'_, ProbeState> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts frames of `call` only, from now on.
    fn measure(&self, call: &CallId) {
        *self.state() = ProbeState {
            call: Some(call.clone()),
            ..ProbeState::default()
        };
    }
}

/// The sink of one call, feeding its client's probe.
struct CallSink {
    probe: FrameProbe,
    call: CallId,
}

impl VideoSink for CallSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        let now = Instant::now();
        let age = decode_stamp(frame).map(|stamp| age_us(&stamp, now_us()) as f64 / 1000.0);
        let mut state = self.probe.state();
        if state.call.as_ref() != Some(&self.call) {
            return Ok(());
        }
        state.first_frame.get_or_insert(now);
        state.ages_ms.extend(age);
        Ok(())
    }
}

/// CPU seconds (user + system) this process has used.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime, fields 14 and 15 of /proc/self/stat, are 11 and 12 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// One logged-in SDK client and what it decodes.
struct Client {
    kit: CallKit,
    events: Events,
    probe: FrameProbe,
}

impl Client {
    async fn login(server: &RunningServer, account: &str, tone_hz: f32, size: (u32, u32)) -> Self {
        let probe = FrameProbe::default();
        let sink = probe.clone();
        let mut setup = MediaSetup::test_pattern_and_tone(tone_hz).with_video_sink(Arc::new(
            move |call: &CallId| {
                Ok(Box::new(CallSink {
                    probe: sink.clone(),
                    call: call.clone(),
                }) as Box<dyn VideoSink>)
            },
        ));
        setup.config.frame_rate = 30;
        let (kit, events) = client_with(server, account, |mut config| {
            config.video_width = Some(size.0);
            config.video_height = Some(size.1);
            // The loopback bench's 720p range (kbps); Chromium picks its own.
            config.min_bitrate = 1200;
            config.max_bitrate = 2000;
            config.audio_quality = AudioQuality::Standard;
            CallKit::with_media(config, Arc::new(DuetMediaEngine::new(setup)))
                .expect("a valid SDK config")
        })
        .await;
        Self { kit, events, probe }
    }

    async fn next(&mut self, name: &str) -> CallEvent {
        next_matching(
            &mut self.events,
            &format!("a {name} event"),
            GUARD,
            |event| event.name() == name,
        )
        .await
    }

    async fn invited(&mut self) -> Invite {
        match self.next("INVITED").await {
            CallEvent::Invited(invite) => invite,
            _ => unreachable!("next() returns the event it was asked for"),
        }
    }
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    tokio::time::timeout(GUARD, async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
    .expect("condition not reached within the guard");
}

/// Duet's figures, per call: call() and accept to first frame (ms), latency samples, CPU %.
#[derive(Default)]
struct Figures {
    call_to_frame: Vec<f64>,
    accept_to_frame: Vec<f64>,
    /// The same from a caller who is not the callee's contact (no pre-connect).
    stranger_accept_to_frame: Vec<f64>,
    latency: Vec<f64>,
    cpu: Vec<f64>,
    /// Decoded frames a second over the CPU window, per receiving side: CPU per second follows the
    /// frames actually coded, so the CPU figures compare only at equal rates.
    fps: Vec<f64>,
}

/// `caller` calls bob (`callee`), who lets it ring for [`RING`] and answers; returns the time
/// from the answer to bob's first remote picture, in milliseconds.
async fn ring_then_answer(caller: &mut Client, callee: &mut Client) -> f64 {
    let call = caller
        .kit
        .call(CallParams::new("bob", CallType::Video))
        .await
        .expect("call");
    caller.probe.measure(&call);
    let invite = callee.invited().await;
    callee.probe.measure(&invite.call_id);
    tokio::time::sleep(RING).await;
    let accepted = Instant::now();
    callee.kit.accept(&invite).await.expect("accept");
    wait_until(|| callee.probe.state().first_frame.is_some()).await;
    let first = callee.probe.state().first_frame.expect("waited for it");
    (first - accepted).as_secs_f64() * 1000.0
}

async fn hang_up(alice: &mut Client, bob: &mut Client) {
    alice.kit.hangup().await.expect("hang-up");
    alice.next("MESSAGE_SENT").await;
    bob.next("MESSAGE_SENT").await;
}

async fn duet_calls(server: &RunningServer, calls: usize, size: (u32, u32)) -> Figures {
    let mut alice = Client::login(server, "alice", 440.0, size).await;
    let mut bob = Client::login(server, "bob", 1000.0, size).await;
    let mut erin = Client::login(server, "erin", 660.0, size).await;
    // Alice is bob's contact: her calls pre-connect while ringing. Erin is not.
    bob.kit.add_contact("alice").await.expect("ask alice");
    alice.kit.accept_contact("bob").await.expect("accept bob");
    let mut figures = Figures::default();
    for _ in 0..calls {
        // A stranger's call: rings a second, answered, accept to the callee's first picture.
        let ms = ring_then_answer(&mut erin, &mut bob).await;
        figures.stranger_accept_to_frame.push(ms);
        hang_up(&mut erin, &mut bob).await;

        // Answered at once: call() to the caller's first picture.
        let started = Instant::now();
        let call = alice
            .kit
            .call(CallParams::new("bob", CallType::Video))
            .await
            .expect("call");
        // call() returns at the server's ack; no picture can come before the answer.
        alice.probe.measure(&call);
        let invite = bob.invited().await;
        bob.kit.accept(&invite).await.expect("accept");
        wait_until(|| alice.probe.state().first_frame.is_some()).await;
        let first = alice.probe.state().first_frame.expect("waited for it");
        let ms = (first - started).as_secs_f64() * 1000.0;
        eprintln!(
            "duet call {}: call() -> first remote frame {ms:.1} ms",
            figures.call_to_frame.len() + 1
        );
        figures.call_to_frame.push(ms);
        hang_up(&mut alice, &mut bob).await;

        // Rings a second, then answered: accept to the callee's first picture, then steady state.
        let ms = ring_then_answer(&mut alice, &mut bob).await;
        figures.accept_to_frame.push(ms);

        tokio::time::sleep(Duration::from_secs(1)).await;
        alice.probe.state().ages_ms.clear();
        bob.probe.state().ages_ms.clear();
        let (cpu0, wall0) = (cpu_seconds(), Instant::now());
        wait_until(|| alice.probe.state().ages_ms.len() >= STEADY_FRAMES).await;
        let (cpu1, wall) = (cpu_seconds(), wall0.elapsed().as_secs_f64());
        figures.cpu.push((cpu1 - cpu0) / wall * 100.0 / 2.0);
        for probe in [&alice.probe, &bob.probe] {
            let ages = &probe.state().ages_ms;
            figures.fps.push(ages.len() as f64 / wall);
            figures.latency.extend(ages.iter());
        }
        hang_up(&mut alice, &mut bob).await;
    }
    figures
}

/// Runs interop/run.js `pair` once and returns its report.
fn chromium_pair(
    server: &RunningServer,
    tokens: &[String; 2],
    size: (u32, u32),
    accept_after: Duration,
) -> Value {
    let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../interop");
    let (w, h) = (size.0.to_string(), size.1.to_string());
    let output = Command::new("node")
        .arg(interop.join("run.js"))
        .args(["pair", "--server", &server.ws_url(), "--app-key", "demo"])
        .args(["--account", "carol", "--token", &tokens[0]])
        .args(["--peer", "dave", "--peer-token", &tokens[1]])
        .args(["--width", &w, "--height", &h, "--fps", "30"])
        .args(["--accept-after", &accept_after.as_millis().to_string()])
        // The caller hangs up after 1 s of settling plus ~5 s of steady state and 150 frames.
        .args([
            "--min-frames",
            &STEADY_FRAMES.to_string(),
            "--talk-ms",
            "6000",
        ])
        .output()
        .expect("node runs interop/run.js");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["event"] == "BROWSER_PAIR_RESULT");
    match report {
        Some(report) if output.status.success() => report,
        _ => panic!(
            "the Chromium baseline failed ({}); is scripts/setup.sh test done?\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

fn chromium_calls(
    server: &RunningServer,
    tokens: &[String; 2],
    calls: usize,
    size: (u32, u32),
) -> Figures {
    let mut figures = Figures::default();
    let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    for _ in 0..calls {
        let instant = chromium_pair(server, tokens, size, Duration::ZERO);
        figures
            .call_to_frame
            .push(number(&instant["caller"]["firstRemoteFrameMs"]));
        let ringing = chromium_pair(server, tokens, size, RING);
        figures
            .accept_to_frame
            .push(number(&ringing["callee"]["firstRemoteFrameMs"]));
        for side in ["caller", "callee"] {
            if let Some(ages) = ringing[side]["video"]["steadyAgesMs"].as_array() {
                figures.latency.extend(ages.iter().map(number));
            }
        }
        let cpu = &ringing["cpu"];
        figures.cpu.push(number(&cpu["callerPercent"]));
        figures.cpu.push(number(&cpu["calleePercent"]));
        for side in ["caller", "callee"] {
            figures
                .fps
                .push(number(&ringing[side]["video"]["steadyFps"]));
        }
    }
    figures
}

fn row(name: &str, duet: f64, chromium: f64, goal: &str) {
    println!(
        "{name:<34} duet {duet:>7.1}   chromium (baseline) {chromium:>7.1}   ratio {:>5.2}   goal {goal}",
        duet / chromium
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // DUET_LOG=duet_media=debug (for example) shows where a slow call spends its time.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("DUET_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let calls: usize = args.first().and_then(|v| v.parse().ok()).unwrap_or(5);
    let width: u32 = args.get(1).and_then(|v| v.parse().ok()).unwrap_or(1280);
    let height: u32 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(720);
    let size = (width, height);

    let (server, _dir) = start_server().await;
    let mut tokens = Vec::new();
    for account in ["carol", "dave"] {
        tokens.push(add_user(&server, account).await);
    }
    let tokens: [String; 2] = tokens.try_into().expect("two tokens");

    let duet = duet_calls(&server, calls, size).await;
    let chromium = tokio::task::block_in_place(|| chromium_calls(&server, &tokens, calls, size));

    println!(
        "SDK call bench: {calls} calls per stack at {width}x{height} 30 fps through duet-server on 127.0.0.1; \
         baseline: Chromium {} calling Chromium (interop/run.js pair), same server, same run",
        chromium_version()
    );
    let p = |v: &[f64], q| percentile(v, q);
    row(
        "call() -> first remote frame p50 ms",
        p(&duet.call_to_frame, 0.5),
        p(&chromium.call_to_frame, 0.5),
        "<= 150 and below Chromium",
    );
    row(
        "accept -> first remote frame p50 ms",
        p(&duet.accept_to_frame, 0.5),
        p(&chromium.accept_to_frame, 0.5),
        "<= 50",
    );
    row(
        "accept -> first remote frame p95 ms",
        p(&duet.accept_to_frame, 0.95),
        p(&chromium.accept_to_frame, 0.95),
        "-",
    );
    row(
        "accept -> first frame, stranger p50",
        p(&duet.stranger_accept_to_frame, 0.5),
        p(&chromium.accept_to_frame, 0.5),
        "-",
    );
    row(
        "capture -> decoded p50 ms",
        p(&duet.latency, 0.5),
        p(&chromium.latency, 0.5),
        "<= 20 at 720p",
    );
    row(
        "capture -> decoded p95 ms",
        p(&duet.latency, 0.95),
        p(&chromium.latency, 0.95),
        "-",
    );
    row(
        "CPU per client % of a core (p50)",
        p(&duet.cpu, 0.5),
        p(&chromium.cpu, 0.5),
        "<= 40",
    );
    row(
        "decoded frames/s in that window p50",
        p(&duet.fps, 0.5),
        p(&chromium.fps, 0.5),
        "30 sent",
    );
    println!(
        "samples: duet call {:?} accept {:?} stranger accept {:?} cpu {:?} fps {:?}; chromium call {:?} accept {:?} cpu {:?} fps {:?}",
        rounded(&duet.call_to_frame),
        rounded(&duet.accept_to_frame),
        rounded(&duet.stranger_accept_to_frame),
        rounded(&duet.cpu),
        rounded(&duet.fps),
        rounded(&chromium.call_to_frame),
        rounded(&chromium.accept_to_frame),
        rounded(&chromium.cpu),
        rounded(&chromium.fps)
    );
    server.shutdown().await.expect("the server stops");
}

fn rounded(values: &[f64]) -> Vec<f64> {
    values.iter().map(|v| (v * 10.0).round() / 10.0).collect()
}

fn chromium_version() -> String {
    Command::new("/usr/bin/chromium")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|_| "(version unknown)".into())
}
