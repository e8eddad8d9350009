//! Speakers through cpal.
//!
//! The stream lives on its own thread (cpal streams are not `Send`); decoded audio is resampled
//! to the device rate and queued in a shared buffer that the device callback drains. The queue
//! is capped at [`MAX_QUEUE_MS`] so a device slower than the sender cannot build up delay.

use std::collections::VecDeque;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, StreamTrait};

use super::AudioSink;
use crate::audio::resample::{to_f32, Resampler};
use crate::devices::{device_name, find_audio_device, low_latency};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// Most audio queued for the device before the oldest is dropped.
pub const MAX_QUEUE_MS: usize = 200;

type Queue = Arc<Mutex<VecDeque<f32>>>;

/// Plays 48 kHz mono on a speaker.
pub struct SpeakerSink {
    name: String,
    queue: Queue,
    max_queue: usize,
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
        let queue: Queue = Arc::default();
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel::<()>(1);
        let device_queue = queue.clone();
        let thread = std::thread::Builder::new()
            .name("duet-speaker".into())
            .spawn(move || {
                let stream = match build_stream(&device, &config, device_queue) {
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
            queue,
            max_queue: rate as usize * MAX_QUEUE_MS / 1000,
            resampler: Resampler::new(SAMPLE_RATE, rate)?,
            stop,
            thread: Some(thread),
        })
    }
}

fn build_stream(
    device: &cpal::Device,
    config: &cpal::SupportedStreamConfig,
    queue: Queue,
) -> MediaResult<cpal::Stream> {
    let channels = config.channels().max(1) as usize;
    let stream_config = low_latency(config);
    let on_error = |e: cpal::Error| tracing::warn!(error = %e, "speaker stream error");
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => device.build_output_stream::<f32, _, _>(
            stream_config,
            move |out, _| fill(out, channels, &queue, |s| s),
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_output_stream::<i16, _, _>(
            stream_config,
            move |out, _| fill(out, channels, &queue, |s| (s * 32767.0) as i16),
            on_error,
            None,
        ),
        other => return Err(device_error(format!("unsupported sample format {other}"))),
    };
    stream.map_err(device_error)
}

fn fill<T: Copy>(out: &mut [T], channels: usize, queue: &Queue, convert: impl Fn(f32) -> T) {
    // A poisoned lock only means a writer panicked mid-push; the samples are still usable.
    let mut queue = queue.lock().unwrap_or_else(|e| e.into_inner());
    for frame in out.chunks_mut(channels) {
        let sample = convert(queue.pop_front().unwrap_or(0.0));
        frame.fill(sample);
    }
}

impl AudioSink for SpeakerSink {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        let mono: Vec<f32> = frame.to_mono().samples.iter().map(|&s| to_f32(s)).collect();
        let resampled = self.resampler.process(&mono)?;
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        queue.extend(resampled);
        let excess = queue.len().saturating_sub(self.max_queue);
        queue.drain(..excess);
        Ok(())
    }
}

impl Drop for SpeakerSink {
    fn drop(&mut self) {
        let _ = self.stop.try_send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
