//! The Tauri layer: windows, tray, popup, deep links, single instance, notifications. Everything
//! else lives in [`crate::backend::Backend`].

mod capabilities;
pub(crate) mod command_args;
pub(crate) mod command_list;
pub(crate) mod commands;
mod mini_window;
mod popup_window;
mod webkit_painting;
mod window_state;

use crate::backend::state::{AppState, Status};
use crate::backend::tray_text::tray_text;
use crate::backend::ui::Ui;
use crate::backend::Backend;
use crate::error::AppError;
use crate::media::sources::SourceOverrides;
use crate::store::files::AppDirs;
use crate::store::log_file::LogFile;
use command_list::handler;
use mini_window::MINI;
use popup_window::POPUP;
use std::sync::Arc;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Emitter, Manager, RunEvent, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;
use tauri_plugin_notification::NotificationExt;

const MAIN: &str = "main";
const TRAY: &str = "duet-tray";
const TRAY_STATUS_ITEM: &str = "status";

/// The tray menu's items, relabelled on every state change (the language may have changed).
struct TrayItems {
    status: MenuItem<tauri::Wry>,
    show: MenuItem<tauri::Wry>,
    quit: MenuItem<tauri::Wry>,
}

/// The real desktop behind [`Ui`].
struct TauriUi {
    app: AppHandle,
}

impl Ui for TauriUi {
    fn emit(&self, event: &str, payload: serde_json::Value) {
        if let Err(error) = self.app.emit(event, payload) {
            tracing::warn!(%error, event, "emit failed");
        }
    }

    fn show_popup(&self, show: bool) {
        let app = self.app.clone();
        // Window calls must run on the main (GTK) thread.
        let _ = self
            .app
            .run_on_main_thread(move || popup_window::show(&app, show));
    }

    fn notify(&self, title: &str, body: &str) {
        if let Err(error) = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            tracing::info!(%error, "no desktop notification");
        }
    }

    fn status_changed(&self, state: &AppState) {
        // Tray calls wait for the main thread; queued there instead, they cannot block the
        // backend's publish lock, and they run in the order the states were published.
        let app = self.app.clone();
        let state = state.clone();
        let _ = self.app.run_on_main_thread(move || {
            // The mini window shows a call: it closes when the call ends.
            if state.status != Status::InCall {
                mini_window::close(&app);
            }
            // The backend is managed before it can publish any state; "en" only guards the order.
            let text = tray_text(&state, locale(&app));
            if let Some(tray) = app.tray_by_id(TRAY) {
                let _ = tray.set_tooltip(Some(&text.status));
            }
            if let Some(items) = app.try_state::<TrayItems>() {
                let _ = items.status.set_text(&text.status);
                let _ = items.show.set_text(text.show);
                let _ = items.quit.set_text(text.quit);
            }
        });
    }
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(main) = app.get_webview_window(MAIN) {
        let _ = main.show();
        let _ = main.unminimize();
        let _ = main.set_focus();
    }
}

/// Shows the main window and hands each `duet:` link to the backend, which asks the user before
/// acting on it (backend/links.rs).
fn handle_links(app: &AppHandle, urls: impl IntoIterator<Item = String>) {
    let backend = app.state::<Backend>().inner().clone();
    for url in urls {
        show_main(app);
        backend.open_link(&url);
    }
}

/// The backend's language for native texts; English before the backend is managed.
fn locale(app: &AppHandle) -> &'static str {
    app.try_state::<Backend>()
        .map_or("en", |backend| backend.locale())
}

fn build_tray(app: &AppHandle) -> tauri::Result<()> {
    let text = tray_text(&AppState::signed_out(), locale(app));
    let status = MenuItem::with_id(app, TRAY_STATUS_ITEM, "Duet", false, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", text.show, true, None::<&str>)?;
    let quit_item = MenuItem::with_id(app, "quit", text.quit, true, None::<&str>)?;
    let menu = Menu::with_items(
        app,
        &[
            &status,
            &PredefinedMenuItem::separator(app)?,
            &show,
            &quit_item,
        ],
    )?;
    app.manage(TrayItems {
        status: status.clone(),
        show: show.clone(),
        quit: quit_item.clone(),
    });
    let icon = tauri::image::Image::from_bytes(include_bytes!("../../../icons/tray.png"))?;
    TrayIconBuilder::with_id(TRAY)
        .icon(icon)
        .tooltip("Duet")
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|app, event| match event.id.as_ref() {
            "show" => show_main(app),
            "quit" => quit(app),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main(tray.app_handle());
            }
        })
        .build(app)?;
    Ok(())
}

fn quit(app: &AppHandle) {
    let backend = app.state::<Backend>().inner().clone();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        backend.shutdown().await;
        app.exit(0);
    });
}

