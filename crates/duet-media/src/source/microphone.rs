//! Microphones through cpal.
//!
//! The cpal stream is not `Send`, so it lives on its own thread. The real-time callback only folds
//! each frame to mono f32 and pushes it into a pre-allocated lock-free ring
//! ([`crate::audio::callback::capture`]): no lock, no allocation; a stalled reader loses audio
//! (counted) rather than stalling the device. [`MicrophoneSource::next_frame`] drains the ring,
//! resamples and cuts 10 ms blocks.

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};

use super::{AudioSource, BLOCK_SAMPLES};
use crate::audio::callback::{capture, i16_to_f32, RingCounters};
use crate::audio::resample::{to_i16, Resampler};
use crate::devices::{device_name, find_audio_device, low_latency};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Half a second of device audio: room for the reader to be late without losing any.
const RING_MS: usize = 500;
/// How often an empty ring is looked at again (the callback cannot wake a reader without a lock).
const POLL: Duration = Duration::from_millis(2);
/// A microphone that delivers nothing for this long has stopped (unplugged, or its server died).
const SILENT_DEVICE: Duration = Duration::from_secs(5);

/// 10 ms blocks of 48 kHz mono from a microphone, resampled from the device's rate.
pub struct MicrophoneSource {
    name: String,
    ring: rtrb::Consumer<f32>,
    counters: Arc<RingCounters>,
    /// Stream errors (from cpal's error callback, which is not the real-time one).
    errors: Receiver<String>,
    /// Device-rate samples taken from the ring, reused so reading allocates nothing per block.
    chunk: Vec<f32>,
    resampler: Resampler,
    pending: Vec<f32>,
    stop: SyncSender<()>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MicrophoneSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MicrophoneSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

fn device_error(reason: impl std::fmt::Display) -> MediaError {
    MediaError::Device {
        kind: DeviceKind::Microphone,
        reason: reason.to_string(),
    }
}

impl MicrophoneSource {
    /// Opens the microphone called `name`, or the default one.
    pub fn open(name: Option<&str>) -> MediaResult<Self> {
        let device = find_audio_device(name, DeviceKind::Microphone)
            .ok_or(MediaError::DeviceMissing(DeviceKind::Microphone))?;
        let device_label = device_name(&device);
        let config = device.default_input_config().map_err(device_error)?;
        let rate = config.sample_rate();
        let (producer, ring) = rtrb::RingBuffer::new(rate as usize * RING_MS / 1000);
        let counters = RingCounters::shared();
        let (error_tx, errors) = mpsc::sync_channel(8);
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel::<()>(1);
        let device_counters = counters.clone();
        let thread = std::thread::Builder::new()
            .name("duet-microphone".into())
            .spawn(move || {
                let ends = (producer, device_counters, error_tx);
                let stream = match build_stream(&device, &config, ends) {
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
            .map_err(|_| device_error("microphone thread ended"))??;
        Ok(Self {
            name: device_label,
            ring,
            counters,
            errors,
            chunk: Vec::with_capacity(BLOCK_SAMPLES * 4),
            resampler: Resampler::new(rate, SAMPLE_RATE)?,
            pending: Vec::new(),
            stop,
            thread: Some(thread),
        })
    }
}

fn build_stream(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    (mut ring, counters, error_tx): (rtrb::Producer<f32>, Arc<RingCounters>, SyncSender<String>),
) -> MediaResult<cpal::Stream> {
    let channels = config.channels().max(1) as usize;
    let stream_config = low_latency(config);
    let on_error = move |e: cpal::Error| {
        let _ = error_tx.try_send(e.to_string());
    };
    // One stream is built, so exactly one arm moves the ring end into its callback.
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => device.build_input_stream::<f32, _, _>(
            stream_config,
            move |data, _| capture(data, channels, |s| s, &mut ring, &counters),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_input_stream::<i16, _, _>(
            stream_config,
            move |data, _| capture(data, channels, i16_to_f32, &mut ring, &counters),
            on_error,
            None,
        ),
        other => return Err(device_error(format!("unsupported sample format {other}"))),
    };
    stream.map_err(device_error)
}

impl MicrophoneSource {
    /// Waits until the ring holds samples and moves them all into `self.chunk`.
    fn take_from_ring(&mut self) -> MediaResult<()> {
        let since = Instant::now();
        loop {
            if let Ok(error) = self.errors.try_recv() {
                return Err(device_error(error));
            }
            let ready = self.ring.slots();
            if ready > 0 {
                self.chunk.clear();
                // `ready` samples are there: the chunk of that size cannot be refused.
                let read = self.ring.read_chunk(ready).map_err(device_error)?;
                let (first, second) = read.as_slices();
                self.chunk.extend_from_slice(first);
                self.chunk.extend_from_slice(second);
                read.commit_all();
                return Ok(());
            }
            if self.ring.is_abandoned() {
                return Err(device_error("microphone stopped"));
            }
            if since.elapsed() > SILENT_DEVICE {
                return Err(device_error("the microphone delivers no audio"));
            }
            std::thread::sleep(POLL);
        }
    }
}

impl AudioSource for MicrophoneSource {
    fn next_frame(&mut self) -> MediaResult<AudioFrame> {
        while self.pending.len() < BLOCK_SAMPLES {
            self.take_from_ring()?;
            let resampled = self.resampler.process(&self.chunk)?;
            self.pending.extend_from_slice(&resampled);
        }
        let samples = self.pending.drain(..BLOCK_SAMPLES).map(to_i16).collect();
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples,
        })
    }

    fn describe(&self) -> String {
        format!("microphone {}", self.name)
    }
}

impl Drop for MicrophoneSource {
    fn drop(&mut self) {
        let dropped = self.counters.overruns();
        if dropped > 0 {
            tracing::info!(dropped, device = %self.name, "microphone samples dropped (reader late)");
        }
        let _ = self.stop.try_send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
