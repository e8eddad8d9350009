//! The one error type of the crate, and the conversions from x11rb's errors.

use x11rb::errors::{ConnectionError, ReplyError, ReplyOrIdError};
use x11rb::protocol::ErrorKind;

/// Why a listing, a thumbnail or a capture failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ScreenError {
    /// No X display could be reached: the message names the display and the reason.
    #[error("cannot connect to X display: {0}")]
    NoDisplay(String),
    /// The session or the X server cannot be captured by this build (e.g. Wayland only).
    #[error("screen capture unsupported: {0}")]
    Unsupported(String),
    /// The captured window was destroyed.
    #[error("the shared window was closed")]
    WindowGone,
    /// The window id names no window on that display.
    #[error("no window 0x{0:x} on this display")]
    NoSuchWindow(u32),
    /// The X server refused a request or the connection broke (e.g. the display went away).
    #[error("X protocol error: {0}")]
    Protocol(String),
    /// The user (or the desktop) declined the screen-cast portal's request: nothing is shared.
    #[error("the screen-cast portal refused the request")]
    Refused,
    /// The screen-cast portal failed, or its stream ended (the user stopped it from the
    /// desktop, the shared window closed): the message says which.
    #[error("screen cast: {0}")]
    Portal(String),
    /// A text form of a target that does not parse (see [`crate::ShareTarget`]).
    #[error(
        "invalid share target {0:?}: expected screen:<display>, window:<display>:<id> or portal"
    )]
    BadTarget(String),
}

impl From<ConnectionError> for ScreenError {
    fn from(e: ConnectionError) -> Self {
        ScreenError::Protocol(format!("connection to the X server lost: {e}"))
    }
}

impl From<ReplyError> for ScreenError {
    fn from(e: ReplyError) -> Self {
        match e {
            ReplyError::ConnectionError(e) => e.into(),
            ReplyError::X11Error(e) => ScreenError::Protocol(format!(
                "{:?} error from request {}",
                e.error_kind, e.major_opcode
            )),
        }
    }
}

impl From<ReplyOrIdError> for ScreenError {
    fn from(e: ReplyOrIdError) -> Self {
        match e {
            ReplyOrIdError::ConnectionError(e) => e.into(),
            ReplyOrIdError::X11Error(e) => ReplyError::X11Error(e).into(),
            ReplyOrIdError::IdsExhausted => {
                ScreenError::Protocol("X resource ids exhausted".into())
            }
        }
    }
}

/// True when a request failed because its window (or the window's pixmap) no longer exists.
pub(crate) fn is_gone(e: &ReplyError) -> bool {
    matches!(
        e,
        ReplyError::X11Error(x) if matches!(x.error_kind, ErrorKind::Window | ErrorKind::Drawable | ErrorKind::Pixmap)
    )
}
