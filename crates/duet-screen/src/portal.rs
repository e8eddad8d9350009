//! Wayland capture (feature `portal`): the xdg-desktop-portal ScreenCast interface asks the
//! desktop for a screen or a window (the desktop shows its own dialog, or its configured
//! choice), and hands over a PipeWire stream of it.
//!
//! A [`PortalCapturer`] owns one thread that does the D-Bus conversation (ashpd, on a small
//! tokio runtime that keeps the session's connection served) and then runs PipeWire's main
//! loop for the stream. Each buffer PipeWire delivers is copied into a shared mailbox; the
//! caller's [`PortalCapturer::capture`] takes the newest one, so frames the caller is too slow
//! for are replaced, never queued. Dropping the capturer stops the loop and closes the
//! portal's session (the desktop's "sharing" indicator goes away).

use std::os::fd::OwnedFd;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use ashpd::desktop::screencast::{CursorMode, Screencast, SelectSourcesOptions, SourceType};
use ashpd::desktop::{PersistMode, ResponseError, Session};
use pipewire as pw;
use pw::spa;

use crate::capture::Capture;
use crate::image::BgraImage;
use crate::ScreenError;

/// What the stream thread leaves for the caller.
#[derive(Default)]
struct Mailbox {
    /// The newest picture (a buffer the thread reuses once the caller took the one before).
    image: BgraImage,
    /// `image` was not taken yet.
    fresh: bool,
    /// The stream ended (or failed): every later capture says why.
    ended: Option<ScreenError>,
}

fn lock(mailbox: &Mutex<Mailbox>) -> MutexGuard<'_, Mailbox> {
    // A panic in the stream thread's copy leaves plain data behind; keep using it.
    mailbox
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Captures what the user chose in the portal; see the module docs.
pub(crate) struct PortalCapturer {
    mailbox: Arc<Mutex<Mailbox>>,
    frame: BgraImage,
    quit: pw::channel::Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl PortalCapturer {
    /// Asks the portal (waiting for the user's choice) and connects to the stream.
    pub(crate) fn open() -> Result<Self, ScreenError> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (quit, quit_rx) = pw::channel::channel();
        let mailbox = Arc::new(Mutex::new(Mailbox::default()));
        let shared = Arc::clone(&mailbox);
        let thread = std::thread::Builder::new()
            .name("duet-screen-portal".into())
            .spawn(move || run(&ready_tx, quit_rx, &shared))
            .map_err(|e| ScreenError::Portal(format!("cannot start the capture thread: {e}")))?;
        let started = ready_rx.recv().unwrap_or_else(|_| {
            Err(ScreenError::Portal(
                "the capture thread ended before the stream started".into(),
            ))
        });
        if let Err(error) = started {
            let _ = thread.join();
            return Err(error);
        }
        Ok(PortalCapturer {
            mailbox,
            frame: BgraImage::default(),
            quit,
            thread: Some(thread),
        })
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    /// The newest picture if one arrived since the last call.
    pub(crate) fn capture(&mut self) -> Result<Capture<'_>, ScreenError> {
        Ok(match self.take_fresh()? {
            true => Capture::Frame(&self.frame),
            false => Capture::Unchanged,
        })
    }

    /// The newest picture, or the last one again.
    pub(crate) fn capture_now(&mut self) -> Result<Capture<'_>, ScreenError> {
        self.take_fresh()?;
        Ok(match self.frame.width > 0 {
            true => Capture::Frame(&self.frame),
            false => Capture::Unchanged,
        })
    }

    /// Moves a picture that arrived since the last call into `frame`: whether there was one.
    fn take_fresh(&mut self) -> Result<bool, ScreenError> {
        let mut mailbox = lock(&self.mailbox);
        if let Some(error) = &mailbox.ended {
            return Err(error.clone());
        }
        if !std::mem::take(&mut mailbox.fresh) {
            return Ok(false);
        }
        std::mem::swap(&mut mailbox.image, &mut self.frame);
        Ok(true)
    }
}

impl Drop for PortalCapturer {
    fn drop(&mut self) {
        // The loop is gone already if the stream failed; either way the thread then ends.
        let _ = self.quit.send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The portal's answer: the stream's PipeWire node and the remote to reach it through.
struct Cast {
    portal: Screencast,
    session: Session<Screencast>,
    remote: OwnedFd,
    node: u32,
}

/// The capture thread: the portal conversation, then the stream until told to quit.
fn run(
    ready: &mpsc::Sender<Result<(), ScreenError>>,
    quit: pw::channel::Receiver<()>,
    mailbox: &Arc<Mutex<Mailbox>>,
) {
    // One worker keeps the D-Bus connection served while this thread runs PipeWire's loop.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(ScreenError::Portal(format!(
                "cannot start the D-Bus runtime: {e}"
            ))));
            return;
        }
    };
    let cast = match runtime.block_on(ask_portal()) {
        Ok(cast) => cast,
        Err(error) => {
            let _ = ready.send(Err(error));
            return;
        }
    };
    let Cast {
        portal,
        session,
        remote,
        node,
    } = cast;
    if let Err(error) = stream(remote, node, ready, quit, mailbox) {
        // Before the stream started, `open` is waiting for this; after, the caller reads it.
        if ready.send(Err(error.clone())).is_err() {
            lock(mailbox).ended = Some(error);
        }
    }
    let _ = runtime.block_on(session.close());
    drop(portal);
}

