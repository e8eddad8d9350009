//! Screen and window capture for Duet's screen sharing: X11, and Wayland through the portal.
//!
//! [`list_targets`] names what can be shared (the screen, then the mapped application windows
//! with their titles), [`thumbnail`] gives a small picture of one for the picker, and a
//! [`ScreenCapturer`] gives its frames as 32-bit [`BgraImage`]s, opaque, at the target's current
//! size. The media pipeline converts them to I420, scales and paces them; this crate has no
//! threads, no clock and no async runtime: call [`ScreenCapturer::capture`] at the frame rate
//! wanted.
//!
//! ```no_run
//! use duet_screen::{Capture, ScreenCapturer, ShareTarget};
//! let mut capturer = ScreenCapturer::open(&ShareTarget::Screen { display: None })?;
//! loop {
//!     match capturer.capture()? {
//!         Capture::Frame(image) => { /* convert and send image */ }
//!         Capture::Unchanged => { /* repeat the last frame, or send nothing */ }
//!         Capture::Hidden => { /* the window is minimised */ }
//!     }
//! #   break;
//! }
//! # Ok::<(), duet_screen::ScreenError>(())
//! ```
//!
//! # How
//!
//! - **Only when something changed.** A DAMAGE object on the root window (or on the shared
//!   window) reports drawing; a capture with no damage since the last grab, and no cursor
//!   change, returns [`Capture::Unchanged`] after one round trip (the pointer query) and reads
//!   no pixels. The first capture always gives a frame.
//! - **Grabs** use MIT-SHM (`ShmGetImage` into a System V segment reused from frame to frame)
//!   when the server can attach our memory (a local server), else a plain `GetImage` through
//!   the socket (which allocates each frame's reply). The frame buffer is reused at a steady
//!   size.
//! - **The cursor is drawn in**: XFixes gives its picture (fetched again only when its shape
//!   changes, told by a cursor notify event), alpha-blended at the pointer position minus its
//!   hotspot. The clean grab is kept, so a cursor move alone recomposes the frame without
//!   reading the screen again. A pointer on another screen is not drawn.
//! - **A window** is captured from its own pixels: the capturer redirects it with Composite
//!   (automatic redirection: the server still shows it as before) and grabs its window pixmap,
//!   so windows overlapping it or the screen edge cutting it do not show. Frames follow its
//!   size (moves and resizes), the border is left out, [`Capture::Hidden`] while it is
//!   unmapped (minimised) and [`ScreenError::WindowGone`] once it is destroyed. A window with a
//!   window manager frame is captured without the frame.
//! - **Resolution changes** (RandR) arrive as a root ConfigureNotify: the next frame simply
//!   comes at the new size ([`ScreenCapturer::size`]).
//!
//! # Limits
//!
//! - **Wayland** goes through the desktop: with the `portal` feature, the target
//!   [`ShareTarget::Portal`] asks the xdg-desktop-portal ScreenCast interface, the desktop lets
//!   the user pick a screen or a window in its own dialog (so [`list_targets`] offers that one
//!   target in a Wayland session, and [`thumbnail`] has no picture of it), and the frames come
//!   over PipeWire, at the size and rate the desktop sends. Declined: [`ScreenError::Refused`];
//!   the stream ended by the desktop: [`ScreenError::Portal`]. Without the feature (it needs
//!   libpipewire-0.3 and libclang to build) a Wayland-only session is
//!   [`ScreenError::Unsupported`]. With XWayland (`DISPLAY` set) the X targets capture
//!   XWayland windows only.
//! - Window capture needs the Composite extension (every current X server has it), else
//!   [`ScreenError::Unsupported`].
//! - 24- and 32-bit TrueColor only (all current servers); others are
//!   [`ScreenError::Unsupported`].
//! - The whole X screen is one target: several monitors of one screen come as one frame.
//!
//! [`test_display`] starts a private `Xvfb` with a known picture for tests and bots, and
//! `test_wayland` a private headless Wayland desktop with its screen-cast portal.

mod capture;
mod capturer;
mod cursor;
mod display;
mod error;
mod grab;
mod image;
mod list;
#[cfg(feature = "portal")]
mod portal;
mod shm;
mod target;
pub mod test_display;
#[cfg(feature = "portal")]
pub mod test_wayland;

pub use capture::Capture;
pub use capturer::ScreenCapturer;
pub use error::ScreenError;
pub use image::BgraImage;
pub use list::{list_targets, thumbnail};
pub use target::{ShareTarget, TargetInfo};
