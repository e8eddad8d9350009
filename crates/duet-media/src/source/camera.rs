//! Cameras through nokhwa (V4L2 on Linux).
//!
//! nokhwa's camera handle is not `Send` on every platform, so it lives on its own thread that
//! hands finished I420 frames over a one-slot channel; a slow consumer drops frames there
//! instead of queueing them.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread::JoinHandle;

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};
use nokhwa::Camera;

use super::VideoSource;
use crate::convert::rgb_to_i420;
use crate::devices::DeviceInfo;
use crate::error::{DeviceKind, MediaError, MediaResult};
use crate::frame::{now_us, I420Frame};
use crate::scale::FrameScaler;

/// Frames from a camera, scaled to the requested size when the camera cannot deliver it.
pub struct CameraSource {
    name: String,
    frames: Receiver<MediaResult<I420Frame>>,
    stop: SyncSender<()>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for CameraSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CameraSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Lists cameras; an empty list (not an error) when there are none.
pub fn list() -> Vec<DeviceInfo> {
    let Some(backend) = nokhwa::native_api_backend() else {
        return Vec::new();
    };
    nokhwa::query(backend)
        .unwrap_or_default()
        .into_iter()
        .map(|info| DeviceInfo {
            kind: DeviceKind::Camera,
            id: info.index().to_string(),
            name: info.human_name(),
        })
        .collect()
}

impl CameraSource {
    /// Opens camera `index` (the first when None) asking for `width`x`height` at `fps`.
    pub fn open(index: Option<u32>, width: u32, height: u32, fps: u32) -> MediaResult<Self> {
        let cameras = list();
        let chosen = match index {
            Some(i) => cameras
                .iter()
                .find(|c| c.id == i.to_string())
                .cloned()
                .ok_or(MediaError::DeviceMissing(DeviceKind::Camera))?,
            None => cameras
                .first()
                .cloned()
                .ok_or(MediaError::DeviceMissing(DeviceKind::Camera))?,
        };
        let camera_index = CameraIndex::Index(chosen.id.parse().unwrap_or(0));
        let (frame_tx, frames) = mpsc::sync_channel(1);
        let (open_tx, open_rx) = mpsc::sync_channel(1);
        let (stop, stop_rx) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("duet-camera".into())
            .spawn(move || {
                capture_loop(
                    camera_index,
                    (width, height, fps),
                    open_tx,
                    frame_tx,
                    stop_rx,
                )
            })
            .map_err(|e| device_error(e.to_string()))?;
        open_rx
            .recv()
            .map_err(|_| device_error("camera thread ended".into()))??;
        Ok(Self {
            name: chosen.name,
            frames,
            stop,
            thread: Some(thread),
        })
    }
}

fn device_error(reason: String) -> MediaError {
    MediaError::Device {
        kind: DeviceKind::Camera,
        reason,
    }
}

fn capture_loop(
    index: CameraIndex,
    (width, height, fps): (u32, u32, u32),
    open_tx: SyncSender<MediaResult<()>>,
    frame_tx: SyncSender<MediaResult<I420Frame>>,
    stop_rx: Receiver<()>,
) {
    let requested = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(
        CameraFormat::new(Resolution::new(width, height), FrameFormat::MJPEG, fps),
    ));
    let mut camera = match Camera::with_backend(index, requested, ApiBackend::Auto)
        .and_then(|mut c| c.open_stream().map(|_| c))
    {
        Ok(camera) => {
            let _ = open_tx.send(Ok(()));
            camera
        }
        Err(e) => {
            let _ = open_tx.send(Err(device_error(e.to_string())));
            return;
        }
    };
    let mut scaler = FrameScaler::new();
    while stop_rx.try_recv().is_err() {
        let frame = camera
            .frame()
            .and_then(|buffer| {
                let resolution = buffer.resolution();
                buffer
                    .decode_image::<RgbFormat>()
                    .map(|image| (resolution, image.into_raw()))
            })
            .map_err(|e| device_error(e.to_string()))
            .and_then(|(res, rgb)| rgb_to_i420(res.width(), res.height(), &rgb))
            .and_then(|frame| {
                // The camera's closest format may not be the size asked for.
                if (frame.width, frame.height) == (width, height) {
                    Ok(frame)
                } else {
                    scaler.scale_to(&frame, width, height)
                }
            })
            .map(|mut frame| {
                frame.capture_time_us = now_us();
                frame
            });
        let failed = frame.is_err();
        match frame_tx.try_send(frame) {
            Err(TrySendError::Disconnected(_)) => break,
            Ok(()) | Err(TrySendError::Full(_)) => {}
        }
        if failed {
            break;
        }
    }
    let _ = camera.stop_stream();
}

impl VideoSource for CameraSource {
    fn next_frame(&mut self) -> MediaResult<I420Frame> {
        self.frames
            .recv()
            .map_err(|_| device_error("camera stopped".into()))?
    }

    fn describe(&self) -> String {
        format!("camera {}", self.name)
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        let _ = self.stop.try_send(());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
