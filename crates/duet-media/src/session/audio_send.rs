//! Local audio: capture thread (source -> audio processing -> Opus) and the sending task.
//!
//! The source is read even while muted or before release, so a microphone never backs up and
//! unmuting sends current audio, not a queue of old audio; those frames are just not encoded.
//! Every frame read, sent or not, goes through the speech detector: the statistics say when the
//! user speaks while muted (the page's "You are muted" hint).
//! The capture thread owns everything that decides what audio is sent (released, microphone on,
//! the source, the loss the encoder protects against): others change it with [`AudioCommand`]s,
//! applied before the next 10 ms frame, and the thread publishes whether audio is available.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, TryRecvError};
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
use crate::audio::speech::SpeechDetector;
use crate::codec::opus::{OpusEncoder, FRAME_SAMPLES};
use crate::error::{DeviceKind, MediaError};
use crate::frame::AudioFrame;
use crate::source::AudioSource;

/// Instructions for the audio capture thread.
pub(crate) enum AudioCommand {
    /// The call was answered: encode and send from the next frame.
    Release,
    /// The microphone on (true) or muted.
    SetEnabled(bool),
    /// A new source (None: no audio).
    SetSource(Option<Box<dyn AudioSource>>),
    /// The send loss the stats measured, in percent: Opus adds in-band FEC for it.
    SetExpectedLoss(u32),
    /// End the thread.
    Stop,
}

/// The loss Opus protects against before the first statistics report: a little in-band FEC from
/// the first packet, as the network is not known yet.
const INITIAL_EXPECTED_LOSS_PERCENT: u32 = 5;

/// What the capture thread decides from; only the thread has it.
struct AudioState {
    source: Option<Box<dyn AudioSource>>,
    released: bool,
    enabled: bool,
    /// The loss Opus is told to expect; `None` until the first report.
    expected_loss: Option<u32>,
    /// The loss last handed to the encoder.
    encoder_loss: Option<u32>,
}

impl AudioState {
    fn sending(&self) -> bool {
        self.released && self.enabled
    }

    /// Whether the peer should hear this side: answered, unmuted, with a source.
    fn available(&self) -> bool {
        self.sending() && self.source.is_some()
    }

    /// Applies `command`; false when the thread must end.
    fn apply(&mut self, command: AudioCommand) -> bool {
        match command {
            AudioCommand::Release => self.released = true,
            AudioCommand::SetEnabled(enabled) => self.enabled = enabled,
            AudioCommand::SetSource(source) => self.source = source,
            AudioCommand::SetExpectedLoss(percent) => self.expected_loss = Some(percent),
            AudioCommand::Stop => return false,
        }
        true
    }
}

/// Starts capture, processing, encoding and sending on `track` (commands go through
/// `Shared::send_audio`); the capture thread's handle, to join once it was told to stop.
pub(crate) fn start(
    shared: Arc<Shared>,
    source: Option<Box<dyn AudioSource>>,
    processor: Option<AudioProcessor>,
    command_rx: Receiver<AudioCommand>,
    track: Arc<TrackLocalStaticSample>,
    sender: Arc<dyn RtpSender>,
    ssrc: u32,
) -> Result<JoinHandle<()>, MediaError> {
    let encoder = OpusEncoder::new(shared.config.audio_quality)?;
    let (packet_tx, packet_rx) = tokio::sync::mpsc::channel(16);
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
    Ok(thread)
}

/// Takes every queued command; false when the thread must end.
fn drain(state: &mut AudioState, commands: &Receiver<AudioCommand>) -> bool {
    loop {
        match commands.try_recv() {
            Ok(command) => {
                if !state.apply(command) {
                    return false;
                }
            }
            Err(TryRecvError::Empty) => return true,
            Err(TryRecvError::Disconnected) => return false,
        }
    }
}

/// Waits for the next command while there is no source to read; false when the thread must end.
fn wait_for_command(state: &mut AudioState, commands: &Receiver<AudioCommand>) -> bool {
    match commands.recv() {
        Ok(command) => state.apply(command),
        Err(_) => false,
    }
}

