//! Local video: the capture thread (source -> filter -> VP8, [`super::video_capture`]) and the
//! tasks that packetise frames and pass keyframe requests to it.
//!
//! Capture and encoding run on one dedicated thread because sources block and libvpx is CPU
//! bound; the async side only writes finished frames to the track. Nothing is encoded before
//! release or while the camera is off, and the first frame after either is a keyframe.

use std::sync::atomic::Ordering;
use std::sync::mpsc::Receiver;
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
use super::video_capture::{EncodedVideo, VideoCapture, VideoCommand};
use crate::error::MediaError;
use crate::source::VideoSource;

/// Starts capture and encoding (fed by `commands`) and sending on `track`; the capture
/// thread's handle, to join once it was told to stop.
pub(crate) fn start(
    shared: Arc<Shared>,
    source: Option<Box<dyn VideoSource>>,
    commands: Receiver<VideoCommand>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
) -> Result<JoinHandle<()>, MediaError> {
    let (frame_tx, frame_rx) = tokio::sync::mpsc::channel(4);
    let capture = VideoCapture::new(shared.clone(), source, commands, frame_tx);
    let thread = std::thread::Builder::new()
        .name("duet-video-capture".into())
        .spawn(move || capture.run())
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
    Ok(thread)
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
            shared.request_keyframe();
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
                shared.request_keyframe();
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
                    shared.request_keyframe();
                }
            }
            Some(_) => {}
            // Not bound to a transport yet (or unbound): look again shortly.
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}
