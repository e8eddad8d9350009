//! Reading a rectangle of a drawable: MIT-SHM into a reused segment when the server shares
//! memory with us, else a plain GetImage through the socket.

use x11rb::connection::{Connection, RequestConnection};
use x11rb::errors::ReplyError;
use x11rb::protocol::shm::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{self, ConnectionExt as _, ImageFormat};
use x11rb::rust_connection::RustConnection;

use crate::shm::ShmSegment;

pub(crate) struct Grabber {
    /// `Some` while MIT-SHM works; `None` after it is found missing or failing.
    shm: Option<Shm>,
    /// The last plain GetImage's pixels (x11rb allocates each reply; no reuse possible).
    plain: Vec<u8>,
    /// Which buffer holds the last grab.
    last_was_shm: bool,
}

struct Shm {
    /// `None` until the first grab sizes it.
    segment: Option<(ShmSegment, shm::Seg)>,
}

impl Grabber {
    /// `try_shm`: use MIT-SHM if the server has it (`false` for one-off grabs and tests).
    pub(crate) fn new(conn: &RustConnection, try_shm: bool) -> Self {
        let has_shm = try_shm
            && matches!(
                conn.extension_information(shm::X11_EXTENSION_NAME),
                Ok(Some(_))
            )
            && conn
                .shm_query_version()
                .ok()
                .and_then(|c| c.reply().ok())
                .is_some();
        Grabber {
            shm: has_shm.then_some(Shm { segment: None }),
            plain: Vec::new(),
            last_was_shm: false,
        }
    }

    pub(crate) fn uses_shm(&self) -> bool {
        self.shm.is_some()
    }

    /// Grabs `w` x `h` at (`x`, `y`) of `drawable` (32 bits a pixel); the pixels, `w * 4` bytes a
    /// row, are then in [`Grabber::last`].
    pub(crate) fn grab(
        &mut self,
        conn: &RustConnection,
        drawable: u32,
        (x, y, w, h): (i16, i16, u16, u16),
    ) -> Result<(), ReplyError> {
        let len = usize::from(w) * usize::from(h) * 4;
        if let Some(shm) = &mut self.shm {
            match shm.ensure(conn, len) {
                Ok(seg) => {
                    let format = ImageFormat::Z_PIXMAP.into();
                    conn.shm_get_image(drawable, x, y, w, h, !0, format, seg, 0)?
                        .reply()?;
                    self.last_was_shm = true;
                    return Ok(());
                }
                // The server cannot attach our memory (another host, another IPC namespace):
                // plain GetImage from now on.
                Err(_) => self.shm = None,
            }
        }
        let reply = conn
            .get_image(ImageFormat::Z_PIXMAP, drawable, x, y, w, h, !0)?
            .reply()?;
        self.plain = reply.data;
        self.last_was_shm = false;
        Ok(())
    }

    /// The last grab's bytes (the segment may be longer than the image).
    pub(crate) fn last(&self) -> &[u8] {
        match (&self.shm, self.last_was_shm) {
            (
                Some(Shm {
                    segment: Some((seg, _)),
                }),
                true,
            ) => seg.bytes(),
            _ => &self.plain,
        }
    }
}

impl Shm {
    /// A segment of at least `len` bytes attached by the server, made on first use or growth.
    fn ensure(&mut self, conn: &RustConnection, len: usize) -> Result<shm::Seg, ()> {
        if let Some((seg, xid)) = &self.segment {
            if seg.len() >= len {
                return Ok(*xid);
            }
        }
        if let Some((_, xid)) = self.segment.take() {
            // Best effort: a failed detach only leaves the server's mapping until we disconnect.
            let _ = conn.shm_detach(xid);
        }
        let seg = ShmSegment::new(len.max(4)).map_err(|_| ())?;
        let xid = conn.generate_id().map_err(|_| ())?;
        // Checked (a round trip): the attach fails when the server cannot see our segment.
        conn.shm_attach(xid, seg.id(), false)
            .map_err(|_| ())?
            .check()
            .map_err(|_| ())?;
        // Attached on both sides: the kernel frees it when both detach, even after a crash.
        seg.mark_removed();
        self.segment = Some((seg, xid));
        Ok(xid)
    }
}

/// Bits per pixel of `depth`'s images on this server, if it has that depth.
pub(crate) fn bits_per_pixel(conn: &RustConnection, depth: u8) -> Option<u8> {
    use x11rb::connection::Connection;
    conn.setup()
        .pixmap_formats
        .iter()
        .find(|f| f.depth == depth)
        .map(|f| f.bits_per_pixel)
}

/// The server sends image bytes most significant first.
pub(crate) fn msb_first(conn: &RustConnection) -> bool {
    use x11rb::connection::Connection;
    conn.setup().image_byte_order == xproto::ImageOrder::MSB_FIRST
}
