//! [`X11Capturer`]: damage-driven grabs of an X screen or of one X window, cursor drawn in.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::ReplyError;
use x11rb::protocol::composite::{self, ConnectionExt as _, Redirect};
use x11rb::protocol::damage::{self, ConnectionExt as _, ReportLevel};
use x11rb::protocol::xfixes::{self, ConnectionExt as _, CursorNotifyMask};
use x11rb::protocol::xproto::{ChangeWindowAttributesAux, ConnectionExt as _, EventMask, MapState};
use x11rb::protocol::{ErrorKind, Event};
use x11rb::NONE;

use crate::cursor::Cursor;
use crate::display::Display;
use crate::error::is_gone;
use crate::grab::{self, Grabber};
use crate::image::BgraImage;
use crate::{ScreenError, ShareTarget};

/// The result of one [`ScreenCapturer::capture`](crate::ScreenCapturer::capture).
#[derive(Debug)]
pub enum Capture<'a> {
    /// Nothing changed since the last frame (no pixels were read).
    Unchanged,
    /// The current picture, at [`ScreenCapturer::size`](crate::ScreenCapturer::size).
    Frame(&'a BgraImage),
    /// The window is unmapped (minimised, hidden); no pixels were read.
    Hidden,
}

/// Captures a screen or a window of an X display; see the crate docs for how.
///
/// Call [`capture`](Self::capture) at the frame rate wanted; it does one round trip to the X
/// server when nothing changed, and grabs only after damage or a cursor move.
pub(crate) struct X11Capturer {
    display: Display,
    source: Source,
    damage: damage::Damage,
    grabber: Grabber,
    msb_first: bool,
    cursor: Cursor,
    frame: BgraImage,
    /// Current capture size (the screen's, or the window's inside its border).
    width: u32,
    height: u32,
    /// Pixels changed (or the size did) since the last grab; true before the first.
    dirty: bool,
    /// The last grab is in `grabber` and may be recomposed with a moved cursor.
    have_grab: bool,
}

enum Source {
    Screen,
    Window(WindowState),
}

struct WindowState {
    id: u32,
    viewable: bool,
    gone: bool,
    /// Position and border need asking again (after a ConfigureNotify or a map).
    stale_geometry: bool,
    /// Root coordinates of the window's inside top-left corner.
    x: i32,
    y: i32,
    border: u16,
    /// The window's off-screen contents (Composite), named while it is mapped.
    pixmap: Option<u32>,
}

impl X11Capturer {
    /// Connects to the target's display and starts tracking damage (MIT-SHM used if offered).
    pub(crate) fn open(target: &ShareTarget) -> Result<Self, ScreenError> {
        Self::open_with(target, Display::open(target.display())?, true)
    }

