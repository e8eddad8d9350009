//! Video to the page: a loopback WebSocket with a per-run secret, one slot per stream where the
//! newest frame replaces any frame the socket has not taken yet (docs/app-interface.md, Frames).
//!
//! Why not Tauri IPC: a 720p I420 frame is 1.4 MB, 30 times a second; the IPC path serializes
//! through the custom protocol per message, while a WebSocket hands the page an ArrayBuffer.

pub mod painter;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::{BufMut, Bytes, BytesMut};
use duet_media::frame::I420Frame;
use duet_media::scale::{fit_within, FrameScaler};
use duet_media::sink::VideoSink;
use duet_media::MediaResult;
use painter::VideoPainter;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::watch;

/// "DUF1", little endian.
pub const FRAME_MAGIC: u32 = 0x3146_5544;
/// Bytes before the planes.
pub const HEADER_BYTES: usize = 24;

/// The kinds of picture the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Stream {
    /// The peer's decoded video.
    Remote = 0,
    /// This user's camera after the beauty filters (what is sent).
    LocalFiltered = 1,
    /// This user's camera before the filters (the settings' "before").
    LocalRaw = 2,
    /// The peer's shared screen or window, decoded.
    RemoteScreen = 3,
}

const STREAMS: usize = 4;

/// Widest local preview sent before the page has said how large it shows it. The page shows this
/// user's own camera small (a corner of the call screen, the settings' before/after pair), so a
/// 720p camera would send four times the pixels it can show: 41 MB/s over the socket and a
/// texture upload of each, competing with the remote video for the page's paint time.
pub const LOCAL_PREVIEW_MAX_WIDTH: u32 = 640;

impl Stream {
    /// The box frames of this stream are scaled down to before the page reports its own.
    fn default_box(self) -> (u32, u32) {
        match self {
            // A shared screen's text is only legible at its own size until the page says less.
            Stream::Remote | Stream::RemoteScreen => (u32::MAX, u32::MAX),
            Stream::LocalFiltered | Stream::LocalRaw => (LOCAL_PREVIEW_MAX_WIDTH, u32::MAX),
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            0 => Some(Stream::Remote),
            1 => Some(Stream::LocalFiltered),
            2 => Some(Stream::LocalRaw),
            3 => Some(Stream::RemoteScreen),
            _ => None,
        }
    }
}

/// Where the page shows a stream, in device pixels, packed as `width << 16 | height`; 0: not said.
type DisplayBoxes = Arc<[AtomicU32; STREAMS]>;

/// The box `stream`'s frames must fit: the page's, or the stream's default until it reports.
fn display_box(boxes: &DisplayBoxes, stream: Stream) -> (u32, u32) {
    match boxes[stream as usize].load(Ordering::Relaxed) {
        0 => stream.default_box(),
        packed => (packed >> 16, packed & 0xffff),
    }
}

/// When a frame larger than where the page shows it is scaled down here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalePolicy {
    /// Only when that at least halves its pixels: the page's WebGL shader scales a larger picture
    /// down as it draws, for free on a GPU, and a smaller reduction saves the page less than the
    /// resampling costs here (1280x720 to 936x526 took 3.5 ms of the decode thread per frame).
    WhenHalved,
    /// Whenever it is larger: a 2D canvas painter converts every pixel it gets to RGBA in
    /// JavaScript and WebKit then resamples the canvas on the CPU at every paint, both dearer
    /// than resampling the planes here once.
    Always,
}

impl ScalePolicy {
    /// The policy that suits how the page paints.
    pub fn for_painter(painter: VideoPainter) -> Self {
        match painter {
            VideoPainter::Webgl => ScalePolicy::WhenHalved,
            VideoPainter::Canvas2d => ScalePolicy::Always,
        }
    }
}

/// The latest packed frame of each stream, and the size the page shows each stream at.
#[derive(Debug, Clone)]
pub struct FrameHub {
    slots: Arc<[watch::Sender<Option<Bytes>>; STREAMS]>,
    display: DisplayBoxes,
    policy: ScalePolicy,
}

