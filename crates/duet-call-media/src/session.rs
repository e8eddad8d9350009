//! One call's media task: owns the `CallMedia`, applies the SDK's commands in order and relays
//! negotiation between the media session and the SDK.

use duet_callkit::{CallType, MediaCallInfo, MediaSession, Role};
use duet_media::sink::null::NullSink;
use duet_media::{CallMedia, IceServer, MediaConfig, MediaEvent, MediaSignal};
use tokio::sync::mpsc;
use tracing::{debug, info, info_span, warn, Instrument};

use crate::setup::MediaSetup;

/// What the SDK asks of a call's media, in the order it asked.
#[derive(Debug)]
pub(crate) enum Command {
    Signal(serde_json::Value),
    Release,
    AudioEnabled(bool),
    VideoEnabled(bool),
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
    fn close(&mut self) {
        self.send(Command::Close);
    }
}

/// The media settings of one call: the engine's, with this call's ICE servers, and no camera
/// for an audio call.
fn call_config(base: &MediaConfig, call: &MediaCallInfo) -> MediaConfig {
    let mut config = base.clone();
    config.ice_servers = call
        .ice_servers
        .iter()
        .map(|server| IceServer {
            urls: server.urls.clone(),
            username: server.username.clone().unwrap_or_default(),
            credential: server.credential.clone().unwrap_or_default(),
        })
        .collect();
    config.open_camera &= call.call_type == CallType::Video;
    config
}

fn media_role(role: Role) -> duet_media::Role {
    match role {
        Role::Caller => duet_media::Role::Caller,
        Role::Callee => duet_media::Role::Callee,
    }
}

/// Runs one call's media until the SDK closes it or drops its handle.
pub(crate) async fn run(
    setup: MediaSetup,
    call: MediaCallInfo,
    signals_out: mpsc::UnboundedSender<serde_json::Value>,
    commands: mpsc::UnboundedReceiver<Command>,
) {
    let span = info_span!("media", call_id = %call.call_id);
    drive(setup, call, signals_out, commands)
        .instrument(span)
        .await;
}

async fn drive(
    setup: MediaSetup,
    call: MediaCallInfo,
    signals_out: mpsc::UnboundedSender<serde_json::Value>,
    mut commands: mpsc::UnboundedReceiver<Command>,
) {
    let config = call_config(&setup.config, &call);
    let (media, mut events) = match CallMedia::start(config, media_role(call.role)).await {
        Ok(started) => started,
        Err(error) => {
            warn!(%error, "media did not start; the call goes on without it");
            return;
        }
    };
    if let Some(factory) = &setup.video_sink {
        match factory(&call.call_id) {
            Ok(sink) => media.set_video_sink(Some(sink)),
            Err(error) => warn!(%error, "remote video sink unavailable"),
        }
    }
    if let Some(factory) = &setup.audio_sink {
        match factory(&call.call_id) {
            Ok(sink) => media.replace_audio_sink(sink),
            Err(error) => warn!(%error, "remote audio sink unavailable"),
        }
    }
    info!("media started");

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
                Some(Command::Close) | None => break,
            },
            Some(event) = events.recv() => forward(event, &signals_out),
        }
    }

    if let Err(error) = media.close().await {
        warn!(%error, "closing media failed");
    }
    // Dropping the sinks finishes the recordings (a WAV header is written on drop).
    media.set_video_sink(None);
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

fn forward(event: MediaEvent, signals_out: &mpsc::UnboundedSender<serde_json::Value>) {
    match event {
        MediaEvent::SignalToSend { signal } => {
            // The SDK dropped its receiver only when the call is over; nothing left to negotiate.
            let _ = signals_out.send(signal.to_json());
        }
        MediaEvent::Stats { stats } => debug!(?stats, "media stats"),
        other => info!(event = ?other, "media event"),
    }
}
