//! Remote audio: RTP (async task) -> jitter buffer -> playout thread on a 20 ms clock -> sink.
//!
//! The sink runs on its own thread because file and device sinks may block; the audio
//! processor there also sees what is played, as the echo canceller's far-end reference.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};

use super::shared::{lock, Shared};
use crate::audio::jitter::{JitterBuffer, Playout};
use crate::audio::processing::RenderReference;
use crate::error::DeviceKind;
use crate::sink::null::NullSink;
use crate::source::Pacer;

/// Packets buffered before playout starts (40 ms); the buffer adapts from there.
const INITIAL_TARGET: usize = 2;

/// Starts receiving `track`.
pub(crate) fn spawn(
    shared: Arc<Shared>,
    track: Arc<dyn TrackRemote>,
    reference: Option<RenderReference>,
) {
    let buffer = match JitterBuffer::new(INITIAL_TARGET) {
        Ok(b) => Arc::new(Mutex::new(b)),
        Err(e) => {
            tracing::error!(error = %e, "cannot create Opus decoder; remote audio disabled");
            return;
        }
    };
    let ended = Arc::new(AtomicBool::new(false));
    let (thread_shared, thread_buffer, thread_ended) =
        (shared.clone(), buffer.clone(), ended.clone());
    let spawned = std::thread::Builder::new()
        .name("duet-audio-playout".into())
        .spawn(move || playout_loop(thread_shared, thread_buffer, thread_ended, reference));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start audio playout thread");
        return;
    }
    shared.runtime.clone().spawn(async move {
        loop {
            let event = tokio::select! {
                event = track.poll() => event,
                () = shared.wait_closed() => break,
            };
            let Some(event) = event else { break };
            let TrackRemoteEvent::OnRtpPacket(packet) = event else {
                continue;
            };
            shared
                .counters
                .audio_bytes_received
                .fetch_add(packet.payload.len() as u64, Ordering::Relaxed);
            let mut buffer = lock(&buffer);
            if shared.is_released() {
                buffer.push(packet.header.sequence_number, packet.payload.to_vec());
            } else {
                buffer.reset();
            }
        }
        ended.store(true, Ordering::Release);
    });
}

fn playout_loop(
    shared: Arc<Shared>,
    buffer: Arc<Mutex<JitterBuffer>>,
    ended: Arc<AtomicBool>,
    mut reference: Option<RenderReference>,
) {
    let mut clock = Pacer::new(Duration::from_millis(20));
    while !ended.load(Ordering::Acquire) && !shared.closed.load(Ordering::Acquire) {
        clock.wait();
        let playout = lock(&buffer).pull();
        let frame = match playout {
            Ok(Playout::Decoded(frame) | Playout::Concealed(frame)) => frame,
            Ok(Playout::Silent) => continue,
            Err(e) => {
                tracing::debug!(error = %e, "Opus packet dropped");
                continue;
            }
        };
        if let Some(r) = reference.as_mut() {
            r.push(&frame);
        }
        let mut sink = lock(&shared.audio_sink);
        if let Err(e) = sink.write_audio(&frame) {
            shared.report_device(&e, DeviceKind::Speaker);
            *sink = Box::new(NullSink);
        }
    }
}
