//! Local video, per lane: the capture thread (source -> filter -> VP8,
//! [`super::video_capture`]) and the tasks that packetise frames and pass keyframe requests to
//! it.
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

use tokio::sync::watch;

use super::keyframe::is_keyframe_request;
use super::lane::Lane;
use super::shared::Shared;
use super::video_capture::{EncodedVideo, VideoCapture, VideoCommand};
use crate::error::MediaError;
use crate::source::VideoSource;

/// Where a lane's encoded frames go: a local track, its sender and its SSRC. The camera has one
/// for the whole call; a shared screen gets a new one each time sharing starts (a new SSRC, so
/// the far side sees a new track) and none between shares.
#[derive(Clone)]
pub(crate) struct Outlet {
    pub track: Arc<TrackLocalStaticSample>,
    pub sender: Arc<dyn RtpSender>,
    pub ssrc: u32,
}

/// Starts a lane's capture and encoding (fed by `commands`) and the sending into whatever
/// `outlet` holds; the capture thread's handle, to join once it was told to stop.
pub(crate) fn start(
    shared: Arc<Shared>,
    lane: Lane,
    source: Option<Box<dyn VideoSource>>,
    commands: Receiver<VideoCommand>,
    outlet: watch::Receiver<Option<Outlet>>,
) -> Result<JoinHandle<()>, MediaError> {
    let (frame_tx, frame_rx) = tokio::sync::mpsc::channel(4);
    let capture = VideoCapture::new(shared.clone(), lane, source, commands, frame_tx);
    let thread = std::thread::Builder::new()
        .name(format!("duet-{}-capture", lane.name()))
        .spawn(move || capture.run())
        .map_err(|e| MediaError::WebRtc(format!("cannot start capture thread: {e}")))?;
    shared
        .runtime
        .spawn(send_loop(shared.clone(), lane, outlet.clone(), frame_rx));
    shared
        .runtime
        .spawn(keyframe_requests(shared.clone(), lane, outlet));
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
    lane: Lane,
    outlet: watch::Receiver<Option<Outlet>>,
    mut frames: tokio::sync::mpsc::Receiver<EncodedVideo>,
) {
    // The outlet the payload type and the timestamps below belong to, by SSRC.
    let mut current_ssrc = None;
    let mut payload_type = None;
    let mut last_capture: Option<u64> = None;
    while let Some(frame) = frames.recv().await {
        let Some(Outlet {
            track,
            sender,
            ssrc,
        }) = outlet.borrow().clone()
        else {
            // Between shares: the frame has nowhere to go, and the next outlet starts afresh.
            shared.request_lane_keyframe(lane);
            continue;
        };
        if current_ssrc != Some(ssrc) {
            current_ssrc = Some(ssrc);
            payload_type = None;
            last_capture = None;
        }
        if payload_type.is_none() {
            payload_type = negotiated_payload_type(&sender).await;
        }
        let Some(pt) = payload_type else {
            // Not negotiated yet (a share waits for the answer): start with a keyframe after.
            shared.request_lane_keyframe(lane);
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
                    .video(lane)
                    .bytes_sent
                    .fetch_add(len, Ordering::Relaxed);
            }
            Err(e) => {
                // Not connected yet: the frame is lost, so the next one must be a keyframe.
                tracing::debug!(error = %e, lane = lane.name(), "video frame not sent");
                shared.request_lane_keyframe(lane);
            }
        }
    }
}

/// Turns PLI/FIR on the lane's current track into keyframes, following the outlet as it changes.
async fn keyframe_requests(
    shared: Arc<Shared>,
    lane: Lane,
    mut outlet: watch::Receiver<Option<Outlet>>,
) {
    loop {
        let track = outlet.borrow_and_update().as_ref().map(|o| o.track.clone());
        let event = tokio::select! {
            event = poll_track(track.as_ref()) => event,
            // A new outlet (or none): poll that one instead. An error (the sender is gone, so
            // nothing changes any more) disables this branch and the last track is polled on.
            Ok(()) = outlet.changed() => continue,
            // The track's event channel may outlive the session; do not wait on it forever.
            () = shared.wait_closed() => break,
        };
        match event {
            Some(TrackLocalEvent::OnRtcpPacket(packets)) => {
                if packets.iter().any(|p| is_keyframe_request(p.as_ref())) {
                    shared.request_lane_keyframe(lane);
                }
            }
            Some(_) => {}
            // Not bound to a transport yet (or unbound): look again shortly.
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// The next event of `track`; never, without one.
async fn poll_track(track: Option<&Arc<TrackLocalStaticSample>>) -> Option<TrackLocalEvent> {
    match track {
        Some(track) => track.poll().await,
        None => std::future::pending().await,
    }
}
