//! A private X server with a known picture, for tests and bots (not for the app).
//!
//! [`TestDisplay::start`] runs `Xvfb` (package `xvfb`; found on `PATH`) on a free display number
//! and kills it when dropped. Draw on it to show a known picture, then capture or share it:
//!
//! ```no_run
//! use duet_screen::test_display::TestDisplay;
//! let display = TestDisplay::start(640, 360)?;
//! display.fill_root(0x20_40_80)?;
//! let window = display.open_window("Slides", 40, 30, 320, 200, 0xff_80_00)?;
//! window.fill_rect(10, 10, 50, 20, 0x00_00_ff)?; // a stamp
//! let target = window.target(); // share it: window::<n>:0x...
//! # Ok::<(), duet_screen::ScreenError>(())
//! ```
//!
//! Colours are `0xRRGGBB`, drawn as pixel values of Xvfb's 24-bit TrueColor visual (captured as
//! B, G, R bytes). No window manager runs: windows stay where they are put. Drawing is
//! synchronous: every request is checked, so when a call returns the server has done
//! it and a capture made afterwards sees it. Drawing with `fill_rect` is not kept if the area is later uncovered (no backing store);
//! `fill` (the background) is.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

use x11rb::connection::Connection;
use x11rb::protocol::randr::{ConnectionExt as _, ModeInfo, Rotation};
use x11rb::protocol::xproto::{
    AtomEnum, ChangeGCAux, ChangeWindowAttributesAux, ClientMessageEvent, ConfigureWindowAux,
    ConnectionExt as _, CreateGCAux, CreateWindowAux, EventMask, PropMode, Rectangle, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use crate::{ScreenError, ShareTarget};

/// A running `Xvfb` with one 24-bit screen, killed on drop; or a display someone else runs
/// ([`TestDisplay::attach`]), left running.
pub struct TestDisplay {
    child: Option<Child>,
    name: String,
    x: Arc<X>,
}

/// The drawing connection, shared with the windows.
struct X {
    conn: RustConnection,
    root: u32,
    gc: u32,
}

impl TestDisplay {
    /// Starts `Xvfb` with a `width` x `height` screen on the first free display number.
    pub fn start(width: u32, height: u32) -> Result<Self, ScreenError> {
        let mut child = Command::new("Xvfb")
            // The server writes its display number to fd 1 (our pipe) once it accepts clients.
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                ScreenError::NoDisplay(format!("cannot run Xvfb (install the xvfb package): {e}"))
            })?;
        let mut line = String::new();
        let read = match child.stdout.take() {
            Some(out) => BufReader::new(out).read_line(&mut line).ok(),
            None => None,
        };
        let number = line.trim();
        if read.unwrap_or(0) == 0 || number.parse::<u32>().is_err() {
            let _ = child.kill();
            let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
            return Err(ScreenError::NoDisplay(format!(
                "Xvfb -screen 0 {width}x{height}x24 did not report a display number (exit: {status})"
            )));
        }
        let name = format!(":{number}");
        match X::open(&name) {
            Ok(x) => Ok(TestDisplay {
                child: Some(child),
                name,
                x: Arc::new(x),
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    /// Draws on the running display `name` (e.g. a GUI test's desktop), which stays running when
    /// this is dropped. Its screen must be 24-bit TrueColor, as Xvfb's `-screen 0 WxHx24` is.
    pub fn attach(name: &str) -> Result<Self, ScreenError> {
        Ok(TestDisplay {
            child: None,
            name: name.to_owned(),
            x: Arc::new(X::open(name)?),
        })
    }

    /// The display name, e.g. `":5"`, for `ShareTarget`s and `DISPLAY`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The process id of the `Xvfb` this started (e.g. to measure the server's CPU time);
    /// `None` for an attached display.
    pub fn server_pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The whole screen of this display as a target.
    pub fn screen_target(&self) -> ShareTarget {
        ShareTarget::Screen {
            display: Some(self.name.clone()),
        }
    }

    /// Paints the root window (the background, outside all windows) `rgb`, and keeps it so.
    pub fn fill_root(&self, rgb: u32) -> Result<(), ScreenError> {
        let x = &self.x;
        x.conn
            .change_window_attributes(
                x.root,
                &ChangeWindowAttributesAux::new().background_pixel(rgb),
            )?
            .check()?;
        x.conn.clear_area(false, x.root, 0, 0, 0, 0)?.check()?;
        Ok(())
    }

    /// Paints a rectangle of the root window `rgb` (windows on top keep their contents).
    pub fn fill_root_rect(
        &self,
        x0: i16,
        y0: i16,
        w: u16,
        h: u16,
        rgb: u32,
    ) -> Result<(), ScreenError> {
        self.x.fill(self.x.root, x0, y0, w, h, rgb)
    }

    /// Moves the pointer to (`x`, `y`) of the screen.
    pub fn warp_pointer(&self, x: i16, y: i16) -> Result<(), ScreenError> {
        let x11 = &self.x;
        x11.conn
            .warp_pointer(x11rb::NONE, x11.root, 0, 0, 0, 0, x, y)?
            .check()?;
        Ok(())
    }

    /// Changes the screen size with RandR, as a user changing the resolution does: the CRTCs
    /// are switched off, the screen resized, then switched on again with a mode of the new size
    /// (made if missing). Xvfb accepts sizes up to the one it started with (its framebuffer is
    /// allocated at start); others fail with `Unsupported`, changing nothing.
    pub fn resize_screen(&self, width: u16, height: u16) -> Result<(), ScreenError> {
        let x = &self.x;
        let conn = &x.conn;
        conn.randr_query_version(1, 3)?.reply()?;
        let range = conn.randr_get_screen_size_range(x.root)?.reply()?;
        if !(range.min_width..=range.max_width).contains(&width)
            || !(range.min_height..=range.max_height).contains(&height)
        {
            return Err(ScreenError::Unsupported(format!(
                "screen size {width}x{height}: this server allows {}x{} to {}x{}",
                range.min_width, range.min_height, range.max_width, range.max_height
            )));
        }
        let res = conn.randr_get_screen_resources_current(x.root)?.reply()?;
        let mut lit = Vec::new();
        for &crtc in &res.crtcs {
            let info = conn
                .randr_get_crtc_info(crtc, res.config_timestamp)?
                .reply()?;
            if info.mode != 0 {
                conn.randr_set_crtc_config(
                    crtc,
                    0,
                    res.config_timestamp,
                    0,
                    0,
                    0,
                    Rotation::ROTATE0,
                    &[],
                )?
                .reply()?;
                lit.push((crtc, info.outputs));
            }
        }
        // 96 dpi, as Xvfb reports.
        let mm = |px: u16| (u32::from(px) * 254 / 960).max(1);
        conn.randr_set_screen_size(x.root, width, height, mm(width), mm(height))?
            .check()?;
        for (crtc, outputs) in lit {
            let mode = match res
                .modes
                .iter()
                .find(|m| (m.width, m.height) == (width, height))
            {
                Some(m) => m.id,
                None => {
                    let name = format!("{width}x{height}");
                    let info = ModeInfo {
                        width,
                        height,
                        htotal: width,
                        vtotal: height,
                        dot_clock: u32::from(width) * u32::from(height) * 60,
                        name_len: name.len() as u16,
                        ..ModeInfo::default()
                    };
                    let mode = conn
                        .randr_create_mode(x.root, info, name.as_bytes())?
                        .reply()?
                        .mode;
                    for &output in &outputs {
                        conn.randr_add_output_mode(output, mode)?.check()?;
                    }
                    mode
                }
            };
            conn.randr_set_crtc_config(
                crtc,
                0,
                res.config_timestamp,
                0,
                0,
                mode,
                Rotation::ROTATE0,
                &outputs,
            )?
            .reply()?;
        }
        Ok(())
    }

    /// Opens a mapped top-level window filled `rgb`, titled `title` (`WM_NAME` and
    /// `_NET_WM_NAME`), at (`x`, `y`), `w` x `h`, without border.
    pub fn open_window(
        &self,
        title: &str,
        x: i16,
        y: i16,
        w: u16,
        h: u16,
        rgb: u32,
    ) -> Result<TestWindow, ScreenError> {
        let x11 = &self.x;
        let conn = &x11.conn;
        let id = conn.generate_id()?;
        let aux = CreateWindowAux::new().background_pixel(rgb);
        conn.create_window(
            0,
            id,
            x11.root,
            x,
            y,
            w,
            h,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &aux,
        )?
        .check()?;
        let utf8 = conn.intern_atom(false, b"UTF8_STRING")?.reply()?.atom;
        let net_wm_name = conn.intern_atom(false, b"_NET_WM_NAME")?.reply()?.atom;
        conn.change_property8(
            PropMode::REPLACE,
            id,
            AtomEnum::WM_NAME,
            AtomEnum::STRING,
            title.as_bytes(),
        )?
        .check()?;
        conn.change_property8(PropMode::REPLACE, id, net_wm_name, utf8, title.as_bytes())?
            .check()?;
        conn.map_window(id)?.check()?;
        Ok(TestWindow {
            x: Arc::clone(&self.x),
            id,
            display: self.name.clone(),
        })
    }
}

impl Drop for TestDisplay {
    fn drop(&mut self) {
        // Best effort: the server may already have exited. An attached display is not ours.
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A top-level window on a [`TestDisplay`] (usable after the display is dropped, then every
/// call fails with a `Protocol` error).
pub struct TestWindow {
    x: Arc<X>,
    id: u32,
    display: String,
}

impl TestWindow {
    /// The X window id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// This window as a share target.
    pub fn target(&self) -> ShareTarget {
        ShareTarget::Window {
            display: Some(self.display.clone()),
            id: self.id,
        }
    }

    /// Fills the whole window `rgb` (and makes it its background).
    pub fn fill(&self, rgb: u32) -> Result<(), ScreenError> {
        let conn = &self.x.conn;
        conn.change_window_attributes(
            self.id,
            &ChangeWindowAttributesAux::new().background_pixel(rgb),
        )?
        .check()?;
        conn.clear_area(false, self.id, 0, 0, 0, 0)?.check()?;
        Ok(())
    }

    /// Fills a rectangle of the window `rgb` (e.g. a number stamp).
    pub fn fill_rect(&self, x: i16, y: i16, w: u16, h: u16, rgb: u32) -> Result<(), ScreenError> {
        self.x.fill(self.id, x, y, w, h, rgb)
    }

    /// Moves and resizes the window.
    pub fn move_resize(&self, x: i32, y: i32, w: u32, h: u32) -> Result<(), ScreenError> {
        let aux = ConfigureWindowAux::new().x(x).y(y).width(w).height(h);
        self.x.conn.configure_window(self.id, &aux)?.check()?;
        Ok(())
    }

    /// Unmaps (hides) the window, as minimising does.
    pub fn unmap(&self) -> Result<(), ScreenError> {
        self.x.conn.unmap_window(self.id)?.check()?;
        Ok(())
    }

    /// Maps (shows) the window again.
    pub fn map(&self) -> Result<(), ScreenError> {
        self.x.conn.map_window(self.id)?.check()?;
        Ok(())
    }

    /// Asks the window manager to give this window the focus and raise it, as a taskbar does
    /// when the user clicks the window's entry (an EWMH `_NET_ACTIVE_WINDOW` request from a
    /// pager, which window managers grant, unlike an application's own request). Needs a window
    /// manager; the focus moves when the manager gets to it.
    pub fn activate(&self) -> Result<(), ScreenError> {
        let conn = &self.x.conn;
        let active = conn
            .intern_atom(false, b"_NET_ACTIVE_WINDOW")?
            .reply()?
            .atom;
        // data: source indication 2 (a pager: the user's own choice), time 0 (now), no
        // currently active window of ours.
        let request = ClientMessageEvent::new(32, self.id, active, [2, 0, 0, 0, 0]);
        conn.send_event(
            false,
            self.x.root,
            EventMask::SUBSTRUCTURE_REDIRECT | EventMask::SUBSTRUCTURE_NOTIFY,
            request,
        )?
        .check()?;
        Ok(())
    }

    /// Destroys the window.
    pub fn destroy(&self) -> Result<(), ScreenError> {
        self.x.conn.destroy_window(self.id)?.check()?;
        Ok(())
    }
}

impl X {
    fn open(name: &str) -> Result<Self, ScreenError> {
        let conn = connect_only(name)?;
        let root = conn
            .setup()
            .roots
            .first()
            .map(|s| s.root)
            .ok_or_else(|| ScreenError::NoDisplay(format!("{name}: no screen")))?;
        let gc = conn.generate_id()?;
        conn.create_gc(gc, root, &CreateGCAux::new().graphics_exposures(0))?
            .check()?;
        Ok(X { conn, root, gc })
    }

    fn fill(
        &self,
        drawable: u32,
        x: i16,
        y: i16,
        width: u16,
        height: u16,
        rgb: u32,
    ) -> Result<(), ScreenError> {
        self.conn
            .change_gc(self.gc, &ChangeGCAux::new().foreground(rgb))?
            .check()?;
        self.conn
            .poly_fill_rectangle(
                drawable,
                self.gc,
                &[Rectangle {
                    x,
                    y,
                    width,
                    height,
                }],
            )?
            .check()?;
        Ok(())
    }
}

fn connect_only(name: &str) -> Result<RustConnection, ScreenError> {
    let (conn, _) = RustConnection::connect(Some(name))
        .map_err(|e| ScreenError::NoDisplay(format!("{name}: {e}")))?;
    Ok(conn)
}