impl Default for FrameHub {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameHub {
    /// Empty slots, for a WebGL page.
    pub fn new() -> Self {
        Self::with_policy(ScalePolicy::WhenHalved)
    }

    /// Empty slots, frames scaled down by `policy`.
    pub fn with_policy(policy: ScalePolicy) -> Self {
        Self {
            slots: Arc::new(std::array::from_fn(|_| watch::Sender::new(None))),
            display: Arc::new(std::array::from_fn(|_| AtomicU32::new(0))),
            policy,
        }
    }

    /// A sink that publishes into `stream`'s slot.
    pub fn sink(&self, stream: Stream) -> FrameSink {
        FrameSink {
            slot: self.slots[stream as usize].clone(),
            display: self.display.clone(),
            policy: self.policy,
            stream,
            sequence: 0,
            buffer: BytesMut::new(),
            scaler: FrameScaler::new(),
        }
    }

    /// Empties a stream's slot, so a page that connects later doesn't paint an old call's frame.
    pub fn clear(&self, stream: Stream) {
        self.slots[stream as usize].send_replace(None);
    }

    /// Applies a display-size message from the page (docs/app-interface.md, Frames); `false` if
    /// it is malformed. Later frames of the stream are scaled down to fit the box when that at
    /// least halves their pixels ([`scaled_size`]), and never up.
    pub fn set_display_size(&self, message: &[u8]) -> bool {
        let &[stream, w0, w1, h0, h1] = message else {
            return false;
        };
        let (width, height) = (u16::from_le_bytes([w0, w1]), u16::from_le_bytes([h0, h1]));
        let Some(stream) = Stream::from_byte(stream).filter(|_| width >= 2 && height >= 2) else {
            return false;
        };
        self.display[stream as usize].store(
            u32::from(width) << 16 | u32::from(height),
            Ordering::Relaxed,
        );
        true
    }
}

/// Packs each frame (header + tight planes) into its stream's slot, scaled down to where the page
/// shows it.
pub struct FrameSink {
    slot: watch::Sender<Option<Bytes>>,
    display: DisplayBoxes,
    policy: ScalePolicy,
    stream: Stream,
    sequence: u32,
    buffer: BytesMut,
    scaler: FrameScaler,
}

impl VideoSink for FrameSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        // Taken first, so the latency the page measures from it includes the scaling below.
        let had_at = now_epoch_ms();
        self.sequence = self.sequence.wrapping_add(1);
        // Nobody watches (no page connected): skip the copy.
        if self.slot.receiver_count() == 0 {
            return Ok(());
        }
        let scaled = match scaled_size(frame, display_box(&self.display, self.stream), self.policy)
        {
            Some((width, height)) => Some(self.scaler.scale_to(frame, width, height)?),
            None => None,
        };
        let packed = pack(
            &mut self.buffer,
            self.stream,
            self.sequence,
            scaled.as_ref().unwrap_or(frame),
            had_at,
        );
        self.slot.send_replace(Some(packed));
        Ok(())
    }
}

/// The size to send `frame` at to fit the box, when `policy` says to scale it; `None`: send it as
/// it is.
fn scaled_size(
    frame: &I420Frame,
    (max_width, max_height): (u32, u32),
    policy: ScalePolicy,
) -> Option<(u32, u32)> {
    let (width, height) = fit_within(frame.width, frame.height, max_width, max_height);
    let (scaled, whole) = (
        u64::from(width) * u64::from(height),
        u64::from(frame.width) * u64::from(frame.height),
    );
    let worth_it = match policy {
        ScalePolicy::WhenHalved => 2 * scaled <= whole,
        ScalePolicy::Always => scaled < whole,
    };
    worth_it.then_some((width, height))
}