    pub(crate) fn open_with(
        target: &ShareTarget,
        display: Display,
        try_shm: bool,
    ) -> Result<Self, ScreenError> {
        let conn = &display.conn;
        let root = display.root();
        require(conn, damage::X11_EXTENSION_NAME)?;
        require(conn, xfixes::X11_EXTENSION_NAME)?;
        conn.damage_query_version(1, 1)?.reply()?;
        conn.xfixes_query_version(5, 0)?.reply()?;
        // The cursor's shape changes are events; its position is asked each capture.
        conn.xfixes_select_cursor_input(root, CursorNotifyMask::DISPLAY_CURSOR)?;

        let (source, drawable, width, height) = match target {
            ShareTarget::Screen { .. } => {
                // Root ConfigureNotify tells of RandR resolution changes.
                let events =
                    ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY);
                conn.change_window_attributes(root, &events)?.check()?;
                let geometry = conn.get_geometry(root)?.reply()?;
                check_depth(&display, geometry.depth)?;
                (
                    Source::Screen,
                    root,
                    u32::from(geometry.width),
                    u32::from(geometry.height),
                )
            }
            ShareTarget::Portal => {
                return Err(ScreenError::Unsupported(
                    "the portal's screen cast is not an X display".into(),
                ))
            }
            ShareTarget::Window { id, .. } => {
                let id = *id;
                let no_such = |e: ReplyError| {
                    if is_gone(&e) {
                        ScreenError::NoSuchWindow(id)
                    } else {
                        e.into()
                    }
                };
                let attrs = conn.get_window_attributes(id)?.reply().map_err(no_such)?;
                let geometry = conn.get_geometry(id)?.reply().map_err(no_such)?;
                if geometry.root != root {
                    return Err(ScreenError::NoSuchWindow(id));
                }
                check_depth(&display, geometry.depth)?;
                require(conn, composite::X11_EXTENSION_NAME).map_err(|_| {
                    ScreenError::Unsupported(
                        "window capture needs the X Composite extension".into(),
                    )
                })?;
                conn.composite_query_version(0, 4)?.reply()?;
                let events =
                    ChangeWindowAttributesAux::new().event_mask(EventMask::STRUCTURE_NOTIFY);
                conn.change_window_attributes(id, &events)?
                    .check()
                    .map_err(no_such)?;
                // Automatic redirection keeps the window's whole picture in a pixmap even where
                // other windows cover it; the server still draws it on screen as before.
                conn.composite_redirect_window(id, Redirect::AUTOMATIC)?
                    .check()
                    .map_err(no_such)?;
                let state = WindowState {
                    id,
                    viewable: attrs.map_state == MapState::VIEWABLE,
                    gone: false,
                    stale_geometry: true,
                    x: 0,
                    y: 0,
                    border: geometry.border_width,
                    pixmap: None,
                };
                (
                    Source::Window(state),
                    id,
                    u32::from(geometry.width),
                    u32::from(geometry.height),
                )
            }
        };
        let damage = conn.generate_id()?;
        // NON_EMPTY: one event when the damage region stops being empty; each grab empties it.
        conn.damage_create(damage, drawable, ReportLevel::NON_EMPTY)?
            .check()?;
        let grabber = Grabber::new(conn, try_shm);
        let msb_first = grab::msb_first(conn);
        Ok(X11Capturer {
            display,
            source,
            damage,
            grabber,
            msb_first,
            cursor: Cursor::new(),
            frame: BgraImage::default(),
            width,
            height,
            dirty: true,
            have_grab: false,
        })
    }

    /// The size frames come at now (it follows resolution changes and window resizes).
    pub(crate) fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The X display name connected to.
    pub(crate) fn display_name(&self) -> &str {
        &self.display.name
    }

    /// Whether grabs go through MIT-SHM shared memory (else plain GetImage).
    pub(crate) fn uses_shm(&self) -> bool {
        self.grabber.uses_shm()
    }

    /// The picture if anything (pixels, size, cursor) changed since the last call; the first
    /// call always gives a frame (or [`Capture::Hidden`]).
    pub(crate) fn capture(&mut self) -> Result<Capture<'_>, ScreenError> {
        let root = self.display.root();
        // The round trip also guarantees every event sent before it (damage from drawing that
        // was finished before this call) has arrived.
        let pointer = self.display.conn.query_pointer(root)?.reply()?;
        self.read_events()?;
        if let Source::Window(w) = &mut self.source {
            if w.gone {
                return Err(ScreenError::WindowGone);
            }
            if !w.viewable {
                return Ok(Capture::Hidden);
            }
            if !refresh_window(
                &self.display,
                w,
                &mut self.width,
                &mut self.height,
                &mut self.dirty,
            )? {
                return Ok(Capture::Hidden);
            }
        }
        let (origin_x, origin_y) = match &self.source {
            Source::Screen => (0, 0),
            Source::Window(w) => (w.x, w.y),
        };
        let pointer_at = pointer.same_screen.then(|| {
            (
                i32::from(pointer.root_x) - origin_x,
                i32::from(pointer.root_y) - origin_y,
            )
        });
        let (cursor_at, cursor_moved) =
            self.cursor
                .place(&self.display.conn, pointer_at, (self.width, self.height))?;

        if self.dirty || !self.have_grab {
            if !self.grab()? {
                return Ok(Capture::Hidden);
            }
        } else if !cursor_moved {
            return Ok(Capture::Unchanged);
        }
        // Recompose from the clean grab: the cursor is not in the X image.
        self.frame
            .copy_from_x(self.grabber.last(), self.width as usize * 4, self.msb_first);
        self.cursor.draw(&mut self.frame, cursor_at);
        Ok(Capture::Frame(&self.frame))
    }

    /// Grabs now whether or not anything changed (what a capturer without damage tracking
    /// does every frame): a full frame, or [`Capture::Hidden`]. For benchmarks, and to
    /// resynchronise if frames were lost downstream.
    pub(crate) fn capture_now(&mut self) -> Result<Capture<'_>, ScreenError> {
        self.dirty = true;
        self.capture()
    }

    fn read_events(&mut self) -> Result<(), ScreenError> {
        let root = self.display.root();
        while let Some(event) = self.display.conn.poll_for_event()? {
            match (&mut self.source, event) {
                (_, Event::DamageNotify(e)) if e.damage == self.damage => self.dirty = true,
                (_, Event::XfixesCursorNotify(_)) => self.cursor.shape_changed(),
                (Source::Screen, Event::ConfigureNotify(e))
                    if e.window == root
                        && (self.width, self.height)
                            != (u32::from(e.width), u32::from(e.height)) =>
                {
                    self.width = u32::from(e.width);
                    self.height = u32::from(e.height);
                    self.dirty = true;
                }
                (Source::Window(w), Event::ConfigureNotify(e)) if e.window == w.id => {
                    w.stale_geometry = true;
                    if (self.width, self.height, w.border)
                        != (u32::from(e.width), u32::from(e.height), e.border_width)
                    {
                        // The window has a new pixmap of the new size.
                        drop_pixmap(&self.display, w);
                        self.dirty = true;
                    }
                }
                (Source::Window(w), Event::MapNotify(e)) if e.window == w.id => {
                    w.viewable = true;
                    w.stale_geometry = true;
                    self.dirty = true;
                }
                (Source::Window(w), Event::UnmapNotify(e)) if e.window == w.id => {
                    w.viewable = false;
                    drop_pixmap(&self.display, w);
                }
                (Source::Window(w), Event::DestroyNotify(e)) if e.window == w.id => {
                    w.gone = true;
                    w.pixmap = None;
                }
                // Errors of requests not waited for (e.g. freeing a pixmap already gone) and
                // events of no interest.
                _ => {}
            }
        }
        Ok(())
    }

    /// Reads the current pixels into the grabber, emptying the damage region first so that
    /// drawing during the grab is reported for the next one. A size change racing the grab
    /// (its event not read yet) makes the server refuse it: the size is asked and the grab
    /// tried once more. `Ok(false)`: the window turned out unmapped.
    fn grab(&mut self) -> Result<bool, ScreenError> {
        self.display.conn.damage_subtract(self.damage, NONE, NONE)?;
        let mut retried = false;
        loop {
            let (drawable, x, y) = match &self.source {
                Source::Screen => (self.display.root(), 0, 0),
                Source::Window(w) => match w.pixmap {
                    Some(pixmap) => (pixmap, w.border as i16, w.border as i16),
                    // Only after a failed grab: renamed below or unmapped.
                    None => return Ok(false),
                },
            };
            let (w, h) = (clamp16(self.width), clamp16(self.height));
            let Err(e) = self
                .grabber
                .grab(&self.display.conn, drawable, (x, y, w, h))
            else {
                self.frame.reshape(u32::from(w), u32::from(h));
                self.dirty = false;
                self.have_grab = true;
                return Ok(true);
            };
            match &mut self.source {
                Source::Window(state) if !window_exists(&self.display, state.id) => {
                    state.gone = true;
                    return Err(ScreenError::WindowGone);
                }
                _ if retried => return Err(e.into()),
                Source::Window(state) => {
                    drop_pixmap(&self.display, state);
                    state.stale_geometry = true;
                    let (width, height, dirty) =
                        (&mut self.width, &mut self.height, &mut self.dirty);
                    if !refresh_window(&self.display, state, width, height, dirty)? {
                        return Ok(false);
                    }
                }
                Source::Screen => {
                    let geometry = self
                        .display
                        .conn
                        .get_geometry(self.display.root())?
                        .reply()?;
                    self.width = u32::from(geometry.width);
                    self.height = u32::from(geometry.height);
                }
            }
            retried = true;
        }
    }
}

