//! The send-side bandwidth estimator handed to webrtc-rs's congestion-control interceptor:
//! Google Congestion Control's delay-based half (`delay_half.rs`: libwebrtc's trendline in front
//! of webrtc-rs's detector and AIMD), and [`LossJudge`] for loss in place of GCC's loss half, so
//! that random loss is not taken for congestion (`loss_judge.rs` says why and how).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::interceptor::{BandwidthEstimator, EstimatorStats, PacketReport};

use super::delay_half::DelayHalf;
use super::loss_judge::{Batch, LossJudge, Verdict};

/// The loss the estimator measures, for the once-a-second statistics task (fractions, as `f64`
/// bits; the estimator runs in webrtc-rs's interceptor, the task in its own).
#[derive(Debug)]
pub struct PathLoss {
    /// The loss the path has whatever the rate: the bitrate task does not cut for it either.
    inherent: AtomicU64,
    /// The loss of our packets over the last second of transport feedback, `NaN` until there
    /// is enough of it: what `CALL_STATS` reports and Opus protects against. webrtc-rs reads the
    /// send loss only from standalone receiver reports, and a side that sends media reports in
    /// sender reports, whose loss it ignores: in a call where both sides send it read 0 at 20 %
    /// loss, and Opus's in-band FEC was turned down to nothing.
    recent: AtomicU64,
}

/// Shared between the estimator and the statistics task.
pub type SharedPathLoss = Arc<PathLoss>;

/// The most of the path's own (inherent) loss that the encoder's share and the resend budget
/// make room for (`bitrate.rs`, `retransmit_budget.rs`): past it the floor (`minBitrate`) and the
/// budget's ceiling hold anyway, and 1/(1 − loss) would grow without bound.
pub const MOST_INHERENT_LOSS: f64 = 0.9;

impl Default for PathLoss {
    fn default() -> Self {
        Self {
            inherent: AtomicU64::new(0.0f64.to_bits()),
            recent: AtomicU64::new(f64::NAN.to_bits()),
        }
    }
}

impl PathLoss {
    /// The path's own loss, 0 until a test of the estimator's found some.
    pub fn inherent(&self) -> f64 {
        f64::from_bits(self.inherent.load(Ordering::Relaxed))
    }

    /// The loss over the last second of transport feedback, if there was enough of it.
    pub fn recent(&self) -> Option<f64> {
        let loss = f64::from_bits(self.recent.load(Ordering::Relaxed));
        (!loss.is_nan()).then_some(loss)
    }

    pub(super) fn store(&self, inherent: f64, recent: Option<f64>) {
        self.inherent.store(inherent.to_bits(), Ordering::Relaxed);
        let recent = recent.unwrap_or(f64::NAN);
        self.recent.store(recent.to_bits(), Ordering::Relaxed);
    }
}

/// How long the one-way delay's minimum is remembered (the path's delay without a queue).
const BASE_DELAY_MEMORY: Duration = Duration::from_secs(10);

/// Consecutive packets reported lost from which the run is taken as feedback that never came,
/// not as loss. webrtc-rs reports every packet up to the newest acknowledged one, and those a
/// lost feedback message covered (100 ms of packets, 10 to 20 of them in a video call) as lost:
/// at 20 % random loss both ways the measured loss read 35 to 55 %, and so noisy that the loss
/// judge flipped between its verdicts and ratcheted the rate down. Six in a row at 20 % random
/// loss happen once in 15,000 packets; the queue, not loss, is what finds congestion that drops
/// whole bursts (`loss_judge.rs`, `OVERUSE_QUEUE_MS`).
const UNREPORTED_RUN: usize = 6;

/// GCC's delay half and the loss judge, combined by `min` as GCC combines its two halves.
pub struct LossTolerantGcc {
    delay: DelayHalf,
    judge: LossJudge,
    base_delay: BaseDelay,
    min: f64,
    max: f64,
    target: f64,
    loss: SharedPathLoss,
    verdict: Verdict,
}

impl LossTolerantGcc {
    pub fn new(initial: f64, min: f64, max: f64, loss: SharedPathLoss) -> Self {
        let initial = initial.clamp(min, max);
        Self {
            delay: DelayHalf::new(initial, min, max),
            judge: LossJudge::new(initial, min, max),
            base_delay: BaseDelay::default(),
            min,
            max,
            target: initial,
            loss,
            verdict: Verdict::Clear,
        }
    }
}

