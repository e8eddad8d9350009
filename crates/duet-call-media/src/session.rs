//! One call's media task: owns the `CallMedia`, applies the SDK's commands in order and relays
//! negotiation between the media session and the SDK.

use duet_callkit::{CallType, DeviceKind, MediaCallInfo, MediaEvents, MediaSession, MediaStats};
use duet_media::sink::null::NullSink;
use duet_media::{CallMedia, CallStats, ConnectionState, MediaConfig, MediaEvent, MediaSignal};
use tokio::sync::mpsc;
use tracing::{debug, info, info_span, warn, Instrument};

use crate::call_config::{call_config, media_role};
use crate::call_devices::CallDevices;
use crate::echo::EchoLine;
use crate::grade::Grader;
use crate::preview::{PreviewFilter, PreviewSinks};
use crate::setup::{MediaSetup, VideoSinkFactory};
use crate::share::Share;

/// What the SDK asks of a call's media, in the order it asked.
#[derive(Debug)]
pub(crate) enum Command {
    Signal(serde_json::Value),
    Release,
    AudioEnabled(bool),
    VideoEnabled(bool),
    CallType(CallType),
    SelectDevice(DeviceKind, String),
    RemoteAudioMuted(bool),
    SpeakerEnabled(bool),
    StartScreenShare(String),
    StopScreenShare,
    Close,
}

/// The SDK's side of a media task; dropping it closes the media too.
pub(crate) struct SessionHandle {
    commands: mpsc::UnboundedSender<Command>,
}

impl SessionHandle {
    pub(crate) fn new(commands: mpsc::UnboundedSender<Command>) -> Self {
        Self { commands }
    }

    fn send(&self, command: Command) {
        // The task only ends after Close or when its media failed to start (logged there).
        let _ = self.commands.send(command);
    }
}

impl MediaSession for SessionHandle {
    fn handle_remote_signal(&mut self, payload: serde_json::Value) {
        self.send(Command::Signal(payload));
    }
    fn release(&mut self) {
        self.send(Command::Release);
    }
    fn set_audio_enabled(&mut self, enabled: bool) {
        self.send(Command::AudioEnabled(enabled));
    }
    fn set_video_enabled(&mut self, enabled: bool) {
        self.send(Command::VideoEnabled(enabled));
    }
    fn set_call_type(&mut self, call_type: CallType) {
        self.send(Command::CallType(call_type));
    }
    fn select_device(&mut self, kind: DeviceKind, id: &str) {
        self.send(Command::SelectDevice(kind, id.to_owned()));
    }
    fn set_remote_audio_muted(&mut self, muted: bool) {
        self.send(Command::RemoteAudioMuted(muted));
    }
    fn set_speaker_enabled(&mut self, enabled: bool) {
        self.send(Command::SpeakerEnabled(enabled));
    }
    fn start_screen_share(&mut self, target: &str) {
        self.send(Command::StartScreenShare(target.to_owned()));
    }

    fn stop_screen_share(&mut self) {
        self.send(Command::StopScreenShare);
    }

    fn close(&mut self) {
        self.send(Command::Close);
    }
}

/// Runs one call's media until the SDK closes it or drops its handle.
pub(crate) async fn run(
    setup: MediaSetup,
    call: MediaCallInfo,
    signals_out: mpsc::UnboundedSender<serde_json::Value>,
    events: MediaEvents,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let span = info_span!("media", call_id = %call.call_id);
    drive(setup, call, signals_out, events, commands)
        .instrument(span)
        .await;
}

/// Makes a preview sink for this call, logging (not failing the call) when it cannot.
fn preview_sink(
    factory: Option<&VideoSinkFactory>,
    call: &MediaCallInfo,
) -> Option<Box<dyn duet_media::sink::VideoSink>> {
    factory.and_then(|make| {
        make(&call.call_id)
            .inspect_err(|error| warn!(%error, "local preview sink unavailable"))
            .ok()
    })
}

/// Connects the call's sinks and sources: the echo line, or the setup's video sink (remote audio
/// is the call's playout, `CallDevices`).
fn plug(media: &CallMedia, setup: &MediaSetup, call: &MediaCallInfo, echo: Option<&EchoLine>) {
    if let Some(line) = echo {
        media.set_video_sink(Some(line.video_sink()));
        media.replace_audio_sink(line.audio_sink());
        if let Err(error) = media.replace_audio_source(Some(line.audio_source())) {
            warn!(%error, "echo audio not started");
        }
        return;
    }
    if let Some(factory) = &setup.video_sink {
        match factory(&call.call_id) {
            Ok(sink) => media.set_video_sink(Some(sink)),
            Err(error) => warn!(%error, "remote video sink unavailable"),
        }
    }
    if let Some(factory) = &setup.screen_sink {
        match factory(&call.call_id) {
            Ok(sink) => media.set_screen_sink(Some(sink)),
            Err(error) => warn!(%error, "remote screen sink unavailable"),
        }
    }
}