/// Milliseconds since the Unix epoch, with fractions, as the page's `performance.timeOrigin +
/// performance.now()` counts them.
pub fn now_epoch_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Writes the header and the tightly packed planes of `frame`; `buffer`'s allocation is reused
/// once the page has dropped the previous frame.
pub fn pack(
    buffer: &mut BytesMut,
    stream: Stream,
    sequence: u32,
    frame: &I420Frame,
    at_ms: f64,
) -> Bytes {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let (cw, ch) = (frame.chroma_width(), frame.chroma_height());
    buffer.clear();
    buffer.reserve(HEADER_BYTES + w * h + 2 * cw * ch);
    buffer.put_u32_le(FRAME_MAGIC);
    buffer.put_u8(stream as u8);
    buffer.put_bytes(0, 3);
    // Frames are at most 4K; the u16 fields hold them (larger would be a decoder bug).
    buffer.put_u16_le(frame.width.min(u16::MAX as u32) as u16);
    buffer.put_u16_le(frame.height.min(u16::MAX as u32) as u16);
    buffer.put_u32_le(sequence);
    buffer.put_f64_le(at_ms);
    for row in 0..h {
        buffer.put_slice(&frame.y[row * frame.stride_y..row * frame.stride_y + w]);
    }
    for plane in [&frame.u, &frame.v] {
        for row in 0..ch {
            buffer.put_slice(&plane[row * frame.stride_uv..row * frame.stride_uv + cw]);
        }
    }
    buffer.split().freeze()
}

/// The running frame server.
#[derive(Debug, Clone)]
pub struct FrameServer {
    addr: SocketAddr,
    secret: String,
}

#[derive(Clone)]
struct Shared {
    hub: FrameHub,
    secret: Arc<str>,
}

#[derive(serde::Deserialize)]
struct FramesQuery {
    #[serde(default)]
    secret: String,
}

impl FrameServer {
    /// Listens on 127.0.0.1 (a free port) with a fresh random secret.
    pub async fn start(hub: FrameHub) -> std::io::Result<Self> {
        let mut raw = [0u8; 16];
        getrandom::fill(&mut raw).map_err(|e| std::io::Error::other(e.to_string()))?;
        let secret: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Shared {
            hub,
            secret: secret.clone().into(),
        };
        let router = Router::new()
            .route("/frames", get(upgrade))
            .with_state(shared);
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::warn!(%error, "frame server stopped");
            }
        });
        Ok(Self { addr, secret })
    }

    /// The URL the page connects to.
    pub fn url(&self) -> String {
        format!("ws://{}/frames?secret={}", self.addr, self.secret)
    }
}

async fn upgrade(
    State(shared): State<Shared>,
    Query(query): Query<FramesQuery>,
    ws: WebSocketUpgrade,
) -> Response {
    if !bool::from(query.secret.as_bytes().ct_eq(shared.secret.as_bytes())) {
        return (StatusCode::FORBIDDEN, "wrong secret").into_response();
    }
    ws.on_upgrade(move |socket| serve(socket, shared.hub))
}

/// Frames of one stream the backend may have sent that the page has not yet acknowledged.
///
/// Without a bound, frames pile up between this socket and the page's `onmessage` (WebKit's network
/// process and its IPC to the page) whenever the page takes them slower than they come, and once
/// written they are out of the newest-wins slot's reach: frames then reach the page seconds late
/// (docs/benchmarks.md, "Before the receipts"). Two, not one, so the next frame is already on its
/// way while the page's receipt for the previous one travels back.
pub const FRAMES_IN_FLIGHT: u8 = 2;

/// What the page said on the socket.
#[derive(Debug, PartialEq, Eq)]
enum PageMessage {
    /// The page has taken one frame of this stream.
    Receipt(Stream),
    /// A display-size message, applied to the hub already.
    DisplaySize,
    Malformed,
}

fn read_page_message(hub: &FrameHub, message: &[u8]) -> PageMessage {
    match message {
        &[stream] => Stream::from_byte(stream).map_or(PageMessage::Malformed, PageMessage::Receipt),
        _ if hub.set_display_size(message) => PageMessage::DisplaySize,
        _ => PageMessage::Malformed,
    }
}

