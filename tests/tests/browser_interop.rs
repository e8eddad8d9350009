//! Duet against an independent WebRTC stack: headless Chromium running the browser client in
//! `interop/` (Duet's wire protocol and duet-media's offer/answer over `call.signal`) calls
//! duet-cli and is called by it, through the real server on 127.0.0.1.
//!
//! Each direction is checked where the media lands:
//! - in the browser, the decoded frames carry duet's test-pattern stamps, readable and advancing,
//!   and duet's tone is heard (the page's report);
//! - in duet-cli's recordings, the browser's canvas (which draws the same stamp code) decodes
//!   with duet-media's own reader, frame numbers advancing, and the browser's oscillator tone is
//!   in the WAV.
//!
//! Needs Chromium (`/usr/bin/chromium`, apt package `chromium`) and `interop/node_modules`;
//! `scripts/setup.sh test` installs both. Nothing here is timed: the test waits for conditions
//! (enough media on both sides, under the harness's guard) and then has the caller hang up: the
//! browser through run.js's stdin, duet-cli with SIGINT (Ctrl-C).

use duet_e2e::*;
use duet_media::audio::analysis::tone_level_db;
use duet_media::source::test_pattern::decode_stamp;
use duet_media::source::y4m::Y4mSource;
use duet_media::MediaError;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The tone duet-cli sends, and the one the browser's oscillator sends.
const DUET_TONE: &str = "440";
const BROWSER_TONE: &str = "880";
/// The browser's video size (the stamp squares are 20 px at 640 wide).
const BROWSER_WIDTH: u64 = 640;
const BROWSER_HEIGHT: u64 = 480;
/// Media each side must have received before the call is hung up.
const MIN_FRAMES: usize = 60;
const MIN_AUDIO_SECONDS: &str = "2";

/// Two Chromium instances and their calls would share the CI machine's two cores with each other;
/// the tests take turns.
static ONE_BROWSER_AT_A_TIME: Mutex<()> = Mutex::new(());

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop")
}

/// Fails clearly when the browser side is not installed (scripts/setup.sh test installs it).
fn require_browser() {
    let chromium = std::env::var("DUET_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: run scripts/setup.sh test (apt package chromium)"
    );
    assert!(
        interop_dir().join("node_modules/playwright-core").exists(),
        "interop/node_modules is missing: run scripts/setup.sh test (npm ci in interop/)"
    );
}

/// `node interop/run.js` with its JSON lines collected as they come.
struct Browser {
    child: Child,
    lines: mpsc::Receiver<Value>,
    seen: Vec<Value>,
}

