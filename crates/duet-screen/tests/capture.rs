//! Capturing a private Xvfb: pixels, damage, cursor, windows, listing, thumbnails, errors.
//! Each test starts its own display, so they run in parallel.

use duet_screen::test_display::TestDisplay;
use duet_screen::{
    list_targets, thumbnail, BgraImage, Capture, ScreenCapturer, ScreenError, ShareTarget,
};

/// The B, G, R, A bytes a `0xRRGGBB` fill is captured as.
fn bgra(rgb: u32) -> [u8; 4] {
    [rgb as u8, (rgb >> 8) as u8, (rgb >> 16) as u8, 255]
}

/// Every pixel is `rgb`, except within `margin` of `except` (where the cursor is).
fn assert_flat(image: &BgraImage, rgb: u32, except: Option<(u32, u32)>, margin: u32) {
    for y in 0..image.height {
        for x in 0..image.width {
            if let Some((ex, ey)) = except {
                if x.abs_diff(ex) <= margin && y.abs_diff(ey) <= margin {
                    continue;
                }
            }
            assert_eq!(image.pixel(x, y), Some(bgra(rgb)), "pixel ({x}, {y})");
        }
    }
}

fn frame<'a>(capture: Result<Capture<'a>, ScreenError>) -> &'a BgraImage {
    match capture {
        Ok(Capture::Frame(f)) => f,
        other => panic!("expected a frame, got {other:?}"),
    }
}

fn is_unchanged(capture: Result<Capture<'_>, ScreenError>) -> bool {
    matches!(capture, Ok(Capture::Unchanged))
}

/// Pixels within `r` of (`cx`, `cy`) that are not the fill.
fn non_fill_near(image: &BgraImage, rgb: u32, (cx, cy): (u32, u32), r: u32) -> usize {
    let mut n = 0;
    for y in cy.saturating_sub(r)..(cy + r).min(image.height) {
        for x in cx.saturating_sub(r)..(cx + r).min(image.width) {
            n += usize::from(image.pixel(x, y) != Some(bgra(rgb)));
        }
    }
    n
}

#[test]
fn screen_frames_are_exact_and_only_come_after_drawing() {
    let display = TestDisplay::start(320, 240).unwrap();
    display.fill_root(0x33_66_99).unwrap();
    display.warp_pointer(300, 220).unwrap();
    let mut capturer = ScreenCapturer::open(&display.screen_target()).unwrap();
    assert!(capturer.uses_shm(), "Xvfb on this machine shares memory");
    assert_eq!(capturer.size(), (320, 240));

    let first = frame(capturer.capture());
    assert_eq!(
        (first.width, first.height, first.stride),
        (320, 240, 320 * 4)
    );
    assert_flat(first, 0x33_66_99, Some((300, 220)), 40);

    assert!(is_unchanged(capturer.capture()), "nothing drawn: no frame");
    assert!(is_unchanged(capturer.capture()));

    display.fill_root(0x00_ff_00).unwrap();
    assert_flat(frame(capturer.capture()), 0x00_ff_00, Some((300, 220)), 40);
    assert!(is_unchanged(capturer.capture()));

    display.fill_root_rect(10, 20, 30, 40, 0xff_00_00).unwrap();
    let f = frame(capturer.capture());
    assert_eq!(f.pixel(10, 20), Some(bgra(0xff_00_00)));
    assert_eq!(f.pixel(39, 59), Some(bgra(0xff_00_00)));
    assert_eq!(f.pixel(40, 60), Some(bgra(0x00_ff_00)));
    assert_eq!(f.pixel(9, 20), Some(bgra(0x00_ff_00)));
    assert!(is_unchanged(capturer.capture()));
}

