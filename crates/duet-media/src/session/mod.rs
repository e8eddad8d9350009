//! One call's media: a webrtc-rs peer connection carrying VP8 video, Opus audio and a control
//! data channel, with capture and playout around it.
//!
//! Lifecycle, as the SDK drives it:
//!
//! ```text
//!  start(config, role) ──► connecting (ICE/DTLS run while it rings; nothing sent or played)
//!        │  SignalToSend / handle_remote_signal relay SDP and candidates
//!        ▼
//!  release()  ──────────► media flows both ways (keyframe forced, PLI sent)
//!        │  set_audio_enabled / set_video_enabled / set_*_source / set_audio_sink mid-call
//!        ▼
//!  close()  ────────────► threads stopped, peer connection closed
//! ```

mod assembler;
mod audio_recv;
mod audio_send;
pub mod bitrate;
mod control;
mod events;
mod handler;
mod keyframe;
mod negotiation;
mod peer;
mod shared;
mod stats;
mod video_capture;
mod video_recv;
mod video_send;

pub use assembler::{AssembledFrame, AssemblyOutcome, Vp8Assembler, MAX_GAP_WAIT};
pub use control::Availability;
pub use events::{CallStats, ConnectionState, MediaEvent, Role};
pub use stats::{read_report, PathReport};

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rtc::media_stream::MediaStreamTrack;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodingParameters, RTCRtpEncodingParameters, RtpCodecKind,
};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio::sync::watch;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::TrackLocal;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit};
use webrtc::rtp_transceiver::RtpSender;

use crate::audio::processing;
use crate::config::{AudioInput, AudioOutput, MediaConfig, VideoInput};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::filter::VideoFrameFilter;
use crate::frame::I420Frame;
use crate::signal::MediaSignal;
use crate::sink::latest_frame::LatestFrameSink;
use crate::sink::null::NullSink;
use crate::sink::{open_audio_output, AudioSink, VideoSink};
use crate::source::{open_audio_input, open_video_input, AudioSource, VideoSource};
use audio_send::{AudioCommand, AudioSender};
use shared::{lock, Counters, OfferState, Shared, VideoOutputs};
use video_capture::VideoCommand;
use video_send::VideoSender;

/// The media session of one call.
pub struct CallMedia {
    shared: Arc<Shared>,
    pc: Arc<dyn PeerConnection>,
    video: Mutex<VideoSender>,
    audio: Mutex<AudioSender>,
    /// Candidates that arrived before the remote description; `None` once it is set.
    pending_candidates: tokio::sync::Mutex<Option<Vec<RTCIceCandidateInit>>>,
    remote_video: watch::Receiver<Option<Arc<I420Frame>>>,
}

impl std::fmt::Debug for CallMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallMedia")
            .field("role", &self.shared.role)
            .finish_non_exhaustive()
    }
}

/// An unpredictable SSRC from the randomly keyed std hasher (no RNG dependency needed).
fn random_ssrc() -> u32 {
    (RandomState::new().build_hasher().finish() as u32).max(1)
}

