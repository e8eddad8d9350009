//! What can be shared ([`list_targets`]) and a small picture of it ([`thumbnail`]).

use x11rb::protocol::xproto::{AtomEnum, ConnectionExt as _, MapState, Window};
use x11rb::rust_connection::RustConnection;

use crate::capture::{Capture, X11Capturer};
use crate::display::{Display, DisplayEnv};
use crate::image::{fit, BgraImage};
use crate::{ScreenError, ShareTarget, TargetInfo};

/// The screen first, then the mapped top-level application windows with their titles.
///
/// Windows come from the window manager's `_NET_CLIENT_LIST` when it sets one (in its order);
/// without a window manager, from the root window's viewable children that have a title.
/// Windows that close while being listed are left out.
///
/// In a Wayland session without an X display (no `display` given, `DISPLAY` unset,
/// `WAYLAND_DISPLAY` set), a build with the `portal` feature lists the one target
/// [`ShareTarget::Portal`]: the desktop's dialog lists the screens and windows itself.
pub fn list_targets(display: Option<&str>) -> Result<Vec<TargetInfo>, ScreenError> {
    if cfg!(feature = "portal") && display.is_none() && DisplayEnv::from_process().wayland_only() {
        return Ok(vec![TargetInfo {
            target: ShareTarget::Portal,
            title: "Screen or window (chosen in the system dialog)".into(),
            width: 0,
            height: 0,
        }]);
    }
    let d = Display::open(display)?;
    let conn = &d.conn;
    let root = d.root();
    let name = display.map(str::to_owned);
    let geometry = conn.get_geometry(root)?.reply()?;
    let mut targets = vec![TargetInfo {
        target: ShareTarget::Screen {
            display: name.clone(),
        },
        title: "Entire screen".into(),
        width: u32::from(geometry.width),
        height: u32::from(geometry.height),
    }];
    let atoms = Atoms::new(conn)?;
    let managed = window_list(conn, root, atoms.net_client_list)?;
    let candidates = match &managed {
        Some(list) => list.clone(),
        None => conn.query_tree(root)?.reply()?.children,
    };
    for id in candidates {
        let Some(attrs) = conn.get_window_attributes(id)?.reply().ok() else {
            continue;
        };
        if attrs.map_state != MapState::VIEWABLE || (managed.is_none() && attrs.override_redirect) {
            continue;
        }
        let title = title(conn, id, &atoms)?;
        if managed.is_none() && title.is_empty() {
            continue;
        }
        let Some(g) = conn.get_geometry(id)?.reply().ok() else {
            continue;
        };
        targets.push(TargetInfo {
            target: ShareTarget::Window {
                display: name.clone(),
                id,
            },
            title,
            width: u32::from(g.width),
            height: u32::from(g.height),
        });
    }
    Ok(targets)
}

/// A picture of the target at most `max_width` x `max_height`, aspect ratio kept, cursor
/// included; for a picker. A hidden (minimised) window gives a transparent picture of its
/// shape.
pub fn thumbnail(
    target: &ShareTarget,
    max_width: u32,
    max_height: u32,
) -> Result<BgraImage, ScreenError> {
    if *target == ShareTarget::Portal {
        return Err(ScreenError::Unsupported(
            "the portal's choices are previewed in the desktop's own dialog".into(),
        ));
    }
    // One grab: a shared-memory segment is not worth setting up.
    let mut capturer = X11Capturer::open_with(target, Display::open(target.display())?, false)?;
    match capturer.capture()? {
        Capture::Frame(frame) => Ok(frame.scaled_to_fit(max_width, max_height)),
        Capture::Hidden | Capture::Unchanged => {
            let (w, h) = capturer.size();
            let (w, h) = fit(w, h, max_width, max_height);
            Ok(BgraImage::new(w, h))
        }
    }
}

struct Atoms {
    net_client_list: u32,
    net_wm_name: u32,
    utf8_string: u32,
}

impl Atoms {
    fn new(conn: &RustConnection) -> Result<Self, ScreenError> {
        let intern = |name: &str| -> Result<u32, ScreenError> {
            Ok(conn.intern_atom(false, name.as_bytes())?.reply()?.atom)
        };
        Ok(Atoms {
            net_client_list: intern("_NET_CLIENT_LIST")?,
            net_wm_name: intern("_NET_WM_NAME")?,
            utf8_string: intern("UTF8_STRING")?,
        })
    }
}

/// The root's `_NET_CLIENT_LIST`, `None` when no window manager set it.
fn window_list(
    conn: &RustConnection,
    root: Window,
    atom: u32,
) -> Result<Option<Vec<Window>>, ScreenError> {
    let reply = conn
        .get_property(false, root, atom, AtomEnum::WINDOW, 0, 1 << 16)?
        .reply()?;
    Ok(reply
        .value32()
        .map(|ids| ids.collect())
        .filter(|ids: &Vec<Window>| !ids.is_empty()))
}

/// `_NET_WM_NAME` (UTF-8), else `WM_NAME` (Latin-1 or, read loosely, anything); "" if neither.
fn title(conn: &RustConnection, id: Window, atoms: &Atoms) -> Result<String, ScreenError> {
    if let Ok(reply) = conn
        .get_property(false, id, atoms.net_wm_name, atoms.utf8_string, 0, 1024)?
        .reply()
    {
        if reply.format == 8 && !reply.value.is_empty() {
            return Ok(String::from_utf8_lossy(&reply.value).into_owned());
        }
    }
    if let Ok(reply) = conn
        .get_property(false, id, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 1024)?
        .reply()
    {
        if reply.format == 8 {
            let latin1 = reply.type_ == u32::from(AtomEnum::STRING);
            return Ok(if latin1 {
                reply.value.iter().map(|&b| char::from(b)).collect()
            } else {
                String::from_utf8_lossy(&reply.value).into_owned()
            });
        }
    }
    Ok(String::new())
}