/// CreateSession, SelectSources (a monitor or a window, the cursor drawn in when the portal
/// can), Start (the user's choice), OpenPipeWireRemote.
async fn ask_portal() -> Result<Cast, ScreenError> {
    // A connection of this capture's own: ashpd's `Screencast::new` shares one connection for
    // the process, whose tasks would live on the first capture's runtime and die with it.
    let bus = ashpd::zbus::Connection::session()
        .await
        .map_err(|e| ScreenError::Portal(format!("no session bus: {e}")))?;
    let portal = Screencast::with_connection(bus)
        .await
        .map_err(portal_error)?;
    let session = portal
        .create_session(Default::default())
        .await
        .map_err(portal_error)?;
    let offered = portal
        .available_source_types()
        .await
        .map_err(portal_error)?;
    let sources = offered & (SourceType::Monitor | SourceType::Window);
    let cursors = portal
        .available_cursor_modes()
        .await
        .map_err(portal_error)?;
    let cursor = if cursors.contains(CursorMode::Embedded) {
        CursorMode::Embedded
    } else {
        CursorMode::Hidden
    };
    portal
        .select_sources(
            &session,
            SelectSourcesOptions::default()
                .set_cursor_mode(cursor)
                .set_sources(sources)
                .set_multiple(false)
                .set_persist_mode(PersistMode::DoNot),
        )
        .await
        .and_then(|request| request.response())
        .map_err(portal_error)?;
    let streams = portal
        .start(&session, None, Default::default())
        .await
        .and_then(|request| request.response())
        .map_err(portal_error)?;
    let node = streams
        .streams()
        .first()
        .map(|s| s.pipe_wire_node_id())
        .ok_or_else(|| ScreenError::Portal("the portal started no stream".into()))?;
    let remote = portal
        .open_pipe_wire_remote(&session, Default::default())
        .await
        .map_err(portal_error)?;
    Ok(Cast {
        portal,
        session,
        remote,
        node,
    })
}

fn portal_error(error: ashpd::Error) -> ScreenError {
    match error {
        ashpd::Error::Response(ResponseError::Cancelled) => ScreenError::Refused,
        other => ScreenError::Portal(format!("xdg-desktop-portal: {other}")),
    }
}

fn pipewire_error(error: pw::Error) -> ScreenError {
    ScreenError::Portal(format!("PipeWire: {error}"))
}

/// The picture format PipeWire agreed on.
#[derive(Default)]
struct Format {
    width: u32,
    height: u32,
    red_first: bool,
}