impl Browser {
    /// Runs the browser client as `user` in `mode` (`call` or `answer`) with `args`.
    fn start(mode: &str, user: &User, args: &[&str]) -> Browser {
        let mut child = Command::new("node")
            .arg(interop_dir().join("run.js"))
            .arg(mode)
            .args(["--server", &user.url, "--app-key", "demo"])
            .args(["--account", &user.account, "--token", &user.token])
            .args(["--tone", BROWSER_TONE, "--expect-tone", DUET_TONE])
            .args(["--width", &BROWSER_WIDTH.to_string()])
            .args(["--height", &BROWSER_HEIGHT.to_string()])
            .args(["--min-frames", &MIN_FRAMES.to_string()])
            .args(["--min-audio", MIN_AUDIO_SECONDS])
            .args(["--guard-ms", &GUARD.as_millis().to_string()])
            // The test hangs up through duet-cli once both sides have enough media.
            .args(["--hangup", "never"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node starts (Node.js 20 is installed by the machine setup)");
        let lines = duet_e2e::json_lines(child.stdout.take().expect("stdout is piped"), "run.js");
        Browser {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until the runner prints the event `name`.
    fn wait_for(&mut self, name: &str) {
        let started = Instant::now();
        while !self.seen.iter().any(|e| event_name(e) == name) {
            let left = GUARD.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(v) => self.seen.push(v),
                Err(_) => panic!("browser: no {name} within the guard; got {:?}", self.seen),
            }
        }
    }

    /// Makes the page hang up the call.
    fn hang_up(&mut self) {
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        stdin
            .write_all(b"hangup\n")
            .and_then(|()| stdin.flush())
            .expect("run.js reads its stdin");
    }

    /// Waits for the runner to exit; returns its exit code and the page's report.
    fn finish(mut self) -> (i32, Value) {
        self.wait_for("BROWSER_RESULT");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait works") {
                break status;
            }
            assert!(started.elapsed() < GUARD, "run.js did not exit");
            thread::sleep(Duration::from_millis(20));
        };
        let result = self
            .seen
            .iter()
            .find(|e| event_name(e) == "BROWSER_RESULT")
            .map(|e| e["result"].clone())
            .unwrap_or_default();
        (status.code().unwrap_or(-1), result)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// duet-cli's media flags: test pattern and tone out, the peer's media recorded in `dir`.
fn cli_media(dir: &Path) -> Vec<String> {
    vec![
        "--video".into(),
        "testsrc".into(),
        "--audio".into(),
        format!("tone:{DUET_TONE}"),
        "--record-video".into(),
        dir.join("peer.y4m").display().to_string(),
        "--record-audio".into(),
        dir.join("peer.wav").display().to_string(),
        "--media-bind".into(),
        "127.0.0.1".into(),
    ]
}

/// Waits until duet-cli has recorded `frames` pictures and two seconds of sound in `dir`: both
/// are checked afterwards, and the picture can arrive well before two seconds have passed.
fn wait_for_recording(dir: &Path, frames: u64) {
    // Each frame is "FRAME\n" and an I420 picture; the header line is shorter than one frame.
    let frame_bytes = 6 + BROWSER_WIDTH * BROWSER_HEIGHT * 3 / 2;
    // 16-bit samples after a 44-byte header; check_cli_recorded wants 2 s at 48 kHz.
    let audio_bytes = 44 + 2 * 48_000 * 2;
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    let started = Instant::now();
    loop {
        let recorded = size("peer.y4m") / frame_bytes;
        let sound = size("peer.wav");
        if recorded >= frames && sound >= audio_bytes {
            return;
        }
        assert!(
            started.elapsed() < GUARD,
            "duet-cli recorded only {recorded} frames and {sound} bytes of the browser's media"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// What the browser reported about duet's media.
fn check_browser_received(result: &Value) {
    let video = &result["video"];
    assert_eq!(video["error"], Value::Null, "{result}");
    assert!(
        video["framesDecoded"].as_u64().unwrap_or(0) >= MIN_FRAMES as u64,
        "browser decoded too few frames: {video}"
    );
    assert_eq!(
        video["unreadable"], 0,
        "browser decoded damaged pictures: {video}"
    );
    assert_eq!(
        video["frameNumbersIncrease"], true,
        "duet's frame numbers must advance in the browser: {video}"
    );
    assert_eq!(
        video["framesBeforeRelease"], 0,
        "duet sent video before the answer: {video}"
    );
    let audio = &result["audio"];
    assert_eq!(audio["error"], Value::Null, "{result}");
    let heard = audio["expectedToneDb"]
        .as_f64()
        .unwrap_or(f64::NEG_INFINITY);
    let own = audio["ownToneDb"].as_f64().unwrap_or(f64::NEG_INFINITY);
    assert!(
        heard > -30.0 && heard > own + 20.0,
        "browser must hear duet's {DUET_TONE} Hz tone: {audio}"
    );
}

/// What duet-cli recorded of the browser's media.
fn check_cli_recorded(dir: &Path) {
    let mut y4m = Y4mSource::open(&dir.join("peer.y4m")).expect("duet-cli recorded video");
    let header = y4m.header();
    assert_eq!(
        (header.width as u64, header.height as u64),
        (BROWSER_WIDTH, BROWSER_HEIGHT)
    );
    let mut stamps = Vec::new();
    loop {
        match y4m.read_frame() {
            Ok(frame) => stamps.push(decode_stamp(&frame)),
            Err(MediaError::EndOfStream) => break,
            Err(e) => panic!("unreadable recording: {e}"),
        }
    }
    assert!(
        stamps.len() >= MIN_FRAMES,
        "duet-cli recorded {} frames",
        stamps.len()
    );
    let damaged = stamps.iter().filter(|s| s.is_none()).count();
    assert_eq!(
        damaged,
        0,
        "{damaged} of {} recorded pictures lost the browser's stamp",
        stamps.len()
    );
    let numbers: Vec<u32> = stamps.iter().flatten().map(|s| s.frame_number).collect();
    assert!(
        numbers.windows(2).all(|w| w[1] > w[0]),
        "the browser's frame numbers must advance in duet's recording: {numbers:?}"
    );

    let wav = hound::WavReader::open(dir.join("peer.wav")).expect("duet-cli recorded audio");
    assert_eq!(wav.spec().sample_rate, 48_000);
    let samples: Vec<i16> = wav
        .into_samples::<i16>()
        .collect::<Result<_, _>>()
        .expect("a readable WAV");
    assert!(
        samples.len() >= 48_000 * 2,
        "duet-cli recorded {} samples",
        samples.len()
    );
    // Skip the first half second: the jitter buffer fills and the browser's encoder starts there.
    let steady = &samples[24_000..];
    let (browser, own) = (
        tone_level_db(steady, BROWSER_TONE.parse().expect("a number")),
        tone_level_db(steady, DUET_TONE.parse().expect("a number")),
    );
    assert!(
        browser > -30.0 && browser > own + 20.0,
        "duet-cli must hear the browser's {BROWSER_TONE} Hz tone: {browser:.1} dB, own tone {own:.1} dB"
    );
}

#[test]
fn chromium_calls_duet_cli_and_media_crosses_both_ways() {
    let _turn = ONE_BROWSER_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    require_browser();
    // The page is served from 127.0.0.1 on a port picked at run time.
    let server = Server::start(&["--allow-origin", "http://127.0.0.1:*"]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut args = cli_media(dir.path());
    args.extend(
        [
            "listen", "--auto", "accept", "--after", "500ms", "--count", "1",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut listener = bob.cli("bob-cli", &args);
    listener.wait_for("RESYNCED");

    let mut browser = Browser::start("call", &alice, &["--peer", "bob"]);
    browser.wait_for("BROWSER_ENOUGH_MEDIA");
    wait_for_recording(dir.path(), MIN_FRAMES as u64);
    // The browser hangs up; duet-cli (--count 1) exits after the call's record.
    browser.hang_up();
    let callee = listener.finish();
    let (code, result) = browser.finish();

    assert_eq!(
        code, 0,
        "the browser's call must end with a record: {result}"
    );
    assert_eq!(result["record"]["status"], 1, "{result}");
    assert_eq!(callee.code, 0, "duet-cli: {:?}", callee.names());
    assert!(callee.names().contains(&"INVITED"));
    check_browser_received(&result);
    check_cli_recorded(dir.path());
}

#[test]
fn duet_cli_calls_chromium_and_media_crosses_both_ways() {
    let _turn = ONE_BROWSER_AT_A_TIME
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    require_browser();
    // The page is served from 127.0.0.1 on a port picked at run time.
    let server = Server::start(&["--allow-origin", "http://127.0.0.1:*"]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let dir = tempfile::tempdir().expect("a temp dir");

    let mut browser = Browser::start("answer", &bob, &["--accept-after", "500"]);
    browser.wait_for("BROWSER_LOGGED_IN");
    let mut args = cli_media(dir.path());
    args.extend(["call", "bob", "--type", "video"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut caller = alice.cli("alice-cli", &args);
    caller.wait_for("USER_ACCEPT");
    browser.wait_for("BROWSER_ENOUGH_MEDIA");
    wait_for_recording(dir.path(), MIN_FRAMES as u64);
    // Ctrl-C: duet-cli hangs up the call and exits after its record.
    caller.interrupt();
    let caller = caller.finish();
    let (code, result) = browser.finish();

    assert_eq!(caller.code, 0, "duet-cli: {:?}", caller.names());
    assert_eq!(caller.record()["status"], 1);
    assert_eq!(
        code, 0,
        "the browser's call must end with a record: {result}"
    );
    check_browser_received(&result);
    check_cli_recorded(dir.path());
}
