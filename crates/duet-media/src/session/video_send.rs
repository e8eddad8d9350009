//! Local video: capture thread (source -> filter -> VP8) and the task that packetises frames.
//!
//! Capture and encoding run on one dedicated thread because sources block and libvpx is CPU
//! bound; the async side only writes finished frames to the track. Nothing is encoded before
//! release or while the camera is off, and the first frame after either is a keyframe.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::media_stream::track_local::{TrackLocal, TrackLocalEvent};
use webrtc::rtp_transceiver::RtpSender;

use super::keyframe::is_keyframe_request;
use super::shared::Shared;
use crate::codec::vp8::{Vp8Encoder, Vp8EncoderConfig};
use crate::error::{DeviceKind, MediaError};
use crate::filter::{NoFilter, VideoFrameFilter};
use crate::source::VideoSource;

/// Instructions for the capture thread.
pub(crate) enum CaptureCommand {
    SetSource(Option<Box<dyn VideoSource>>),
    SetFilter(Box<dyn VideoFrameFilter>),
    /// Re-check release/enabled now instead of at the next idle poll.
    Wake,
    Stop,
}

struct EncodedVideo {
    data: Vec<u8>,
    capture_time_us: u64,
}

/// Handle on the running video send path.
pub(crate) struct VideoSender {
    pub commands: Sender<CaptureCommand>,
    pub thread: Option<JoinHandle<()>>,
}

/// Starts capture, encoding and sending on `track`.
pub(crate) fn start(
    shared: Arc<Shared>,
    source: Option<Box<dyn VideoSource>>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
) -> Result<VideoSender, MediaError> {
    let (commands, command_rx) = std::sync::mpsc::channel();
    let (frame_tx, frame_rx) = tokio::sync::mpsc::channel(4);
    shared
        .has_video_source
        .store(source.is_some(), Ordering::Release);
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("duet-video-capture".into())
        .spawn(move || capture_loop(thread_shared, source, command_rx, frame_tx))
        .map_err(|e| MediaError::WebRtc(format!("cannot start capture thread: {e}")))?;
    shared.runtime.spawn(send_loop(
        shared.clone(),
        track.clone(),
        sender,
        frame_rx,
        ssrc,
    ));
    shared
        .runtime
        .spawn(keyframe_requests(shared.clone(), track));
    Ok(VideoSender {
        commands,
        thread: Some(thread),
    })
}

/// Applies one command; false means stop.
fn apply(
    shared: &Shared,
    command: CaptureCommand,
    source: &mut Option<Box<dyn VideoSource>>,
    filter: &mut Box<dyn VideoFrameFilter>,
) -> bool {
    match command {
        CaptureCommand::SetSource(new) => {
            shared
                .has_video_source
                .store(new.is_some(), Ordering::Release);
            *source = new;
            shared.keyframe_requested.store(true, Ordering::Release);
            shared.refresh_availability();
        }
        CaptureCommand::SetFilter(new) => *filter = new,
        CaptureCommand::Wake => {}
        CaptureCommand::Stop => return false,
    }
    true
}

