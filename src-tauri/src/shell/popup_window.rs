//! The incoming-call popup window (docs/app.md, Incoming calls): a small always-on-top window in
//! the bottom-right corner of the primary monitor's work area that never takes the keyboard focus
//! when it appears, so a key the user was typing elsewhere cannot answer a call.

use tauri::{
    AppHandle, Manager, PhysicalPosition, PhysicalSize, WebviewUrl, WebviewWindow,
    WebviewWindowBuilder,
};

/// The popup's Tauri label (its capability is capabilities/popup.json).
pub const POPUP: &str = "popup";

/// Its size in logical pixels.
const WIDTH: f64 = 380.0;
const HEIGHT: f64 = 240.0;
/// Its frame's distance from the work area's right and bottom edges, in logical pixels.
const MARGIN: f64 = 16.0;

/// Creates the popup, hidden, its page in the main window's web process (see
/// [`in_main_web_process`]); with no main window, in a process of its own.
pub fn build(app: &AppHandle) -> tauri::Result<()> {
    let Some(main) = app.get_webview_window(super::MAIN) else {
        let popup = builder(app).build()?;
        native_hints(&popup);
        return Ok(());
    };
    let app = app.clone();
    // Called from the setup hook, on the main thread, so this runs before it returns.
    main.with_webview(move |main_view| {
        match in_main_web_process(builder(&app), main_view).build() {
            Ok(popup) => native_hints(&popup),
            Err(error) => tracing::warn!(%error, "popup window not built"),
        }
    })
}

fn builder(app: &AppHandle) -> WebviewWindowBuilder<'_, tauri::Wry, AppHandle> {
    WebviewWindowBuilder::new(app, POPUP, WebviewUrl::App("index.html".into()))
        .title("Duet — incoming call")
        .inner_size(WIDTH, HEIGHT)
        .resizable(false)
        .always_on_top(true)
        .skip_taskbar(true)
        .visible(false)
        // Not focused when it first appears; `native_hints` covers every later showing.
        .focused(false)
        // Where it starts until the first invite places it (no monitor known: there it stays).
        .center()
}

/// A window (the popup, the mini window) whose page shares the main window's web process rather
/// than starting one of its own: WebKitGTK gives every web view a process unless it is built
/// related to another, and the popup's own, idle all day, took 72 MiB PSS (docs/benchmarks.md,
/// "Against a browser tab"). The pages are the app's own, so nothing is gained by isolating them
/// from each other. Elsewhere, where the webview is not WebKitGTK, the builder is unchanged.
pub(super) fn in_main_web_process<'a>(
    builder: WebviewWindowBuilder<'a, tauri::Wry, AppHandle>,
    main_view: tauri::webview::PlatformWebview,
) -> WebviewWindowBuilder<'a, tauri::Wry, AppHandle> {
    #[cfg(target_os = "linux")]
    return builder.with_related_view(main_view.inner());
    #[cfg(not(target_os = "linux"))]
    {
        let _ = main_view;
        builder
    }
}

/// Shows the popup in its corner without focusing it, or hides it. Runs on the main thread.
pub fn show(app: &AppHandle, show: bool) {
    let Some(popup) = app.get_webview_window(POPUP) else {
        return;
    };
    let outcome = if show {
        show_in_corner(app, &popup)
    } else {
        popup.hide()
    };
    if let Err(error) = outcome {
        tracing::warn!(%error, show, "popup window");
    }
}

/// Shows `window` in the bottom-right corner of the work area without focusing it (the popup,
/// and the mini window of shell/mini_window.rs, built with [`native_hints`]). Main thread only.
pub(super) fn show_in_corner(app: &AppHandle, window: &WebviewWindow) -> tauri::Result<()> {
    let area = work_area(app, window);
    let place_in_corner = || {
        if let Some(area) = area {
            if let Err(error) = place(window, area) {
                tracing::info!(%error, window = window.label(), "not moved to its corner");
            }
        }
    };
    place_in_corner();
    // No set_focus: the user moves to the window when they choose to.
    let shown = window.show().and_then(|_| window.set_always_on_top(true));
    // Once more with the window's full size, which GTK knows once it has been shown.
    place_in_corner();
    shown
}

