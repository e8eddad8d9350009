//! Microphones through cpal.
//!
//! The cpal stream is not `Send`, so it lives on its own thread; the audio callback converts to
//! mono f32 and hands blocks over a bounded channel without ever blocking (a stalled consumer
//! loses audio rather than stalling the device).

use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, StreamTrait};

use super::{AudioSource, BLOCK_SAMPLES};
use crate::audio::resample::{to_i16, Resampler};
use crate::devices::{device_name, find_audio_device, low_latency};
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::frame::{AudioFrame, SAMPLE_RATE};

/// 10 ms blocks of 48 kHz mono from a microphone, resampled from the device's rate.
pub struct MicrophoneSource {
    name: String,
    blocks: Receiver<Result<Vec<f32>, String>>,
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
        let (block_tx, blocks) = mpsc::sync_channel(64);
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("duet-microphone".into())
            .spawn(move || {
                let stream = match build_stream(&device, &config, block_tx) {
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
            blocks,
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
    tx: SyncSender<Result<Vec<f32>, String>>,
) -> MediaResult<cpal::Stream> {
    let channels = config.channels().max(1) as usize;
    let stream_config = low_latency(config);
    let error_tx = tx.clone();
    let on_error = move |e: cpal::Error| {
        let _ = error_tx.try_send(Err(e.to_string()));
    };
    let stream = match config.sample_format() {
        cpal::SampleFormat::F32 => device.build_input_stream::<f32, _, _>(
            stream_config,
            move |data, _| {
                let _ = tx.try_send(Ok(fold_mono(data, channels, |s| s)));
            },
            on_error,
            None,
        ),
        cpal::SampleFormat::I16 => device.build_input_stream::<i16, _, _>(
            stream_config,
            move |data, _| {
                let _ = tx.try_send(Ok(fold_mono(data, channels, |s| s as f32 / 32768.0)));
            },
            on_error,
            None,
        ),
        other => return Err(device_error(format!("unsupported sample format {other}"))),
    };
    stream.map_err(device_error)
}

fn fold_mono<T: Copy>(data: &[T], channels: usize, to_f32: impl Fn(T) -> f32) -> Vec<f32> {
    data.chunks_exact(channels)
        .map(|frame| frame.iter().map(|&s| to_f32(s)).sum::<f32>() / channels as f32)
        .collect()
}

impl AudioSource for MicrophoneSource {
    fn next_frame(&mut self) -> MediaResult<AudioFrame> {
        while self.pending.len() < BLOCK_SAMPLES {
            let block = self
                .blocks
                .recv()
                .map_err(|_| device_error("microphone stopped"))?
                .map_err(device_error)?;
            let resampled = self.resampler.process(&block)?;
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
        let _ = self.stop.try_send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
