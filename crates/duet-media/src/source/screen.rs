//! A shared screen or window as a video source: duet-screen's X11 capture, converted to I420,
//! scaled down only to what the screen encoder is set for, and paced at the share's frame rate.
//!
//! Nothing changed on screen means no work: the capturer says so from X DAMAGE events without
//! reading a pixel, and no frame is produced. Only once a second, when nothing changed, is the
//! last picture sent again (cheap to encode, as it did not change), so a far side that lost a
//! frame, or asked for a keyframe, is not left waiting for someone to touch the screen.

use std::time::{Duration, Instant};

use duet_screen::{BgraImage, Capture, ScreenCapturer, ShareTarget};
use yuv::{
    bgra_to_yuv420, BufferStoreMut, YuvConversionMode, YuvPlanarImageMut, YuvRange,
    YuvStandardMatrix,
};

use super::{Pacer, VideoSource};
use crate::error::{MediaError, MediaResult};
use crate::frame::{now_us, I420Frame};
use crate::scale::{fit_within, FrameScaler};

/// How a share is sent: the largest picture and the frame rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreenShareSettings {
    /// The widest picture sent; a larger screen is scaled down, keeping its shape.
    pub max_width: u32,
    /// The tallest picture sent.
    pub max_height: u32,
    /// Frames per second while the screen changes (5..=15).
    pub frame_rate: u32,
}

impl Default for ScreenShareSettings {
    /// Up to 1920x1080 at 15 fps.
    fn default() -> Self {
        Self {
            max_width: 1920,
            max_height: 1080,
            frame_rate: 15,
        }
    }
}

impl ScreenShareSettings {
    /// Checks the ranges: a size within 64..=3840 x 64..=2160, 5..=15 fps.
    pub fn validate(&self) -> MediaResult<()> {
        if !(64..=3840).contains(&self.max_width) || !(64..=2160).contains(&self.max_height) {
            return Err(MediaError::InvalidConfig(format!(
                "screen share size {}x{} outside 64x64..=3840x2160",
                self.max_width, self.max_height
            )));
        }
        if !(5..=15).contains(&self.frame_rate) {
            return Err(MediaError::InvalidConfig(format!(
                "screen share frame rate {} outside 5..=15",
                self.frame_rate
            )));
        }
        Ok(())
    }
}

/// How long an unchanged screen goes without a frame.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// A screen or window being shared.
pub struct ScreenSource {
    capturer: ScreenCapturer,
    target: ShareTarget,
    settings: ScreenShareSettings,
    pacer: Pacer,
    scaler: FrameScaler,
    /// The last picture sent, and when.
    last: Option<(I420Frame, Instant)>,
}

impl std::fmt::Debug for ScreenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScreenSource")
            .field("target", &self.target.to_string())
            .finish_non_exhaustive()
    }
}

impl ScreenSource {
    /// Opens `target` for sharing with `settings`.
    pub fn open(target: &ShareTarget, settings: ScreenShareSettings) -> MediaResult<Self> {
        settings.validate()?;
        let capturer = ScreenCapturer::open(target).map_err(screen_error)?;
        Ok(Self {
            capturer,
            target: target.clone(),
            settings,
            pacer: Pacer::new(Duration::from_secs(1) / settings.frame_rate),
            scaler: FrameScaler::new(),
            last: None,
        })
    }

    /// The picture to send for `image`: I420, even-sized, within the settings' box.
    fn convert(&mut self, image: &BgraImage) -> MediaResult<I420Frame> {
        let frame = bgra_to_i420(image)?;
        let (w, h) = fit_within(
            frame.width,
            frame.height,
            self.settings.max_width,
            self.settings.max_height,
        );
        if (w, h) == (frame.width, frame.height) {
            return Ok(frame);
        }
        self.scaler.scale_to(&frame, w, h)
    }
}

impl VideoSource for ScreenSource {
    fn next_frame(&mut self) -> MediaResult<I420Frame> {
        loop {
            self.pacer.wait();
            let now = Instant::now();
            let image = match self.capturer.capture().map_err(screen_error)? {
                Capture::Frame(image) => image.clone(),
                Capture::Unchanged => match &mut self.last {
                    Some((frame, sent)) if now.duration_since(*sent) >= REFRESH_INTERVAL => {
                        *sent = now;
                        let mut again = frame.clone();
                        again.capture_time_us = now_us();
                        return Ok(again);
                    }
                    _ => continue,
                },
                Capture::Hidden => {
                    return Err(MediaError::ScreenShare(
                        "the shared window was minimised or hidden".into(),
                    ))
                }
            };
            let mut frame = self.convert(&image)?;
            frame.capture_time_us = now_us();
            self.last = Some((frame.clone(), now));
            return Ok(frame);
        }
    }

    fn describe(&self) -> String {
        format!("screen share of {}", self.target)
    }
}