fn local_track(
    kind: RtpCodecKind,
    codec: RTCRtpCodec,
    ssrc: u32,
) -> MediaResult<Arc<TrackLocalStaticSample>> {
    let name = if kind == RtpCodecKind::Video {
        "video"
    } else {
        "audio"
    };
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
        let latest = LatestFrameSink::new();
        let remote_video = latest.subscribe();
        let (video_commands, video_inbox) = std::sync::mpsc::channel();
        let (audio_commands, audio_inbox) = std::sync::mpsc::channel();
        let shared = Arc::new(Shared {
            role,
            config: config.clone(),
            events,
            runtime: tokio::runtime::Handle::current(),
            released: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            counters: Counters::default(),
            video_commands,
            audio_commands,
            video_outputs: Mutex::new(VideoOutputs {
                latest,
                extra: None,
            }),
            audio_sink: Mutex::new(Box::new(NullSink)),
            control_channel: Mutex::new(None),
            availability: watch::Sender::new((false, false)),
            offer_state: Mutex::new(OfferState::default()),
            shutdown: watch::Sender::new(false),
        });

        let (w, h) = config.video_size();
        let video_source = if config.open_camera {
            open_video_input(&config.video_input, w, h, config.frame_rate)
                .inspect_err(|e| shared.report_device(e, DeviceKind::Camera))
                .ok()
                .flatten()
        } else {
            None
        };
        let audio_source = if config.open_microphone {
            open_audio_input(&config.audio_input)
                .inspect_err(|e| shared.report_device(e, DeviceKind::Microphone))
                .ok()
                .flatten()
        } else {
            None
        };
        match open_audio_output(&config.audio_output) {
            Ok(sink) => *lock(&shared.audio_sink) = sink,
            Err(e) => shared.report_device(&e, DeviceKind::Speaker),
        }
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

        let handler = Arc::new(handler::Handler {
            shared: shared.clone(),
            peer: OnceLock::new(),
            render_reference: Mutex::new(reference),
        });
        let pc = peer::build(&config, handler.clone()).await?;
        // Set once, just after creation; the handler only needs a weak link back.
        let _ = handler.peer.set(Arc::downgrade(&pc));

        // Both tracks are always negotiated (sendrecv), so turning a camera or microphone on
        // later needs no renegotiation.
        let video_ssrc = random_ssrc();
        let video_track = local_track(RtpCodecKind::Video, peer::vp8_codec(), video_ssrc)?;
        let video_sender: Arc<dyn RtpSender> = pc
            .add_track(video_track.clone() as Arc<dyn TrackLocal>)
            .await?;
        let audio_ssrc = random_ssrc().wrapping_add(1);
        let audio_track = local_track(RtpCodecKind::Audio, peer::opus_codec(), audio_ssrc)?;
        let audio_sender: Arc<dyn RtpSender> = pc
            .add_track(audio_track.clone() as Arc<dyn TrackLocal>)
            .await?;

        let video = video_send::start(
            shared.clone(),
            video_source,
            video_inbox,
            video_track,
            video_sender,
            video_ssrc,
        )?;
        let audio = audio_send::start(
            shared.clone(),
            audio_source,
            processor,
            audio_inbox,
            audio_track,
            audio_sender,
            audio_ssrc,
        )?;
        shared.runtime.spawn(stats::run(shared.clone(), pc.clone()));

        if role == Role::Caller {
            let channel = pc.create_data_channel(control::LABEL, None).await?;
            control::attach(shared.clone(), channel, shared.availability.subscribe());
            negotiation::send_offer(&shared, pc.as_ref()).await?;
        }
        shared.emit(MediaEvent::ConnectionState {
            state: ConnectionState::Connecting,
        });
        Ok((
            CallMedia {
                shared,
                pc,
                video: Mutex::new(video),
                audio: Mutex::new(audio),
                pending_candidates: tokio::sync::Mutex::new(Some(Vec::new())),
                remote_video,
            },
            event_rx,
        ))
    }

    /// The role this side plays.
    pub fn role(&self) -> Role {
        self.shared.role
    }

    /// Applies a signal the other party sent through `call.signal`.
    pub async fn handle_remote_signal(&self, signal: MediaSignal) -> MediaResult<()> {
        if self.shared.closed.load(Ordering::Acquire) {
            return Err(MediaError::Closed);
        }
        match (signal, self.shared.role) {
            (MediaSignal::Offer { sdp }, Role::Callee) => {
                negotiation::answer(&self.shared, self.pc.as_ref(), sdp).await?;
                self.flush_candidates().await
            }
            (MediaSignal::Answer { sdp }, Role::Caller) => {
                negotiation::accept_answer(&self.shared, self.pc.as_ref(), sdp).await?;
                self.flush_candidates().await
            }
            (
                MediaSignal::Candidate {
                    candidate,
                    sdp_mid,
                    sdp_mline_index,
                },
                _,
            ) => {
                let init = RTCIceCandidateInit {
                    candidate,
                    sdp_mid,
                    sdp_mline_index,
                    ..Default::default()
                };
                let mut pending = self.pending_candidates.lock().await;
                match pending.as_mut() {
                    Some(queue) => {
                        queue.push(init);
                        Ok(())
                    }
                    None => negotiation::add_candidate(self.pc.as_ref(), init).await,
                }
            }
            (MediaSignal::IceRestartRequest, Role::Caller) => self.restart_ice().await,
            (other, role) => Err(MediaError::Signal(format!(
                "{role:?} cannot take {other:?}"
            ))),
        }
    }

    async fn flush_candidates(&self) -> MediaResult<()> {
        let queued = self
            .pending_candidates
            .lock()
            .await
            .take()
            .unwrap_or_default();
        for candidate in queued {
            negotiation::add_candidate(self.pc.as_ref(), candidate).await?;
        }
        Ok(())
    }

    /// Restarts ICE now (the caller re-offers; the callee asks the caller to).
    pub async fn restart_ice(&self) -> MediaResult<()> {
        negotiation::restart_ice(&self.shared, self.pc.as_ref()).await
    }

    /// Lets media flow: called when the callee accepts. Before this nothing is sent or played.
    pub fn release(&self) {
        self.shared.released.store(true, Ordering::Release);
        // A closed capture thread has nothing left to release.
        self.shared.send_video(VideoCommand::Release);
        self.shared.send_audio(AudioCommand::Release);
    }

    /// Whether `release` has been called.
    pub fn is_released(&self) -> bool {
        self.shared.is_released()
    }

    /// Mutes (false) or unmutes the microphone; the far side sees RemoteAudioAvailable.
    pub fn set_audio_enabled(&self, enabled: bool) {
        // A closed capture thread sends nothing either way.
        self.shared.send_audio(AudioCommand::SetEnabled(enabled));
    }

    /// Turns the camera off (false) or on; the far side sees RemoteVideoAvailable.
    pub fn set_video_enabled(&self, enabled: bool) {
        // A closed capture thread sends nothing either way.
        self.shared.send_video(VideoCommand::SetEnabled(enabled));
    }

    /// Switches the video source mid-call; on failure the old source keeps running.
    pub fn set_video_source(&self, input: &VideoInput) -> MediaResult<()> {
        let (w, h) = self.shared.config.video_size();
        let source = open_video_input(input, w, h, self.shared.config.frame_rate)
            .inspect_err(|e| self.shared.report_device(e, DeviceKind::Camera))?;
        self.replace_video_source(source)
    }

    /// Switches to a caller-supplied video source (None stops video).
    pub fn replace_video_source(&self, source: Option<Box<dyn VideoSource>>) -> MediaResult<()> {
        self.send_video(VideoCommand::SetSource(source))
    }

    /// Installs the frame filter run between capture and encoder (e.g. the beauty filter).
    pub fn set_video_filter(&self, filter: Box<dyn VideoFrameFilter>) -> MediaResult<()> {
        self.send_video(VideoCommand::SetFilter(filter))
    }

    fn send_video(&self, command: VideoCommand) -> MediaResult<()> {
        match self.shared.send_video(command) {
            true => Ok(()),
            false => Err(MediaError::Closed),
        }
    }

    /// Switches the audio source mid-call; on failure the old source keeps running.
    pub fn set_audio_source(&self, input: &AudioInput) -> MediaResult<()> {
        let source = open_audio_input(input)
            .inspect_err(|e| self.shared.report_device(e, DeviceKind::Microphone))?;
        self.replace_audio_source(source)
    }

    /// Switches to a caller-supplied audio source (None stops audio).
    pub fn replace_audio_source(&self, source: Option<Box<dyn AudioSource>>) -> MediaResult<()> {
        match self.shared.send_audio(AudioCommand::SetSource(source)) {
            true => Ok(()),
            false => Err(MediaError::Closed),
        }
    }

    /// Switches where remote audio plays mid-call; on failure the old sink keeps playing.
    pub fn set_audio_sink(&self, output: &AudioOutput) -> MediaResult<()> {
        let sink = open_audio_output(output)
            .inspect_err(|e| self.shared.report_device(e, DeviceKind::Speaker))?;
        self.replace_audio_sink(sink);
        Ok(())
    }

    /// Plays remote audio into a caller-supplied sink.
    pub fn replace_audio_sink(&self, sink: Box<dyn AudioSink>) {
        *lock(&self.shared.audio_sink) = sink;
    }

    /// Also sends every decoded remote frame to `sink` (a recorder, a test probe), besides
    /// the latest-frame slot.
    pub fn set_video_sink(&self, sink: Option<Box<dyn VideoSink>>) {
        lock(&self.shared.video_outputs).extra = sink;
    }

    /// The latest decoded remote frame; `changed().await` wakes on each new one.
    pub fn remote_video(&self) -> watch::Receiver<Option<Arc<I420Frame>>> {
        self.remote_video.clone()
    }

    /// Stops capture and playout and closes the peer connection. Idempotent.
    pub async fn close(&self) -> MediaResult<()> {
        if self.shared.mark_closed() {
            return Ok(());
        }
        let video_thread = {
            self.shared.send_video(VideoCommand::Stop);
            lock(&self.video).thread.take()
        };
        let audio_thread = {
            self.shared.send_audio(AudioCommand::Stop);
            lock(&self.audio).thread.take()
        };
        // Joining waits at most one source period; keep it off the async workers.
        let _ = tokio::task::spawn_blocking(move || {
            for thread in [video_thread, audio_thread].into_iter().flatten() {
                let _ = thread.join();
            }
        })
        .await;
        self.shared
            .control_channel
            .lock()
            .map(|mut c| c.take())
            .ok();
        let result = self.pc.close().await.map_err(MediaError::from);
        // Dropping the sink finalises files (the WAV header) and stops devices.
        *lock(&self.shared.audio_sink) = Box::new(NullSink);
        lock(&self.shared.video_outputs).extra = None;
        self.shared.emit(MediaEvent::ConnectionState {
            state: ConnectionState::Closed,
        });
        result
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.shared.mark_closed();
        self.shared.send_video(VideoCommand::Stop);
        self.shared.send_audio(AudioCommand::Stop);
    }
}