/// Opens the call's video source (camera, file, pattern or echo) at the call's size; reports
/// failures as events.
async fn open_video(media: &CallMedia, config: &MediaConfig, echo: Option<&EchoLine>) {
    let result = match echo {
        Some(line) => {
            let source = line.video_source(config.video_size(), config.frame_rate);
            media.replace_video_source(Some(source))
        }
        None => media.set_video_source(&config.video_input).await,
    };
    if let Err(error) = result {
        warn!(%error, "video source not opened");
    }
}

async fn drive(
    setup: MediaSetup,
    call: MediaCallInfo,
    signals_out: mpsc::UnboundedSender<serde_json::Value>,
    events: MediaEvents,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let mut config = call_config(&setup.config, &call);
    let mut video_open = config.open_camera;
    let (media, mut media_events) =
        match CallMedia::start(config.clone(), media_role(call.role)).await {
            Ok(started) => started,
            Err(error) => {
                warn!(%error, "media did not start; the call goes on without it");
                events.failed("start", &error.to_string());
                return;
            }
        };
    let sinks = PreviewSinks {
        filtered: preview_sink(setup.local_preview.as_ref(), &call),
        unfiltered: preview_sink(setup.unfiltered_preview.as_ref(), &call),
    };
    let filter = PreviewFilter::new(setup.beauty.stage(), sinks);
    if let Err(error) = media.set_video_filter(Box::new(filter)) {
        warn!(%error, "beauty filter not installed");
    }
    let echo = setup.echo_delay.map(EchoLine::new);
    plug(&media, &setup, &call, echo.as_ref());
    // The echo sends back what it receives: it has no devices to choose.
    let mut devices = match echo {
        None => Some(CallDevices::install(&media, &setup, &call, &events).await),
        Some(_) => None,
    };
    if echo.is_some() && video_open {
        open_video(&media, &config, echo.as_ref()).await;
    }
    info!("media started");

    let mut path = Path::Searching;
    let mut grader = Grader::default();
    let mut share = Share::default();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::Signal(payload)) => apply_signal(&media, payload).await,
                Some(Command::Release) => {
                    info!("media released");
                    media.release();
                }
                Some(Command::AudioEnabled(enabled)) => media.set_audio_enabled(enabled),
                Some(Command::VideoEnabled(enabled)) => media.set_video_enabled(enabled),
                Some(Command::CallType(CallType::Audio)) if video_open => {
                    info!("audio call: camera closed");
                    video_open = false;
                    if let Err(error) = media.replace_video_source(None) {
                        warn!(%error, "camera not closed");
                    }
                }
                Some(Command::CallType(CallType::Video)) if !video_open && setup.config.open_camera => {
                    info!("video call: camera opened");
                    video_open = true;
                    open_video(&media, &config, echo.as_ref()).await;
                }
                Some(Command::CallType(_)) => {}
                Some(Command::SelectDevice(kind, id)) => match devices.as_mut() {
                    Some(devices) => {
                        devices.select(&media, &mut config, video_open, kind, &id).await
                    }
                    None => debug!(%kind, id, "the echo has no devices"),
                },
                Some(Command::RemoteAudioMuted(muted)) => {
                    if let Some(devices) = &devices {
                        devices.set_remote_audio_muted(muted);
                    }
                }
                Some(Command::SpeakerEnabled(enabled)) => {
                    if let Some(devices) = devices.as_mut() {
                        devices.set_speaker_enabled(enabled).await;
                    }
                }
                Some(Command::StartScreenShare(target)) => {
                    share.start(&media, &target, setup.screen_share, &events).await;
                }
                Some(Command::StopScreenShare) => share.stop(&media, None, &events).await,
                Some(Command::Close) | None => break,
            },
            Some(event) = media_events.recv() => match event {
                // The shared window closed (or the display went): take the track away too.
                MediaEvent::ScreenShareEnded { reason } => {
                    share.stop(&media, Some(&reason), &events).await;
                }
                event => forward(event, &media, &signals_out, &events, &mut path, &mut grader),
            }
        }
    }

    if let Err(error) = media.close().await {
        warn!(%error, "closing media failed");
    }
    // Dropping the sinks finishes the recordings (a WAV header is written on drop).
    media.set_video_sink(None);
    media.set_screen_sink(None);
    media.replace_audio_sink(Box::new(NullSink));
    info!("media closed");
}

