//! Screen sharing between two duet-cli processes through the real server: the caller shares a
//! private Xvfb display (`--screen :N`) from the answer on, the callee records what it receives
//! (`--record-screen`), and the recording shows the display's picture: its background and a
//! window on it, in their colours, at the display's size, beside the camera's test pattern. The
//! same from a Wayland desktop through its screen-cast portal (`--screen portal`).

use duet_e2e::*;
use duet_media::source::y4m::Y4mSource;
use duet_media::MediaError;
use duet_screen::test_display::TestDisplay;
use duet_screen::test_wayland::WaylandLab;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The display's size; it fits the share's 1920x1080 box, so it is sent unscaled.
const SCREEN: (u32, u32) = (1280, 720);
/// The background, dark blue, and a yellow window on it: far apart in luma.
const BACKGROUND: u32 = 0x20_40_80;
const WINDOW: u32 = 0xf0_f0_20;
const WINDOW_AT: (u32, u32, u32, u32) = (400, 200, 400, 200);

/// Bob's duet-cli answering one video call with the test pattern, with `extra` flags.
fn answering_bob(bob: &User, extra: &[&str]) -> Cli {
    let base = [
        "listen", "--auto", "accept", "--count", "1", "--video", "testsrc",
    ];
    let media = ["--media-bind", "127.0.0.1"];
    bob.cli("bob-1", &[&base[..], &media, extra].concat())
}

/// Alice's duet-cli arguments to video-call bob with the test pattern, sharing `screen` from the
/// answer and hanging up `hangup_after` later.
fn sharing_call<'a>(screen: &'a str, hangup_after: &'a str) -> Vec<&'a str> {
    vec![
        "call",
        "bob",
        "--type",
        "video",
        "--hangup-after",
        hangup_after,
        "--video",
        "testsrc",
        "--media-bind",
        "127.0.0.1",
        "--screen",
        screen,
    ]
}

/// BT.601 limited-range luma of an 0xRRGGBB colour, as the sender converts it.
fn luma(rgb: u32) -> f64 {
    let (r, g, b) = ((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
    16.0 + (65.481 * f64::from(r) + 128.553 * f64::from(g) + 24.966 * f64::from(b)) / 255.0
}

/// The luma of the recorded frame at (`x`, `y`).
fn luma_at(frame: &duet_media::I420Frame, x: u32, y: u32) -> f64 {
    f64::from(frame.y[frame.stride_y * y as usize + x as usize])
}

#[test]
fn a_shared_display_reaches_the_callee_as_it_looks() {
    let display = TestDisplay::start(SCREEN.0, SCREEN.1).expect("Xvfb starts");
    display.fill_root(BACKGROUND).unwrap();
    let (x, y, w, h) = WINDOW_AT;
    let _window = display
        .open_window("shared", x as i16, y as i16, w as u16, h as u16, WINDOW)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("screen.y4m");

    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let record = recording.display().to_string();
    let listener = answering_bob(&bob, &["--record-screen", &record]);
    let screen = display.name().to_owned();
    let caller = alice.run("alice-1", &sharing_call(&screen, "6s"));
    let callee = listener.finish();
    both_saw_the_share(&caller, &callee);
    let (frame, frames) = last_recorded(&recording, SCREEN);
    // An unchanged screen sends a picture a second (and one at the start): a few seconds of
    // share leave at least three.
    assert!(frames >= 3, "{frames} screen frames recorded");
    let background = luma_at(&frame, 100, 100);
    let window = luma_at(&frame, x + w / 2, y + h / 2);
    assert!(
        (background - luma(BACKGROUND)).abs() <= 6.0,
        "background luma {background}, sent {}",
        luma(BACKGROUND)
    );
    assert!(
        (window - luma(WINDOW)).abs() <= 6.0,
        "window luma {window}, sent {}",
        luma(WINDOW)
    );
}

/// Both calls completed, and both sides heard that the caller's share started.
fn both_saw_the_share(caller: &Finished, callee: &Finished) {
    assert_eq!(caller.code, 0, "caller: {:?}", caller.events);
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    let started = |events: &[serde_json::Value], remote: bool| {
        events.iter().any(|e| {
            event_name(e) == "SCREEN_SHARE_STARTED" && e["remote"] == serde_json::json!(remote)
        })
    };
    assert!(started(&caller.events, false), "{:?}", caller.events);
    assert!(started(&callee.events, true), "{:?}", callee.events);
}

/// The last frame of a screen recording of `size`, and how many frames it holds.
fn last_recorded(recording: &std::path::Path, size: (u32, u32)) -> (duet_media::I420Frame, usize) {
    let mut y4m = Y4mSource::open(recording).expect("the callee recorded the screen");
    let header = y4m.header();
    assert_eq!((header.width, header.height), size);
    let mut frames = 0;
    let mut last = None;
    loop {
        match y4m.read_frame() {
            Ok(frame) => {
                frames += 1;
                last = Some(frame);
            }
            Err(MediaError::EndOfStream) => break,
            Err(e) => panic!("unreadable recording: {e}"),
        }
    }
    (last.expect("at least one screen frame recorded"), frames)
}

#[test]
fn a_wayland_desktops_screen_shared_through_its_portal_reaches_the_callee() {
    const ORANGE: u32 = 0xff_80_00;
    let lab = WaylandLab::start(640, 360, "#ff8000").unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("screen.y4m");
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let record = recording.display().to_string();
    let listener = answering_bob(&bob, &["--record-screen", &record]);
    // Alice is on the Wayland desktop: its session bus and runtime directory, no X display.
    let caller = alice.cli_in(
        "alice-1",
        &sharing_call("portal", "6s"),
        lab.env(),
        &["DISPLAY"],
    );
    // The portal's backend sends a still screen once, when the cast starts; a screen in use
    // is redrawn now and then, which this does (the same picture) until the call is over.
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut workspace = 1;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                workspace = 3 - workspace;
                let _ = lab.redraw(workspace);
            }
        });
        let caller = caller.finish();
        let callee = listener.finish();
        done.store(true, Ordering::Relaxed);
        both_saw_the_share(&caller, &callee);
    });
    let (frame, frames) = last_recorded(&recording, (640, 360));
    assert!(frames >= 3, "{frames} screen frames recorded");
    for (x, y) in [(20, 20), (320, 180), (600, 340)] {
        let seen = luma_at(&frame, x, y);
        assert!(
            (seen - luma(ORANGE)).abs() <= 6.0,
            "the desktop's orange at ({x}, {y}): luma {seen}, sent {}",
            luma(ORANGE)
        );
    }
}

