//! One run of a preset on one stack: the lab, the two clients, the impairment over the measured
//! span, the hang-up, and what Bob received.

use std::io::Write;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use duet_e2e::lab::netns;
use duet_e2e::lab::server::LabUser;
use duet_e2e::lab::two_sites::Lab;
use duet_e2e::lab::{media, Nat};
use duet_e2e::{event_name, GUARD};
use serde_json::Value;

use crate::measure::{unix_ms_now, Outcome, Raw};
use crate::presets::{self, Preset};

const SERVER_PORT: u16 = 7443;
const ALICE_TONE: u32 = 440;
const BOB_TONE: u32 = 880;
/// Both stacks: 1280x720 at 30 fps, the video sender's ceiling and start rate.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
const MAX_KBPS: u32 = 1500;
/// Duet's floor (nertc-call's `minBitrate`): under it video pauses; low enough that the 300
/// kbit/s presets measure adaptation, not the pause.
const MIN_KBPS: u32 = 150;

#[derive(Debug, Clone, Copy)]
pub enum Stack {
    Duet,
    Chromium,
}

impl Stack {
    pub fn name(&self) -> &'static str {
        match self {
            Stack::Duet => "duet",
            Stack::Chromium => "chromium",
        }
    }
}

pub fn run(stack: Stack, preset: &Preset, seconds: Duration) -> Outcome {
    let lab = Lab::new(Nat::Cone, Nat::Cone, Default::default());
    let mut flags = lab.stun_only();
    // The interop page is served from 127.0.0.1 inside the client's namespace.
    flags.extend(["--allow-origin".into(), "http://127.0.0.1:*".into()]);
    let server = lab.server(SERVER_PORT, &flags);
    let (alice, bob) = lab.users(&server);
    let raw = match stack {
        Stack::Duet => duet(&lab, &alice, &bob, preset, seconds),
        Stack::Chromium => chromium(&lab, &alice, &bob, preset, seconds),
    };
    Outcome::of(raw, preset)
}

/// Plays `preset` on Alice's router for `seconds` from now, calling `poll` every 50 ms; returns
/// (start, end, when the blackout ended) in Unix ms.
fn play(
    lab: &Lab,
    preset: &Preset,
    seconds: Duration,
    mut poll: impl FnMut(),
) -> (f64, f64, Option<f64>) {
    let router = &lab.net.a.router;
    let from_ms = unix_ms_now();
    let started = Instant::now();
    let mut playing = presets::start(preset, router);
    let mut blacked = false;
    while started.elapsed() < seconds {
        playing.tick(preset, router, started, &mut blacked);
        poll();
        thread::sleep(Duration::from_millis(50));
    }
    let to_ms = unix_ms_now();
    (from_ms, to_ms, playing.finish(preset, router))
}

fn duet(lab: &Lab, alice: &LabUser, bob: &LabUser, preset: &Preset, seconds: Duration) -> Raw {
    let dir = tempfile::tempdir().expect("a temp dir");
    let frames = dir.path().join("bob-frames.csv");
    let audio = media::peer_audio(dir.path());
    let common = |tone: u32| {
        vec![
            "--video".to_owned(),
            "testsrc".into(),
            "--audio".into(),
            format!("tone:{tone}"),
            "--resolution".into(),
            "full-hd".into(),
            // Speech coding (32 kbit/s), as Chromium codes a microphone by default.
            "--audio-quality".into(),
            "standard".into(),
            "--min-bitrate".into(),
            MIN_KBPS.to_string(),
            "--max-bitrate".into(),
            MAX_KBPS.to_string(),
        ]
    };
    let mut bob_args = common(BOB_TONE);
    bob_args.extend([
        "--record-audio".into(),
        audio.display().to_string(),
        "--record-frame-times".into(),
        frames.display().to_string(),
    ]);
    bob_args.extend(
        [
            "listen", "--auto", "accept", "--after", "300ms", "--count", "1",
        ]
        .map(String::from),
    );
    let mut listener = bob.cli("bob-lab", &strs(&bob_args));
    listener.wait_for("RESYNCED");
    let mut alice_args = common(ALICE_TONE);
    alice_args.extend(["call", "bob", "--type", "video"].map(String::from));
    let mut caller = alice.cli("alice-lab", &strs(&alice_args));
    wait_until("Bob decodes Alice's first picture", || {
        std::fs::metadata(&frames).is_ok_and(|m| m.len() > 0)
    });

    let mut send_kbps = Vec::new();
    let mut seen = 0;
    let mut ended = false;
    let (from_ms, to_ms, restored_at_ms) = play(lab, preset, seconds, || {
        let events = caller.events_so_far();
        for event in &events[seen..] {
            match event_name(event) {
                "CALL_STATS" => {
                    send_kbps.push((unix_ms_now(), event["send_kbps"].as_f64().unwrap_or(0.0)))
                }
                "CALL_END" => ended = true,
                _ => {}
            }
        }
        seen = events.len();
    });
    caller.interrupt();
    let (caller, callee) = (caller.finish(), listener.finish());
    // Alice hung up after the span; any other end means the network ended the call.
    let call_kept = !ended && caller.code == 0 && callee.code == 0;
    let (frame_times_ms, sizes) = read_frame_times(&frames);
    let samples = media::audio_samples(dir.path());
    Raw {
        from_ms,
        to_ms,
        frame_times_ms,
        sizes,
        tone_windows: media::tone_windows(&samples, 1, ALICE_TONE, BOB_TONE),
        concealed_share: None,
        send_kbps,
        restored_at_ms,
        call_kept,
    }
}