/// On Linux, two GTK hints Tauri does not offer. Tauri's `focused(false)` only holds until the
/// window is first drawn (tao gives the window back its focus hint then); the focus-on-map hint
/// asks the window manager not to focus it at every showing, while still letting the user click
/// into it. South-east gravity makes a move place the frame's bottom-right corner, so the corner
/// is right without knowing the frame's size (GTK does not know it while the window is hidden).
#[cfg(target_os = "linux")]
pub(super) fn native_hints(popup: &WebviewWindow) {
    use gtk::prelude::{GtkWindowExt, WidgetExt};
    match popup.gtk_window() {
        Ok(window) => {
            window.set_focus_on_map(false);
            window.set_gravity(gtk::gdk::Gravity::SouthEast);
            // The window can come out taller than asked when it is mapped (GTK grows it to its
            // content): back into the corner, with the size it has now.
            window.connect_size_allocate(|window, _| keep_in_corner(window));
        }
        Err(error) => tracing::info!(%error, "popup: no GTK window to give hints"),
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn native_hints(_popup: &WebviewWindow) {}

/// Moves a shown popup whose size changed back to the bottom-right corner of its monitor's work
/// area (GDK's, in GTK's pixels).
#[cfg(target_os = "linux")]
fn keep_in_corner(window: &gtk::ApplicationWindow) {
    use gtk::prelude::{GtkWindowExt, MonitorExt, WidgetExt};
    if !window.is_visible() {
        return;
    }
    let Some(gdk_window) = window.window() else {
        return;
    };
    let display = window.display();
    let Some(monitor) = display
        .primary_monitor()
        .or_else(|| display.monitor_at_window(&gdk_window))
    else {
        return;
    };
    let work = monitor.workarea();
    let area = Area {
        x: work.x(),
        y: work.y(),
        width: work.width().max(0) as u32,
        height: work.height().max(0) as u32,
    };
    let (width, height) = window.size();
    let size = PhysicalSize::new(width.max(0) as u32, height.max(0) as u32);
    let corner = bottom_right(area, size, MARGIN.round() as u32);
    if window.position() != (corner.x, corner.y) {
        window.move_(corner.x, corner.y);
    }
}

/// The primary monitor's work area in physical pixels, and its scale. Without a primary monitor
/// (an X server with no primary output, such as Xvfb) the monitor the popup is on, else the first
/// one; None when no monitor is known.
fn work_area(app: &AppHandle, popup: &WebviewWindow) -> Option<(Area, f64)> {
    let monitor = app
        .primary_monitor()
        .ok()
        .flatten()
        .or_else(|| popup.current_monitor().ok().flatten())
        .or_else(|| app.available_monitors().ok()?.into_iter().next());
    let Some(monitor) = monitor else {
        tracing::info!("popup: no monitor known, it stays where it is");
        return None;
    };
    let area = monitor.work_area();
    Some((
        Area {
            x: area.position.x,
            y: area.position.y,
            width: area.size.width,
            height: area.size.height,
        },
        monitor.scale_factor(),
    ))
}

/// Moves the popup to the bottom-right corner of `area`. GTK moves in its own (logical) pixels,
/// with the window's size as GTK has it and the gravity set in [`native_hints`].
#[cfg(target_os = "linux")]
fn place(popup: &WebviewWindow, (area, scale): (Area, f64)) -> tauri::Result<()> {
    use gtk::prelude::GtkWindowExt;
    use gtk::prelude::WidgetExt;
    let window = popup.gtk_window()?;
    // Its X window, unmapped, so that its full size is known before the first showing (Tauri
    // shows windows later, from its event loop).
    window.realize();
    let (width, height) = window.size();
    // Client-side decorations (a GTK header bar) are part of the X window but not of GTK's size,
    // and its gravity leaves them out: count them once the window exists (after its first showing).
    let (extra_width, extra_height) = window
        .window()
        .map(|x| ((x.width() - width).max(0), (x.height() - height).max(0)))
        .unwrap_or((0, 0));
    let size = PhysicalSize::new(
        (width + extra_width).max(0) as u32,
        (height + extra_height).max(0) as u32,
    );
    let corner = bottom_right(area.scaled(1.0 / scale), size, MARGIN.round() as u32);
    window.move_(corner.x, corner.y);
    Ok(())
}

/// Moves the popup's outer window to the bottom-right corner of `area`.
#[cfg(not(target_os = "linux"))]
fn place(popup: &WebviewWindow, (area, scale): (Area, f64)) -> tauri::Result<()> {
    let size = popup.outer_size()?;
    popup.set_position(bottom_right(area, size, (MARGIN * scale).round() as u32))
}

/// A rectangle of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Area {
    x: i32,
    y: i32,
    width: u32,
    height: u32,
}

impl Area {
    /// The same rectangle in pixels `factor` times as large (physical to logical: 1 / scale).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fn scaled(self, factor: f64) -> Area {
        // Screen coordinates are far inside i32 and u32 after scaling by a display's factor.
        let scale = |v: f64| (v * factor).round();
        Area {
            x: scale(f64::from(self.x)) as i32,
            y: scale(f64::from(self.y)) as i32,
            width: scale(f64::from(self.width)) as u32,
            height: scale(f64::from(self.height)) as u32,
        }
    }
}

/// Where a window of `size` (its top-left corner) sits `margin` from the bottom-right edges of
/// `area`; never left of or above the area's origin when the area is smaller than the window.
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
    fn a_scaled_monitor_is_placed_in_logical_pixels() {
        let physical = Area {
            x: 3840,
            y: 0,
            width: 3840,
            height: 2080,
        };
        let logical = physical.scaled(1.0 / 2.0);
        assert_eq!(
            logical,
            Area {
                x: 1920,
                y: 0,
                width: 1920,
                height: 1040
            }
        );
        assert_eq!(
            bottom_right(logical, PhysicalSize::new(380, 240), 16),
            PhysicalPosition::new(1920 + 1920 - 380 - 16, 1040 - 240 - 16)
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
