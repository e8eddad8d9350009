//! The desktop app against a browser tab, in one run (docs/benchmarks.md, "Against a browser
//! tab"): the same far side (a duet-cli bot sending duet's test pattern at 1280x720 30 fps and a
//! tone)
//! is called first by the Duet app, then by the web client (interop/page/tab.html) in Debian's
//! Chromium on the same X display; each sends 720p30 of its own. For each, over the same window
//! of the call: CPU of all its processes, their PSS, frames painted a second and how late they
//! are painted. Prints both and the ratios.
//!
//! `DUET_BENCH=1 cargo test -p duet-e2e --test gui_app -- --nocapture against_a_browser_tab`

use super::*;

/// Seconds of the call between the first remote frame and the measured window.
const SETTLE: Duration = Duration::from_secs(5);
/// The measured window, the same for both.
const WINDOW: Duration = Duration::from_secs(30);

/// The video bitrate ceiling of every sender: the app's default setting.
const MAX_KBPS: &str = "2000";

/// What one side did over the window.
struct Figures {
    cpu_percent: f64,
    pss_mib: f64,
    painted_fps: f64,
    /// The latency each stack can tell (see `print`), p50 and p95 in ms.
    latency: (f64, f64),
    /// The far side's CPU over the same window: equal work is asked of both.
    bot_cpu_percent: f64,
    detail: String,
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// The bot, answering one call with the 720p picture and a tone, at the app's default bitrate
/// ceiling (its settings), not duet-cli's (nertc-call's 900).
fn start_bot(run: &Run, device: &str, video: &Path) -> Cli {
    run.answering_bot(device, video, &["--max-bitrate", MAX_KBPS])
}

/// PSS of `pid`'s tree in MiB: the median of one sample a second over `WINDOW`; and for the
/// printout, the last sample's split by process, every sample (does it grow, or saw?) and what
/// backs the largest process's memory at the end.
fn pss_over_window(pid: u32) -> (f64, String) {
    let started = Instant::now();
    let mut samples: Vec<f64> = vec![];
    let mut last = vec![];
    // What backs the largest process's memory at the highest sample.
    let mut at_highest = String::new();
    while started.elapsed() < WINDOW {
        last = memory::tree(pid);
        let total = memory::total_mib(&last);
        if samples.iter().all(|&earlier| total > earlier) {
            if let Some(largest) = last.iter().max_by_key(|p| p.pss_kib) {
                at_highest = format!(
                    "{} ({}) at {total:.0} MiB: {}",
                    largest.name,
                    largest.pid,
                    memory::by_mapping(largest.pid, 6)
                );
            }
        }
        samples.push(total);
        std::thread::sleep(Duration::from_secs(1));
    }
    let largest = last.iter().max_by_key(|p| p.pss_kib);
    let detail = format!(
        "{}; samples, MiB: {}; the largest process at the last sample, {}; at the highest, {}",
        memory::breakdown(&last),
        samples
            .iter()
            .map(|mib| format!("{mib:.0}"))
            .collect::<Vec<_>>()
            .join(" "),
        largest.map_or(String::new(), |p| format!(
            "{} ({}): {}",
            p.name,
            p.pid,
            memory::by_mapping(p.pid, 6)
        )),
        at_highest,
    );
    (percentile(&samples, 50.0), detail)
}

/// The Duet app calls the bot; figures over `WINDOW` after `SETTLE`.
fn duet_app(run: &mut Run, video: &Path) -> Figures {
    let app_pid = gui::procs::descendant_named(run.desktop.driver.pid(), "duet")
        .unwrap_or_else(|| run.fail("no `duet` process under tauri-driver"));
    let bot = start_bot(run, "bot-tab-bench-1", video);
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    app.wait_visible("call-screen");
    remote_video_moves(app);
    std::thread::sleep(SETTLE);

    let painted = |app: &App| {
        app.js("return window.duetDebug.framesPainted[0];", vec![])
            .as_u64()
            .unwrap_or(0)
    };
    let per_process_start = gui::procs::cpu_by_process(app_pid);
    let (painted_start, cpu_start, bot_start) = (
        painted(app),
        gui::procs::tree_cpu_seconds(app_pid),
        gui::procs::tree_cpu_seconds(bot.pid()),
    );
    let started = Instant::now();
    let (pss_mib, pss_by_process) = pss_over_window(app_pid);
    let (painted_end, cpu_end, bot_end) = (
        painted(app),
        gui::procs::tree_cpu_seconds(app_pid),
        gui::procs::tree_cpu_seconds(bot.pid()),
    );
    let seconds = started.elapsed().as_secs_f64();
    let per_process = cpu_breakdown(
        &per_process_start,
        &gui::procs::cpu_by_process(app_pid),
        seconds,
    );
    // The last 600 paints (20 s at 30 fps): inside the window.
    let latency = numbers(&app.js("return window.duetDebug.paintLatencyMs;", vec![]));
    let size = app.js(
        "const c = document.querySelector('[data-testid=\"remote-video\"]');
         return `${c?.width ?? 0}x${c?.height ?? 0}`;",
        vec![],
    );
    app.click("btn-hangup");
    let done = bot.finish();
    assert_eq!(done.code, 0, "the app's call completes: {:?}", done.events);
    assert!(!latency.is_empty(), "the app measured no paint latency");
    Figures {
        cpu_percent: (cpu_end - cpu_start) / seconds * 100.0,
        pss_mib,
        painted_fps: (painted_end - painted_start) as f64 / seconds,
        latency: (percentile(&latency, 50.0), percentile(&latency, 95.0)),
        bot_cpu_percent: (bot_end - bot_start) / seconds * 100.0,
        detail: format!(
            "remote canvas {}, {} latencies; the bot received {}; CPU by process: {per_process}; \
             PSS by process: {pss_by_process}",
            size.as_str().unwrap_or("?"),
            latency.len(),
            received_by_bot(&done.events)
        ),
    }
}

/// The web client in Chromium calls the bot as alice's second device; run.js measures.
fn browser_tab(run: &Run, video: &Path) -> Figures {
    assert!(
        interop_dir().join("node_modules/playwright-core").exists(),
        "interop/node_modules is missing: run scripts/setup.sh test"
    );
    let bot = start_bot(run, "bot-tab-bench-2", video);
    let mut node = run.desktop.command(Path::new("node"));
    node.arg(interop_dir().join("run.js"))
        .arg("tab")
        .args(["--server", &run.alice.url, "--app-key", "demo"])
        .args(["--account", &run.alice.account, "--token", &run.alice.token])
        .args(["--peer", &run.bot.account])
        .args(["--seconds", &WINDOW.as_secs().to_string()])
        .args(["--settle", &SETTLE.as_secs().to_string()])
        // The app's main window size (src-tauri/tauri.conf.json).
        .args(["--window", "1100x720"])
        // The same picture and bitrate ceiling as the app sends.
        .arg("--fake-video")
        .arg(video)
        .args(["--max-bitrate", MAX_KBPS]);
    let mut runner = Cli::spawn(node);
    // The bot's CPU over the browser's window: from its first frame + SETTLE, for WINDOW.
    runner.wait_for("BROWSER_FIRST_REMOTE_FRAME");
    std::thread::sleep(SETTLE);
    let bot_start = gui::procs::tree_cpu_seconds(bot.pid());
    let started = Instant::now();
    let result = runner.wait_for("BROWSER_TAB_RESULT");
    let bot_end = gui::procs::tree_cpu_seconds(bot.pid());
    let bot_seconds = started.elapsed().as_secs_f64();
    let done = runner.finish();
    assert_eq!(
        done.code, 0,
        "the browser's call completes: {:?}",
        done.events
    );
    let bot_done = bot.finish();
    assert_eq!(
        bot_done.code, 0,
        "the bot's second call completes: {:?}",
        bot_done.events
    );
    let paints = &result["paints"];
    let latency = &paints["receiveToPresentedMs"];
    Figures {
        cpu_percent: result["cpuPercent"].as_f64().unwrap_or(f64::NAN),
        pss_mib: result["pssMib"].as_f64().unwrap_or(f64::NAN),
        painted_fps: paints["paintedFps"].as_f64().unwrap_or(f64::NAN),
        latency: (
            latency["p50"].as_f64().unwrap_or(f64::NAN),
            latency["p95"].as_f64().unwrap_or(f64::NAN),
        ),
        bot_cpu_percent: (bot_end - bot_start) / bot_seconds * 100.0,
        detail: format!(
            "remote video {}, {} paints; the bot received {}; CPU by process: {}; decoded-to-presented (receive-to-presented less decode, \
             so it still holds the jitter buffer's wait) p50 {} p95 {} ms; decode p50 {} ms; \
             WebRTC: {}; processes: {}",
            paints["size"],
            paints["callbacks"],
            received_by_bot(&bot_done.events),
            result["cpuByProcess"],
            paints["decodedToPresentedMs"]["p50"],
            paints["decodedToPresentedMs"]["p95"],
            paints["decodeMs"]["p50"],
            result["webrtc"],
            result["processes"]
        ),
    }
}

/// "name(pid) 12.3%" for each process that used at least half a percent of a core.
fn cpu_breakdown(start: &[(u32, String, f64)], end: &[(u32, String, f64)], seconds: f64) -> String {
    let mut used: Vec<(f64, String)> = end
        .iter()
        .map(|(pid, name, cpu)| {
            let before = start.iter().find(|(p, ..)| p == pid).map_or(0.0, |s| s.2);
            ((cpu - before) / seconds * 100.0, format!("{name}({pid})"))
        })
        .filter(|(percent, _)| *percent >= 0.5)
        .collect();
    used.sort_by(|a, b| b.0.total_cmp(&a.0));
    used.iter()
        .map(|(percent, who)| format!("{who} {percent:.1}%"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the bot's last CALL_STATS says it decoded: the size, rate and bitrate the side under
/// test sent.
fn received_by_bot(events: &[Value]) -> String {
    events
        .iter()
        .rev()
        .find(|e| e["event"] == "CALL_STATS" && e["fps"].as_f64().unwrap_or(0.0) > 0.0)
        .map_or("no CALL_STATS".into(), |s| {
            format!(
                "{}x{} at {} fps, {} kbit/s",
                s["width"], s["height"], s["fps"], s["recv_kbps"]
            )
        })
}

fn print(duet: &Figures, tab: &Figures) {
    let row = |what: &str, d: f64, t: f64| {
        println!("{what:<44} {d:>10.1} {t:>10.1} {:>10.2}", d / t);
    };
    println!(
        "{:<44} {:>10} {:>10} {:>10}",
        "", "Duet app", "Chromium", "ratio"
    );
    row(
        "CPU, all processes (% of one core)",
        duet.cpu_percent,
        tab.cpu_percent,
    );
    row(
        "memory, PSS of all processes (MiB)",
        duet.pss_mib,
        tab.pss_mib,
    );
    row(
        "remote frames painted a second",
        duet.painted_fps,
        tab.painted_fps,
    );
    row("paint latency p50 (ms)", duet.latency.0, tab.latency.0);
    row("paint latency p95 (ms)", duet.latency.1, tab.latency.1);
    row(
        "far side's CPU (% of one core)",
        duet.bot_cpu_percent,
        tab.bot_cpu_percent,
    );
    println!("paint latency: Duet decoded-to-painted, Chromium receiveTime-to-presentationTime");
    println!("Duet app: {}", duet.detail);
    println!("Chromium: {}", tab.detail);
}

/// `DUET_BENCH=1 cargo test -p duet-e2e --test gui_app -- --nocapture against_a_browser_tab`
#[test]
fn bench_against_a_browser_tab() {
    if std::env::var("DUET_BENCH").as_deref() != Ok("1") {
        eprintln!("skipped: the benchmark runs with DUET_BENCH=1");
        return;
    }
    // Both send 720p30: the app's camera is the same moving picture the bot sends.
    let clips = tempfile::tempdir().expect("a directory for the picture");
    let video = clips.path().join("720p.y4m");
    // Three seconds of the test pattern, looped.
    gui::pattern::write_testsrc_720p(&video, 3 * gui::pattern::FPS)
        .expect("write the 720p pattern");
    let source = video.display().to_string();
    // The web client's page is served from http://127.0.0.1:PORT (interop/run.js).
    let mut run = Run::start_serving(&["--allow-origin", "http://127.0.0.1:*"], |env| {
        env.into_iter()
            .map(|(k, v)| {
                if k == "DUET_VIDEO_SOURCE" {
                    (k, source.clone())
                } else {
                    (k, v)
                }
            })
            .collect()
    });
    run.sign_in_as_alice();
    let duet = duet_app(&mut run, &video);
    let tab = browser_tab(&run, &video);
    print(&duet, &tab);
}