fn read_frame_times(path: &Path) -> (Vec<f64>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut sizes: Vec<String> = Vec::new();
    let times = text
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(',');
            let at = fields.next()?.parse().ok()?;
            let size = format!("{}x{}", fields.next()?, fields.next()?);
            if !sizes.contains(&size) {
                sizes.push(size);
            }
            Some(at)
        })
        .collect();
    (times, sizes)
}

/// `node interop/run.js` inside a client namespace, its JSON lines read as they come.
struct Page {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<Value>,
    /// The page's result, once printed (the call ended).
    result: Option<Value>,
}

impl Page {
    fn start(user: &LabUser, spki: &str, args: &[String]) -> Page {
        let run_js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/run.js");
        let mut command: Command = netns::command_in(&user.ns, "node");
        command
            .arg(run_js)
            .args(args)
            .args(["--server", &user.url, "--app-key", "demo"])
            .args(["--account", &user.account, "--token", &user.token])
            .args(["--lab", "1", "--spki", spki, "--guard-ms", "180000"])
            .args([
                "--width",
                &WIDTH.to_string(),
                "--height",
                &HEIGHT.to_string(),
            ])
            .args([
                "--fps",
                &FPS.to_string(),
                "--max-bitrate",
                &MAX_KBPS.to_string(),
            ])
            .args(["--min-frames", "1", "--min-audio", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("node starts");
        let stdin = child.stdin.take().expect("stdin is piped");
        let lines = duet_e2e::json_lines(child.stdout.take().expect("stdout is piped"), "run.js");
        Page {
            child,
            stdin,
            lines,
            result: None,
        }
    }

    /// Waits for `{"event": name}` and returns it.
    fn wait_for(&mut self, name: &str) -> Value {
        let started = Instant::now();
        loop {
            let left = GUARD.saturating_sub(started.elapsed());
            match self.lines.recv_timeout(left) {
                Ok(line) if line["event"] == name => return line,
                Ok(_) => {}
                Err(e) => panic!("run.js never printed {name}: {e}"),
            }
        }
    }

    /// Whether the call has ended (the page printed its result), without waiting.
    fn ended(&mut self) -> bool {
        if let Some(result) = self
            .lines
            .try_iter()
            .find(|l| l["event"] == "BROWSER_RESULT")
        {
            self.result = Some(result);
        }
        self.result.is_some()
    }

    fn hang_up(&mut self) {
        let _ = writeln!(self.stdin, "hangup");
    }

    fn finish(mut self) -> Value {
        let result = match self.result.take() {
            Some(result) => result,
            None => self.wait_for("BROWSER_RESULT"),
        };
        let _ = self.child.wait();
        result["result"].clone()
    }
}

/// The base64 SHA-256 of the server certificate's public key, which Chromium is told to trust
/// (the lab's CA is not in its store).
fn spki_hash(cert: &Path) -> String {
    let script = format!(
        "openssl x509 -in '{}' -pubkey -noout | openssl pkey -pubin -outform der \
         | openssl dgst -sha256 -binary | base64",
        cert.display()
    );
    netns::run("sh", &["-c", &script]).trim().to_owned()
}

fn chromium(lab: &Lab, alice: &LabUser, bob: &LabUser, preset: &Preset, seconds: Duration) -> Raw {
    let spki = spki_hash(&lab.certs.cert);
    let tones = |own: u32, heard: u32| {
        vec![
            "--tone".to_owned(),
            own.to_string(),
            "--expect-tone".into(),
            heard.to_string(),
        ]
    };
    let mut bob_args = vec!["answer".to_owned(), "--accept-after".into(), "300".into()];
    bob_args.extend(tones(BOB_TONE, ALICE_TONE));
    let mut callee = Page::start(bob, &spki, &bob_args);
    callee.wait_for("BROWSER_LOGGED_IN");
    let mut alice_args = vec![
        "call".to_owned(),
        "--peer".into(),
        "bob".into(),
        "--hangup".into(),
        "never".into(),
    ];
    alice_args.extend(tones(ALICE_TONE, BOB_TONE));
    let mut caller = Page::start(alice, &spki, &alice_args);
    callee.wait_for("BROWSER_FIRST_REMOTE_FRAME");

    let mut ended = false;
    let (from_ms, to_ms, restored_at_ms) = play(lab, preset, seconds, || {
        ended |= caller.ended() | callee.ended();
    });
    caller.hang_up();
    let (sent, received) = (caller.finish(), callee.finish());
    let lab_of = |result: &Value| result["lab"].clone();
    let (sent, received_lab) = (lab_of(&sent), lab_of(&received));
    let numbers = |v: &Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default()
    };
    let pair = |v: &Value| {
        (
            v[0].as_u64().unwrap_or(0) as usize,
            v[1].as_u64().unwrap_or(0) as usize,
        )
    };
    Raw {
        from_ms,
        to_ms,
        frame_times_ms: numbers(&received_lab["frameTimesMs"]),
        sizes: received_lab["sizes"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default(),
        tone_windows: pair(&received_lab["toneWindows"]),
        concealed_share: received_lab["concealedShare"].as_f64(),
        send_kbps: sent["sendKbps"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default(),
        restored_at_ms,
        call_kept: !ended && received["endReason"] == "user_hangup",
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Waits (under the guard) until `done` holds; fails naming `what`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < GUARD, "timed out: {what}");
        thread::sleep(Duration::from_millis(20));
    }
}