/// Asks a window's position and size again when they may have changed, and names its pixmap.
/// `Ok(false)`: it turned out unmapped (the unmap event is on its way).
fn refresh_window(
    display: &Display,
    w: &mut WindowState,
    width: &mut u32,
    height: &mut u32,
    dirty: &mut bool,
) -> Result<bool, ScreenError> {
    let conn = &display.conn;
    let gone = |w: &mut WindowState, e: ReplyError| {
        if is_gone(&e) {
            w.gone = true;
            ScreenError::WindowGone
        } else {
            e.into()
        }
    };
    if w.stale_geometry {
        let geometry = match conn.get_geometry(w.id)?.reply() {
            Ok(g) => g,
            Err(e) => return Err(gone(w, e)),
        };
        let at = match conn
            .translate_coordinates(w.id, display.root(), 0, 0)?
            .reply()
        {
            Ok(t) => t,
            Err(e) => return Err(gone(w, e)),
        };
        if (*width, *height, w.border)
            != (
                u32::from(geometry.width),
                u32::from(geometry.height),
                geometry.border_width,
            )
        {
            drop_pixmap(display, w);
            *dirty = true;
        }
        *width = u32::from(geometry.width);
        *height = u32::from(geometry.height);
        w.border = geometry.border_width;
        w.x = i32::from(at.dst_x);
        w.y = i32::from(at.dst_y);
        w.stale_geometry = false;
    }
    if w.pixmap.is_none() {
        let pixmap = conn.generate_id()?;
        match conn.composite_name_window_pixmap(w.id, pixmap)?.check() {
            Ok(()) => {
                w.pixmap = Some(pixmap);
                *dirty = true;
            }
            // BadMatch: not viewable right now.
            Err(ReplyError::X11Error(e)) if e.error_kind == ErrorKind::Match => return Ok(false),
            Err(e) => return Err(gone(w, e)),
        }
    }
    Ok(true)
}

