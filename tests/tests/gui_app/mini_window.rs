//! Step "mini window" (docs/app.md, In a call): in an answered video call, the main window going
//! to the background (another window takes the focus; the main window is minimised) brings up the
//! 320x180 always-on-top mini window in the screen's corner with the peer's moving video, name,
//! call time and mute / hang up / back buttons; it goes away when the main window comes back
//! (focused again when the other window closes; "back to Duet").

use super::gui::desktop::{WindowGeometry, SCREEN};
use super::gui::driver::{App, Window, UI_GUARD};
use super::{events_after, page_shown, text_of, Run};
use duet_e2e::Cli;
use serde_json::json;
use std::time::{Duration, Instant};

/// The mini window's line in `xwininfo -tree`: its title is "Duet — call"
/// (shell/mini_window.rs); the popup's, "incoming call", also ends in "call".
fn is_mini_line(line: &str) -> bool {
    line.contains(" call\":") && !line.contains("incoming call")
}

/// Waits, from outside the app, until the mini window is on screen, and checks its size and
/// corner (openbox on Xvfb: the work area is the whole screen): 320x180, the size asked for.
fn mini_shown(run: &Run) -> WindowGeometry {
    let started = Instant::now();
    let mini = loop {
        match run.desktop.window_where(is_mini_line) {
            Some(window) if window.viewable => break window,
            _ if started.elapsed() > UI_GUARD => {
                run.fail("the mini window never appeared (xwininfo)")
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let (right, bottom) = (mini.x + mini.width, mini.y + mini.height);
    let in_corner = mini.x > SCREEN.0 / 2
        && mini.y > SCREEN.1 / 2
        && right <= SCREEN.0
        && bottom <= SCREEN.1
        && SCREEN.0 - right <= 64
        && SCREEN.1 - bottom <= 96;
    if (mini.width, mini.height) != (320, 180) || !in_corner {
        run.fail(&format!(
            "the mini window is 320x180, in the bottom-right corner of the \
             {SCREEN:?} screen: {mini:?}"
        ));
    }
    mini
}

/// Waits until the mini window is gone from the screen, then forgets its WebDriver window.
fn mini_gone(run: &mut Run) {
    let started = Instant::now();
    while run
        .desktop
        .window_where(is_mini_line)
        .is_some_and(|w| w.viewable)
    {
        if started.elapsed() > UI_GUARD {
            run.fail("the mini window is still on screen after the main window came back");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    run.app.mini_closed();
}

/// The main window is in front again, showing the call.
fn main_back_in_the_call(run: &mut Run) {
    let app = run.app.on(Window::Main);
    app.wait_until("the main window shown again", |app| {
        page_shown(app).then_some(())
    });
    app.wait_visible("call-screen");
}

/// The mini window shows this call: the peer's name, a running call time, the three buttons and
/// the peer's video moving (two pictures of its canvas differ).
fn mini_shows_the_call(app: &App, peer: &str) {
    app.wait_until(
        "the mini window in the call (mini[data-in-call=true])",
        |app| (app.attribute("mini", "data-in-call").as_deref() == Some("true")).then_some(()),
    );
    let name = text_of(app, "mini-peer");
    assert!(
        name.to_lowercase().contains(peer),
        "mini-peer names {peer}: {name:?}"
    );
    let time = text_of(app, "mini-time");
    assert!(
        time.len() == 5 && time.as_bytes()[2] == b':',
        "mini-time shows mm:ss: {time:?}"
    );
    app.wait_until("the mini window's call time to move on", |app| {
        (text_of(app, "mini-time") != time).then_some(())
    });
    for button in ["mini-mute", "mini-hangup", "mini-back"] {
        assert!(app.visible(button), "{button} in the mini window");
    }
    app.wait_visible("mini-video");
    let viewport = app.js("return [window.innerWidth, window.innerHeight];", vec![]);
    eprintln!("mini window page viewport: {viewport}");
    assert_eq!(viewport[0], json!(320), "the page fills the window's width");
    let first = app.element_screenshot("mini-video");
    app.wait_until("the mini window's video to move", |app| {
        (app.element_screenshot("mini-video") != first).then_some(())
    });
}

/// Waits until the window manager says the window titled `title` has the focus.
fn wait_focused(run: &Run, title: &str, what: &str) {
    let started = Instant::now();
    loop {
        let focused = run.desktop.focused_window_title();
        if focused.as_deref().is_some_and(|t| t.contains(title)) {
            return;
        }
        if started.elapsed() > UI_GUARD {
            run.fail(&format!(
                "{what}: the focus is on {focused:?}, not {title:?}\n{}",
                run.desktop.focus_report()
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The step, in an answered video call with the bot whose microphone the main window has muted.
pub fn mini_window_step(run: &mut Run, bot: &mut Cli) {
    // 1. Another window takes the focus: the mini window comes up, without taking it.
    let canvas = duet_screen::test_display::TestDisplay::attach(run.desktop.display_name())
        .expect("draw on the desktop");
    let other = canvas
        .open_window("Notes", 80, 80, 900, 600, 0xf4_f1_e8)
        .expect("another window");
    // The user moves to it (as by its taskbar entry): a window manager may or may not focus a
    // new window on its own, so the test asks, as a taskbar does.
    other
        .activate()
        .expect("ask the window manager to focus it");
    wait_focused(run, "Notes", "the other window takes the focus");
    mini_shown(run);
    wait_focused(
        run,
        "Notes",
        "the other window keeps the focus with the mini window up",
    );
    let mini = run.app.on(Window::Mini);
    mini_shows_the_call(mini, "bot");
    // Its mute button is the call's: muted in the main window, it unmutes the bot's peer.
    assert_eq!(
        mini.attribute("mini-mute", "aria-pressed").as_deref(),
        Some("true")
    );
    let seen = bot.events_so_far().len();
    mini.click("mini-mute");
    events_after(bot, seen, "AUDIO_AVAILABLE", |e| {
        e["available"] == json!(true)
    });
    mini.wait_until("mini-mute to show the microphone on", |app| {
        (app.attribute("mini-mute", "aria-pressed").as_deref() == Some("false")).then_some(())
    });
    run.save_screenshot("mini-window.png");

    // 2. The other window closes and the window manager gives the focus back to the main
    // window: the mini window goes.
    other.destroy().expect("close the other window");
    mini_gone(run);
    main_back_in_the_call(run);
    let app = run.app.on(Window::Main);
    assert_eq!(
        app.attribute("btn-mute", "aria-pressed").as_deref(),
        Some("false")
    );

    // 3. Minimised: the mini window comes up again; "back to Duet" brings the main window back.
    run.app.on(Window::Main).minimize();
    mini_shown(run);
    let mini = run.app.on(Window::Mini);
    mini.wait_until("the mini window in the call", |app| {
        (app.attribute("mini", "data-in-call").as_deref() == Some("true")).then_some(())
    });
    mini.click_closing_window("mini-back");
    mini_gone(run);
    main_back_in_the_call(run);
    drop(canvas);
}
