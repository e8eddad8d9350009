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
mod audio_playout;
mod audio_recv;
mod audio_send;
mod bandwidth;
pub mod bitrate;
mod control;
mod delay_half;
mod device_open;
mod estimate;
mod events;
mod handler;
mod keyframe;
mod lane;
mod loss_judge;
mod negotiation;
mod pacer;
#[cfg(test)]
mod path_sim;
mod peer;
mod pli_pacer;
mod retransmit_budget;
mod screen_share;
mod send_size;
mod shared;
mod start;
mod stats;
mod video_capture;
mod video_decode;
mod video_pause;
mod video_recv;
mod video_send;

pub use assembler::{
    AssembledFrame, AssemblyOutcome, Vp8Assembler, MAX_GAP_WAIT, MAX_HELD_PACKETS,
};
pub use control::Availability;
pub use device_open::{open_within, OPEN_DEADLINE};
pub use events::{CallStats, ConnectionState, MediaEvent, Role};
pub use stats::{read_report, PathReport};
pub use video_pause::{
    PauseState, VideoPause, FIRST_BACKOFF, HOLD, MAX_BACKOFF, TRIAL, TRIAL_LIMIT,
};

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tokio::sync::watch;
use webrtc::peer_connection::{PeerConnection, RTCIceCandidateInit};

use crate::config::{AudioInput, AudioOutput, VideoInput};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::filter::VideoFrameFilter;
use crate::frame::I420Frame;
use crate::signal::MediaSignal;
use crate::sink::latest_frame::LatestFrameSink;
use crate::sink::{open_audio_output, AudioSink, VideoSink};
use crate::source::{open_audio_input, open_video_input, AudioSource, VideoSource};
use audio_playout::PlayoutCommand;
use audio_send::AudioCommand;
use device_open::open_reported;
use shared::{lock, Phase, Shared};
use video_capture::VideoCommand;
use video_decode::DecodeCommand;

/// The media session of one call.
///
/// Each moving part has one owner, changed only by its commands: the video and audio capture
/// threads (what is sent), the video decode thread (the decoder and the remote video sinks), the
/// audio playout thread (the jitter buffer and the remote audio sink), and the control data
/// channel's task. This handle alone moves the session's phase (ringing, released, closed).
pub struct CallMedia {
    shared: Arc<Shared>,
    pc: Arc<dyn PeerConnection>,
    /// The threads started with the session, joined by `close`.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Candidates that arrived before the remote description; `None` once it is set.
    pending_candidates: tokio::sync::Mutex<Option<Vec<RTCIceCandidateInit>>>,
    remote_video: watch::Receiver<Option<Arc<I420Frame>>>,
    /// Keeps the latest-frame slot open for `remote_video` readers until the session is
    /// dropped; the decode thread's copy, which publishes, goes at close.
    _latest: LatestFrameSink,
    /// The far side's shared screen, as `remote_video` is its camera.
    remote_screen: watch::Receiver<Option<Arc<I420Frame>>>,
    _latest_screen: LatestFrameSink,
    /// Our shared screen's sender while sharing; the lock also keeps one start or stop at a
    /// time.
    screen: tokio::sync::Mutex<Option<Arc<dyn webrtc::rtp_transceiver::RtpSender>>>,
    /// Where the screen lane's frames go: a track while sharing, none between shares.
    screen_outlet: watch::Sender<Option<video_send::Outlet>>,
}

impl std::fmt::Debug for CallMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallMedia")
            .field("role", &self.shared.role)
            .finish_non_exhaustive()
    }
}

impl CallMedia {
    /// The role this side plays.
    pub fn role(&self) -> Role {
        self.shared.role
    }

