//! The desktop app (src-tauri + ui) driven end to end under Xvfb with tauri-driver: it starts
//! signed in to its embedded server with the echo contact, signs in to a real duet-server, calls a
//! duet-cli bot and paints its video, mutes, goes to the background behind the mini window
//! (mini_window.rs), takes a waiting call with End and answer (call_waiting.rs); an audio call
//! turns video with the bot's consent (upgrade.rs); a `duet://call` link asks before it
//! calls; the bot calls it and the popup (in the screen's corner, without taking the focus, refused
//! any command but its own) accepts, declines and closes on cancel; the history view shows every
//! record's text.
//!
//! Needs the built app (`cargo build -p duet-app`, after `npm run build` in ui/), duet-server and
//! duet-cli in the target dir, and the Xvfb, openbox, D-Bus, WebKitWebDriver and tauri-driver that
//! `scripts/setup.sh test` installs. `DUET_SCREENSHOTS=1` copies the screenshots into
//! docs/screenshots/.
//! `DUET_BENCH=1` also runs the paint-latency and memory benchmark and the app against a browser
//! tab (tab_bench.rs; docs/benchmarks.md).

#[path = "gui_app/call_waiting.rs"]
mod call_waiting;
#[path = "../src/gui/mod.rs"]
mod gui;
#[path = "gui_app/microphones.rs"]
mod microphones;
#[path = "gui_app/mini_window.rs"]
mod mini_window;
#[path = "gui_app/tab_bench.rs"]
mod tab_bench;
#[path = "gui_app/upgrade.rs"]
mod upgrade;

use duet_e2e::{bin_dir, Cli, Finished, Server, User};
use gui::desktop::{free_port, Desktop, SCREEN};
use gui::driver::{App, Window};
use gui::memory;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The bot's media besides its video: a 1 kHz tone, on loopback.
const BOT_MEDIA: [&str; 4] = ["--audio", "tone:1000", "--media-bind", "127.0.0.1"];

/// The people the screenshots show: the bot's camera and the app's own, panning across a portrait.
struct Clips {
    dir: tempfile::TempDir,
}

impl Clips {
    fn write() -> Clips {
        let dir = tempfile::tempdir().expect("a directory for the clips");
        gui::portrait::write_clip(&dir.path().join("bot.y4m"), 640, 360, 90, 0.75, false);
        gui::portrait::write_clip(&dir.path().join("me.y4m"), 640, 360, 90, 0.6, true);
        Clips { dir }
    }

    fn bot(&self) -> String {
        self.dir.path().join("bot.y4m").display().to_string()
    }

    fn me(&self) -> String {
        self.dir.path().join("me.y4m").display().to_string()
    }
}

fn app_binary() -> PathBuf {
    let path = bin_dir().join("duet");
    assert!(
        path.exists(),
        "{} is missing: run `npm run build` in ui/ and then `cargo build -p duet-app`",
        path.display()
    );
    path
}

/// The app's synthetic devices and ports (docs/app-interface.md; read by src-tauri).
fn app_env(video: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DUET_VIDEO_SOURCE", video.into()),
        ("DUET_AUDIO_SOURCE", "tone:440".into()),
        ("DUET_AUDIO_SINK", "null".into()),
        ("DUET_MEDIA_BIND", "127.0.0.1".into()),
        ("DUET_EMBEDDED_PORT", free_port().to_string()),
        // English texts in the screenshots; the history check accepts both languages.
        ("LANG", "en_US.UTF-8".into()),
        ("LANGUAGE", "en".into()),
        ("RUST_LOG", "info".into()),
    ]
}

/// One app under test with its desktop and a real duet-server.
struct Run {
    // Dropped in this order: the session (closes the app), the desktop, the server.
    app: App,
    desktop: Desktop,
    server: Server,
    alice: User,
    bot: User,
    /// Asks alice to be a contact; the page accepts.
    carol: User,
    clips: Clips,
}

impl Run {
    fn start() -> Run {
        Run::start_with(|env| env)
    }