fn capture_loop(
    shared: Arc<Shared>,
    source: Option<Box<dyn AudioSource>>,
    mut processor: Option<AudioProcessor>,
    mut encoder: OpusEncoder,
    commands: Receiver<AudioCommand>,
    out: tokio::sync::mpsc::Sender<Vec<u8>>,
) {
    let mut state = AudioState {
        source,
        released: false,
        enabled: true,
        expected_loss: Some(INITIAL_EXPECTED_LOSS_PERCENT),
        encoder_loss: None,
    };
    let mut pending: Vec<i16> = Vec::with_capacity(2 * FRAME_SAMPLES);
    let mut speech = SpeechDetector::new();
    loop {
        if !drain(&mut state, &commands) {
            return;
        }
        shared.set_audio_available(state.available());
        let Some(active) = state.source.as_mut() else {
            pending.clear();
            if !wait_for_command(&mut state, &commands) {
                return;
            }
            continue;
        };
        let mut frame = match active.next_frame() {
            Ok(frame) => frame,
            Err(e) => {
                shared.report_device(&e, DeviceKind::Microphone);
                state.source = None;
                continue;
            }
        };
        process_capture(&mut processor, &mut frame);
        if speech.push(&frame.samples) {
            shared.counters.local_speech.store(true, Ordering::Relaxed);
        }
        if !state.sending() {
            pending.clear();
            continue;
        }
        pending.extend_from_slice(&frame.samples);
        if pending.len() >= FRAME_SAMPLES
            && !encode_block(&mut state, &mut encoder, &mut pending, &out)
        {
            return;
        }
    }
}

/// Echo cancellation and noise suppression on a captured frame; a processor that fails is
/// dropped, and the call goes on with unprocessed audio.
fn process_capture(processor: &mut Option<AudioProcessor>, frame: &mut AudioFrame) {
    if let Some(p) = processor.as_mut() {
        if let Err(e) = p.process_capture(frame) {
            tracing::warn!(error = %e, "audio processing failed; bypassing it");
            *processor = None;
        }
    }
}

/// Encodes one 20 ms block from `pending` (at least a block long) and queues the packet;
/// false once the send loop is gone.
fn encode_block(
    state: &mut AudioState,
    encoder: &mut OpusEncoder,
    pending: &mut Vec<i16>,
    out: &tokio::sync::mpsc::Sender<Vec<u8>>,
) -> bool {
    if state.expected_loss != state.encoder_loss {
        state.encoder_loss = state.expected_loss;
        let percent = state.expected_loss.unwrap_or(0).min(100);
        // In 0..=100 by the line above.
        let _ = encoder.set_expected_loss(u8::try_from(percent).unwrap_or(100));
    }
    let block: Vec<i16> = pending.drain(..FRAME_SAMPLES).collect();
    match encoder.encode(&block) {
        // DTX: a 1-2 byte packet means "still silent"; libopus wants those sent.
        Ok(packet) => out.blocking_send(packet).is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "Opus encode failed");
            true
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::tone::ToneSource;

    fn state() -> AudioState {
        AudioState {
            source: Some(Box::new(ToneSource::new(440.0))),
            released: false,
            enabled: true,
            expected_loss: Some(INITIAL_EXPECTED_LOSS_PERCENT),
            encoder_loss: None,
        }
    }

    #[test]
    fn audio_is_available_only_once_released_unmuted_and_with_a_source() {
        let mut s = state();
        assert!(!s.available(), "nothing before the answer");
        assert!(s.apply(AudioCommand::Release));
        assert!(s.available() && s.sending());
        assert!(s.apply(AudioCommand::SetEnabled(false)));
        assert!(!s.available() && !s.sending(), "muted");
        assert!(s.apply(AudioCommand::SetEnabled(true)));
        assert!(s.apply(AudioCommand::SetSource(None)));
        assert!(s.sending() && !s.available(), "no source: nothing to hear");
        assert!(s.apply(AudioCommand::SetExpectedLoss(12)));
        assert_eq!(s.expected_loss, Some(12));
        assert!(!s.apply(AudioCommand::Stop));
    }

    #[test]
    fn queued_commands_all_apply_before_the_next_frame_and_stop_ends_the_thread() {
        let (commands, inbox) = std::sync::mpsc::channel();
        let mut s = state();
        for command in [
            AudioCommand::Release,
            AudioCommand::SetEnabled(false),
            AudioCommand::SetEnabled(true),
            AudioCommand::SetExpectedLoss(30),
        ] {
            commands.send(command).unwrap();
        }
        assert!(drain(&mut s, &inbox));
        assert!(s.available());
        assert_eq!(s.expected_loss, Some(30));
        commands.send(AudioCommand::Stop).unwrap();
        assert!(!drain(&mut s, &inbox));
        drop(commands);
        assert!(
            !wait_for_command(&mut s, &inbox),
            "a closed inbox ends it too"
        );
    }
}
