//! Screen sharing between two duet-cli processes through the real server: the caller shares a
//! private Xvfb display (`--screen :N`) from the answer on, the callee records what it receives
//! (`--record-screen`), and the recording shows the display's picture: its background and a
//! window on it, in their colours, at the display's size, beside the camera's test pattern.

use duet_e2e::*;
use duet_media::source::y4m::Y4mSource;
use duet_media::MediaError;
use duet_screen::test_display::TestDisplay;

/// The display's size; it fits the share's 1920x1080 box, so it is sent unscaled.
const SCREEN: (u32, u32) = (1280, 720);
/// The background, dark blue, and a yellow window on it: far apart in luma.
const BACKGROUND: u32 = 0x20_40_80;
const WINDOW: u32 = 0xf0_f0_20;
const WINDOW_AT: (u32, u32, u32, u32) = (400, 200, 400, 200);

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
    let listener = bob.cli(
        "bob-1",
        &[
            "listen",
            "--auto",
            "accept",
            "--count",
            "1",
            "--video",
            "testsrc",
            "--media-bind",
            "127.0.0.1",
            "--record-screen",
            &record,
        ],
    );
    let screen = display.name().to_owned();
    let caller = alice.run(
        "alice-1",
        &[
            "call",
            "bob",
            "--type",
            "video",
            "--hangup-after",
            "6s",
            "--video",
            "testsrc",
            "--media-bind",
            "127.0.0.1",
            "--screen",
            &screen,
        ],
    );
    let callee = listener.finish();
    assert_eq!(caller.code, 0, "caller: {:?}", caller.events);
    assert_eq!(callee.code, 0, "callee: {:?}", callee.events);
    let started = |events: &[serde_json::Value], remote: bool| {
        events.iter().any(|e| {
            event_name(e) == "SCREEN_SHARE_STARTED" && e["remote"] == serde_json::json!(remote)
        })
    };
    assert!(started(&caller.events, false), "{:?}", caller.events);
    assert!(started(&callee.events, true), "{:?}", callee.events);

    let mut y4m = Y4mSource::open(&recording).expect("the callee recorded the screen");
    let header = y4m.header();
    assert_eq!((header.width, header.height), SCREEN);
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
    // An unchanged screen sends a picture a second (and one at the start): a few seconds of
    // share leave at least three.
    assert!(frames >= 3, "{frames} screen frames recorded");
    let frame = last.unwrap();
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