    /// Applies a signal the other party sent through `call.signal`.
    pub async fn handle_remote_signal(&self, signal: MediaSignal) -> MediaResult<()> {
        if self.shared.phase() == Phase::Closed {
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
            (MediaSignal::RenegotiationRequest, Role::Caller) => {
                negotiation::offer_for_callee_track(&self.shared, self.pc.as_ref()).await
            }
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
        // The receive tasks and the stats task follow the phase; the threads are told.
        self.shared.mark_released();
        // A closed thread has nothing left to release.
        self.shared.send_video(VideoCommand::Release);
        self.shared.send_audio(AudioCommand::Release);
        let _ = self.shared.playout_commands.send(PlayoutCommand::Release);
    }

    /// Whether `release` has been called (and `close` not yet).
    pub fn is_released(&self) -> bool {
        self.shared.phase() == Phase::Released
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

    /// Switches the video source mid-call; on failure (or when it does not open within
    /// [`OPEN_DEADLINE`]) the old source keeps running, and the failure is reported.
    pub async fn set_video_source(&self, input: &VideoInput) -> MediaResult<()> {
        let (w, h) = self.shared.config.video_size();
        let (input, fps) = (input.clone(), self.shared.config.frame_rate);
        let source = open_reported(&self.shared, DeviceKind::Camera, move || {
            open_video_input(&input, w, h, fps)
        })
        .await?;
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

    /// Switches the audio source mid-call; on failure (or when it does not open within
    /// [`OPEN_DEADLINE`]) the old source keeps running, and the failure is reported.
    pub async fn set_audio_source(&self, input: &AudioInput) -> MediaResult<()> {
        let input = input.clone();
        let source = open_reported(&self.shared, DeviceKind::Microphone, move || {
            open_audio_input(&input)
        })
        .await?;
        self.replace_audio_source(source)
    }

    /// Switches to a caller-supplied audio source (None stops audio).
    pub fn replace_audio_source(&self, source: Option<Box<dyn AudioSource>>) -> MediaResult<()> {
        match self.shared.send_audio(AudioCommand::SetSource(source)) {
            true => Ok(()),
            false => Err(MediaError::Closed),
        }
    }

    /// Switches where remote audio plays mid-call; on failure (or when it does not open within
    /// [`OPEN_DEADLINE`]) the old sink keeps playing, and the failure is reported.
    pub async fn set_audio_sink(&self, output: &AudioOutput) -> MediaResult<()> {
        let output = output.clone();
        let sink = open_reported(&self.shared, DeviceKind::Speaker, move || {
            open_audio_output(&output)
        })
        .await?;
        self.replace_audio_sink(sink);
        Ok(())
    }

    /// Plays remote audio into a caller-supplied sink. The old sink is finished (a WAV file
    /// complete) when this returns.
    pub fn replace_audio_sink(&self, sink: Box<dyn AudioSink>) {
        let (replaced, old) = std::sync::mpsc::channel();
        let command = PlayoutCommand::SetSink { sink, replaced };
        // Without a playout thread (closed) the new sink comes back in the error, dropped here.
        if self.shared.playout_commands.send(command).is_ok() {
            // Waits at most for the frame being played. An error means the thread ended
            // before taking the command, dropping both sinks itself.
            drop(old.recv());
        }
    }

    /// Also sends every decoded remote frame to `sink` (a recorder, a test probe), besides
    /// the latest-frame slot. The old sink is finished when this returns.
    pub fn set_video_sink(&self, sink: Option<Box<dyn VideoSink>>) {
        self.set_lane_sink(lane::Lane::Camera, sink);
    }

    fn set_lane_sink(&self, lane: lane::Lane, sink: Option<Box<dyn VideoSink>>) {
        let (replaced, old) = std::sync::mpsc::channel();
        let command = DecodeCommand::SetSink { sink, replaced };
        // Without a decode thread (closed) the new sink comes back in the error, dropped here.
        if self.shared.decode_lane(lane).send(command).is_ok() {
            // Waits at most for the frame being decoded. An error means the thread ended
            // before taking the command, dropping both sinks itself.
            drop(old.recv());
        }
    }

    /// The latest decoded remote frame; `changed().await` wakes on each new one.
    pub fn remote_video(&self) -> watch::Receiver<Option<Arc<I420Frame>>> {
        self.remote_video.clone()
    }

    /// Stops capture and playout and closes the peer connection. Idempotent. Recordings are
    /// complete when it returns: the decode and playout threads finish their sinks as they end.
    pub async fn close(&self) -> MediaResult<()> {
        if self.shared.mark_closed() {
            return Ok(());
        }
        self.shared.stop_threads();
        let threads = std::mem::take(&mut *lock(&self.threads));
        // Each thread ends after its current frame; keep the wait off the async workers.
        let _ = tokio::task::spawn_blocking(move || {
            for thread in threads {
                // A thread that panicked has ended too; nothing more to wait for.
                let _ = thread.join();
            }
        })
        .await;
        let result = self.pc.close().await.map_err(MediaError::from);
        self.shared.emit(MediaEvent::ConnectionState {
            state: ConnectionState::Closed,
        });
        result
    }
}

impl Drop for CallMedia {
    fn drop(&mut self) {
        self.shared.mark_closed();
        // Not joined: drop may run on an async worker; each thread ends after its frame.
        self.shared.stop_threads();
    }
}