#[test]
fn cursor_is_drawn_in_and_a_move_alone_makes_a_frame() {
    let display = TestDisplay::start(320, 240).unwrap();
    display.fill_root(0x80_80_80).unwrap();
    display.warp_pointer(100, 100).unwrap();
    let mut capturer = ScreenCapturer::open(&display.screen_target()).unwrap();
    let f = frame(capturer.capture());
    assert!(
        non_fill_near(f, 0x80_80_80, (100, 100), 12) > 10,
        "cursor drawn at the pointer"
    );
    assert_flat(f, 0x80_80_80, Some((100, 100)), 40);
    assert!(is_unchanged(capturer.capture()));

    display.warp_pointer(220, 160).unwrap();
    let f = frame(capturer.capture());
    assert_eq!(
        non_fill_near(f, 0x80_80_80, (100, 100), 40),
        0,
        "old cursor position is clean"
    );
    assert!(
        non_fill_near(f, 0x80_80_80, (220, 160), 12) > 10,
        "cursor drawn at the new place"
    );
    assert!(is_unchanged(capturer.capture()));
}

#[test]
fn window_capture_follows_the_window_and_ignores_what_covers_it() {
    let display = TestDisplay::start(320, 240).unwrap();
    display.fill_root(0x00_00_40).unwrap();
    display.warp_pointer(2, 2).unwrap();
    let window = display
        .open_window("Slides", 50, 40, 120, 80, 0xff_00_00)
        .unwrap();
    let mut capturer = ScreenCapturer::open(&window.target()).unwrap();
    assert_eq!(capturer.size(), (120, 80));
    assert_flat(frame(capturer.capture()), 0xff_00_00, None, 0);
    assert!(is_unchanged(capturer.capture()));

    // Another window on top does not show in the capture (nor damage it); a forced grab
    // still sees the whole window.
    let _cover = display
        .open_window("Cover", 60, 50, 50, 50, 0x00_ff_00)
        .unwrap();
    assert!(is_unchanged(capturer.capture()));
    assert_flat(frame(capturer.capture_now()), 0xff_00_00, None, 0);

    window.fill_rect(5, 6, 7, 8, 0xff_ff_ff).unwrap();
    let f = frame(capturer.capture());
    assert_eq!(f.pixel(5, 6), Some(bgra(0xff_ff_ff)));
    assert_eq!(f.pixel(11, 13), Some(bgra(0xff_ff_ff)));
    assert_eq!(f.pixel(12, 13), Some(bgra(0xff_00_00)));

    window.move_resize(10, 20, 200, 100).unwrap();
    window.fill(0x12_34_56).unwrap();
    let f = frame(capturer.capture());
    assert_eq!((f.width, f.height), (200, 100));
    assert_flat(f, 0x12_34_56, None, 0);
    assert_eq!(capturer.size(), (200, 100));

    // The pointer over the window is drawn at window coordinates.
    display.warp_pointer(10 + 150, 20 + 50).unwrap();
    let f = frame(capturer.capture());
    assert!(non_fill_near(f, 0x12_34_56, (150, 50), 12) > 10);

    window.unmap().unwrap();
    assert!(matches!(capturer.capture(), Ok(Capture::Hidden)));
    assert!(matches!(capturer.capture(), Ok(Capture::Hidden)));
    window.map().unwrap();
    let f = frame(capturer.capture());
    assert_eq!((f.width, f.height), (200, 100));

    window.destroy().unwrap();
    assert_eq!(capturer.capture().unwrap_err(), ScreenError::WindowGone);
    assert_eq!(capturer.capture().unwrap_err(), ScreenError::WindowGone);
}

#[test]
fn listing_finds_the_screen_first_then_mapped_windows_by_title() {
    let display = TestDisplay::start(400, 300).unwrap();
    let shown = display
        .open_window("Quarterly report – Draft", 10, 10, 150, 90, 0xff_ff_00)
        .unwrap();
    let hidden = display
        .open_window("Hidden", 20, 20, 50, 50, 0x00_ff_ff)
        .unwrap();
    hidden.unmap().unwrap();
    let targets = list_targets(Some(display.name())).unwrap();
    assert_eq!(targets[0].target, display.screen_target());
    assert_eq!((targets[0].width, targets[0].height), (400, 300));
    let found: Vec<_> = targets
        .iter()
        .filter(|t| t.title == "Quarterly report – Draft")
        .collect();
    assert_eq!(found.len(), 1, "{targets:?}");
    assert_eq!(found[0].target, shown.target());
    assert_eq!((found[0].width, found[0].height), (150, 90));
    assert!(targets.iter().all(|t| t.title != "Hidden"), "{targets:?}");
    // The text form a picker hands to the capturer.
    let again: ShareTarget = found[0].target.to_string().parse().unwrap();
    assert_eq!(again, shown.target());
}

