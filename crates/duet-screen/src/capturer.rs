//! [`ScreenCapturer`]: one interface over the two ways to capture, an X display
//! ([`X11Capturer`]) and the desktop's screen-cast portal on Wayland (`portal` feature).

use crate::capture::{Capture, X11Capturer};
use crate::{ScreenError, ShareTarget};

/// Captures a screen or a window; see the crate docs for how.
///
/// Call [`capture`](Self::capture) at the frame rate wanted: it returns a frame only when
/// something changed.
pub struct ScreenCapturer(Backend);

enum Backend {
    // Boxed: one capturer per share, and the X one is several hundred bytes of state.
    X11(Box<X11Capturer>),
    #[cfg(feature = "portal")]
    Portal(crate::portal::PortalCapturer),
}

impl ScreenCapturer {
    /// Starts capturing `target`. For [`ShareTarget::Portal`] this asks the desktop, which may
    /// show a dialog and waits for the user's choice ([`ScreenError::Refused`] if declined).
    pub fn open(target: &ShareTarget) -> Result<Self, ScreenError> {
        match target {
            ShareTarget::Portal => open_portal(),
            _ => X11Capturer::open(target).map(|c| ScreenCapturer(Backend::X11(Box::new(c)))),
        }
    }

    /// The size frames come at now (it follows resolution changes and window resizes; 0 x 0
    /// before the portal's first frame).
    pub fn size(&self) -> (u32, u32) {
        match &self.0 {
            Backend::X11(c) => c.size(),
            #[cfg(feature = "portal")]
            Backend::Portal(c) => c.size(),
        }
    }

    /// The X display name connected to, or `"xdg-desktop-portal"`.
    pub fn display_name(&self) -> &str {
        match &self.0 {
            Backend::X11(c) => c.display_name(),
            #[cfg(feature = "portal")]
            Backend::Portal(_) => "xdg-desktop-portal",
        }
    }

    /// Whether X grabs go through MIT-SHM shared memory (false for the portal, whose frames
    /// arrive in PipeWire's own shared memory).
    pub fn uses_shm(&self) -> bool {
        match &self.0 {
            Backend::X11(c) => c.uses_shm(),
            #[cfg(feature = "portal")]
            Backend::Portal(_) => false,
        }
    }

    /// The picture if anything (pixels, size, cursor) changed since the last call; the first
    /// call on X always gives a frame (or [`Capture::Hidden`]); the portal's first frame comes
    /// when the desktop sends it.
    pub fn capture(&mut self) -> Result<Capture<'_>, ScreenError> {
        match &mut self.0 {
            Backend::X11(c) => c.capture(),
            #[cfg(feature = "portal")]
            Backend::Portal(c) => c.capture(),
        }
    }

    /// Grabs now whether or not anything changed (what a capturer without damage tracking
    /// does every frame); the portal gives its latest frame again. For benchmarks, and to
    /// resynchronise if frames were lost downstream.
    pub fn capture_now(&mut self) -> Result<Capture<'_>, ScreenError> {
        match &mut self.0 {
            Backend::X11(c) => c.capture_now(),
            #[cfg(feature = "portal")]
            Backend::Portal(c) => c.capture_now(),
        }
    }
}

#[cfg(feature = "portal")]
fn open_portal() -> Result<ScreenCapturer, ScreenError> {
    crate::portal::PortalCapturer::open().map(|c| ScreenCapturer(Backend::Portal(c)))
}

#[cfg(not(feature = "portal"))]
fn open_portal() -> Result<ScreenCapturer, ScreenError> {
    Err(ScreenError::Unsupported(
        "this build has no Wayland screen capture (duet-screen's `portal` feature)".into(),
    ))
}