fn capture_loop(
    shared: Arc<Shared>,
    mut source: Option<Box<dyn VideoSource>>,
    commands: Receiver<CaptureCommand>,
    out: tokio::sync::mpsc::Sender<EncodedVideo>,
) {
    let mut filter: Box<dyn VideoFrameFilter> = Box::new(NoFilter);
    // Created up front at the configured size so the first frame after accept is not delayed
    // by encoder setup; recreated if a source delivers another size.
    let (width, height) = shared.config.video_size();
    let mut encoder = Vp8Encoder::new(Vp8EncoderConfig {
        width,
        height,
        fps: shared.config.frame_rate,
        bitrate_kbps: shared.video_target_kbps.load(Ordering::Acquire),
        threads: 1,
    })
    .ok();
    let mut sending = false;
    loop {
        loop {
            match commands.try_recv() {
                Ok(command) => {
                    if !apply(&shared, command, &mut source, &mut filter) {
                        return;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
            }
        }
        let wanted = shared.is_released() && shared.video_enabled.load(Ordering::Acquire);
        let Some(active) = source.as_mut().filter(|_| wanted) else {
            sending = false;
            match commands.recv_timeout(Duration::from_millis(20)) {
                Ok(command) => {
                    if !apply(&shared, command, &mut source, &mut filter) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            continue;
        };
        if !sending {
            // Resuming after release, camera-on or a source switch: start with a keyframe.
            shared.keyframe_requested.store(true, Ordering::Release);
            sending = true;
        }
        let mut frame = match active.next_frame() {
            Ok(frame) => frame,
            Err(e) => {
                shared.report_device(&e, DeviceKind::Camera);
                source = None;
                shared.has_video_source.store(false, Ordering::Release);
                shared.refresh_availability();
                continue;
            }
        };
        filter.process(&mut frame);
        let size = (frame.width, frame.height);
        if encoder
            .as_ref()
            .map(|e| (e.config().width, e.config().height))
            != Some(size)
        {
            encoder = match Vp8Encoder::new(Vp8EncoderConfig {
                width: size.0,
                height: size.1,
                fps: shared.config.frame_rate,
                bitrate_kbps: shared.video_target_kbps.load(Ordering::Acquire),
                threads: 1,
            }) {
                Ok(e) => Some(e),
                Err(e) => {
                    shared.report_device(&e, DeviceKind::Camera);
                    source = None;
                    shared.has_video_source.store(false, Ordering::Release);
                    shared.refresh_availability();
                    continue;
                }
            };
        }
        // The loop above guarantees an encoder of the frame's size exists here.
        let Some(enc) = encoder.as_mut() else {
            continue;
        };
        let target = shared.video_target_kbps.load(Ordering::Acquire);
        if enc.config().bitrate_kbps != target {
            if let Err(e) = enc.set_bitrate(target) {
                tracing::warn!(error = %e, "bitrate change rejected");
            }
        }
        let keyframe = shared.keyframe_requested.swap(false, Ordering::AcqRel);
        let packets = match enc.encode(&frame, keyframe) {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "VP8 encode failed");
                shared.keyframe_requested.store(true, Ordering::Release);
                continue;
            }
        };
        for packet in packets {
            shared
                .counters
                .frames_encoded
                .fetch_add(1, Ordering::Relaxed);
            let encoded = EncodedVideo {
                data: packet.data,
                capture_time_us: frame.capture_time_us,
            };
            if out.blocking_send(encoded).is_err() {
                return;
            }
        }
    }
}

/// The payload type the answer gave this sender's codec.
pub(crate) async fn negotiated_payload_type(sender: &Arc<dyn RtpSender>) -> Option<u8> {
    sender
        .get_parameters()
        .await
        .ok()?
        .rtp_parameters
        .codecs
        .first()
        .map(|c| c.payload_type)
}

async fn send_loop(
    shared: Arc<Shared>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    mut frames: tokio::sync::mpsc::Receiver<EncodedVideo>,
    ssrc: u32,
) {
    let mut payload_type = None;
    let mut last_capture: Option<u64> = None;
    while let Some(frame) = frames.recv().await {
        if payload_type.is_none() {
            payload_type = negotiated_payload_type(&sender).await;
        }
        let Some(pt) = payload_type else {
            shared.keyframe_requested.store(true, Ordering::Release);
            continue;
        };
        // RTP time advances by the real gap between captures (sources may run below their
        // nominal rate), clamped so a pause does not make a huge timestamp jump.
        let gap_us = last_capture
            .map(|last| frame.capture_time_us.saturating_sub(last))
            .unwrap_or(33_333)
            .clamp(1_000, 200_000);
        last_capture = Some(frame.capture_time_us);
        let len = frame.data.len() as u64;
        let sample = Sample {
            data: Bytes::from(frame.data),
            duration: Duration::from_micros(gap_us),
            ..Sample::new(Instant::now())
        };
        match track.sample_writer(ssrc, pt).write_sample(&sample).await {
            Ok(()) => {
                shared
                    .counters
                    .video_bytes_sent
                    .fetch_add(len, Ordering::Relaxed);
            }
            Err(e) => {
                // Not connected yet: the frame is lost, so the next one must be a keyframe.
                tracing::debug!(error = %e, "video frame not sent");
                shared.keyframe_requested.store(true, Ordering::Release);
            }
        }
    }
}

async fn keyframe_requests(shared: Arc<Shared>, track: Arc<TrackLocalStaticSample>) {
    loop {
        let event = tokio::select! {
            event = track.poll() => event,
            // The track's event channel may outlive the session; do not wait on it forever.
            () = shared.wait_closed() => break,
        };
        match event {
            Some(TrackLocalEvent::OnRtcpPacket(packets)) => {
                if packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                    shared.keyframe_requested.store(true, Ordering::Release);
                }
            }
            Some(_) => {}
            // Not bound to a transport yet (or unbound): look again shortly.
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