#[test]
fn thumbnails_keep_aspect_and_colour() {
    let display = TestDisplay::start(320, 240).unwrap();
    display.fill_root(0x20_40_60).unwrap();
    display.warp_pointer(319, 239).unwrap();
    let window = display
        .open_window("Doc", 0, 0, 120, 80, 0xc0_30_10)
        .unwrap();

    let screen = thumbnail(&display.screen_target(), 64, 64).unwrap();
    assert_eq!((screen.width, screen.height), (64, 48));
    // Away from the window (top left) and the cursor (bottom right).
    assert_eq!(screen.pixel(40, 5), Some(bgra(0x20_40_60)));
    assert_eq!(screen.pixel(3, 3), Some(bgra(0xc0_30_10)));

    let win = thumbnail(&window.target(), 60, 60).unwrap();
    assert_eq!((win.width, win.height), (60, 40));
    assert_flat(&win, 0xc0_30_10, None, 0);

    window.unmap().unwrap();
    let hidden = thumbnail(&window.target(), 60, 60).unwrap();
    assert_eq!((hidden.width, hidden.height), (60, 40));
}

#[test]
fn resolution_change_gives_frames_at_the_new_size() {
    let display = TestDisplay::start(640, 480).unwrap();
    display.fill_root(0x44_44_44).unwrap();
    display.warp_pointer(0, 0).unwrap();
    let mut capturer = ScreenCapturer::open(&display.screen_target()).unwrap();
    assert_eq!(frame(capturer.capture()).width, 640);
    display.resize_screen(320, 200).unwrap();
    let f = frame(capturer.capture());
    assert_eq!((f.width, f.height), (320, 200));
    assert_flat(f, 0x44_44_44, Some((0, 0)), 40);
    assert_eq!(capturer.size(), (320, 200));
    // Xvfb cannot grow beyond its start size; that fails cleanly and changes nothing.
    assert!(matches!(
        display.resize_screen(1280, 960),
        Err(ScreenError::Unsupported(_))
    ));
    assert!(is_unchanged(capturer.capture()));
    display.resize_screen(640, 480).unwrap();
    display.fill_root(0x55_55_55).unwrap();
    let f = frame(capturer.capture());
    assert_eq!((f.width, f.height), (640, 480));
    assert_flat(f, 0x55_55_55, Some((0, 0)), 40);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    // A display nobody runs.
    let gone = ShareTarget::Screen {
        display: Some(":4093".into()),
    };
    let Err(ScreenError::NoDisplay(msg)) = ScreenCapturer::open(&gone) else {
        panic!("expected NoDisplay")
    };
    assert!(msg.contains(":4093"), "{msg}");
    assert!(matches!(
        list_targets(Some(":4093")),
        Err(ScreenError::NoDisplay(_))
    ));
    assert!(matches!(
        thumbnail(&gone, 10, 10),
        Err(ScreenError::NoDisplay(_))
    ));

    let display = TestDisplay::start(160, 120).unwrap();
    let name = Some(display.name().to_owned());
    for id in [0, 0x12_3456, u32::MAX] {
        let target = ShareTarget::Window {
            display: name.clone(),
            id,
        };
        assert_eq!(
            ScreenCapturer::open(&target).err(),
            Some(ScreenError::NoSuchWindow(id))
        );
    }
    // The display going away mid-capture.
    let mut capturer = ScreenCapturer::open(&display.screen_target()).unwrap();
    frame(capturer.capture());
    drop(display);
    assert!(matches!(capturer.capture(), Err(ScreenError::Protocol(_))));
    assert!(matches!(capturer.capture(), Err(ScreenError::Protocol(_))));
}
