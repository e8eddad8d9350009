//! Which X display to use, and connecting to it.
//!
//! The environment is an argument, not read inside, so tests can check the Wayland-only case
//! without changing the process environment under other tests running in parallel.

use std::ffi::OsString;

use x11rb::rust_connection::RustConnection;

use crate::ScreenError;

/// The environment variables that choose the display.
#[derive(Debug, Clone, Default)]
pub(crate) struct DisplayEnv {
    pub display: Option<OsString>,
    pub wayland_display: Option<OsString>,
}

impl DisplayEnv {
    pub(crate) fn from_process() -> Self {
        DisplayEnv {
            display: std::env::var_os("DISPLAY"),
            wayland_display: std::env::var_os("WAYLAND_DISPLAY"),
        }
    }

    /// A Wayland session with no X display to capture.
    pub(crate) fn wayland_only(&self) -> bool {
        set(&self.display).is_none() && set(&self.wayland_display).is_some()
    }
}

fn set(v: &Option<OsString>) -> Option<String> {
    v.as_ref()
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned())
}

/// The display name to connect to: `requested`, else `$DISPLAY`.
pub(crate) fn resolve(requested: Option<&str>, env: &DisplayEnv) -> Result<String, ScreenError> {
    if let Some(name) = requested.filter(|n| !n.is_empty()) {
        return Ok(name.to_owned());
    }
    if let Some(name) = set(&env.display) {
        return Ok(name);
    }
    if let Some(wayland) = set(&env.wayland_display) {
        return Err(ScreenError::Unsupported(format!(
            "this is a Wayland session (WAYLAND_DISPLAY={wayland}) with no X display (DISPLAY is not set); \
             Wayland screen capture goes through the xdg-desktop-portal ScreenCast interface: \
             {}",
            if cfg!(feature = "portal") {
                "share the target `portal`"
            } else {
                "this build does not include it (duet-screen's `portal` feature)"
            }
        )));
    }
    Err(ScreenError::NoDisplay(
        "no display given and DISPLAY is not set".into(),
    ))
}

/// An open connection and the screen it is on.
pub(crate) struct Display {
    pub conn: RustConnection,
    pub screen: usize,
    pub name: String,
}

impl Display {
    pub(crate) fn open(requested: Option<&str>) -> Result<Self, ScreenError> {
        Self::open_in(requested, &DisplayEnv::from_process())
    }

    pub(crate) fn open_in(requested: Option<&str>, env: &DisplayEnv) -> Result<Self, ScreenError> {
        let name = resolve(requested, env)?;
        let (conn, screen) = RustConnection::connect(Some(&name))
            .map_err(|e| ScreenError::NoDisplay(format!("{name}: {e}")))?;
        if screen >= conn_screens(&conn) {
            return Err(ScreenError::NoDisplay(format!(
                "{name}: the server has no screen {screen}"
            )));
        }
        Ok(Display { conn, screen, name })
    }

    pub(crate) fn root(&self) -> u32 {
        self.screen_info().root
    }

    pub(crate) fn screen_info(&self) -> &x11rb::protocol::xproto::Screen {
        use x11rb::connection::Connection;
        // `open_in` checked that the server has this screen.
        &self.conn.setup().roots[self.screen]
    }
}

fn conn_screens(conn: &RustConnection) -> usize {
    use x11rb::connection::Connection;
    conn.setup().roots.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(display: Option<&str>, wayland: Option<&str>) -> DisplayEnv {
        DisplayEnv {
            display: display.map(Into::into),
            wayland_display: wayland.map(Into::into),
        }
    }

    #[test]
    fn explicit_name_wins_over_the_environment() {
        assert_eq!(
            resolve(Some(":7"), &env(Some(":1"), Some("wayland-0"))).unwrap(),
            ":7"
        );
        assert_eq!(
            resolve(None, &env(Some(":1"), Some("wayland-0"))).unwrap(),
            ":1"
        );
    }

    #[test]
    fn wayland_only_session_is_unsupported_and_names_the_portal() {
        let err = resolve(None, &env(None, Some("wayland-0"))).unwrap_err();
        let ScreenError::Unsupported(msg) = &err else {
            panic!("expected Unsupported, got {err:?}")
        };
        assert!(msg.contains("xdg-desktop-portal"), "{msg}");
        assert!(msg.contains("wayland-0"), "{msg}");
        // An empty DISPLAY counts as unset.
        assert!(matches!(
            resolve(None, &env(Some(""), Some("wayland-1"))),
            Err(ScreenError::Unsupported(_))
        ));
        assert!(matches!(
            Display::open_in(None, &env(None, Some("wayland-0"))),
            Err(ScreenError::Unsupported(_))
        ));
    }

    #[test]
    fn no_display_at_all_is_no_display() {
        assert!(matches!(
            resolve(None, &env(None, None)),
            Err(ScreenError::NoDisplay(_))
        ));
    }
}
