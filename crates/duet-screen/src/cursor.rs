//! The pointer's picture (XFixes) and where it goes in the frame.

use x11rb::protocol::xfixes::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

use crate::image::BgraImage;
use crate::ScreenError;

#[derive(Default)]
pub(crate) struct Cursor {
    /// Premultiplied ARGB, `width` x `height`.
    argb: Vec<u32>,
    width: u32,
    height: u32,
    xhot: i32,
    yhot: i32,
    /// The shape changed (XFixes CursorNotify) or was never fetched.
    stale: bool,
    /// Where the last frame has the cursor's top-left corner (`None`: not drawn).
    drawn_at: Option<(i32, i32)>,
}

impl Cursor {
    pub(crate) fn new() -> Self {
        Cursor {
            stale: true,
            ..Cursor::default()
        }
    }

    pub(crate) fn shape_changed(&mut self) {
        self.stale = true;
    }

    /// Where the cursor would go in a `frame_w` x `frame_h` frame with the pointer at
    /// (`px`, `py`) frame coordinates, fetching the shape if it changed; and whether that
    /// differs from what the last frame shows.
    pub(crate) fn place(
        &mut self,
        conn: &RustConnection,
        pointer: Option<(i32, i32)>,
        (frame_w, frame_h): (u32, u32),
    ) -> Result<(Option<(i32, i32)>, bool), ScreenError> {
        let mut reshaped = false;
        if self.stale && pointer.is_some() {
            let reply = conn.xfixes_get_cursor_image()?.reply()?;
            self.argb = reply.cursor_image;
            self.width = u32::from(reply.width);
            self.height = u32::from(reply.height);
            self.xhot = i32::from(reply.xhot);
            self.yhot = i32::from(reply.yhot);
            self.stale = false;
            reshaped = true;
        }
        let at = pointer
            .map(|(px, py)| (px - self.xhot, py - self.yhot))
            .filter(|&(left, top)| {
                left < frame_w as i32
                    && top < frame_h as i32
                    && left + self.width as i32 > 0
                    && top + self.height as i32 > 0
                    && self.width > 0
            });
        let changed = at != self.drawn_at || (reshaped && at.is_some());
        Ok((at, changed))
    }

    /// Draws the cursor into `frame` at `at` (from [`Cursor::place`]) and remembers it.
    pub(crate) fn draw(&mut self, frame: &mut BgraImage, at: Option<(i32, i32)>) {
        if let Some((left, top)) = at {
            frame.blend_cursor(&self.argb, self.width, self.height, left, top);
        }
        self.drawn_at = at;
    }
}
