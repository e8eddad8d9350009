//! Speakers through cpal.
//!
//! The stream lives on its own thread (cpal streams are not `Send`); decoded audio is resampled
//! to the device rate and pushed into a pre-allocated lock-free ring that the real-time callback
//! drains ([`crate::audio::callback::play`]: no lock, no allocation; an empty ring plays silence,
//! counted). The ring holds [`MAX_QUEUE_MS`], so a device slower than the sender cannot build up
//! delay: audio that does not fit is dropped (counted).

use std::sync::mpsc::{self, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, StreamTrait};

use super::AudioSink;
use crate::audio::callback::{f32_to_i16, play, RingCounters};
use crate::audio::resample::{to_f32, Resampler};
use crate::devices::{device_name, find_audio_device, low_latency};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Most audio queued for the device before the oldest is dropped.
pub const MAX_QUEUE_MS: usize = 200;

/// Plays 48 kHz mono on a speaker.
pub struct SpeakerSink {
    name: String,
    ring: rtrb::Producer<f32>,
    counters: Arc<RingCounters>,
    /// Mono samples of the frame being written, reused so writing allocates nothing per frame.
    mono: Vec<f32>,
    resampler: Resampler,
    stop: SyncSender<()>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SpeakerSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeakerSink")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn device_error(reason: impl std::fmt::Display) -> MediaError {
    MediaError::Device {
        kind: DeviceKind::Speaker,
        reason: reason.to_string(),
    }
}

impl SpeakerSink {
    /// Opens the speaker called `name`, or the default one.
    pub fn open(name: Option<&str>) -> MediaResult<Self> {
        let device = find_audio_device(name, DeviceKind::Speaker)
            .ok_or(MediaError::DeviceMissing(DeviceKind::Speaker))?;
        let label = device_name(&device);
        let config = device.default_output_config().map_err(device_error)?;
        let rate = config.sample_rate();
        let (ring, consumer) = rtrb::RingBuffer::new(rate as usize * MAX_QUEUE_MS / 1000);
        let counters = RingCounters::shared();
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel::<()>(1);
        let device_counters = counters.clone();
        let thread = std::thread::Builder::new()
            .name("duet-speaker".into())
            .spawn(move || {
                let stream = match build_stream(&device, &config, consumer, device_counters) {
                    Ok(stream) => stream,
                    Err(e) => {
                        let _ = open_tx.send(Err(e));
                        return;
                    }
                };
                let _ = open_tx.send(stream.play().map_err(device_error));
                let _ = stop_rx.recv();
            })
            .map_err(device_error)?;
        open_rx
            .recv()
            .map_err(|_| device_error("speaker thread ended"))??;
        Ok(Self {
            name: label,
            ring,
            counters,
            mono: Vec::new(),
            resampler: Resampler::new(SAMPLE_RATE, rate)?,
            stop,
            thread: Some(thread),
        })
    }
}

fn build_stream(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    mut ring: rtrb::Consumer<f32>,
    counters: Arc<RingCounters>,
) -> MediaResult<cpal::Stream> {
    let channels = config.channels().max(1) as usize;
    let stream_config = low_latency(config);
    let on_error = |e: cpal::Error| tracing::warn!(error = %e, "speaker stream error");
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => device.build_output_stream::<f32, _, _>(
            stream_config,
            move |out, _| play(out, channels, |s| s, &mut ring, &counters),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
            stream_config,
            move |out, _| play(out, channels, f32_to_i16, &mut ring, &counters),
            on_error,
            None,
        ),
        other => return Err(device_error(format!("unsupported sample format {other}"))),
    };
    stream.map_err(device_error)
}

impl AudioSink for SpeakerSink {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        self.mono.clear();
        self.mono
            .extend(frame.to_mono().samples.iter().map(|&s| to_f32(s)));
        let resampled = self.resampler.process(&self.mono)?;
        // A full ring means the device plays slower than audio arrives: the newest is dropped
        // (only the callback may take the oldest), which bounds the delay all the same.
        let mut dropped = 0;
        for sample in resampled {
            if self.ring.push(sample).is_err() {
                dropped += 1;
            }
        }
        self.counters.add_overruns(dropped);
        Ok(())
    }
}

impl Drop for SpeakerSink {
    fn drop(&mut self) {
        let (silent, dropped) = (self.counters.underruns(), self.counters.overruns());
        if silent > 0 || dropped > 0 {
            tracing::info!(silent, dropped, device = %self.name, "speaker underruns (frames of silence) and overruns (samples dropped)");
        }
        let _ = self.stop.try_send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
