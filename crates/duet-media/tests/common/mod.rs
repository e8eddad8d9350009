//! Helpers shared by the loopback call tests and the bench: two sessions wired back to back.

#![allow(dead_code)]

pub mod lossy;

use std::sync::{Arc, Mutex, Weak};

pub use duet_media::sink::probe::{PcmProbe, StampProbe};
use duet_media::{
    AudioInput, AudioOutput, CallMedia, MediaConfig, MediaEvent, Resolution, Role, VideoInput,
};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// A loopback config sending the test pattern and a tone of `tone_hz`.
pub fn loopback_config(tone_hz: f32) -> MediaConfig {
    MediaConfig {
        resolution: Resolution::Low,
        video_input: VideoInput::TestPattern,
        audio_input: AudioInput::Tone {
            frequency_hz: tone_hz,
        },
        audio_output: AudioOutput::Null,
        bind_address: "127.0.0.1".into(),
        // Noise suppression would (rightly) treat a steady tone as noise.
        audio_processing: false,
        ..MediaConfig::default()
    }
}

/// One side of a loopback call with its probes and non-signal events.
pub struct Side {
    pub media: Arc<CallMedia>,
    pub events: UnboundedReceiver<MediaEvent>,
    pub video: StampProbe,
    pub audio: PcmProbe,
    /// Signals the other side rejected.
    pub signal_errors: Arc<Mutex<Vec<String>>>,
    /// SDP of every offer this side sent.
    pub offers: Arc<Mutex<Vec<String>>>,
}

/// Starts caller and callee and relays their signals to each other, like the server would;
/// remote video and audio go to the sides' probes.
pub async fn call(caller_config: MediaConfig, callee_config: MediaConfig) -> (Side, Side) {
    call_with(caller_config, callee_config, true).await
}

/// Like [`call`]; with `probe_audio` false the configured audio outputs stay in place.
pub async fn call_with(
    caller_config: MediaConfig,
    callee_config: MediaConfig,
    probe_audio: bool,
) -> (Side, Side) {
    connect(caller_config, callee_config, probe_audio, None).await
}

/// Like [`call`], with every packet passing through `relay`.
pub async fn call_through(
    caller_config: MediaConfig,
    callee_config: MediaConfig,
    relay: Arc<lossy::LossyRelay>,
) -> (Side, Side) {
    connect(caller_config, callee_config, true, Some(relay)).await
}

async fn connect(
    caller_config: MediaConfig,
    callee_config: MediaConfig,
    probe_audio: bool,
    relay: Option<Arc<lossy::LossyRelay>>,
) -> (Side, Side) {
    let (caller, caller_events) = CallMedia::start(caller_config, Role::Caller).await.unwrap();
    let (callee, callee_events) = CallMedia::start(callee_config, Role::Callee).await.unwrap();
    let caller = Arc::new(caller);
    let callee = Arc::new(callee);
    let to_callee = Arc::downgrade(&callee);
    let a = wire(
        caller.clone(),
        caller_events,
        to_callee,
        probe_audio,
        relay.clone(),
    );
    let b = wire(
        callee,
        callee_events,
        Arc::downgrade(&caller),
        probe_audio,
        relay,
    );
    (a, b)
}

fn wire(
    media: Arc<CallMedia>,
    mut events: UnboundedReceiver<MediaEvent>,
    // Weak: two relays holding each other's session strongly would keep both alive forever.
    peer: Weak<CallMedia>,
    probe_audio: bool,
    relay: Option<Arc<lossy::LossyRelay>>,
) -> Side {
    let (tx, rx) = unbounded_channel();
    let signal_errors = Arc::new(Mutex::new(Vec::new()));
    let errors = signal_errors.clone();
    let offers = Arc::new(Mutex::new(Vec::new()));
    let sent_offers = offers.clone();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            match event {
                MediaEvent::SignalToSend { signal } => {
                    if let duet_media::MediaSignal::Offer { sdp } = &signal {
                        sent_offers.lock().unwrap().push(sdp.clone());
                    }
                    // Round-trip through JSON as the signaling server relays it.
                    let mut relayed = duet_media::MediaSignal::from_json(signal.to_json()).unwrap();
                    if let (Some(relay), duet_media::MediaSignal::Candidate { candidate, .. }) =
                        (&relay, &mut relayed)
                    {
                        *candidate = relay.rewrite(candidate).await;
                    }
                    let Some(peer) = peer.upgrade() else { break };
                    if let Err(e) = peer.handle_remote_signal(relayed).await {
                        errors.lock().unwrap().push(e.to_string());
                    }
                }
                other => {
                    let _ = tx.send(other);
                }
            }
        }
    });
    let video = StampProbe::default();
    let audio = PcmProbe::default();
    media.set_video_sink(Some(Box::new(video.clone())));
    if probe_audio {
        media.replace_audio_sink(Box::new(audio.clone()));
    }
    Side {
        media,
        events: rx,
        video,
        audio,
        signal_errors,
        offers,
    }
}
