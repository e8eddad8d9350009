//! The main window opens where the user left it: tauri-plugin-window-state saves its size,
//! position and maximized state (`.window-state.json` in the config directory) when the app
//! exits and restores them when the window is created. The incoming-call popup is left out: it
//! places itself in its screen corner each time (popup_window.rs).

use super::popup_window::POPUP;
use tauri_plugin_window_state::StateFlags;

/// Windows whose state is neither saved nor restored.
pub(crate) const NOT_REMEMBERED: &[&str] = &[POPUP];

/// What is remembered. Not visibility: the main window may have been hidden in the tray when the
/// user quit, and must still appear at the next start. Not decorations or fullscreen, which the
/// app never changes.
pub(crate) fn remembered() -> StateFlags {
    StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED
}

/// The plugin, configured.
pub(crate) fn plugin() -> tauri::plugin::TauriPlugin<tauri::Wry> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(remembered())
        .with_denylist(NOT_REMEMBERED)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_window_is_remembered_and_the_popup_is_not() {
        assert!(NOT_REMEMBERED.contains(&POPUP));
        assert!(!NOT_REMEMBERED.contains(&super::super::MAIN));
        let flags = remembered();
        assert!(flags.contains(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED));
        assert!(
            !flags.contains(StateFlags::VISIBLE),
            "a window hidden in the tray at quit must still show at the next start"
        );
        // Building it needs no display.
        let _plugin = plugin();
    }
}
