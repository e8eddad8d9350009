//! Local audio: capture thread (source -> audio processing -> Opus) and the sending task.
//!
//! The source is read even while muted or before release, so a microphone never backs up and
//! unmuting sends current audio, not a queue of old audio; those frames are just not encoded.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;
use webrtc::rtp_transceiver::RtpSender;

use super::shared::Shared;
use super::video_send::negotiated_payload_type;
use crate::audio::processing::AudioProcessor;
use crate::codec::opus::{OpusEncoder, FRAME_SAMPLES};
use crate::error::{DeviceKind, MediaError};
use crate::source::AudioSource;

/// Instructions for the audio capture thread.
pub(crate) enum AudioCommand {
    SetSource(Option<Box<dyn AudioSource>>),
    Stop,
}

/// Handle on the running audio send path.
pub(crate) struct AudioSender {
    pub commands: Sender<AudioCommand>,
    pub thread: Option<JoinHandle<()>>,
}

/// Starts capture, processing, encoding and sending on `track`.
pub(crate) fn start(
    shared: Arc<Shared>,
    source: Option<Box<dyn AudioSource>>,
    processor: Option<AudioProcessor>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
) -> Result<AudioSender, MediaError> {
    let encoder = OpusEncoder::new(shared.config.audio_quality)?;
    let (commands, command_rx) = std::sync::mpsc::channel();
    let (packet_tx, packet_rx) = tokio::sync::mpsc::channel(16);
    shared
        .has_audio_source
        .store(source.is_some(), Ordering::Release);
    let thread_shared = shared.clone();
    let thread = std::thread::Builder::new()
        .name("duet-audio-capture".into())
        .spawn(move || {
            capture_loop(
                thread_shared,
                source,
                processor,
                encoder,
                command_rx,
                packet_tx,
            )
        })
        .map_err(|e| MediaError::WebRtc(format!("cannot start audio thread: {e}")))?;
    shared
        .runtime
        .spawn(send_loop(shared.clone(), track, sender, packet_rx, ssrc));
    Ok(AudioSender {
        commands,
        thread: Some(thread),
    })
}

fn apply(
    shared: &Shared,
    command: AudioCommand,
    source: &mut Option<Box<dyn AudioSource>>,
) -> bool {
    match command {
        AudioCommand::SetSource(new) => {
            shared
                .has_audio_source
                .store(new.is_some(), Ordering::Release);
            *source = new;
            shared.refresh_availability();
            true
        }
        AudioCommand::Stop => false,
    }
}

fn capture_loop(
    shared: Arc<Shared>,
    mut source: Option<Box<dyn AudioSource>>,
    mut processor: Option<AudioProcessor>,
    mut encoder: OpusEncoder,
    commands: Receiver<AudioCommand>,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) {
    let mut pending: Vec<i16> = Vec::with_capacity(2 * FRAME_SAMPLES);
    let mut loss_percent = u32::MAX;
    loop {
        loop {
            match commands.try_recv() {
                Ok(command) => {
                    if !apply(&shared, command, &mut source) {
                        return;
                    }
                }
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
            }
        }
        let Some(active) = source.as_mut() else {
            pending.clear();
            match commands.recv_timeout(Duration::from_millis(20)) {
                Ok(command) => {
                    if !apply(&shared, command, &mut source) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            continue;
        };
        let mut frame = match active.next_frame() {
            Ok(frame) => frame,
            Err(e) => {
                shared.report_device(&e, DeviceKind::Microphone);
                source = None;
                shared.has_audio_source.store(false, Ordering::Release);
                shared.refresh_availability();
                continue;
            }
        };
        if let Some(p) = processor.as_mut() {
            if let Err(e) = p.process_capture(&mut frame) {
                tracing::warn!(error = %e, "audio processing failed; bypassing it");
                processor = None;
            }
        }
        let sending = shared.is_released() && shared.audio_enabled.load(Ordering::Acquire);
        if !sending {
            pending.clear();
            continue;
        }
        pending.extend_from_slice(&frame.samples);
        if pending.len() < FRAME_SAMPLES {
            continue;
        }
        let wanted_loss = shared.audio_loss_percent.load(Ordering::Acquire);
        if wanted_loss != loss_percent {
            loss_percent = wanted_loss;
            let _ = encoder.set_expected_loss(wanted_loss.min(100) as u8);
        }
        let block: Vec<i16> = pending.drain(..FRAME_SAMPLES).collect();
        match encoder.encode(&block) {
            // DTX: a 1-2 byte packet means "still silent"; libopus wants those sent.
            Ok(packet) => {
                if out.blocking_send(packet).is_err() {
                    return;
                }
            }
            Err(e) => tracing::warn!(error = %e, "Opus encode failed"),
        }
    }
}

async fn send_loop(
    shared: Arc<Shared>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    mut packets: tokio::sync::mpsc::Receiver<Vec<u8>>,
    ssrc: u32,
) {
    let mut payload_type = None;
    while let Some(packet) = packets.recv().await {
        if payload_type.is_none() {
            payload_type = negotiated_payload_type(&sender).await;
        }
        let Some(pt) = payload_type else { continue };
        let len = packet.len() as u64;
        let sample = Sample {
            data: Bytes::from(packet),
            duration: Duration::from_millis(20),
            ..Sample::new(Instant::now())
        };
        match track.sample_writer(ssrc, pt).write_sample(&sample).await {
            Ok(()) => {
                shared
                    .counters
                    .audio_bytes_sent
                    .fetch_add(len, Ordering::Relaxed);
            }
            Err(e) => tracing::debug!(error = %e, "audio packet not sent"),
        }
    }
}