impl BandwidthEstimator for LossTolerantGcc {
    fn on_reports(&mut self, now: Instant, reports: &[PacketReport]) {
        if reports.is_empty() {
            return;
        }
        let delay_target = self.delay.on_reports(now, reports);
        let mut batch = Batch {
            lost: 0,
            total: reports.len() as u64,
            sent_bytes: 0,
            arrived_bytes: 0,
            queue_ms: 0.0,
            last_arrival: reports.iter().filter_map(|r| r.arrival).max(),
        };
        let mut delays = Vec::with_capacity(reports.len());
        let mut run: (u64, u64) = (0, 0);
        for report in reports {
            match report.arrival {
                Some(arrival) if report.arrived => {
                    count_lost_run(&mut batch, run);
                    run = (0, 0);
                    batch.sent_bytes += report.size as u64;
                    batch.arrived_bytes += report.size as u64;
                    delays.push(self.base_delay.one_way_ms(report.departure, arrival));
                }
                _ => run = (run.0 + 1, run.1 + report.size as u64),
            }
        }
        count_lost_run(&mut batch, run);
        batch.queue_ms = self.base_delay.queue_ms(now, &delays);
        let loss_target = self.judge.update(now, batch, delay_target);
        tracing::trace!(
            lost = batch.lost,
            total = batch.total,
            queue_ms = batch.queue_ms,
            delay_target,
            loss_target,
            "transport feedback"
        );
        if self.judge.verdict() != self.verdict {
            self.verdict = self.judge.verdict();
            tracing::debug!(
                verdict = ?self.verdict,
                inherent_loss = self.judge.inherent_loss(),
                loss_target,
                delay_target,
                "loss judged"
            );
        }
        self.loss
            .store(self.judge.inherent_loss(), self.judge.window_loss());
        self.target = delay_target.min(loss_target).clamp(self.min, self.max);
    }

    fn target_bitrate(&self) -> f64 {
        self.target
    }

    fn stats(&self) -> EstimatorStats {
        let mut stats = EstimatorStats::default();
        stats.delay_based_bitrate = Some(self.delay.target());
        stats.loss_based_bitrate = Some(self.judge.target());
        stats.packet_loss = Some(self.judge.inherent_loss());
        stats
    }
}

/// Counts a run of `(packets, bytes)` reported lost in `batch`, unless it is long enough to be
/// a feedback message that was lost (see [`UNREPORTED_RUN`]): those packets are left out.
fn count_lost_run(batch: &mut Batch, (packets, bytes): (u64, u64)) {
    if packets as usize >= UNREPORTED_RUN {
        batch.total -= packets;
    } else {
        batch.lost += packets;
        batch.sent_bytes += bytes;
    }
}

/// One-way delays relative to the first packet seen (sender and receiver clocks differ by an
/// unknown offset; only changes matter), and their minimum over [`BASE_DELAY_MEMORY`].
#[derive(Debug, Default)]
struct BaseDelay {
    /// The first packet's departure and arrival: the origin of both clocks.
    origin: Option<(Instant, Duration)>,
    /// Minimum one-way delay per second, newest last.
    minima: std::collections::VecDeque<(Instant, f64)>,
}

impl BaseDelay {
    fn one_way_ms(&mut self, departure: Instant, arrival: Duration) -> f64 {
        let (sent0, arrived0) = *self.origin.get_or_insert((departure, arrival));
        let sent = departure.saturating_duration_since(sent0).as_secs_f64()
            - sent0.saturating_duration_since(departure).as_secs_f64();
        let arrived = arrival.as_secs_f64() - arrived0.as_secs_f64();
        (arrived - sent) * 1000.0
    }

