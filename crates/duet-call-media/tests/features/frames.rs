//! Test media for the feature tests: a Y4M file of noisy skin the beauty filter visibly
//! smooths, and a sink logging each frame's luma statistics per call.

use std::path::Path;
use std::sync::{Arc, Mutex};

use duet_call_media::VideoSinkFactory;
use duet_callkit::CallId;
use duet_media::frame::I420Frame;
use duet_media::sink::VideoSink;
use duet_media::MediaResult;

/// Writes `frames` frames of 320x240 noisy skin tone (luma 150 +- 12, YCbCr skin chroma
/// Cb 110, Cr 155, which duet-beauty's skin gate accepts) as a Y4M file.
pub fn write_skin_y4m(path: &Path, frames: u32) {
    let (w, h) = (320usize, 240usize);
    let mut data = format!("YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n").into_bytes();
    let mut state: u32 = 0x9e37_79b9;
    for _ in 0..frames {
        data.extend_from_slice(b"FRAME\n");
        for _ in 0..w * h {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            data.push(138 + (state % 24) as u8);
        }
        data.extend(std::iter::repeat_n(110u8, w * h / 4));
        data.extend(std::iter::repeat_n(155u8, w * h / 4));
    }
    std::fs::write(path, data).unwrap();
}

/// Mean and variance of a frame's visible luma.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Luma {
    pub mean: f64,
    pub variance: f64,
}

impl Luma {
    pub fn of(frame: &I420Frame) -> Self {
        let (w, h) = (frame.width as usize, frame.height as usize);
        let values: Vec<f64> = (0..h)
            .flat_map(|row| &frame.y[row * frame.stride_y..row * frame.stride_y + w])
            .map(|&v| f64::from(v))
            .collect();
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
        Self { mean, variance }
    }
}

/// Every frame's luma statistics, tagged with the call whose sink received it.
#[derive(Debug, Clone, Default)]
pub struct LumaLog(Arc<Mutex<Vec<(CallId, Luma)>>>);

impl LumaLog {
    /// A factory for `MediaSetup::with_*_preview` / `with_video_sink` writing into this log.
    pub fn factory(&self) -> VideoSinkFactory {
        let log = self.clone();
        Arc::new(move |call: &CallId| {
            Ok(Box::new(LumaSink {
                call: call.clone(),
                log: log.clone(),
            }) as Box<dyn VideoSink>)
        })
    }

    /// The statistics of `call`'s frames, in order.
    pub fn of(&self, call: &CallId) -> Vec<Luma> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| c == call)
            .map(|(_, l)| *l)
            .collect()
    }

    /// Statistics of every frame, whatever the call.
    pub fn all(&self) -> Vec<Luma> {
        self.0.lock().unwrap().iter().map(|(_, l)| *l).collect()
    }
}

struct LumaSink {
    call: CallId,
    log: LumaLog,
}

impl VideoSink for LumaSink {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        self.log
            .0
            .lock()
            .unwrap()
            .push((self.call.clone(), Luma::of(frame)));
        Ok(())
    }
}

/// A sink for `LocalPreview`, logging under a fixed pseudo call id.
pub fn preview_sink(log: &LumaLog) -> Box<dyn VideoSink> {
    Box::new(LumaSink {
        call: CallId::new("preview").unwrap(),
        log: log.clone(),
    })
}