    /// A run whose app gets [`app_env`] changed by `adjust`.
    fn start_with(
        adjust: impl FnOnce(Vec<(&'static str, String)>) -> Vec<(&'static str, String)>,
    ) -> Run {
        Run::start_serving(&[], adjust)
    }

    /// A run whose server also gets `server_args`, and whose app gets [`app_env`] changed by
    /// `adjust`.
    fn start_serving(
        server_args: &[&str],
        adjust: impl FnOnce(Vec<(&'static str, String)>) -> Vec<(&'static str, String)>,
    ) -> Run {
        let server = Server::start(server_args);
        let (alice, bot, carol) = (
            server.user("alice"),
            server.user("bot"),
            server.user("carol"),
        );
        let clips = Clips::write();
        let desktop = Desktop::start(&adjust(app_env(&clips.me())));
        let app = App::launch(desktop.driver_port, &app_binary())
            .unwrap_or_else(|e| panic!("{e}\n{}", desktop.app_log_tail(6000)));
        Run {
            app,
            desktop,
            server,
            alice,
            bot,
            carol,
            clips,
        }
    }

    /// Fails with `message`, the page and the app's log.
    fn fail(&self, message: &str) -> ! {
        panic!(
            "{message}\npage:\n{}\n{}\nserver log tail:\n{}",
            self.app.describe(),
            self.desktop.app_log_tail(6000),
            tail(&self.server.log(), 3000)
        );
    }

    /// A bot answering one call with the Y4M file `video` and [`BOT_MEDIA`], `extra` flags
    /// added, once it is online (the benchmarks' far side).
    fn answering_bot(&self, device: &str, video: &Path, extra: &[&str]) -> Cli {
        let video = video.display().to_string();
        let flags: Vec<&str> = ["--video", video.as_str()]
            .into_iter()
            .chain(BOT_MEDIA)
            .chain(extra.iter().copied())
            .chain(["listen", "--auto", "accept", "--count", "1"])
            .collect();
        let mut bot = self.bot.cli(device, &flags);
        bot.wait_for("RESYNCED");
        bot
    }

    /// A bot process as the `bot` account with its media flags.
    fn bot(&self, device: &str, args: &[&str]) -> Cli {
        let video = self.clips.bot();
        let all: Vec<&str> = ["--video", video.as_str()]
            .into_iter()
            .chain(BOT_MEDIA.iter().copied())
            .chain(args.iter().copied())
            .collect();
        self.bot.cli(device, &all)
    }

    /// Signs out of wherever the app is, signs in to the test server as alice, finds the bot in
    /// the directory and asks it to be a contact through the page (contact-search,
    /// search-add-bot); the bot accepts with duet-cli. Meanwhile carol's request arrives live and
    /// the page accepts it (contact-accept-carol), which carol's duet-cli sees.
    fn sign_in_as_alice(&mut self) {
        let app = self.app.on(Window::Main);
        app.click("nav-signout");
        app.wait_visible("signin-form");
        app.click("signin-mode-signin");
        app.fill("signin-server", &self.alice.url);
        // An operator's token: the form's token mode (the password fields are the default).
        let by_token = app.js(
            "return document.querySelector('[data-testid=\"signin-use-token\"]').checked",
            vec![],
        );
        if by_token != json!(true) {
            app.click("signin-use-token");
        }
        app.fill("signin-appkey", "demo");
        app.fill("signin-account", &self.alice.account);
        app.fill("signin-token", &self.alice.token);
        app.click("signin-submit");
        app.wait_visible("contact-search");
        app.fill("contact-search", &self.bot.account);
        app.click("search-add-bot");
        app.wait_visible("contact-pending-bot");

        // A request arrives while the page is open: it shows at the top, to accept or ignore.
        let asked = self
            .carol
            .cli("carol-cli", &["contacts", "add", "alice"])
            .finish();
        assert_eq!(asked.code, 0, "carol asks alice: {:?}", asked.events);
        let app = self.app.on(Window::Main);
        app.wait_visible("contact-accept-carol");
        self.save_screenshot("contacts-request.png");

        // The bot accepts from duet-cli: the page's request becomes a contact with call buttons.
        let accepted = self
            .bot
            .cli("bot-cli", &["contacts", "accept", "alice"])
            .finish();
        assert_eq!(accepted.code, 0, "the bot accepts: {:?}", accepted.events);
        let app = self.app.on(Window::Main);
        app.wait_visible("call-video-bot");
        app.click("contact-accept-carol");
        app.wait_visible("call-video-carol");
        let listed = self.carol.cli("carol-cli", &["contacts"]).finish();
        let states: Vec<(&Value, &Value)> = listed
            .events
            .iter()
            .map(|line| (&line["contact"]["account"], &line["contact"]["state"]))
            .collect();
        assert_eq!(
            states,
            [(&json!("alice"), &json!("accepted"))],
            "carol sees alice accept: {:?}",
            listed.events
        );
    }

    /// Starts `duet <link>` beside the running app, as a desktop does when a link is clicked: the
    /// second start hands the link over (single instance, on this desktop's session bus) and exits.
    fn open_link(&self, link: &str) {
        let mut second = self.desktop.command(&app_binary());
        second
            .arg(link)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let mut child = second.spawn().expect("start a second duet");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("the second duet's status") {
                break status;
            }
            if started.elapsed() > gui::driver::UI_GUARD {
                let _ = child.kill();
                self.fail(&format!(
                    "`duet {link}` did not hand the link over and exit"
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(status.success(), "`duet {link}` exited with {status}");
    }

    fn save_screenshot(&self, name: &str) {
        // The page's toasts (call outcomes) fade after a few seconds; a photo is clearer without.
        // (The current window's page: the popup has none.)
        self.app.wait_until("the toasts to fade", |app| {
            let toasts = app.js("return document.querySelectorAll('.toast').length;", vec![]);
            (toasts == json!(0)).then_some(())
        });
        let png = self.app.screenshot();
        assert!(
            png.starts_with(b"\x89PNG"),
            "the WebDriver screenshot of {name} is not a PNG"
        );
        let temp = self.desktop.dir.path().join(name);
        std::fs::write(&temp, &png).expect("write the screenshot");
        if std::env::var("DUET_SCREENSHOTS").as_deref() == Ok("1") {
            let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
            std::fs::create_dir_all(&docs).expect("docs/screenshots");
            std::fs::write(docs.join(name), &png).expect("write docs/screenshots");
            eprintln!("saved docs/screenshots/{name} ({} bytes)", png.len());
        }
    }
}

fn tail(text: &str, bytes: usize) -> &str {
    let start = text.len().saturating_sub(bytes);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    &text[start..]
}

/// Waits until `cli` prints, after its first `from` events, an event named `name` for which
/// `matches` holds, and returns it (an event printed before the action waited on does not count).
fn events_after(cli: &mut Cli, from: usize, name: &str, matches: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let events = cli.events_so_far();
        if let Some(found) = events
            .iter()
            .skip(from)
            .find(|e| e["event"] == name && matches(e))
        {
            return found.clone();
        }
        assert!(
            started.elapsed() < gui::driver::UI_GUARD,
            "no {name} from duet-cli after its first {from} events: {events:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// window.duetDebug's remote-frame counter and a sample of the remote canvas.
fn remote_picture(app: &App) -> (u64, Vec<u64>) {
    let v = app.js(
        "const d = window.duetDebug;
         if (!d) return null;
         return { painted: d.framesPainted[0], sample: d.sampleRemote() };",
        vec![],
    );
    let painted = v["painted"].as_u64().unwrap_or(0);
    let sample = v["sample"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    (painted, sample)
}

fn distinct(sample: &[u64]) -> usize {
    let mut values = sample.to_vec();
    values.sort_unstable();
    values.dedup();
    values.len()
}

/// Waits until remote video is painted with varied pixels, then until both the picture and the
/// painted-frame count change: the video moves.
fn remote_video_moves(app: &App) {
    let (first_count, first) = app.wait_until(
        "remote video painted (duetDebug.framesPainted[0] > 0 and sampleRemote() with varied pixels)",
        |app| {
            let (painted, sample) = remote_picture(app);
            (painted > 0 && sample.len() == 64 && distinct(&sample) > 1).then_some((painted, sample))
        },
    );
    app.wait_until(
        "the remote picture to change and framesPainted[0] to grow",
        |app| {
            let (painted, sample) = remote_picture(app);
            (painted > first_count
                && sample.len() == 64
                && sample != first
                && distinct(&sample) > 1)
                .then_some(())
        },
    );
}

/// Finds the record of `call_id` in the popup-less main window's history view, and checks its
/// `data-status` and text against the contract's table for this side (`incoming`).
fn check_history_row(app: &App, call_id: &str, status: u64, incoming: bool) -> String {
    let (zh, en) = match (status, incoming) {
        (1, _) => ("已完成", "Completed"),
        (2, true) => ("对方已取消", "Caller canceled"),
        (2, false) => ("已取消", "Canceled"),
        (3, true) => ("已拒绝", "Declined"),
        (3, false) => ("对方已拒绝", "Callee declined"),
        (4, _) | (5, true) => ("未接听", "Unanswered"),
        (5, false) => ("对方忙线", "Callee busy"),
        _ => panic!("no status text for status {status}"),
    };
    let row = app.wait_until(&format!("a history-row for call {call_id}"), |app| {
        let v = app.js(
            "const row = [...document.querySelectorAll('[data-testid=\"history-row\"]')]
               .find(r => r.dataset.callId === arguments[0]);
             if (!row) return null;
             const text = row.querySelector('[data-testid=\"history-status\"]');
             return { status: row.dataset.status, text: (text ?? row).textContent.trim() };",
            vec![json!(call_id)],
        );
        (!v.is_null()).then_some(v)
    });
    assert_eq!(
        row["status"].as_str(),
        Some(status.to_string().as_str()),
        "history-row data-status of call {call_id}: {row}"
    );
    let text = row["text"].as_str().unwrap_or("").to_owned();
    assert!(
        text == zh || text == en,
        "history-row of call {call_id} (status {status}, incoming {incoming}) shows {text:?}, \
         expected {zh:?} or {en:?}"
    );
    text
}

/// The popup's title (shell/popup_window.rs), as the X server lists it.
const POPUP_TITLE: &str = "incoming call";

/// Waits, from outside the app, until the popup window is on screen, and checks that it sits in
/// the bottom-right corner of the screen (openbox on Xvfb: the work area is the whole screen) and
/// that it did not take the focus. Run before WebDriver switches to the popup, which may focus it.
fn popup_in_its_corner_without_focus(run: &mut Run) {
    let started = Instant::now();
    let popup = loop {
        match run.desktop.window(POPUP_TITLE) {
            Some(window) if window.viewable => break window,
            _ if started.elapsed() > gui::driver::UI_GUARD => {
                run.fail("the popup window never appeared (xwininfo)")
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let (right, bottom) = (popup.x + popup.width, popup.y + popup.height);
    let in_corner = popup.x > SCREEN.0 / 2
        && popup.y > SCREEN.1 / 2
        && right <= SCREEN.0
        && bottom <= SCREEN.1
        && SCREEN.0 - right <= 64
        && SCREEN.1 - bottom <= 96;
    if !in_corner {
        run.fail(&format!(
            "the popup sits in the bottom-right corner of the {SCREEN:?} screen (a 16 px margin \
             plus the window frame): {popup:?}"
        ));
    }
    // Checked again after a few WebDriver round trips on the main window: a focus request made
    // with the showing would have reached the window manager by then.
    for _ in 0..2 {
        let focused = run.desktop.focused_window_title();
        if focused.as_deref().unwrap_or("").contains(POPUP_TITLE) {
            run.fail(&format!("the popup took the focus ({focused:?})"));
        }
        run.app.on(Window::Main).wait_visible("incoming-banner");
    }
}

/// In the popup: the page's own stylesheet applies under the CSP, and a command the popup's
/// capability does not list (`call`) is refused by Tauri.
fn popup_is_styled_and_refused_call(app: &mut App) {
    let app = app.on(Window::Popup);
    let display = app.js(
        "return getComputedStyle(document.querySelector('[data-testid=\"popup\"]')).display;",
        vec![],
    );
    assert_eq!(display, json!("flex"), "popup.css applies under the CSP");
    app.js(
        "window.__aclProbe = null;
         window.__TAURI_INTERNALS__.invoke('call', { account: 'bot', callType: 2 }).then(
           () => { window.__aclProbe = 'allowed'; },
           (e) => { window.__aclProbe = 'refused: ' + (typeof e === 'string' ? e : JSON.stringify(e)); });
         return null;",
        vec![],
    );
    let outcome = app.wait_until("the popup's `call` to be answered", |app| {
        app.js("return window.__aclProbe;", vec![])
            .as_str()
            .map(str::to_owned)
    });
    assert!(
        outcome.starts_with("refused") && outcome.contains("not allowed"),
        "the popup may not place a call: {outcome}"
    );
}

/// Waits until the popup window rings for an invite and the window is shown.
fn wait_popup_ringing(app: &mut App) {
    let app = app.on(Window::Popup);
    app.wait_until(
        "the popup to ring (popup[data-ringing=true], window shown)",
        |app| {
            let ringing = app.attribute("popup", "data-ringing").as_deref() == Some("true");
            (ringing && app.visible("popup") && page_shown(app)).then_some(())
        },
    );
}

/// Whether the current window is shown: WebKit reports a hidden (unmapped) window's page as
/// `document.visibilityState == "hidden"`.
fn page_shown(app: &App) -> bool {
    app.js("return document.visibilityState;", vec![]).as_str() == Some("visible")
}

fn record_of(finished: &Finished) -> (String, u64) {
    let record = finished.record();
    (
        record["call_id"].as_str().expect("a call id").to_owned(),
        record["status"].as_u64().expect("a status"),
    )
}

/// Step "devices" (its own app, so the steps after it keep the synthetic devices): on a machine
/// whose camera and microphone are missing, the echo call says so where the local picture would
/// be, disables the camera button with the reason, shows the echo's avatar (it mirrors the camera
/// off), and with nothing sent or received the network label never says "Excellent" but "No
/// media".
fn devices_step_no_camera_echo_call() {
    let mut run = Run::start_with(|env| {
        env.into_iter()
            .map(|(name, value)| match name {
                // No machine has a 98th camera: missing here and in CI alike.
                "DUET_VIDEO_SOURCE" => (name, "camera:97".to_owned()),
                // No microphone by that name either: both devices missing, the app turns both
                // off, the echo mirrors it and sends nothing back, so no media flows in the call.
                "DUET_AUDIO_SOURCE" => (name, "mic:duet-test-no-such-microphone".to_owned()),
                _ => (name, value),
            })
            .collect()
    });
    let app = run.app.on(Window::Main);
    app.wait_visible("contact-echo");
    app.click("call-video-echo");
    app.wait_visible("call-screen");
    app.wait_visible("local-placeholder");
    assert_eq!(text_of(app, "local-device-note"), "No camera found");
    assert!(!app.visible("local-video"), "no black local picture");
    let camera_button = app.js(
        "const b = document.querySelector('[data-testid=\"btn-camera\"]'); return [b.disabled, b.title];",
        vec![],
    );
    assert_eq!(camera_button, json!([true, "No camera found"]));
    assert_eq!(text_of(app, "device-notes"), "No microphone");
    // The echo mirrors the camera off: its avatar and name fill the stage.
    app.wait_visible("remote-placeholder");
    // The echo may send a moment of silence before it hears that the caller has no microphone;
    // once that has left the grading window, the label says No media and keeps saying it.
    app.wait_until("the network label to say No media", |app| {
        let quality = app.attribute("network-quality", "data-quality");
        (quality.as_deref() == Some("unknown") && text_of(app, "network-quality") == "No media")
            .then_some(())
    });
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            app.attribute("network-quality", "data-quality").as_deref(),
            Some("unknown"),
            "no media flows, so the call is not graded"
        );
    }
    run.save_screenshot("no-camera.png");
    let app = run.app.on(Window::Main);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
}

#[test]
fn the_desktop_app_calls_answers_declines_and_keeps_history() {
    // Step "devices": a machine without a camera (its own app; see the function).
    devices_step_no_camera_echo_call();

    let mut run = Run::start();
    // (call id, status, incoming) of every call, to check the history view at the end.
    let mut calls: Vec<(String, u64, bool)> = vec![];

    // 1. First start: signed in to the embedded server, the echo contact listed.
    run.app.on(Window::Main).wait_visible("contact-echo");
    run.save_screenshot("main.png");

    // 1b. Create an account on a server whose registration is open, from the sign-in screen,
    // with the address as people write it (host:port, here plain ws:// on loopback).
    run.server
        .admin(&["app", "set", "demo", "--registration", "open"]);
    let app = run.app.on(Window::Main);
    app.click("nav-signout");
    app.wait_visible("signin-form");
    app.fill("signin-server", &run.alice.url);
    app.click("signin-mode-create");
    app.wait_visible("signup-nick");
    app.fill("signin-account", "dora");
    app.fill("signup-nick", "Dora");
    app.fill("signin-password", "correct horse battery");
    run.save_screenshot("create-account.png");
    let app = run.app.on(Window::Main);
    app.click("signin-submit");
    app.wait_visible("contact-search");
    // The account exists on the server now: the operator can issue it a token.
    let token = run.server.admin(&["user", "token", "dora"]);
    assert!(token.starts_with("dt1."), "{token}");

    // 2. Sign in to the test server and call the bot, which answers with the test pattern.
    run.sign_in_as_alice();
    let mut bot = run.bot(
        "bot-listen",
        &["listen", "--auto", "accept", "--count", "1"],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    app.wait_visible("call-screen");
    remote_video_moves(app);
    run.save_screenshot("call.png");
    let app = run.app.on(Window::Main);
    app.click("btn-mute");
    bot.wait_for_match("AUDIO_AVAILABLE", |e| e["available"] == json!(false));
    // 2a. The main window goes to the background: the mini window (see the module).
    mini_window::mini_window_step(&mut run, &mut bot);
    // 2b. Carol calls during the call: declined, then End and answer, which ends the bot's call
    // (see the module); the app hangs up carol's.
    calls.extend(call_waiting::call_waiting_step(&mut run, bot));
    // 2c. An audio call turns video with the bot's consent (see the module).
    calls.push(upgrade::audio_to_video_step(&mut run));

    // 2d. The bot declines the app's call: the caller's side of a rejection.
    let mut bot = run.bot(
        "bot-reject",
        &["listen", "--auto", "reject", "--count", "1"],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    let done = bot.finish();
    assert_eq!(done.code, 10, "the bot rejected: {:?}", done.events);
    run.app.on(Window::Main).wait_hidden("call-screen");
    let (id, status) = record_of(&done);
    calls.push((id, status, false));

    // 2e. A duet://call link (handed over by a second start) asks first: the panel names the
    // contact and the app stays idle; the bot's first invite is the audio call the user picks,
    // where the link said video. A link the app does not understand is said, and does nothing.
    let mut bot = run.bot("bot-link", &["listen", "--auto", "reject", "--count", "1"]);
    bot.wait_for("RESYNCED");
    run.open_link("duet://call/bot");
    let app = run.app.on(Window::Main);
    app.wait_visible("link-confirm");
    let callee = app.js(
        "return document.querySelector('[data-testid=\"link-callee\"]').textContent;",
        vec![],
    );
    assert!(
        callee.as_str().is_some_and(|s| s.contains("bot")),
        "the panel names the bot: {callee}"
    );
    let status = app.js("return document.body.dataset.status;", vec![]);
    assert_eq!(
        status,
        json!("idle"),
        "nothing is called before the user picks"
    );
    run.save_screenshot("link.png");
    let app = run.app.on(Window::Main);
    app.click("link-call-audio");
    app.wait_hidden("link-confirm");
    let done = bot.finish();
    assert_eq!(done.code, 10, "the bot rejected: {:?}", done.events);
    let invited: Vec<&Value> = done
        .events
        .iter()
        .filter(|e| e["event"] == "INVITED")
        .collect();
    assert_eq!(invited.len(), 1, "one invite: {:?}", done.events);
    assert_eq!(
        invited[0]["call_type"],
        json!(1),
        "the user's choice, audio"
    );
    run.app.on(Window::Main).wait_hidden("call-screen");
    let (id, status) = record_of(&done);
    calls.push((id, status, false));
    run.open_link("duet://chat/bot");
    let app = run.app.on(Window::Main);
    let said = app.wait_until("the bad link to be said", |app| {
        let text = app.js(
            "return document.querySelector('.toast-error')?.textContent ?? null;",
            vec![],
        );
        text.as_str().map(str::to_owned)
    });
    assert!(said.contains("duet://chat/bot"), "{said}");
    assert!(!app.visible("link-confirm"));

    // 3. The bot calls: the popup rings in its corner without taking the focus, may not place a
    // call, and accept as video puts the main window in the call.
    let caller = run.bot("bot-call-1", &["call", "alice", "--type", "video"]);
    popup_in_its_corner_without_focus(&mut run);
    wait_popup_ringing(&mut run.app);
    popup_is_styled_and_refused_call(&mut run.app);
    let caller_name = run.app.on(Window::Popup).js(
        "return document.querySelector('[data-testid=\"popup-caller\"]')?.textContent ?? '';",
        vec![],
    );
    assert!(
        caller_name.as_str().is_some_and(|s| s.contains("bot")),
        "popup-caller names the bot: {caller_name}"
    );
    run.save_screenshot("popup.png");
    run.app.on(Window::Popup).click("popup-accept-video");
    let app = run.app.on(Window::Main);
    app.wait_visible("call-screen");
    remote_video_moves(app);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = caller.finish();
    assert_eq!(
        done.code, 0,
        "accepted then hung up by the app: {:?}",
        done.events
    );
    let (id, status) = record_of(&done);
    calls.push((id, status, true));

    // 4. The bot calls and the popup declines: duet-cli exits 10 (rejected).
    let caller = run.bot("bot-call-2", &["call", "alice", "--type", "video"]);
    wait_popup_ringing(&mut run.app);
    run.app.on(Window::Popup).click("popup-decline");
    let done = caller.finish();
    assert_eq!(done.code, 10, "declined in the popup: {:?}", done.events);
    let (id, status) = record_of(&done);
    calls.push((id, status, true));

    // 5. The bot cancels while the popup rings (Ctrl-C cancels a ringing call): the popup closes.
    let caller = run.bot("bot-call-3", &["call", "alice", "--type", "audio"]);
    wait_popup_ringing(&mut run.app);
    caller.interrupt();
    let done = caller.finish();
    assert_eq!(done.code, 13, "cancelled while ringing: {:?}", done.events);
    let popup = run.app.on(Window::Popup);
    popup.wait_until(
        "the popup to stop ringing and hide after the cancel",
        |app| {
            let ringing = app.attribute("popup", "data-ringing").as_deref() == Some("true");
            (!ringing && !page_shown(app)).then_some(())
        },
    );
    let (id, status) = record_of(&done);
    calls.push((id, status, true));

    // 5b. That cancelled call was missed: the History tab shows a badge until it is opened.
    let app = run.app.on(Window::Main);
    let badge = app.wait_until("the missed-call badge on the History tab", |app| {
        let text = text_of(app, "missed-badge");
        (app.visible("missed-badge") && text == "1").then_some(text)
    });
    assert_eq!(badge, "1");
    run.save_screenshot("missed-call.png");

    // 6. The history view shows each record with its status text for this side.
    let app = run.app.on(Window::Main);
    app.click("nav-history");
    app.wait_hidden("missed-badge");
    let mut shown = vec![];
    for (id, status, incoming) in &calls {
        shown.push(check_history_row(app, id, *status, *incoming));
    }
    let expected_statuses: Vec<u64> = calls.iter().map(|c| c.1).collect();
    if expected_statuses != [5, 1, 1, 1, 3, 3, 1, 3, 2] {
        run.fail(&format!(
            "the bot's records have unexpected statuses {expected_statuses:?}"
        ));
    }
    eprintln!("history texts: {shown:?}");
    run.save_screenshot("history.png");

    // 7. Settings: dark mode when forced (the page's background turns dark), then the main
    // window in Chinese; both back as they were.
    let app = run.app.on(Window::Main);
    app.click("nav-settings");
    app.wait_visible("settings-theme");
    run.save_screenshot("settings.png");
    let app = run.app.on(Window::Main);
    let background = || {
        app.js(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
    };
    let light = background();
    choose(app, "settings-theme", "dark");
    app.click("settings-save");
    app.wait_until("the dark theme", |app| {
        let theme = app.js(
            "return document.documentElement.dataset.theme ?? null;",
            vec![],
        );
        (theme == json!("dark")).then_some(())
    });
    let dark = background();
    assert_ne!(dark, light, "the background changes with the theme");
    assert!(is_dark(&dark), "a dark background: {dark}");
    app.click("nav-contacts");
    app.wait_visible("contact-bot");
    run.save_screenshot("dark-mode.png");
    let app = run.app.on(Window::Main);
    app.click("nav-settings");
    app.wait_visible("settings-theme");
    choose(app, "settings-theme", "light");
    choose(app, "settings-language", "zh");
    app.click("settings-save");
    app.click("nav-contacts");
    app.wait_until("the main window in Chinese", |app| {
        (text_of(app, "nav-history") == "通话记录").then_some(())
    });
    run.save_screenshot("main-zh.png");
    let app = run.app.on(Window::Main);
    app.click("nav-settings");
    app.wait_visible("settings-language");
    choose(app, "settings-language", "en");
    app.click("settings-save");
    app.wait_until("English again", |app| {
        (text_of(app, "nav-history") == "History").then_some(())
    });
}

/// The text of the element with `testid`, trimmed ("" when absent).
fn text_of(app: &App, testid: &str) -> String {
    let script =
        format!("return document.querySelector('[data-testid=\"{testid}\"]')?.textContent ?? '';");
    app.js(&script, vec![])
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Picks `value` in the `<select>` with `testid`, as a user would (a change event follows).
fn choose(app: &App, testid: &str, value: &str) {
    let script = format!(
        "const s = document.querySelector('[data-testid=\"{testid}\"]'); \
         s.value = arguments[0]; s.dispatchEvent(new Event('change', {{ bubbles: true }})); return s.value;"
    );
    let chosen = app.js(&script, vec![json!(value)]);
    assert_eq!(chosen, json!(value), "{testid} offers {value}");
}

/// Whether a CSS `rgb(r, g, b)` colour is dark (perceived brightness under a third).
fn is_dark(css: &str) -> bool {
    let channels: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    channels.len() == 3 && (0.299 * channels[0] + 0.587 * channels[1] + 0.114 * channels[2]) < 85.0
}

/// p-th percentile (0..100) by nearest rank.
fn percentile(values: &[f64], p: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The app's PSS summed over its processes: the median of five samples a second apart.
fn app_memory(app_pid: u32) -> (f64, Vec<memory::ProcessMemory>) {
    let mut samples = vec![];
    let mut last = vec![];
    for _ in 0..5 {
        last = memory::tree(app_pid);
        samples.push(memory::total_mib(&last));
        std::thread::sleep(Duration::from_secs(1));
    }
    (percentile(&samples, 50.0), last)
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default()
}

/// Decoded-frame-to-painted latency of 1280x720 30 fps remote video in the page, and the app's
/// memory (all its processes) in that call against the idle app in the same run.
/// `DUET_BENCH=1 cargo test -p duet-e2e --test gui_app -- --nocapture bench`
#[test]
fn bench_paint_latency_and_memory_in_a_720p_call() {
    if std::env::var("DUET_BENCH").as_deref() != Ok("1") {
        eprintln!("skipped: the benchmark runs with DUET_BENCH=1");
        return;
    }
    let mut run = Run::start();
    let video = run.desktop.dir.path().join("720p.y4m");
    gui::pattern::write_720p(&video, gui::pattern::FPS).expect("write the 720p pattern");
    run.sign_in_as_alice();
    let app_pid = gui::procs::descendant_named(run.desktop.driver.pid(), "duet")
        .unwrap_or_else(|| run.fail("no `duet` process under tauri-driver"));

    // Baseline: the same app signed in and idle, contacts showing.
    std::thread::sleep(Duration::from_secs(5));
    let (idle_mib, idle_processes) = app_memory(app_pid);

    let bot = run.answering_bot("bot-bench", &video, &[]);
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    app.wait_visible("call-screen");
    remote_video_moves(app);

    // Let the window of the last 600 remote frames fill with frames of this call only.
    let read = |app: &App| {
        app.js(
            "const d = window.duetDebug;
             const c = document.querySelector('[data-testid=\"remote-video\"]');
             return { painted: d.framesPainted[0], dropped: d.framesDropped?.[0] ?? null,
                      latency: d.paintLatencyMs, draw: d.drawMs ?? [],
                      received: d.receiveLatencyMs ?? [],
                      width: c?.width ?? 0, height: c?.height ?? 0 };",
            vec![],
        )
    };
    let start = read(app);
    let started = Instant::now();
    let start_painted = start["painted"].as_u64().unwrap_or(0);
    // Polls only the counter and reads the three 600-value windows once, at the end: copying
    // them out five times a second is work on the page's main thread, beside what is measured.
    app.wait_until("600 more remote frames painted", |app| {
        let painted = app.js("return window.duetDebug.framesPainted[0];", vec![]);
        (painted.as_u64().unwrap_or(0) >= start_painted + 600).then_some(())
    });
    let end = read(app);
    let seconds = started.elapsed().as_secs_f64();
    let (call_mib, call_processes) = app_memory(app_pid);
    app.click("btn-hangup");
    let done = bot.finish();
    assert_eq!(
        done.code, 0,
        "the benchmark call completes: {:?}",
        done.events
    );

    let latency = numbers(&end["latency"]);
    let draw = numbers(&end["draw"]);
    let received = numbers(&end["received"]);
    assert!(
        latency.len() >= 600,
        "paintLatencyMs holds {} values",
        latency.len()
    );
    let painted = end["painted"].as_u64().unwrap_or(0) - start_painted;
    let dropped_count = match (end["dropped"].as_u64(), start["dropped"].as_u64()) {
        (Some(e), Some(s)) => Some(e - s),
        _ => None,
    };
    let dropped = dropped_count.map_or("n/a".into(), |d| d.to_string());
    let interval = 1000.0 / gui::pattern::FPS as f64;
    let (p50, p95) = (percentile(&latency, 50.0), percentile(&latency, 95.0));
    println!(
        "remote canvas {}x{}, source {}x{} @ {} fps",
        end["width"],
        end["height"],
        gui::pattern::WIDTH,
        gui::pattern::HEIGHT,
        gui::pattern::FPS
    );
    println!(
        "painted {painted} remote frames in {seconds:.1} s ({:.1} fps), dropped {dropped}",
        painted as f64 / seconds
    );
    println!(
        "decoded-to-painted latency over the last {} frames: p50 {p50:.1} ms, p95 {p95:.1} ms, max {:.1} ms \
         (frame interval {interval:.1} ms: p50 {:.2}x, p95 {:.2}x of it)",
        latency.len(),
        percentile(&latency, 100.0),
        p50 / interval,
        p95 / interval
    );
    // A stall the viewer sees: a frame painted more than three frame intervals after decode.
    let late = latency.iter().filter(|&&ms| ms > 3.0 * interval).count();
    println!(
        "frames painted more than {:.0} ms after decode: {late} of {}",
        3.0 * interval,
        latency.len()
    );
    if !received.is_empty() {
        // Every frame is received but not every one painted, so the same window length covers a
        // shorter span of the call here than the painted latencies above: say how long.
        let received_per_second = (painted + dropped_count.unwrap_or(0)) as f64 / seconds;
        println!(
            "of which decoded-to-received (transport to the page), last {} frames received \
             (~{:.0} s of the {seconds:.0} s above): p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
            received.len(),
            received.len() as f64 / received_per_second,
            percentile(&received, 50.0),
            percentile(&received, 95.0),
            percentile(&received, 100.0)
        );
    }
    if !draw.is_empty() {
        println!(
            "of which upload+draw in the page: p50 {:.1} ms, p95 {:.1} ms",
            percentile(&draw, 50.0),
            percentile(&draw, 95.0)
        );
    }
    println!(
        "memory (PSS, all app processes): idle {idle_mib:.1} MiB, in the 720p call {call_mib:.1} MiB ({:.2}x idle)",
        call_mib / idle_mib
    );
    println!("  idle: {}", memory::breakdown(&idle_processes));
    println!("  call: {}", memory::breakdown(&call_processes));
}

/// The colour of the window the app shares, dark blue; the check compares its luma.
const SHARED_WINDOW: u32 = 0x20_40_80;

/// BT.601 limited-range luma of an 0xRRGGBB colour, as the sender converts it.
fn luma(rgb: u32) -> f64 {
    let (r, g, b) = ((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    16.0 + (65.481 * f64::from(r) + 128.553 * f64::from(g) + 24.966 * f64::from(b)) / 255.0
}

/// The luma of every recorded picture's centre in the Y4M file at `path`, and its size.
fn recorded_centres(path: &Path) -> ((u32, u32), Vec<f64>) {
    let mut y4m =
        duet_media::source::y4m::Y4mSource::open(path).expect("the bot's screen recording");
    let header = y4m.header();
    let mut centres = Vec::new();
    while let Ok(frame) = y4m.read_frame() {
        let (x, y) = (frame.width as usize / 2, frame.height as usize / 2);
        centres.push(f64::from(frame.y[frame.stride_y * y + x]));
    }
    ((header.width, header.height), centres)
}

/// The microphone switched during a call, on the app's real microphone path (its own app on a
/// private PulseAudio with two microphones; see gui_app/microphones.rs): the bot hears the default
/// microphone, then the one picked from the menu beside the mute button.
#[test]
fn the_app_switches_the_microphone_during_a_call() {
    let pulse = microphones::two_microphones();
    let mut run = Run::start_with(|env| microphones::on_pulse(env, &pulse));
    run.sign_in_as_alice();
    let recording = run.desktop.dir.path().join("bot-heard.wav");
    let record = recording.display().to_string();
    let mut bot = run.bot(
        "bot-mic",
        &[
            "listen",
            "--auto",
            "accept",
            "--count",
            "1",
            "--record-audio",
            &record,
        ],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-audio-bot");
    app.wait_visible("call-screen");
    microphones::microphone_switch_step(&mut run, &recording);
    let app = run.app.on(Window::Main);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = bot.finish();
    assert_eq!(done.code, 0, "the call completes: {:?}", done.events);
}

#[test]
fn the_app_shares_a_window_and_shows_the_peers_screen() {
    let mut run = Run::start();
    run.sign_in_as_alice();
    let canvas = duet_screen::test_display::TestDisplay::attach(run.desktop.display_name())
        .expect("draw on the desktop");
    let window = canvas
        .open_window("Quarterly slides", 40, 60, 640, 360, SHARED_WINDOW)
        .expect("a window to share");
    let id = window.target().to_string();
    let id = id.rsplit(':').next().expect("a window id").to_owned();

    // 1. The app shares the window; the bot records the share.
    let recording = run.desktop.dir.path().join("shared.y4m");
    let record = recording.display().to_string();
    let mut bot = run.bot(
        "bot-screen",
        &[
            "listen",
            "--auto",
            "accept",
            "--count",
            "1",
            "--record-screen",
            &record,
        ],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    app.wait_visible("call-screen");
    remote_video_moves(app);
    app.click("btn-share");
    app.wait_visible("share-picker");
    let card = format!("[data-testid=\"share-target\"][data-id$=\"{id}\"]");
    app.wait_until("the shared window's card in the picker", |app| {
        let found = app.js(
            &format!("return !!document.querySelector('{card}');"),
            vec![],
        );
        (found == json!(true)).then_some(())
    });
    app.wait_until("thumbnails in the picker", |app| {
        let loaded = app.js(
            "return [...document.querySelectorAll('[data-testid=\"share-thumb\"]')].some(c => c.dataset.drawn === 'true');",
            vec![],
        );
        (loaded == json!(true)).then_some(())
    });
    run.save_screenshot("share-picker.png");
    let app = run.app.on(Window::Main);
    app.js(
        &format!("document.querySelector('{card}').click();"),
        vec![],
    );
    app.click("share-start");
    app.wait_hidden("share-picker");
    app.wait_visible("share-bar");
    bot.wait_for_match("SCREEN_SHARE_STARTED", |e| e["remote"] == json!(true));
    // A few pictures (an unchanged window sends one a second).
    std::thread::sleep(Duration::from_secs(3));
    run.save_screenshot("share-bar.png");
    let app = run.app.on(Window::Main);
    app.click("share-bar-stop");
    app.wait_hidden("share-bar");
    bot.wait_for_match("SCREEN_SHARE_STOPPED", |e| e["remote"] == json!(true));
    // The camera goes on after the share: the bot's picture of the app still moves.
    remote_video_moves(app);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = bot.finish();
    assert_eq!(done.code, 0, "the shared call completes: {:?}", done.events);
    let (size, centres) = recorded_centres(&recording);
    assert_eq!(size, (640, 360), "the window's size, unscaled");
    assert!(centres.len() >= 2, "{} pictures recorded", centres.len());
    let expected = luma(SHARED_WINDOW);
    assert!(
        centres.iter().all(|c| (c - expected).abs() <= 6.0),
        "the window's colour (luma {expected:.0}) in every picture: {centres:?}"
    );

    // 2. The bot shares its screen (the test pattern): the app shows it large, the camera inset.
    let mut bot = run.bot(
        "bot-shares",
        &[
            "listen", "--auto", "accept", "--count", "1", "--screen", "testsrc",
        ],
    );
    bot.wait_for("RESYNCED");
    let app = run.app.on(Window::Main);
    app.click("call-video-bot");
    app.wait_visible("call-screen");
    bot.wait_for_match("SCREEN_SHARE_STARTED", |e| e["remote"] == json!(false));
    app.wait_until("the peer's screen painted with varied pixels", |app| {
        let v = app.js(
            "const d = window.duetDebug; if (!d) return null;
             return { painted: d.framesPainted[3], sample: d.sampleScreen() };",
            vec![],
        );
        let sample: Vec<u64> = v["sample"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default();
        (v["painted"].as_u64().unwrap_or(0) > 3 && distinct(&sample) > 1).then_some(())
    });
    app.wait_visible("remote-screen");
    run.save_screenshot("share-receiving.png");
    let app = run.app.on(Window::Main);
    app.click("btn-hangup");
    app.wait_hidden("call-screen");
    let done = bot.finish();
    assert_eq!(
        done.code, 0,
        "the call with the bot's share completes: {:?}",
        done.events
    );
    drop(window);
}
