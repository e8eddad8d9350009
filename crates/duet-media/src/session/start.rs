//! Starting a call's media: devices, the peer connection with its two local tracks, and the
//! threads and tasks that each own one part of the session.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::watch;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::peer_connection::PeerConnection;
use webrtc::rtp_transceiver::RtpSender;

use super::device_open::{open_within, OPEN_DEADLINE};
use super::events::{ConnectionState, MediaEvent, Role};
use super::lane::Lane;
use super::shared::{Inboxes, Shared};
use super::video_send::Outlet;
use super::{
    audio_playout, audio_send, control, handler, negotiation, peer, stats, video_decode,
    video_send, CallMedia,
};
use crate::audio::processing::{self, AudioProcessor, RenderReference};
use crate::config::MediaConfig;
use crate::error::{DeviceKind, MediaResult};
use crate::sink::latest_frame::LatestFrameSink;
use crate::sink::null::NullSink;
use crate::sink::{open_audio_output, AudioSink};
use crate::source::{open_audio_input, open_video_input, AudioSource, VideoSource};

/// What `config` asked to open; a device that could not open is absent (and reported).
struct Devices {
    video_source: Option<Box<dyn VideoSource>>,
    audio_source: Option<Box<dyn AudioSource>>,
    audio_sink: Box<dyn AudioSink>,
    processor: Option<AudioProcessor>,
    reference: Option<RenderReference>,
}

impl CallMedia {
    /// Starts the media of a call: opens devices per `config`, builds the peer connection and,
    /// as caller, emits the offer. Must run inside a tokio runtime.
    ///
    /// Missing devices do not fail the call: they are reported as `DeviceMissing` events and the
    /// call goes on without them.
    pub async fn start(
        config: MediaConfig,
        role: Role,
    ) -> MediaResult<(CallMedia, UnboundedReceiver<MediaEvent>)> {
        config.validate()?;
        let (events, event_rx) = unbounded_channel();
        let runtime = tokio::runtime::Handle::current();
        let (shared, inboxes) = Shared::new(role, config.clone(), events, runtime);
        let shared = Arc::new(shared);
        let devices = open_devices(&shared, &config).await;

        let handler = Arc::new(handler::Handler {
            shared: shared.clone(),
            peer: OnceLock::new(),
        });
        let pc = peer::build(
            &config,
            handler.clone(),
            shared.estimate.clone(),
            shared.path_loss.clone(),
        )
        .await?;
        // Set once, just after creation; the handler only needs a weak link back.
        let _ = handler.peer.set(Arc::downgrade(&pc));

        let latest = LatestFrameSink::new();
        let latest_screen = LatestFrameSink::new();
        let (screen_outlet, screen_outlet_rx) = watch::channel(None);
        let threads = start_threads(
            &shared,
            pc.as_ref(),
            devices,
            inboxes,
            [&latest, &latest_screen],
            screen_outlet_rx,
        )
        .await?;
        // From here on, dropping `media` (an error below) stops the threads.
        let media = CallMedia {
            remote_video: latest.subscribe(),
            _latest: latest,
            remote_screen: latest_screen.subscribe(),
            _latest_screen: latest_screen,
            screen: tokio::sync::Mutex::new(None),
            screen_outlet,
            shared: shared.clone(),
            pc: pc.clone(),
            threads: Mutex::new(threads),
            pending_candidates: tokio::sync::Mutex::new(Some(Vec::new())),
        };
        shared.runtime.spawn(stats::run(shared.clone(), pc.clone()));

        if role == Role::Caller {
            let channel = pc.create_data_channel(control::LABEL, None).await?;
            control::attach(shared.clone(), channel, shared.availability.subscribe());
            negotiation::send_offer(&shared, pc.as_ref()).await?;
        }
        shared.emit(MediaEvent::ConnectionState {
            state: ConnectionState::Connecting,
        });
        Ok((media, event_rx))
    }
}

/// Opens the sources, the speaker and the audio processing `config` asks for. The three devices
/// open at once, each on its own thread and within [`OPEN_DEADLINE`]: one that fails or hangs
/// is reported, and the call starts without it.
async fn open_devices(shared: &Shared, config: &MediaConfig) -> Devices {
    let (w, h) = config.video_size();
    let (camera, fps) = (config.video_input.clone(), config.frame_rate);
    let microphone = config.audio_input.clone();
    let speaker = config.audio_output.clone();
    let (video_source, audio_source, audio_sink) = tokio::join!(
        open_if(config.open_camera, DeviceKind::Camera, move || {
            open_video_input(&camera, w, h, fps)
        }),
        open_if(config.open_microphone, DeviceKind::Microphone, move || {
            open_audio_input(&microphone)
        }),
        open_within(DeviceKind::Speaker, OPEN_DEADLINE, move || {
            open_audio_output(&speaker)
        }),
    );
    // Reported once all are done, in this order, whichever failed first.
    let video_source = video_source
        .inspect_err(|e| shared.report_device(e, DeviceKind::Camera))
        .ok()
        .flatten();
    let audio_source = audio_source
        .inspect_err(|e| shared.report_device(e, DeviceKind::Microphone))
        .ok()
        .flatten();
    let audio_sink = audio_sink.unwrap_or_else(|e| {
        shared.report_device(&e, DeviceKind::Speaker);
        Box::new(NullSink)
    });
    let (processor, reference) = if config.audio_processing {
        match processing::new_pair(config.audio_quality) {
            Ok((p, r)) => (Some(p), Some(r)),
            Err(e) => {
                tracing::warn!(error = %e, "audio processing unavailable");
                (None, None)
            }
        }
    } else {
        (None, None)
    };
    Devices {
        video_source,
        audio_source,
        audio_sink,
        processor,
        reference,
    }
}

