//! Wayland screen capture through the real desktop stack: a headless sway whose
//! xdg-desktop-portal (with its wlroots backend) answers the ScreenCast request and hands over a
//! PipeWire stream (`duet_screen::test_wayland`, scripts/wayland-lab/lab.sh: all of it in a
//! private directory, stopped when the test ends, passed or not). The portal's backend is set up to pick the one output
//! without a dialog, as a user would; then to fail its chooser, as a user declining.
//!
//! One test in its own binary: it points the process's session bus and Wayland variables at the
//! lab.
#![cfg(feature = "portal")]

use std::time::{Duration, Instant};

use duet_screen::test_wayland::WaylandLab;
use duet_screen::{list_targets, BgraImage, Capture, ScreenCapturer, ScreenError, ShareTarget};

/// The lab's screen: 640x360, an orange background that the test turns blue.
const SIZE: (u32, u32) = (640, 360);
const ORANGE: [u8; 3] = [0x00, 0x80, 0xff];
const BLUE: [u8; 3] = [0xff, 0x40, 0x00];

/// How long a step may take before the test gives up (it never times anything).
const GUARD: Duration = Duration::from_secs(30);

/// The colour (B, G, R) every sampled pixel has, if they agree.
fn colour(image: &BgraImage) -> Option<[u8; 3]> {
    let at = |x, y| image.pixel(x, y).map(|p| [p[0], p[1], p[2]]);
    let first = at(0, 0)?;
    let (w, h) = (image.width, image.height);
    [(w / 2, h / 2), (w - 1, h - 1), (w / 3, h / 4)]
        .into_iter()
        .all(|(x, y)| at(x, y) == Some(first))
        .then_some(first)
}

/// Captures until a frame of `wanted` colour arrives; the colours seen meanwhile if none does.
///
/// xdg-desktop-portal-wlr sends a still screen's picture once, when the cast starts, and then
/// only what changes; a first picture sent before the stream was linked is not sent again. So
/// after each second without a frame the lab's screen is redrawn (a workspace switch: the same
/// picture), as any screen in use is.
fn wait_for_colour(lab: &WaylandLab, capturer: &mut ScreenCapturer, wanted: [u8; 3]) -> BgraImage {
    let started = Instant::now();
    let mut last_frame = Instant::now();
    let mut workspace = 1;
    let mut seen = vec![];
    loop {
        if last_frame.elapsed() > Duration::from_secs(1) {
            workspace = 3 - workspace;
            lab.redraw(workspace).expect("redraw the lab's screen");
            last_frame = Instant::now();
        }
        match capturer.capture() {
            Ok(Capture::Frame(image)) => {
                last_frame = Instant::now();
                let c = colour(image);
                if c == Some(wanted) {
                    return image.clone();
                }
                seen.push(c);
            }
            Ok(Capture::Unchanged | Capture::Hidden) => {}
            Err(e) => panic!("capture failed waiting for {wanted:?}: {e}"),
        }
        assert!(
            started.elapsed() < GUARD,
            "no frame of colour {wanted:?} (B, G, R) from the portal; frames seen: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Captures until the capture fails, and returns why.
fn wait_for_error(capturer: &mut ScreenCapturer) -> ScreenError {
    let started = Instant::now();
    loop {
        if let Err(e) = capturer.capture() {
            return e;
        }
        assert!(
            started.elapsed() < GUARD,
            "the capture went on after the desktop ended the cast"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_portal_shares_the_screen_the_desktop_gives_follows_it_and_says_when_it_ends_or_is_declined()
{
    let lab = WaylandLab::start(SIZE.0, SIZE.1, "#ff8000").unwrap_or_else(|e| panic!("{e}"));
    // This process is now a client of the lab's Wayland session, with no X display.
    for (name, value) in lab.env() {
        std::env::set_var(name, value);
    }
    std::env::remove_var("DISPLAY");

    // 1. A Wayland session lists the one portal target.
    let targets = list_targets(None).expect("targets");
    let listed: Vec<&ShareTarget> = targets.iter().map(|t| &t.target).collect();
    assert_eq!(listed, [&ShareTarget::Portal]);

    // 2. The desktop's screen arrives at its size and colour.
    let mut capturer = ScreenCapturer::open(&ShareTarget::Portal).expect("the portal starts");
    let first = wait_for_colour(&lab, &mut capturer, ORANGE);
    assert_eq!((first.width, first.height), SIZE);
    assert_eq!(capturer.size(), SIZE);
    assert!(first.data.chunks_exact(4).all(|p| p[3] == 255), "opaque");

    // 3. What changes on the screen comes through.
    lab.swaymsg(&["output", "*", "bg", "#0040ff", "solid_color"])
        .expect("turn the background blue");
    wait_for_colour(&lab, &mut capturer, BLUE);

    // 4. The desktop ends the cast (its portal backend goes away, as when the user stops it
    // from the desktop): the capture says so instead of waiting for frames forever.
    lab.kill_portal_backend()
        .expect("kill the portal's backend");
    let ended = wait_for_error(&mut capturer);
    assert!(
        matches!(&ended, ScreenError::Portal(reason) if reason.contains("ended")),
        "{ended:?}"
    );
    drop(capturer);
    lab.portal_backend("normal")
        .expect("restart the portal's backend");

    // 5. The user declines in the desktop's dialog: nothing is shared, and it says so.
    lab.portal_backend("refuse")
        .expect("restart the portal's backend, refusing");
    let declined = ScreenCapturer::open(&ShareTarget::Portal).err();
    assert_eq!(declined, Some(ScreenError::Refused));
    assert_eq!(
        ScreenError::Refused.to_string(),
        "the screen-cast portal refused the request"
    );
}