async fn apply_signal(media: &CallMedia, payload: serde_json::Value) {
    match MediaSignal::from_json(payload) {
        Ok(signal) => {
            if let Err(error) = media.handle_remote_signal(signal).await {
                warn!(%error, "remote media signal rejected");
            }
        }
        Err(error) => warn!(%error, "undecodable remote media signal"),
    }
}

/// Where the call's media path stands, as ICE reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// No path yet.
    Searching,
    /// Media has a path.
    Connected,
    /// The path that carried media went quiet (ICE `disconnected`, then `failed` and a restart):
    /// the call is reconnecting.
    Lost,
    /// No path was ever found; already reported as `ice_failed`.
    NeverFound,
}

/// The SDK's view of one second of statistics; `size` is the last decoded remote frame's,
/// `grader` grades it as of `now`, and `reconnecting` says the path was lost and is being mended.
pub(crate) fn sdk_stats(
    stats: &CallStats,
    size: (u32, u32),
    grader: &mut Grader,
    now: std::time::Instant,
    reconnecting: bool,
) -> MediaStats {
    let send_kbps = stats.video_send_kbps + stats.audio_send_kbps;
    let recv_kbps = stats.video_recv_kbps + stats.audio_recv_kbps;
    let loss_pct = stats.send_loss.max(stats.recv_loss) * 100.0;
    MediaStats {
        send_kbps,
        recv_kbps,
        fps: stats.recv_fps,
        send_fps: stats.send_fps,
        width: size.0,
        height: size.1,
        rtt_ms: stats.rtt_ms,
        loss_pct,
        jitter_ms: stats.jitter_ms,
        quality: grader.grade(
            now,
            loss_pct,
            stats.rtt_ms,
            recv_kbps,
            stats.video_paused_by_network,
        ),
        speaking: stats.local_speech,
        reconnecting,
        video_paused_by_network: stats.video_paused_by_network,
    }
}

/// Passes one media event on; `path` follows the media path (so that a failure to find one is
/// reported once, and a lost one shows as reconnecting); `grader` when media last arrived.
fn forward(
    event: MediaEvent,
    media: &CallMedia,
    signals_out: &mpsc::UnboundedSender<serde_json::Value>,
    events: &MediaEvents,
    path: &mut Path,
    grader: &mut Grader,
) {
    match event {
        MediaEvent::ConnectionState {
            state: ConnectionState::Connected,
        } => {
            if *path == Path::Lost {
                info!("media path back");
            } else {
                info!("media connected");
            }
            *path = Path::Connected;
        }
        // A path that broke after connecting is the ICE restart's to mend (the call shows as
        // reconnecting meanwhile); a call that never found one has no media at all, and the user
        // must hear why.
        MediaEvent::ConnectionState {
            state: ConnectionState::Disconnected | ConnectionState::Failed,
        } if *path == Path::Connected => {
            warn!("media path lost; reconnecting");
            *path = Path::Lost;
        }
        MediaEvent::ConnectionState {
            state: ConnectionState::Failed,
        } if *path == Path::Searching => {
            warn!("no media path found (ICE failed)");
            *path = Path::NeverFound;
            events.ice_failed();
        }
        MediaEvent::SignalToSend { signal } => {
            // The SDK dropped its receiver only when the call is over; nothing left to negotiate.
            let _ = signals_out.send(signal.to_json());
        }
        MediaEvent::Stats { stats } => {
            debug!(?stats, "media stats");
            // Before the answer nothing flows; the statistics start with the call.
            if media.is_released() {
                let size = media
                    .remote_video()
                    .borrow()
                    .as_ref()
                    .map_or((0, 0), |frame| (frame.width, frame.height));
                let now = std::time::Instant::now();
                let reconnecting = *path == Path::Lost;
                events.stats(sdk_stats(&stats, size, grader, now, reconnecting));
            }
        }
        MediaEvent::VideoPausedByNetwork { paused } => {
            info!(paused, "video paused by the network");
            events.video_paused_by_network(paused);
        }
        MediaEvent::FirstRemoteVideoFrame { width, height } => {
            info!(width, height, "first remote frame");
            events.first_remote_frame(width, height);
        }
        MediaEvent::DeviceMissing { kind } => {
            warn!(%kind, "device missing");
            events.failed(&kind.to_string(), "no such device");
        }
        MediaEvent::DeviceError { kind, reason } => {
            warn!(%kind, %reason, "device failed");
            events.failed(&kind.to_string(), &reason);
        }
        MediaEvent::RemoteScreenShare { sharing } => {
            info!(sharing, "the peer's screen share");
            if sharing {
                events.screen_share_started(true);
            } else {
                events.screen_share_stopped(true, None);
            }
        }
        other => info!(event = ?other, "media event"),
    }
}