    /// The median delay of `delays` over the remembered minimum, in ms (0 without delays).
    fn queue_ms(&mut self, now: Instant, delays: &[f64]) -> f64 {
        let Some(lowest) = delays.iter().copied().reduce(f64::min) else {
            return 0.0;
        };
        match self.minima.back_mut() {
            Some((since, min))
                if now.saturating_duration_since(*since) < Duration::from_secs(1) =>
            {
                *min = min.min(lowest);
            }
            _ => self.minima.push_back((now, lowest)),
        }
        while self
            .minima
            .front()
            .is_some_and(|(at, _)| now.saturating_duration_since(*at) > BASE_DELAY_MEMORY)
        {
            self.minima.pop_front();
        }
        let base = self
            .minima
            .iter()
            .map(|(_, min)| *min)
            .fold(f64::INFINITY, f64::min);
        let mut sorted = delays.to_vec();
        sorted.sort_by(f64::total_cmp);
        (sorted[sorted.len() / 2] - base).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::path_sim::{simulate, Outcome, Path};
    use super::*;

    /// The bench's call: 1,500 kbit/s of video at most, and the audio headroom.
    const MAX_BPS: f64 = 1_650_000.0;

    fn estimator() -> LossTolerantGcc {
        LossTolerantGcc::new(MAX_BPS, 50_000.0, MAX_BPS, SharedPathLoss::default())
    }

    fn run(path: Path) -> Outcome {
        simulate(&mut estimator(), path, 40, Duration::from_secs(5))
    }

    #[test]
    fn a_long_run_of_losses_is_feedback_that_never_came_and_a_short_one_is_loss() {
        let mut batch = Batch {
            lost: 0,
            total: 30,
            sent_bytes: 0,
            arrived_bytes: 0,
            queue_ms: 0.0,
            last_arrival: None,
        };
        count_lost_run(&mut batch, (2, 2_400));
        count_lost_run(&mut batch, (UNREPORTED_RUN as u64, 7_200));
        assert_eq!(
            (batch.lost, batch.total, batch.sent_bytes),
            (2, 30 - UNREPORTED_RUN as u64, 2_400)
        );
    }

    #[test]
    fn a_clean_fast_path_keeps_the_maximum() {
        let outcome = run(Path::capped(50_000.0));
        assert_eq!(outcome.queue_drops, 0);
        assert!(outcome.lowest_target >= MAX_BPS * 0.99, "{outcome:?}");
    }

    /// The cap presets: found within 5 s, and from then on the queue never overflows
    /// (no freezes) or holds packets long, and what is sent stays under the cap while using
    /// most of it.
    fn settles_under(kbps: f64, loss: f64) {
        let cap = kbps * 1000.0;
        let outcome = run(Path::capped(kbps).with_loss(loss));
        assert_eq!(outcome.queue_drops, 0, "{outcome:?}");
        assert!(outcome.wait_p95 < Duration::from_millis(100), "{outcome:?}");
        eprintln!("{kbps} kbit/s, {loss} loss: {outcome:?}");
        assert!(outcome.sent_median <= cap, "{outcome:?}");
        assert!(outcome.sent_median >= cap * 0.6, "{outcome:?}");
    }

    #[test]
    fn a_1000_kbit_cap_is_found_and_then_not_overrun() {
        settles_under(1000.0, 0.0);
    }

    #[test]
    fn a_300_kbit_cap_is_found_and_then_not_overrun() {
        settles_under(300.0, 0.0);
    }

    #[test]
    fn a_300_kbit_cap_with_5_percent_loss_is_found_and_then_not_overrun() {
        settles_under(300.0, 0.05);
    }

    #[test]
    fn random_loss_without_a_cap_keeps_most_of_the_rate() {
        for loss in [0.05, 0.2, 0.4] {
            let outcome = run(Path::capped(50_000.0).with_loss(loss));
            assert!(outcome.sent_median >= MAX_BPS * 0.7, "{loss}: {outcome:?}");
        }
    }

    #[test]
    fn the_last_seconds_loss_is_published_for_the_statistics_and_audio() {
        let loss = SharedPathLoss::default();
        assert_eq!(loss.recent(), None, "nothing measured yet");
        assert_eq!(loss.inherent(), 0.0);
        let mut gcc = LossTolerantGcc::new(MAX_BPS, 50_000.0, MAX_BPS, loss.clone());
        simulate(
            &mut gcc,
            Path::capped(50_000.0).with_loss(0.2),
            40,
            Duration::from_secs(5),
        );
        let recent = loss.recent().expect("a second of feedback measured");
        assert!((0.1..=0.3).contains(&recent), "{recent}");
    }

    #[test]
    fn queueing_delay_is_measured_over_the_recent_minimum() {
        let mut base = BaseDelay::default();
        let t0 = Instant::now();
        // Clocks 5 s apart; the path's own delay 20 ms, then a 150 ms queue.
        let arrival =
            |sent_ms: u64, delay_ms: u64| Duration::from_millis(5_000 + sent_ms + delay_ms);
        let send = |ms: u64| t0 + Duration::from_millis(ms);
        let quiet: Vec<f64> = (0..10)
            .map(|i| base.one_way_ms(send(i * 10), arrival(i * 10, 20)))
            .collect();
        assert!(base.queue_ms(send(100), &quiet) < 1.0);
        let queued: Vec<f64> = (10..20)
            .map(|i| base.one_way_ms(send(i * 10), arrival(i * 10, 170)))
            .collect();
        let queue = base.queue_ms(send(200), &queued);
        assert!((queue - 150.0).abs() < 1.0, "{queue}");
    }
}
