//! A simulated call over an impaired path, in virtual time, for the bandwidth estimator's tests:
//! what the network lab's presets do (`tc tbf` caps, nftables random loss), without the lab.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rtc::interceptor::{BandwidthEstimator, PacketReport};
use rtc::rtcp::transport_feedbacks::cc_feedback_report::Ecn;

const AUDIO_BPS: f64 = 32_000.0;
const MTU: usize = 1200;
/// The least video the simulated encoder sends, as minBitrate would hold it.
const VIDEO_FLOOR_BPS: f64 = 150_000.0;

/// The path: a drop-tail bottleneck like `tc tbf` (a packet that would wait longer than `limit`
/// is dropped) and random loss after it.
pub struct Path {
    pub capacity_bps: f64,
    pub limit: Duration,
    pub loss: f64,
    free_at: Option<Instant>,
    seed: u64,
}

impl Path {
    /// A cap of `kbps` with tbf's 200 ms latency in the lab, and no random loss.
    pub fn capped(kbps: f64) -> Self {
        Self {
            capacity_bps: kbps * 1000.0,
            limit: Duration::from_millis(200),
            loss: 0.0,
            free_at: None,
            seed: 1,
        }
    }

    /// Random loss of `share` (0..1) as well.
    pub fn with_loss(mut self, share: f64) -> Self {
        self.loss = share;
        self
    }

    fn random(&mut self) -> f64 {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.seed >> 11) as f64 / (1u64 << 53) as f64
    }

    /// When a packet of `size` bytes sent at `sent` arrives (`None`: dropped by the queue or
    /// lost), and how long it queued.
    fn pass(&mut self, sent: Instant, size: usize) -> (Option<Instant>, Duration) {
        let start = self.free_at.map_or(sent, |free| free.max(sent));
        let wait = start - sent;
        if wait > self.limit {
            return (None, wait);
        }
        let done = start + Duration::from_secs_f64(size as f64 * 8.0 / self.capacity_bps);
        self.free_at = Some(done);
        let lost = self.random() < self.loss;
        (if lost { None } else { Some(done) }, wait)
    }
}

/// What the call saw after the settling time.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Packets the queue dropped (random loss not counted).
    pub queue_drops: usize,
    /// The 95th percentile of the time packets queued.
    pub wait_p95: Duration,
    /// What was sent each second: the median and the highest, in bits per second.
    pub sent_median: f64,
    pub sent_highest: f64,
    /// The estimator's lowest target, in bits per second.
    pub lowest_target: f64,
}

/// Runs `estimator` for `seconds` on a call over `path`: 30 fps video with no pacer (each frame's
/// packets leave together, frame sizes varying ±30 %), 50 audio packets a second, feedback every
/// 50 ms, and the encoder following the estimate once a second as the bitrate task does.
/// Figures count from `settle` on.
pub fn simulate(
    estimator: &mut dyn BandwidthEstimator,
    mut path: Path,
    seconds: u64,
    settle: Duration,
) -> Outcome {
    let t0 = Instant::now();
    let mut pending: VecDeque<(PacketReport, Instant)> = VecDeque::new();
    let mut id = 0u64;
    let mut video_bps = estimator.target_bitrate();
    let mut outcome = Outcome {
        lowest_target: f64::INFINITY,
        ..Outcome::default()
    };
    let mut waits = Vec::new();
    let mut sent_each_second = vec![0.0; seconds as usize];
    let mut send = |at: Instant,
                    size: usize,
                    path: &mut Path,
                    outcome: &mut Outcome,
                    pending: &mut VecDeque<(PacketReport, Instant)>| {
        let (arrival, wait) = path.pass(at, size);
        if at - t0 >= settle {
            outcome.queue_drops += usize::from(wait > path.limit);
            waits.push(wait);
            sent_each_second[(at - t0).as_secs() as usize] += size as f64 * 8.0;
        }
        id += 1;
        let report = PacketReport {
            ssrc: 1,
            id,
            rtp_sequence_number: id as u16,
            is_twcc: true,
            twcc_sequence_number: id as u16,
            size,
            arrived: arrival.is_some(),
            departure: at,
            // The receiver's clock is 3 s ahead: only differences may matter.
            arrival: arrival.map(|a| a - t0 + Duration::from_secs(3)),
            ecn: Ecn::default(),
        };
        let known = arrival.unwrap_or(at + Duration::from_millis(250));
        pending.push_back((report, known));
    };
    for ms in 0..seconds * 1000 {
        let now = t0 + Duration::from_millis(ms);
        if ms % 1000 == 0 {
            video_bps = (estimator.target_bitrate() * 0.95 - AUDIO_BPS).max(VIDEO_FLOOR_BPS);
        }
        if ms % 20 == 0 {
            send(now, 100, &mut path, &mut outcome, &mut pending);
        }
        if (ms * 3) % 100 < 3 {
            let variation = 0.7 + path.random() * 0.6;
            let mut bytes = (video_bps / 30.0 / 8.0 * variation) as usize;
            while bytes > 0 {
                let size = bytes.min(MTU);
                send(now, size, &mut path, &mut outcome, &mut pending);
                bytes -= size;
            }
        }
        if ms % 50 == 0 {
            let mut batch = Vec::new();
            while pending.front().is_some_and(|(_, known)| *known <= now) {
                batch.extend(pending.pop_front().map(|(report, _)| report));
            }
            estimator.on_reports(now, &batch);
            // A fall is applied at once (the estimate tap wakes the bitrate task).
            let lower = (estimator.target_bitrate() * 0.95 - AUDIO_BPS).max(VIDEO_FLOOR_BPS);
            if lower < video_bps * 0.95 {
                video_bps = lower;
            }
            if now - t0 >= settle {
                outcome.lowest_target = outcome.lowest_target.min(estimator.target_bitrate());
            }
        }
    }
    waits.sort();
    outcome.wait_p95 = waits
        .get(waits.len() * 95 / 100)
        .copied()
        .unwrap_or_default();
    let mut sent: Vec<f64> = sent_each_second[settle.as_secs() as usize..].to_vec();
    sent.sort_by(f64::total_cmp);
    outcome.sent_median = sent.get(sent.len() / 2).copied().unwrap_or_default();
    outcome.sent_highest = sent.last().copied().unwrap_or_default();
    outcome
}
