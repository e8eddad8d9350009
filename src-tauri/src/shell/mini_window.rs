//! The mini window (docs/app.md, The mini window): during a call, while the main window is in the
//! background (it lost the focus or was minimised), a small always-on-top window in the corner of
//! the screen shows the remote video, the peer, the call time, and mute, hang-up and back-to-app
//! buttons. It is built like the incoming-call popup (shell/popup_window.rs): no decorations, no
//! taskbar entry, and it does not take the focus when it appears.
//!
//! It exists only while it is shown: it is built when the main window goes to the background and
//! destroyed when the main window comes back or the call ends, so its page (and its frames socket)
//! lives exactly as long as the window is open.

use crate::backend::state::Status;
use crate::backend::Backend;
use std::sync::atomic::{AtomicBool, Ordering};
use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

/// The mini window's Tauri label (its capability is capabilities/mini.json).
pub const MINI: &str = "mini";

/// Its size in logical pixels: a 16:9 picture.
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 180.0;

/// A build is under way: a second focus loss while the first window is being built must not
/// build another (Tauri refuses a second window with the same label, and says so in the log).
static OPENING: AtomicBool = AtomicBool::new(false);

/// Whether the mini window should be open: in an answered call, with the setting on, while the
/// main window is in the background.
pub fn wanted(status: Status, setting_on: bool, main_in_background: bool) -> bool {
    status == Status::InCall && setting_on && main_in_background
}

/// Whether the main window is in the background: not focused, or minimised, or hidden.
fn main_in_background(app: &AppHandle) -> bool {
    let Some(main) = app.get_webview_window(super::MAIN) else {
        return false;
    };
    let focused = main.is_focused().unwrap_or(false);
    let minimized = main.is_minimized().unwrap_or(false);
    let visible = main.is_visible().unwrap_or(true);
    !focused || minimized || !visible
}

fn wanted_now(app: &AppHandle) -> bool {
    let Some(backend) = app.try_state::<Backend>() else {
        return false;
    };
    wanted(
        backend.state().status,
        backend.settings().mini_window,
        main_in_background(app),
    )
}

/// The main window lost the focus or was minimised: opens the mini window if it is wanted and
/// not open yet.
pub fn main_went_to_background(app: &AppHandle) {
    if app.get_webview_window(MINI).is_some() || !wanted_now(app) {
        return;
    }
    if OPENING.swap(true, Ordering::AcqRel) {
        return;
    }
    let Some(main) = app.get_webview_window(super::MAIN) else {
        OPENING.store(false, Ordering::Release);
        return;
    };
    let app = app.clone();
    // Built on the main thread from the main window's web view, so that its page shares that
    // window's web process (`popup_window::in_main_web_process`). Asked for from a task: on the
    // main thread (the window-event handler this is called from) `with_webview` would run at
    // once, building a window inside the handler.
    tauri::async_runtime::spawn(async move { queue_build(app, main) });
}

fn queue_build(app: AppHandle, main: tauri::WebviewWindow) {
    let queued = main.with_webview(move |main_view| {
        OPENING.store(false, Ordering::Release);
        // The main window may have come back (or the call ended) since this was queued.
        if !wanted_now(&app) || app.get_webview_window(MINI).is_some() {
            return;
        }
        let builder = WebviewWindowBuilder::new(&app, MINI, WebviewUrl::App("index.html".into()))
            .title("Duet — call")
            .inner_size(WIDTH, HEIGHT)
            // Fixed by equal minimum and maximum sizes, not by `resizable(false)`: GTK sizes a
            // window that is not resizable from its size request, and tao's comes out at least
            // 200 pixels high (tauri-apps/tao#561), so the window mapped at 320x200.
            .min_inner_size(WIDTH, HEIGHT)
            .max_inner_size(WIDTH, HEIGHT)
            .decorations(false)
            .always_on_top(true)
            .skip_taskbar(true)
            .visible(false)
            .focused(false);
        let window = match super::popup_window::in_main_web_process(builder, main_view).build() {
            Ok(window) => window,
            Err(error) => {
                tracing::warn!(%error, "mini window not built");
                return;
            }
        };
        super::popup_window::native_hints(&window);
        if let Err(error) = super::popup_window::show_in_corner(&app, &window) {
            tracing::warn!(%error, "mini window not shown");
        }
    });
    if let Err(error) = queued {
        OPENING.store(false, Ordering::Release);
        tracing::warn!(%error, "mini window: no main thread");
    }
}

/// Closes the mini window, if open: the main window is back, or the call ended.
pub fn close(app: &AppHandle) {
    if let Some(mini) = app.get_webview_window(MINI) {
        // Destroyed, not closed: a close request from the window itself means "back to the app"
        // (shell/mod.rs, on_window_event).
        if let Err(error) = mini.destroy() {
            tracing::info!(%error, "mini window not closed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_opens_only_in_an_answered_call_with_the_setting_on_and_the_main_window_away() {
        assert!(wanted(Status::InCall, true, true));
        assert!(!wanted(Status::InCall, true, false), "main window in front");
        assert!(
            !wanted(Status::InCall, false, true),
            "turned off in settings"
        );
        for status in [
            Status::SignedOut,
            Status::Idle,
            Status::Calling,
            Status::Ringing,
        ] {
            assert!(!wanted(status, true, true), "{status:?}: no call to show");
        }
    }
}