/// Opens a source within [`OPEN_DEADLINE`] when it is `wanted`; `Ok(None)` when not.
async fn open_if<T: Send + 'static>(
    wanted: bool,
    kind: DeviceKind,
    open: impl FnOnce() -> MediaResult<Option<T>> + Send + 'static,
) -> MediaResult<Option<T>> {
    match wanted {
        true => open_within(kind, OPEN_DEADLINE, open).await,
        false => Ok(None),
    }
}

/// One local track, added to the peer connection.
pub(crate) struct LocalTrack {
    pub track: Arc<TrackLocalStaticSample>,
    pub sender: Arc<dyn RtpSender>,
    pub ssrc: u32,
}

/// Adds a local track of `kind` to `pc`, named `name` (`video`, `audio`, `screen`).
pub(crate) async fn add_local_track(
    pc: &dyn PeerConnection,
    kind: RtpCodecKind,
    name: &str,
    codec: RTCRtpCodec,
    ssrc: u32,
) -> MediaResult<LocalTrack> {
    let track = local_track(kind, name, codec, ssrc)?;
    let sender = pc.add_track(track.clone() as Arc<dyn TrackLocal>).await?;
    Ok(LocalTrack {
        track,
        sender,
        ssrc,
    })
}

/// Adds the camera and microphone tracks to `pc` and starts the threads that own the session's
/// parts: video (camera and screen) and audio capture (what is sent), video decode (camera and
/// screen) and audio playout (where what is received goes). Their handles, for `close` to join.
async fn start_threads(
    shared: &Arc<Shared>,
    pc: &dyn PeerConnection,
    devices: Devices,
    inboxes: Inboxes,
    [latest, latest_screen]: [&LatestFrameSink; 2],
    screen_outlet: watch::Receiver<Option<Outlet>>,
) -> MediaResult<Vec<JoinHandle<()>>> {
    // Both tracks are always negotiated (sendrecv), so turning a camera or microphone on
    // later needs no renegotiation. A shared screen's track is added when sharing starts.
    let video_ssrc = random_ssrc();
    let video = add_local_track(
        pc,
        RtpCodecKind::Video,
        Lane::Camera.name(),
        peer::vp8_codec(),
        video_ssrc,
    )
    .await?;
    let audio_ssrc = random_ssrc().wrapping_add(1);
    let audio = add_local_track(
        pc,
        RtpCodecKind::Audio,
        "audio",
        peer::opus_codec(),
        audio_ssrc,
    )
    .await?;
    let camera_outlet = watch::channel(Some(Outlet {
        track: video.track,
        sender: video.sender,
        ssrc: video.ssrc,
    }))
    .1;

    let mut threads = Vec::with_capacity(6);
    // Without a decode or playout thread (logged) the call goes on without that half.
    threads.extend(video_decode::start(
        shared.clone(),
        Lane::Camera,
        latest.clone(),
        inboxes.decode,
    ));
    threads.extend(video_decode::start(
        shared.clone(),
        Lane::Screen,
        latest_screen.clone(),
        inboxes.screen_decode,
    ));
    threads.extend(audio_playout::start(
        shared.clone(),
        devices.audio_sink,
        devices.reference,
        inboxes.playout,
    ));
    let started = video_send::start(
        shared.clone(),
        Lane::Camera,
        devices.video_source,
        inboxes.video,
        camera_outlet,
    )
    .and_then(|video_thread| {
        threads.push(video_thread);
        video_send::start(
            shared.clone(),
            Lane::Screen,
            None,
            inboxes.screen,
            screen_outlet,
        )
    })
    .and_then(|screen_thread| {
        threads.push(screen_thread);
        audio_send::start(
            shared.clone(),
            devices.audio_source,
            devices.processor,
            inboxes.audio,
            audio.track,
            audio.sender,
            audio.ssrc,
        )
    });
    match started {
        Ok(audio_thread) => {
            threads.push(audio_thread);
            Ok(threads)
        }
        Err(e) => {
            // No session to close them: stop the threads already running.
            shared.stop_threads();
            Err(e)
        }
    }
}

/// An unpredictable SSRC from the randomly keyed std hasher (no RNG dependency needed).
pub(crate) fn random_ssrc() -> u32 {
    (RandomState::new().build_hasher().finish() as u32).max(1)
}

fn local_track(
    kind: RtpCodecKind,
    name: &str,
    codec: RTCRtpCodec,
    ssrc: u32,
) -> MediaResult<Arc<TrackLocalStaticSample>> {
    // Ids must differ from the far side's: webrtc-rs routes inbound RTCP (PLI/FIR) by track
    // id and checks remote tracks first, so equal ids on both sides send our keyframe
    // requests to the remote track instead of our sender.
    let track = MediaStreamTrack::new(
        format!("duet-{ssrc:08x}"),
        format!("duet-{name}-{ssrc:08x}"),
        format!("duet-{name}"),
        kind,
        vec![RTCRtpEncodingParameters {
            rtp_coding_parameters: RTCRtpCodingParameters {
                ssrc: Some(ssrc),
                ..Default::default()
            },
            codec,
            ..Default::default()
        }],
    );
    Ok(Arc::new(TrackLocalStaticSample::new(
        Instant::now(),
        track,
    )?))
}