/// A capture failure as the session reports it (the share ends with this reason).
fn screen_error(error: duet_screen::ScreenError) -> MediaError {
    use duet_screen::ScreenError;
    MediaError::ScreenShare(match error {
        ScreenError::WindowGone => "the shared window was closed".into(),
        other => other.to_string(),
    })
}

/// Converts a BGRA picture to I420 (BT.601 limited range, as the camera path), dropping a last
/// odd column or row: VP8 takes even sizes only.
pub fn bgra_to_i420(image: &BgraImage) -> MediaResult<I420Frame> {
    let (width, height) = (image.width & !1, image.height & !1);
    if width < 2 || height < 2 {
        return Err(MediaError::InvalidFrame(format!(
            "a {}x{} picture is too small to share",
            image.width, image.height
        )));
    }
    let needed = image.stride * (height as usize - 1) + width as usize * 4;
    if image.data.len() < needed || image.stride < width as usize * 4 {
        return Err(MediaError::InvalidFrame(format!(
            "BGRA buffer of {} bytes (stride {}) too short for {width}x{height}",
            image.data.len(),
            image.stride
        )));
    }
    let mut frame = I420Frame::black(width, height)?;
    let (stride_y, stride_uv) = (frame.stride_y as u32, frame.stride_uv as u32);
    let mut planes = YuvPlanarImageMut {
        y_plane: BufferStoreMut::Borrowed(&mut frame.y),
        y_stride: stride_y,
        u_plane: BufferStoreMut::Borrowed(&mut frame.u),
        u_stride: stride_uv,
        v_plane: BufferStoreMut::Borrowed(&mut frame.v),
        v_stride: stride_uv,
        width,
        height,
    };
    bgra_to_yuv420(
        &mut planes,
        &image.data[..needed],
        image.stride as u32,
        YuvRange::Limited,
        YuvStandardMatrix::Bt601,
        YuvConversionMode::Balanced,
    )
    .map_err(|e| MediaError::InvalidFrame(format!("BGRA to I420 {width}x{height}: {e}")))?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;
    use duet_screen::test_display::TestDisplay;

    fn bgra(width: u32, height: u32, [b, g, r]: [u8; 3]) -> BgraImage {
        let stride = width as usize * 4 + 8;
        let mut data = vec![0; stride * height as usize];
        for row in data.chunks_mut(stride) {
            for px in row[..width as usize * 4].chunks_mut(4) {
                px.copy_from_slice(&[b, g, r, 255]);
            }
        }
        BgraImage {
            width,
            height,
            stride,
            data,
        }
    }

    #[test]
    fn odd_pictures_lose_their_last_column_and_row_and_keep_their_colour() {
        // Pure red: BT.601 limited range Y 81, U 90, V 240.
        let frame = bgra_to_i420(&bgra(101, 51, [0, 0, 255])).unwrap();
        assert_eq!((frame.width, frame.height), (100, 50));
        assert!(frame.y[..100].iter().all(|&y| y.abs_diff(81) <= 1));
        assert!(frame.u[..50].iter().all(|&u| u.abs_diff(90) <= 1));
        assert!(frame.v[..50].iter().all(|&v| v.abs_diff(240) <= 1));
    }

    #[test]
    fn short_buffers_and_tiny_pictures_are_errors() {
        let mut image = bgra(64, 64, [0, 0, 0]);
        image.data.truncate(100);
        assert!(bgra_to_i420(&image).is_err());
        assert!(bgra_to_i420(&bgra(1, 64, [0, 0, 0])).is_err());
    }

    #[test]
    fn settings_out_of_range_are_refused() {
        let bad = ScreenShareSettings {
            frame_rate: 30,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        assert!(ScreenShareSettings::default().validate().is_ok());
    }

    #[test]
    fn a_large_screen_is_scaled_into_the_box_and_a_closed_window_ends_the_share() {
        let display = TestDisplay::start(1280, 720).unwrap();
        display.fill_root(0x0000ff).unwrap();
        let settings = ScreenShareSettings {
            max_width: 640,
            max_height: 640,
            frame_rate: 15,
        };
        let mut source = ScreenSource::open(&display.screen_target(), settings).unwrap();
        let frame = source.next_frame().unwrap();
        assert_eq!((frame.width, frame.height), (640, 360));
        // Blue: Y 41 (away from the pointer, which Xvfb starts in the middle).
        let away = frame.stride_y * 100 + 100;
        assert!(frame.y[away].abs_diff(41) <= 2, "{}", frame.y[away]);

        let window = display
            .open_window("shared", 10, 10, 200, 100, 0xff0000)
            .unwrap();
        let mut source = ScreenSource::open(&window.target(), settings).unwrap();
        let frame = source.next_frame().unwrap();
        assert_eq!((frame.width, frame.height), (200, 100));
        window.destroy().unwrap();
        let ended = (0..30).find_map(|_| source.next_frame().err());
        assert!(
            matches!(&ended, Some(MediaError::ScreenShare(reason)) if reason.contains("closed")),
            "{ended:?}"
        );
    }
}
