//! The harness of the desktop app's GUI tests (tests/tests/gui_app.rs): a private X desktop with
//! tauri-driver, a WebDriver client for the app's windows, and the app's memory.
//!
//! It lives outside the library (the test includes it by path) because it needs the WebDriver
//! client, a dev-dependency.

pub mod desktop;
pub mod driver;
pub mod memory;
pub mod pattern;
pub mod portrait;
pub mod procs;