fn drop_pixmap(display: &Display, w: &mut WindowState) {
    if let Some(pixmap) = w.pixmap.take() {
        // Not waited for: an error (connection lost) shows on the next request.
        let _ = display.conn.free_pixmap(pixmap);
    }
}

fn window_exists(display: &Display, id: u32) -> bool {
    display
        .conn
        .get_window_attributes(id)
        .ok()
        .and_then(|c| c.reply().ok())
        .is_some()
}

fn require(
    conn: &x11rb::rust_connection::RustConnection,
    name: &'static str,
) -> Result<(), ScreenError> {
    match conn.extension_information(name)? {
        Some(_) => Ok(()),
        None => Err(ScreenError::Unsupported(format!(
            "the X server lacks the {name} extension"
        ))),
    }
}

/// Only 32-bit pixels (depth 24 or 32 TrueColor, every current server) are converted.
fn check_depth(display: &Display, depth: u8) -> Result<(), ScreenError> {
    match grab::bits_per_pixel(&display.conn, depth) {
        Some(32) if depth >= 24 => Ok(()),
        bpp => Err(ScreenError::Unsupported(format!(
            "depth {depth} ({bpp:?} bits a pixel): only 24- and 32-bit TrueColor is captured"
        ))),
    }
}

fn clamp16(v: u32) -> u16 {
    v.min(u32::from(u16::MAX)) as u16
}
