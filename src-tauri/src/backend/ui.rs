//! What the backend asks of the desktop (Tauri in the app, a recorder in tests).

/// The window system as the backend sees it. Calls come from any thread, the state ones under
/// the backend's publish lock: an implementation queues its work and never waits for it.
pub trait Ui: Send + Sync + 'static {
    /// Sends an event to every window's page.
    fn emit(&self, event: &str, payload: serde_json::Value);
    /// Shows (always on top) or hides the incoming-call popup.
    fn show_popup(&self, show: bool);
    /// A desktop notification.
    fn notify(&self, title: &str, body: &str);
    /// The app's state changed (tray status text).
    fn status_changed(&self, state: &crate::backend::state::AppState);
}