/// The caller's SCREEN_SHARE_STOPPED of its own share, and the callee's of the peer's.
fn stopped_events(events: &[serde_json::Value], remote: bool) -> Vec<&serde_json::Value> {
    events
        .iter()
        .filter(|e| {
            event_name(e) == "SCREEN_SHARE_STOPPED" && e["remote"] == serde_json::json!(remote)
        })
        .collect()
}

#[test]
fn a_shared_window_that_closes_ends_the_share_not_the_call() {
    let display = TestDisplay::start(640, 360).expect("Xvfb starts");
    let window = display
        .open_window("closing", 10, 10, 320, 200, WINDOW)
        .unwrap();
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let mut listener = answering_bob(&bob, &[]);
    let target = window.target().to_string();
    let mut caller = alice.cli("alice-1", &sharing_call(&target, "6s"));
    caller.wait_for_match("SCREEN_SHARE_STARTED", |e| {
        e["remote"] == serde_json::json!(false)
    });
    // Closed once the peer sees the share (closed sooner, the share may end before the peer's
    // side of it is negotiated, and the peer rightly hears of neither).
    listener.wait_for_match("SCREEN_SHARE_STARTED", |e| {
        e["remote"] == serde_json::json!(true)
    });
    window.destroy().unwrap();
    let stopped = caller.wait_for("SCREEN_SHARE_STOPPED");
    assert_eq!(
        stopped["reason"], "the shared window was closed",
        "{stopped}"
    );
    let caller = caller.finish();
    let callee = listener.finish();
    assert_eq!(
        caller.code, 0,
        "the call went on to its hang-up: {:?}",
        caller.events
    );
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    let peer_saw = stopped_events(&callee.events, true);
    assert_eq!(peer_saw.len(), 1, "{:?}", callee.events);
    assert_eq!(peer_saw[0]["reason"], serde_json::Value::Null);
}

#[test]
fn a_display_that_cannot_be_opened_is_said_and_the_call_goes_on() {
    let server = Server::start(&[]);
    let (alice, bob) = (server.user("alice"), server.user("bob"));
    let listener = answering_bob(&bob, &[]);
    // No X server listens on display :4093.
    let caller = alice.run("alice-1", &sharing_call(":4093", "3s"));
    let callee = listener.finish();
    assert_eq!(caller.code, 0, "caller: {:?}", caller.events);
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    let said = stopped_events(&caller.events, false);
    assert_eq!(said.len(), 1, "{:?}", caller.events);
    let reason = said[0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(":4093"),
        "the reason names the display: {reason}"
    );
    assert!(
        !callee.names().contains(&"SCREEN_SHARE_STARTED"),
        "nothing was shared: {:?}",
        callee.events
    );
}