/// Connects to `node` through `remote` and copies each buffer into the mailbox until `quit`.
fn stream(
    remote: OwnedFd,
    node: u32,
    ready: &mpsc::Sender<Result<(), ScreenError>>,
    quit: pw::channel::Receiver<()>,
    mailbox: &Arc<Mutex<Mailbox>>,
) -> Result<(), ScreenError> {
    pw::init();
    let main_loop = pw::main_loop::MainLoopRc::new(None).map_err(pipewire_error)?;
    let context = pw::context::ContextRc::new(&main_loop, None).map_err(pipewire_error)?;
    let core = context
        .connect_fd_rc(remote, None)
        .map_err(pipewire_error)?;
    let stream = pw::stream::StreamBox::new(
        &core,
        "duet-screen-share",
        pw::properties::properties! {
            *pw::keys::MEDIA_TYPE => "Video",
            *pw::keys::MEDIA_CATEGORY => "Capture",
            *pw::keys::MEDIA_ROLE => "Screen",
        },
    )
    .map_err(pipewire_error)?;
    let frames = Arc::clone(mailbox);
    let states = Arc::clone(mailbox);
    let _listener = stream
        .add_local_listener_with_user_data(Format::default())
        .param_changed(|_, format, id, param| {
            if id == spa::param::ParamType::Format.as_raw() {
                if let Some(param) = param {
                    *format = agreed_format(param).unwrap_or_default();
                }
            }
        })
        .process(move |stream, format| {
            let Some(mut buffer) = stream.dequeue_buffer() else {
                return;
            };
            let Some(data) = buffer.datas_mut().first_mut() else {
                return;
            };
            let chunk = data.chunk();
            let offset = chunk.offset() as usize;
            let size = chunk.size() as usize;
            let stride = usize::try_from(chunk.stride()).unwrap_or(0);
            let stride = if stride == 0 {
                format.width as usize * 4
            } else {
                stride
            };
            // Mapped by MAP_BUFFERS (memfd or memory); a DMA-BUF is not offered by the format
            // asked for, and would come unmapped: skipped.
            let Some(bytes) = data.data() else { return };
            let Some(pixels) = bytes.get(offset..offset.saturating_add(size)) else {
                return;
            };
            if format.width == 0 || size == 0 {
                return;
            }
            let mut mailbox = lock(&frames);
            mailbox.image.reshape(format.width, format.height);
            mailbox
                .image
                .copy_from_rows(pixels, stride, format.red_first);
            mailbox.fresh = true;
        })
        .state_changed(move |_, _, _, state| {
            let ended = match state {
                pw::stream::StreamState::Error(reason) => Some(reason),
                pw::stream::StreamState::Unconnected => Some("the stream was disconnected".into()),
                _ => None,
            };
            if let Some(reason) = ended {
                lock(&states).ended =
                    Some(ScreenError::Portal(format!("the stream ended: {reason}")));
            }
        })
        .register()
        .map_err(pipewire_error)?;
    // The desktop ending the cast (the user's "stop sharing", the backend gone) removes the
    // portal's node; the stream itself only pauses, as it does between formats.
    let registry = core.get_registry_rc().map_err(pipewire_error)?;
    let removals = Arc::clone(mailbox);
    let _registry_listener = registry
        .add_listener_local()
        .global_remove(move |id| {
            if id == node {
                lock(&removals).ended = Some(ScreenError::Portal(
                    "the stream ended: the desktop stopped the cast".into(),
                ));
            }
        })
        .register();
    let format = format_offer()?;
    let pod = spa::pod::Pod::from_bytes(&format)
        .ok_or_else(|| ScreenError::Portal("PipeWire format offer did not serialise".into()))?;
    stream
        .connect(
            spa::utils::Direction::Input,
            Some(node),
            pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
            &mut [pod],
        )
        .map_err(pipewire_error)?;
    let quitting = main_loop.clone();
    let _quit = quit.attach(main_loop.loop_(), move |()| quitting.quit());
    let _ = ready.send(Ok(()));
    main_loop.run();
    Ok(())
}

/// The size and channel order of a `Format` param, if it is raw video in a 4-byte format.
fn agreed_format(param: &spa::pod::Pod) -> Option<Format> {
    let (media_type, media_subtype) = spa::param::format_utils::parse_format(param).ok()?;
    if media_type != spa::param::format::MediaType::Video
        || media_subtype != spa::param::format::MediaSubtype::Raw
    {
        return None;
    }
    let mut info = spa::param::video::VideoInfoRaw::default();
    info.parse(param).ok()?;
    use spa::param::video::VideoFormat;
    let red_first = match info.format() {
        VideoFormat::BGRx | VideoFormat::BGRA => false,
        VideoFormat::RGBx | VideoFormat::RGBA => true,
        _ => return None,
    };
    Some(Format {
        width: info.size().width,
        height: info.size().height,
        red_first,
    })
}

/// The formats this capturer takes: raw video in 4-byte pixels (what compositors send), any
/// size, up to 60 frames a second (the encoder paces it down).
fn format_offer() -> Result<Vec<u8>, ScreenError> {
    use spa::param::format::{FormatProperties, MediaSubtype, MediaType};
    use spa::param::video::VideoFormat;
    use spa::pod::{property, Value};
    use spa::utils::{Fraction, Rectangle, SpaTypes};
    let object = spa::pod::object!(
        SpaTypes::ObjectParamFormat,
        spa::param::ParamType::EnumFormat,
        property!(FormatProperties::MediaType, Id, MediaType::Video),
        property!(FormatProperties::MediaSubtype, Id, MediaSubtype::Raw),
        property!(
            FormatProperties::VideoFormat,
            Choice,
            Enum,
            Id,
            VideoFormat::BGRx,
            VideoFormat::BGRx,
            VideoFormat::BGRA,
            VideoFormat::RGBx,
            VideoFormat::RGBA
        ),
        property!(
            FormatProperties::VideoSize,
            Choice,
            Range,
            Rectangle,
            Rectangle {
                width: 1920,
                height: 1080
            },
            Rectangle {
                width: 1,
                height: 1
            },
            Rectangle {
                width: 8192,
                height: 8192
            }
        ),
        property!(
            FormatProperties::VideoFramerate,
            Choice,
            Range,
            Fraction,
            Fraction { num: 15, denom: 1 },
            Fraction { num: 0, denom: 1 },
            Fraction { num: 60, denom: 1 }
        ),
    );
    spa::pod::serialize::PodSerializer::serialize(
        std::io::Cursor::new(Vec::new()),
        &Value::Object(object),
    )
    .map(|(cursor, _)| cursor.into_inner())
    .map_err(|e| ScreenError::Portal(format!("PipeWire format offer: {e:?}")))
}