/// Sends each stream's newest frame as it appears, at most [`FRAMES_IN_FLIGHT`] unacknowledged
/// per stream; meanwhile newer frames replace older ones in the slot, so a slow page skips frames
/// instead of queueing them.
async fn serve(mut socket: WebSocket, hub: FrameHub) {
    let mut slots: Vec<watch::Receiver<Option<Bytes>>> =
        hub.slots.iter().map(|slot| slot.subscribe()).collect();
    for slot in &mut slots {
        slot.mark_changed();
    }
    let mut in_flight = [0u8; STREAMS];
    loop {
        // Only streams with room are watched; a full one's newer frames wait in its slot.
        let watched: Vec<_> = slots
            .iter_mut()
            .enumerate()
            .filter(|(index, _)| in_flight[*index] < FRAMES_IN_FLIGHT)
            .map(|(index, slot)| Box::pin(async move { (index, slot.changed().await) }))
            .collect();
        let next_frame = async move {
            if watched.is_empty() {
                std::future::pending().await
            } else {
                futures_util::future::select_all(watched).await.0
            }
        };
        let (index, result) = tokio::select! {
            ready = next_frame => ready,
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Binary(message))) => {
                    match read_page_message(&hub, &message) {
                        PageMessage::Receipt(stream) => {
                            let count = &mut in_flight[stream as usize];
                            *count = count.saturating_sub(1);
                        }
                        PageMessage::DisplaySize => {}
                        PageMessage::Malformed => {
                            tracing::debug!(bytes = message.len(), "malformed page message ignored");
                        }
                    }
                    continue;
                }
                // A close or an error ends the stream.
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
        };
        if result.is_err() {
            return;
        }
        let frame = slots[index].borrow_and_update().clone();
        if let Some(frame) = frame {
            if socket.send(Message::Binary(frame)).await.is_err() {
                return;
            }
            in_flight[index] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: u32, height: u32) -> I420Frame {
        let mut frame = I420Frame::black(width, height).unwrap();
        frame
            .y
            .iter_mut()
            .enumerate()
            .for_each(|(i, p)| *p = i as u8);
        frame
    }

    /// A hub with a watcher on every stream, as if a page were connected (sinks skip their work
    /// while nobody watches); keep the receivers alive for as long as the hub is used.
    fn watched_hub() -> (FrameHub, Vec<watch::Receiver<Option<Bytes>>>) {
        watched_hub_with(ScalePolicy::WhenHalved)
    }

    fn watched_hub_with(policy: ScalePolicy) -> (FrameHub, Vec<watch::Receiver<Option<Bytes>>>) {
        let hub = FrameHub::with_policy(policy);
        let watchers = hub.slots.iter().map(|s| s.subscribe()).collect();
        (hub, watchers)
    }

    /// Width and height as the page reads them from a packed frame's header.
    fn header_size(packed: &[u8]) -> (u16, u16) {
        (
            u16::from_le_bytes([packed[8], packed[9]]),
            u16::from_le_bytes([packed[10], packed[11]]),
        )
    }

    /// Width and height the page would read from the header of the frame in `stream`'s slot.
    fn sent_size(hub: &FrameHub, stream: Stream) -> (u16, u16) {
        let slot = hub.slots[stream as usize].subscribe();
        let packed = slot.borrow().clone().expect("a frame was published");
        header_size(&packed)
    }

    #[test]
    fn before_the_page_reports_sizes_previews_are_640_wide_and_remote_video_as_decoded() {
        let (hub, _watchers) = watched_hub();
        let hd = frame(1280, 720);
        for stream in [Stream::Remote, Stream::LocalFiltered, Stream::LocalRaw] {
            hub.sink(stream).write_frame(&hd).unwrap();
        }
        assert_eq!(sent_size(&hub, Stream::Remote), (1280, 720));
        assert_eq!(sent_size(&hub, Stream::LocalFiltered), (640, 360));
        assert_eq!(sent_size(&hub, Stream::LocalRaw), (640, 360));
        // Small cameras go as they are; odd shapes stay even.
        hub.sink(Stream::LocalRaw)
            .write_frame(&frame(320, 240))
            .unwrap();
        assert_eq!(sent_size(&hub, Stream::LocalRaw), (320, 240));
    }

    fn display_size(stream: Stream, width: u16, height: u16) -> Vec<u8> {
        let mut message = vec![stream as u8];
        message.extend(width.to_le_bytes());
        message.extend(height.to_le_bytes());
        message
    }

    #[test]
    fn frames_are_scaled_down_to_the_size_the_page_shows_them_at_never_up() {
        let (hub, _watchers) = watched_hub();
        assert!(hub.set_display_size(&display_size(Stream::Remote, 900, 600)));
        assert!(hub.set_display_size(&display_size(Stream::LocalFiltered, 242, 136)));
        assert!(hub.set_display_size(&display_size(Stream::LocalRaw, 1920, 1080)));
        let hd = frame(1280, 720);
        for stream in [Stream::Remote, Stream::LocalFiltered, Stream::LocalRaw] {
            hub.sink(stream).write_frame(&hd).unwrap();
        }
        assert_eq!(sent_size(&hub, Stream::Remote), (900, 506));
        assert_eq!(sent_size(&hub, Stream::LocalFiltered), (240, 136));
        assert_eq!(sent_size(&hub, Stream::LocalRaw), (1280, 720));

        // Fitting 1280x720 into 1100x527 would keep 53 % of the pixels: sent as decoded.
        assert!(hub.set_display_size(&display_size(Stream::Remote, 1100, 527)));
        hub.sink(Stream::Remote).write_frame(&hd).unwrap();
        assert_eq!(sent_size(&hub, Stream::Remote), (1280, 720));
    }

    #[test]
    fn for_a_2d_canvas_page_any_reduction_is_made_here_and_still_never_up() {
        assert_eq!(
            ScalePolicy::for_painter(VideoPainter::Canvas2d),
            ScalePolicy::Always
        );
        assert_eq!(
            ScalePolicy::for_painter(VideoPainter::Webgl),
            ScalePolicy::WhenHalved
        );
        let (hub, _watchers) = watched_hub_with(ScalePolicy::Always);
        let hd = frame(1280, 720);
        assert!(hub.set_display_size(&display_size(Stream::Remote, 1100, 527)));
        hub.sink(Stream::Remote).write_frame(&hd).unwrap();
        assert_eq!(sent_size(&hub, Stream::Remote), (936, 526));
        assert!(hub.set_display_size(&display_size(Stream::Remote, 1920, 1080)));
        hub.sink(Stream::Remote).write_frame(&hd).unwrap();
        assert_eq!(sent_size(&hub, Stream::Remote), (1280, 720));
    }

    #[test]
    fn malformed_display_sizes_are_refused_and_change_nothing() {
        let (hub, _watchers) = watched_hub();
        for bad in [
            vec![],
            vec![0, 1, 2, 3],
            vec![0, 1, 2, 3, 4, 5],
            display_size(Stream::Remote, 0, 500),
            display_size(Stream::Remote, 500, 1),
            vec![4, 100, 0, 100, 0],
        ] {
            assert!(!hub.set_display_size(&bad), "{bad:?}");
        }
        hub.sink(Stream::Remote)
            .write_frame(&frame(1280, 720))
            .unwrap();
        assert_eq!(sent_size(&hub, Stream::Remote), (1280, 720));
    }

    #[test]
    fn the_header_and_planes_follow_the_contract() {
        let f = frame(6, 4);
        let packed = pack(&mut BytesMut::new(), Stream::LocalFiltered, 7, &f, 1234.5);
        assert_eq!(packed.len(), HEADER_BYTES + 6 * 4 + 2 * 3 * 2);
        assert_eq!(
            u32::from_le_bytes(packed[0..4].try_into().unwrap()),
            FRAME_MAGIC
        );
        assert_eq!(packed[4], 1);
        assert_eq!(&packed[5..8], &[0, 0, 0]);
        assert_eq!(u16::from_le_bytes([packed[8], packed[9]]), 6);
        assert_eq!(u16::from_le_bytes([packed[10], packed[11]]), 4);
        assert_eq!(u32::from_le_bytes(packed[12..16].try_into().unwrap()), 7);
        assert_eq!(
            f64::from_le_bytes(packed[16..24].try_into().unwrap()),
            1234.5
        );
        assert_eq!(&packed[24..30], &f.y[0..6]);
    }

    /// The vector the page's test reads too (ui/test/fixtures/frame-vector.json): the backend
    /// must write exactly the bytes the page parses.
    #[test]
    fn the_shared_test_vector_is_what_pack_writes() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../ui/test/fixtures/frame-vector.json"
        );
        let text = std::fs::read_to_string(path).expect("the shared frame vector");
        let vector: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        let plane = |name: &str| -> Vec<u8> {
            vector[name]
                .as_array()
                .expect("a plane is an array of bytes")
                .iter()
                .map(|b| u8::try_from(b.as_u64().expect("a byte")).expect("0..=255"))
                .collect()
        };
        let (width, height) = (
            vector["width"].as_u64().unwrap(),
            vector["height"].as_u64().unwrap(),
        );
        let mut f = frame(
            u32::try_from(width).unwrap(),
            u32::try_from(height).unwrap(),
        );
        f.y = plane("y");
        f.u = plane("u");
        f.v = plane("v");
        assert_eq!(vector["stream"], Stream::LocalFiltered as u8);
        let seq = u32::try_from(vector["seq"].as_u64().unwrap()).unwrap();
        let at = vector["timestampMs"].as_f64().unwrap();
        let packed = pack(&mut BytesMut::new(), Stream::LocalFiltered, seq, &f, at);
        let hex: String = packed.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, vector["hex"].as_str().unwrap());
    }

    #[test]
    fn odd_sizes_round_the_chroma_planes_up() {
        let f = frame(5, 3);
        let packed = pack(&mut BytesMut::new(), Stream::Remote, 1, &f, 0.0);
        assert_eq!(packed.len(), HEADER_BYTES + 5 * 3 + 2 * 3 * 2);
    }

    #[tokio::test]
    async fn the_server_refuses_a_wrong_secret_and_streams_the_newest_frame() {
        use futures_util::{SinkExt, StreamExt};
        let hub = FrameHub::new();
        let (server, mut socket) = connected_page(&hub).await;
        let wrong = server.url().replace("secret=", "secret=0");
        assert!(tokio_tungstenite::connect_async(wrong).await.is_err());
        // The writer runs until the page has seen frame 50; frames written before the server
        // subscribed are skipped, later ones may replace each other, none may repeat or go back.
        let seen_enough = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let seen_enough = seen_enough.clone();
            let mut sink = hub.sink(Stream::Remote);
            tokio::spawn(async move {
                while !seen_enough.load(std::sync::atomic::Ordering::Relaxed) {
                    sink.write_frame(&frame(4, 2)).unwrap();
                    tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                }
            })
        };
        let mut last_sequence = 0;
        while last_sequence < 50 {
            let data = socket.next().await.unwrap().unwrap().into_data();
            socket.send(receipt(Stream::Remote)).await.unwrap();
            let sequence = sequence_of(&data);
            assert!(
                sequence > last_sequence,
                "frames arrive in order, never repeated"
            );
            last_sequence = sequence;
        }
        seen_enough.store(true, std::sync::atomic::Ordering::Relaxed);
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn a_display_size_sent_over_the_socket_scales_the_next_frames() {
        use futures_util::{SinkExt, StreamExt};
        let hub = FrameHub::new();
        let (_server, mut socket) = connected_page(&hub).await;
        socket
            .send(tokio_tungstenite::tungstenite::Message::Binary(
                display_size(Stream::Remote, 640, 640).into(),
            ))
            .await
            .unwrap();
        let mut sink = hub.sink(Stream::Remote);
        // The message and the frames race to the server: write until one comes back scaled.
        for _ in 0..100 {
            sink.write_frame(&frame(1280, 720)).unwrap();
            let data = socket.next().await.unwrap().unwrap().into_data();
            socket.send(receipt(Stream::Remote)).await.unwrap();
            let size = header_size(&data);
            if size == (640, 360) {
                return;
            }
            assert_eq!(
                size,
                (1280, 720),
                "either as decoded or fitted, nothing else"
            );
        }
        panic!("100 frames after the display size, none was scaled to it");
    }

    type PageSocket = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// A running frame server for `hub`, and a page connected to it with the right secret.
    async fn connected_page(hub: &FrameHub) -> (FrameServer, PageSocket) {
        let server = FrameServer::start(hub.clone()).await.unwrap();
        let (socket, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .unwrap();
        (server, socket)
    }

    /// The page's receipt for one frame of `stream`.
    fn receipt(stream: Stream) -> tokio_tungstenite::tungstenite::Message {
        tokio_tungstenite::tungstenite::Message::Binary(vec![stream as u8].into())
    }

    fn sequence_of(packed: &[u8]) -> u32 {
        u32::from_le_bytes(packed[12..16].try_into().unwrap())
    }

    #[test]
    fn page_messages_are_receipts_display_sizes_or_ignored() {
        let hub = FrameHub::new();
        assert_eq!(
            read_page_message(&hub, &[0]),
            PageMessage::Receipt(Stream::Remote)
        );
        assert_eq!(
            read_page_message(&hub, &[2]),
            PageMessage::Receipt(Stream::LocalRaw)
        );
        assert_eq!(
            read_page_message(&hub, &display_size(Stream::Remote, 640, 360)),
            PageMessage::DisplaySize
        );
        assert_eq!(
            read_page_message(&hub, &[3]),
            PageMessage::Receipt(Stream::RemoteScreen)
        );
        for bad in [vec![], vec![4], vec![0, 1], vec![9, 100, 0, 100, 0]] {
            assert_eq!(
                read_page_message(&hub, &bad),
                PageMessage::Malformed,
                "{bad:?}"
            );
        }
    }

    #[tokio::test]
    async fn at_most_two_frames_per_stream_go_unacknowledged_and_a_receipt_releases_the_newest() {
        use futures_util::{SinkExt, StreamExt};
        let hub = FrameHub::new();
        let (_server, mut socket) = connected_page(&hub).await;
        let mut remote = hub.sink(Stream::Remote);
        let mut local = hub.sink(Stream::LocalFiltered);
        // Two remote frames fill the window.
        for expected in 1..=2 {
            remote.write_frame(&frame(4, 2)).unwrap();
            let data = socket.next().await.unwrap().unwrap().into_data();
            assert_eq!(sequence_of(&data), expected);
        }
        // Frames 3, 4 and 5 wait in the slot, each replacing the last; the server gets time to
        // (wrongly) send between them. The local stream has its own window and still flows.
        for _ in 3..=5 {
            remote.write_frame(&frame(4, 2)).unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        local.write_frame(&frame(4, 2)).unwrap();
        let data = socket.next().await.unwrap().unwrap().into_data();
        assert_eq!(
            (data[4], sequence_of(&data)),
            (Stream::LocalFiltered as u8, 1),
            "the full remote window held frames 3 to 5 back"
        );
        socket.send(receipt(Stream::Remote)).await.unwrap();
        let data = socket.next().await.unwrap().unwrap().into_data();
        assert_eq!(
            (data[4], sequence_of(&data)),
            (Stream::Remote as u8, 5),
            "one receipt lets the newest frame through"
        );
    }
}
