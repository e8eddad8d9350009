//! Echo media: a call's decoded remote video and audio, queued and sent back `delay` later.
//!
//! The sinks stamp each frame and block with its arrival time; the sources, paced like real
//! devices (one video frame per period, one 10 ms audio block per 10 ms), hand out what has been
//! waiting for at least `delay`. Until the first echo is due they send black frames and silence,
//! so a source never blocks longer than one period (the capture threads check their stop
//! command between frames).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use duet_media::frame::{now_us, AudioFrame, I420Frame, SAMPLE_RATE};
use duet_media::sink::{AudioSink, VideoSink};
use duet_media::source::{AudioSource, Pacer, VideoSource, BLOCK_SAMPLES};
use duet_media::MediaResult;

/// Frames older than `delay` plus this are dropped unsent: they can no longer be on time.
const STALE_AFTER: Duration = Duration::from_millis(500);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The queues stay whole between statements, so a poisoned lock's data is still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

type Queue<T> = Arc<Mutex<VecDeque<(Instant, T)>>>;

/// One call's echo: the two sinks that receive remote media and the two sources that send it.
#[derive(Clone)]
pub(crate) struct EchoLine {
    delay: Duration,
    video: Queue<I420Frame>,
    audio: Queue<Vec<i16>>,
}

impl EchoLine {
    pub(crate) fn new(delay: Duration) -> Self {
        Self {
            delay,
            video: Arc::default(),
            audio: Arc::default(),
        }
    }

    pub(crate) fn video_sink(&self) -> Box<dyn VideoSink> {
        Box::new(EchoSink {
            queue: self.video.clone(),
            keep: self.delay + STALE_AFTER,
        })
    }

    pub(crate) fn audio_sink(&self) -> Box<dyn AudioSink> {
        Box::new(EchoSink {
            queue: self.audio.clone(),
            keep: self.delay + STALE_AFTER,
        })
    }

    /// A video source sending at `fps`; `size` is the black frame's before the first echo.
    pub(crate) fn video_source(&self, size: (u32, u32), fps: u32) -> Box<dyn VideoSource> {
        Box::new(EchoVideoSource {
            line: self.clone(),
            pacer: Pacer::new(Duration::from_secs(1) / fps.max(1)),
            current: None,
            size,
        })
    }

    pub(crate) fn audio_source(&self) -> Box<dyn AudioSource> {
        Box::new(EchoAudioSource {
            line: self.clone(),
            pacer: Pacer::new(Duration::from_millis(10)),
            ready: VecDeque::new(),
        })
    }
}

/// Queues what arrives with its arrival time, forgetting what is too old to be sent.
struct EchoSink<T> {
    queue: Queue<T>,
    keep: Duration,
}

impl<T> EchoSink<T> {
    fn push(&self, item: T) {
        let now = Instant::now();
        let mut queue = lock(&self.queue);
        while queue
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > self.keep)
        {
            queue.pop_front();
        }
        queue.push_back((now, item));
    }
}

impl VideoSink for EchoSink<I420Frame> {
    fn write_frame(&mut self, frame: &I420Frame) -> MediaResult<()> {
        self.push(frame.clone());
        Ok(())
    }
}

impl AudioSink for EchoSink<Vec<i16>> {
    fn write_audio(&mut self, frame: &AudioFrame) -> MediaResult<()> {
        // Remote audio is 48 kHz; a stereo block is folded to the mono the sender takes.
        let mono = if frame.channels == 1 {
            frame.samples.clone()
        } else {
            frame.to_mono().samples
        };
        self.push(mono);
        Ok(())
    }
}

/// Takes every item whose `delay` has passed, oldest first.
fn due<T>(queue: &Queue<T>, delay: Duration) -> Vec<T> {
    let now = Instant::now();
    let mut queue = lock(queue);
    let mut out = Vec::new();
    while queue
        .front()
        .is_some_and(|(at, _)| now.duration_since(*at) >= delay)
    {
        if let Some((_, item)) = queue.pop_front() {
            out.push(item);
        }
    }
    out
}

struct EchoVideoSource {
    line: EchoLine,
    pacer: Pacer,
    current: Option<I420Frame>,
    size: (u32, u32),
}

impl VideoSource for EchoVideoSource {
    fn next_frame(&mut self) -> MediaResult<I420Frame> {
        self.pacer.wait();
        // Of several due frames only the newest is sent: the pace is the sender's frame rate.
        if let Some(newest) = due(&self.line.video, self.line.delay).pop() {
            self.current = Some(newest);
        }
        let mut frame = match &self.current {
            Some(frame) => frame.clone(),
            None => I420Frame::black(self.size.0, self.size.1)?,
        };
        frame.capture_time_us = now_us();
        Ok(frame)
    }

    fn describe(&self) -> String {
        format!("echo video ({:?} delay)", self.line.delay)
    }
}

struct EchoAudioSource {
    line: EchoLine,
    pacer: Pacer,
    ready: VecDeque<i16>,
}

impl EchoAudioSource {
    /// More than this waiting means the far side's clock runs fast: drop the excess so the
    /// echo does not drift later and later.
    const MAX_BACKLOG: usize = BLOCK_SAMPLES * 10;
}

impl AudioSource for EchoAudioSource {
    fn next_frame(&mut self) -> MediaResult<AudioFrame> {
        self.pacer.wait();
        for block in due(&self.line.audio, self.line.delay) {
            self.ready.extend(block);
        }
        if self.ready.len() > Self::MAX_BACKLOG {
            let excess = self.ready.len() - Self::MAX_BACKLOG;
            self.ready.drain(..excess);
        }
        let samples = if self.ready.len() >= BLOCK_SAMPLES {
            self.ready.drain(..BLOCK_SAMPLES).collect()
        } else {
            vec![0; BLOCK_SAMPLES]
        };
        Ok(AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples,
        })
    }

    fn describe(&self) -> String {
        format!("echo audio ({:?} delay)", self.line.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_comes_back_only_after_the_delay_in_order() {
        // Long enough that the read right after the write cannot be late, short for the test.
        let line = EchoLine::new(Duration::from_millis(200));
        let mut sink = line.audio_sink();
        let mut source = line.audio_source();
        let block: Vec<i16> = (0..480).map(|i| i as i16).collect();
        sink.write_audio(&AudioFrame {
            sample_rate: SAMPLE_RATE,
            channels: 1,
            samples: block.clone(),
        })
        .unwrap();
        // The first block is read at once, before the delay: silence.
        assert_eq!(source.next_frame().unwrap().samples, vec![0; 480]);
        let mut echoed = None;
        for _ in 0..100 {
            let frame = source.next_frame().unwrap();
            if frame.samples != vec![0; 480] {
                echoed = Some(frame.samples);
                break;
            }
        }
        assert_eq!(echoed, Some(block));
    }

    #[test]
    fn video_repeats_black_until_the_first_echo_then_the_echoed_picture() {
        let line = EchoLine::new(Duration::from_millis(20));
        let mut sink = line.video_sink();
        let mut source = line.video_source((64, 64), 100);
        let black = I420Frame::black(64, 64).unwrap();
        let first = source.next_frame().unwrap();
        assert_eq!((first.y.clone(), first.width), (black.y.clone(), 64));
        let mut picture = I420Frame::black(96, 64).unwrap();
        picture.y.fill(200);
        sink.write_frame(&picture).unwrap();
        let mut seen = None;
        for _ in 0..20 {
            let frame = source.next_frame().unwrap();
            if frame.width == 96 {
                seen = Some(frame);
                break;
            }
        }
        assert_eq!(seen.map(|f| f.y), Some(picture.y));
    }
}
