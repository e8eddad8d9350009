//! The incoming-call popup window (docs/app.md, Incoming calls): a small always-on-top window in
//! the bottom-right corner of the primary monitor's work area that never takes the keyboard focus
//! when it appears, so a key the user was typing elsewhere cannot answer a call.

use tauri::{
    AppHandle, LogicalSize, Manager, PhysicalPosition, PhysicalSize, WebviewUrl, WebviewWindow,
    WebviewWindowBuilder,
};

/// The popup's Tauri label (its capability is capabilities/popup.json).
pub const POPUP: &str = "popup";

/// Its size in logical pixels.
const WIDTH: f64 = 380.0;
const HEIGHT: f64 = 240.0;
/// Its distance from the work area's right and bottom edges, in logical pixels.
const MARGIN: f64 = 16.0;

/// Creates the popup, hidden.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let popup = WebviewWindowBuilder::new(app, POPUP, WebviewUrl::App("index.html".into()))
        .title("Duet — incoming call")
        .inner_size(WIDTH, HEIGHT)
        .resizable(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .visible(false)
        // Not focused when it first appears; `keep_focus_where_it_is` covers every later showing.
        .focused(false)
        // Where it starts until the first invite places it (no monitor known: the window manager's
        // choice, centered).
        .center()
        .build()?;
    keep_focus_where_it_is(&popup);
    Ok(())
}

/// Shows the popup in its corner without focusing it, or hides it. Runs on the main thread.
pub fn show(app: &AppHandle, show: bool) {
    let Some(popup) = app.get_webview_window(POPUP) else {
        return;
    };
    let outcome = if show {
        if let Some(corner) = corner_of_primary_monitor(app, &popup) {
            if let Err(error) = popup.set_position(corner) {
                tracing::info!(%error, "popup not moved to its corner");
            }
        }
        // No set_focus: the user moves to the popup when they choose to.
        popup.show().and_then(|_| popup.set_always_on_top(true))
    } else {
        popup.hide()
    };
    if let Err(error) = outcome {
        tracing::warn!(%error, show, "popup window");
    }
}

/// Tauri's `focused(false)` only holds until the window is first drawn (tao gives the window
/// back its focus hint then); GTK's focus-on-map hint asks the window manager not to focus it on
/// every showing, while still letting the user click into it.
#[cfg(target_os = "linux")]
fn keep_focus_where_it_is(popup: &WebviewWindow) {
    use gtk::prelude::GtkWindowExt;
    match popup.gtk_window() {
        Ok(window) => window.set_focus_on_map(false),
        Err(error) => tracing::info!(%error, "popup: no GTK window to keep unfocused"),
    }
}

#[cfg(not(target_os = "linux"))]
fn keep_focus_where_it_is(_popup: &WebviewWindow) {}

/// The popup's top-left corner in the primary monitor's work area (the monitor the popup is on
/// when there is no primary one); None when no monitor is known.
fn corner_of_primary_monitor(
    app: &AppHandle,
    popup: &WebviewWindow,
) -> Option<PhysicalPosition<i32>> {
    let monitor = app
        .primary_monitor()
        .ok()
        .flatten()
        .or_else(|| popup.current_monitor().ok().flatten())?;
    let scale = monitor.scale_factor();
    let area = monitor.work_area();
    // The frame counts: the window manager places the outer window.
    let size = popup
        .outer_size()
        .unwrap_or_else(|_| LogicalSize::new(WIDTH, HEIGHT).to_physical::<u32>(scale));
    Some(bottom_right(
        Area {
            x: area.position.x,
            y: area.position.y,
            width: area.size.width,
            height: area.size.height,
        },
        size,
        (MARGIN * scale).round() as u32,
    ))
}

/// A rectangle of the screen in physical pixels.
#[derive(Debug, Clone, Copy)]
struct Area {
    x: i32,
    y: i32,
    width: u32,
    height: u32,
}

/// Where a window of `size` sits `margin` from the bottom-right edges of `area`; never left of or
/// above the area's origin when the area is smaller than the window.
fn bottom_right(area: Area, size: PhysicalSize<u32>, margin: u32) -> PhysicalPosition<i32> {
    let offset = |length: u32, window: u32| -> i32 {
        let room = i64::from(length) - i64::from(window) - i64::from(margin);
        // Clamped to 0..=u32::MAX, so it fits an i32 offset from the area's origin.
        i32::try_from(room.max(0)).unwrap_or(i32::MAX)
    };
    PhysicalPosition::new(
        area.x.saturating_add(offset(area.width, size.width)),
        area.y.saturating_add(offset(area.height, size.height)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_popup_sits_in_the_bottom_right_corner_of_the_work_area() {
        // A 1920x1080 monitor with a 40 px panel at the bottom.
        let area = Area {
            x: 0,
            y: 0,
            width: 1920,
            height: 1040,
        };
        assert_eq!(
            bottom_right(area, PhysicalSize::new(380, 240), 16),
            PhysicalPosition::new(1920 - 380 - 16, 1040 - 240 - 16)
        );
        // A primary monitor right of another one, with a panel on top.
        let area = Area {
            x: 1920,
            y: 32,
            width: 2560,
            height: 1408,
        };
        assert_eq!(
            bottom_right(area, PhysicalSize::new(760, 480), 32),
            PhysicalPosition::new(1920 + 2560 - 760 - 32, 32 + 1408 - 480 - 32)
        );
    }

    #[test]
    fn a_work_area_smaller_than_the_popup_keeps_it_at_the_areas_origin() {
        let area = Area {
            x: -100,
            y: 50,
            width: 300,
            height: 200,
        };
        assert_eq!(
            bottom_right(area, PhysicalSize::new(380, 240), 16),
            PhysicalPosition::new(-100, 50)
        );
    }
}