/// Runs the desktop app until the user quits.
pub fn run() {
    // Before anything starts a thread (set_var is not thread-safe) and before WebKit reads it.
    let painting = crate::shell::webkit_painting::apply();
    let log_file = start_logging();
    if let Some(value) = painting {
        tracing::info!(
            "no GPU render node: WebKit paints without its compositor ({}={value})",
            crate::shell::webkit_painting::VARIABLE
        );
    }

    let app = tauri::Builder::default()
        // First: a second start hands its arguments (a deep link) to this instance and exits.
        // Its `deep-link` feature hands the second start's duet: links to `on_open_url` (set up
        // in `setup`) before this callback runs, so handling them here too would open each twice.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(window_state::plugin())
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(log_file)
        .invoke_handler(command_list::with_commands!(handler))
        .setup(setup)
        .on_window_event(on_window_event)
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(error) => {
            eprintln!("duet: cannot start: {error}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| match &event {
        // Closing the last window without a tray: stop the embedded server first.
        RunEvent::ExitRequested { api, code, .. } if code.is_none() => {
            api.prevent_exit();
            quit(app);
        }
        // The process ends without unwinding: write out the log's queued lines now.
        RunEvent::Exit => app.state::<LogFile>().close(),
        _ => {}
    });
}

/// Logs to stderr and, once `setup` knows the data directory, to the log file (store/log_file.rs);
/// `RUST_LOG` chooses what, for both.
fn start_logging() -> LogFile {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let log_file = LogFile::default();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,webrtc=warn,webrtc_ice=warn,sqlx=warn".into());
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(log_file.clone()),
        )
        .try_init();
    log_file
}

/// Starts the backend, the popup, the tray and deep links; then signs in at start and follows
/// the links the app was started with.
fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let handle = app.handle().clone();
    let path = app.path();
    let dirs = AppDirs::create(path.app_config_dir()?, path.app_data_dir()?)?;
    match app.state::<LogFile>().open(&dirs.logs()) {
        Ok(()) => tracing::info!(
            version = env!("CARGO_PKG_VERSION"),
            logs = %dirs.logs().display(),
            "Duet starts"
        ),
        Err(error) => tracing::warn!(%error, "no log file; logging to stderr only"),
    }
    let overrides = SourceOverrides::from_env()?;
    let ui: Arc<dyn Ui> = Arc::new(TauriUi {
        app: handle.clone(),
    });
    // The embedded server takes duet-server's usual port when it is free.
    let embedded_port = std::env::var("DUET_EMBEDDED_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(duet_server::DEFAULT_PORT);
    let autostart = crate::backend::autostart::system();
    let backend = tauri::async_runtime::block_on(Backend::new(
        dirs,
        overrides,
        embedded_port,
        ui,
        autostart,
    ))?;
    app.manage(backend.clone());
    popup_window::build(&handle)?;
    if let Err(error) = build_tray(&handle) {
        // No tray on desktops without a StatusNotifier host; closing then quits.
        tracing::info!(%error, "no tray icon");
    }
    #[cfg(any(target_os = "linux", target_os = "windows"))]
    if let Err(error) = app.deep_link().register_all() {
        tracing::info!(%error, "duet:// links not registered");
    }
    let links = app
        .deep_link()
        .get_current()
        .ok()
        .flatten()
        .unwrap_or_default();
    let link_app = handle.clone();
    app.deep_link().on_open_url(move |event| {
        handle_links(&link_app, event.urls().into_iter().map(|u| u.to_string()));
    });
    tauri::async_runtime::spawn(async move {
        match backend.start().await {
            Ok(signed) => tracing::info!(account = signed.account, "signed in at start"),
            Err(error) => tracing::warn!(%error, "not signed in at start"),
        }
        handle_links(&handle, links.into_iter().map(|u| u.to_string()));
    });
    Ok(())
}

/// Closing the popup declines its call; closing the main window while signed in with a tray
/// hides it. The main window's focus opens and closes the mini window; closing the mini window
/// (its back-to-app button) brings the main window back.
fn on_window_event(window: &tauri::Window, event: &WindowEvent) {
    let app = window.app_handle();
    match (window.label(), event) {
        (MAIN, WindowEvent::Focused(false)) => mini_window::main_went_to_background(app),
        (MAIN, WindowEvent::Focused(true)) => mini_window::close(app),
        // Minimising does not always take the focus away first (a window manager's button).
        (MAIN, WindowEvent::Resized(_)) if window.is_minimized().unwrap_or(false) => {
            mini_window::main_went_to_background(app)
        }
        (MINI, WindowEvent::CloseRequested { .. }) => show_main(app),
        // The popup is never closed, only hidden; closing it declines the call.
        (POPUP, WindowEvent::CloseRequested { api, .. }) => {
            api.prevent_close();
            let _ = window.hide();
            let backend = app.state::<Backend>().inner().clone();
            tauri::async_runtime::spawn(async move {
                let _ = backend.reject().await;
            });
        }
        // Signed in with a tray: keep running in the tray to receive calls.
        (MAIN, WindowEvent::CloseRequested { api, .. })
            if app.tray_by_id(TRAY).is_some()
                && app.state::<Backend>().state().status != Status::SignedOut =>
        {
            api.prevent_close();
            let _ = window.hide();
            // Hidden to the tray during a call: the call stays at hand in the mini window.
            mini_window::main_went_to_background(app);
        }
        _ => {}
    }
}

// The only place Tauri's error type is known: the rest of the app reports desktop failures as text.
impl From<tauri::Error> for AppError {
    fn from(e: tauri::Error) -> Self {
        AppError::Desktop(e.to_string())
    }
}
