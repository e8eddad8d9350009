//! The loss half of the send-side bandwidth estimate, which tells random loss from congestion.
//!
//! Classic GCC (draft-ietf-rmcat-gcc §5.5, webrtc-rs's `LossController`) cuts the rate whenever
//! more than 10 % of packets are lost. On Wi-Fi or a mobile link much of the loss is random: it
//! stays the same whatever the rate, and cutting for it only starves the call. The network lab
//! showed it: at 20 % random loss the estimate fell to its floor and video paused, while
//! Chromium (whose loss-based estimator v2 models such "inherent" loss) kept 30 fps.
//!
//! So high loss is tested before it is believed:
//! - with a queue building (one-way delay well over its recent minimum) it is congestion, and
//!   the rate is cut as GCC does;
//! - without one, the rate is cut once by a fifth and the next seconds are compared. If what
//!   arrives fell with what was sent, the loss does not depend on the rate: it is random, the
//!   rate goes back, and that loss level becomes the path's inherent loss, tolerated from then
//!   on. If what arrives stayed (a policer or a shallow buffer: capacity, not chance), it is
//!   congestion, and the cuts go on.
//!
//! Time is an input (`now`), so every path is tested in virtual time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Loss above the inherent level that counts as high.
pub const HIGH_LOSS: f64 = 0.10;
/// Loss above the inherent level under which the rate may grow.
pub const LOW_LOSS: f64 = 0.02;
/// Queueing delay over which high loss is congestion without a test.
pub const QUEUE_MS: f64 = 40.0;
/// Queueing delay that is congestion by itself, loss or not: a queue this deep is the link
/// telling the sender it sends more than fits. The delay half sees a queue grow only once the
/// sender is about 10 % over the link (its threshold adapts to the frame-by-frame noise of a
/// sender without a pacer); this catches a slower climb before `tc tbf`'s 200 ms queue of the
/// network lab overflows. In the simulated 300 and 1,000 kbit/s caps (`bandwidth.rs`' tests)
/// 100 ms let 5 % of packets wait over 100 ms; 60 ms keeps them under 70.
pub const OVERUSE_QUEUE_MS: f64 = 60.0;
/// On congestion the target goes no lower than this share of what arrives: the rate the path
/// delivers is what it can carry (GCC's decrease to 0.85 of the received rate).
const ARRIVED_SHARE: f64 = 0.85;
/// What the test cuts the rate to.
const TEST_CUT: f64 = 0.8;
/// How long the test waits at the lower rate: the encoder follows within a second, and the
/// window then has to fill at the new rate.
const TEST_FOR: Duration = Duration::from_millis(2500);
/// Tests in a row in which the sender did not slow down, after which the loss is judged on the
/// queue alone.
const INCONCLUSIVE_TESTS: u32 = 2;
/// Congestion is judged again once the sender has come down to this share of its rate when
/// congestion was found: by then a capacity limit has stopped losing packets, and random loss
/// has not.
const REJUDGE_AT_SENT_SHARE: f64 = 0.7;
/// The window loss and rates are measured over.
const WINDOW: Duration = Duration::from_secs(1);
/// Fewer packets than this in the window decide nothing.
const MIN_PACKETS: u64 = 20;
/// The batches [`Totals::recent_arrived_rate`] is measured over (after the one it starts from).
const RECENT_BATCHES: usize = 2;
/// The least feedback a deep queue decides on before the window is full: three batches at the
/// usual 100 ms, enough for what arrived to be measured roughly (the cut goes to 0.85 of it).
/// Waiting for a full window, the network lab's 1,000 kbit/s cap (tbf, 200 ms queue) put on as
/// a 1,650 kbit/s call started overflowed 0.5 s in, before the first cut, and the picture froze
/// twice in the first two seconds.
const MIN_QUEUE_SPAN: Duration = Duration::from_millis(150);
/// Between two changes of the target, so each is seen before the next.
const CHANGE_EVERY: Duration = Duration::from_millis(200);
/// Between two cuts for congestion: the encoder follows the estimate once a second (the
/// bitrate task), so the loss of the next second still comes from the old rate. Cutting every
/// 200 ms on it compounded five cuts into one overshoot, and a 1,000 kbit/s cap took the call
/// down to 170 kbit/s in the network lab.
const CUT_EVERY: Duration = Duration::from_secs(1);

/// Growth of the target per change (every [`CHANGE_EVERY`]) while loss is low: 28 % a second.
const GROWTH: f64 = 1.05;
/// Growth per change within [`SLOW_GROWTH_FOR`] of a cut for congestion: 8 % a second.
const SLOW_GROWTH: f64 = 1.016;
const SLOW_GROWTH_FOR: Duration = Duration::from_secs(10);
/// Growth per change once the target is near what arrived when congestion was last found (the
/// link's capacity as far as the sender can tell): 2 % a second. Climbing at 8 % a second,
/// the sender crossed a 1,000 kbit/s cap of the network lab with its excess growing by 80
/// kbit/s every second; tbf's 200 ms queue filled in about two seconds, faster than the queue
/// rule and the feedback could cut, and every climb ended in 15-25 % loss and a frozen picture.
/// At 2 % a second the queue builds four times slower, and [`OVERUSE_QUEUE_MS`] cuts before
/// it overflows.
const CAPACITY_GROWTH: f64 = 1.004;
/// The share of that capacity from which growth is [`CAPACITY_GROWTH`].
const NEAR_CAPACITY: f64 = 0.9;
/// Over this many times that capacity without congestion, the link has grown (another
/// network, another user gone): the memory goes and the target climbs at full speed.
const CAPACITY_FORGOTTEN_ABOVE: f64 = 1.15;
/// Loss between [`LOW_LOSS`] and [`HIGH_LOSS`] over the inherent level holds the target, as in
/// GCC; held this long without a queue, it is tested as high loss is. A path with 5 % random
/// loss behind a 300 kbit/s cap kept the target where the first congestion cut had left it,
/// under what video needs, and video stayed paused: the loss was too low to be tested and too
/// high to climb, so it was never found to be the path's own.
const HOLD_TESTED_AFTER: Duration = Duration::from_secs(4);

/// One batch of transport feedback.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    pub lost: u64,
    pub total: u64,
    /// Bytes of the packets reported, and of those that arrived.
    pub sent_bytes: u64,
    pub arrived_bytes: u64,
    /// Queueing delay over the path's minimum, in milliseconds (see `bandwidth.rs`).
    pub queue_ms: f64,
    /// When the last packet of the batch arrived, on the receiver's clock.
    pub last_arrival: Option<Duration>,
}

/// The window's rates, and the target, when loss was last found to be congestion.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CongestedFrom {
    sent: f64,
    arrived: f64,
    target: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Normal,
    /// The rate was cut at `since` from `rate_before`, when the window measured these.
    Testing {
        since: Instant,
        rate_before: f64,
        sent_before: f64,
        arrived_before: f64,
        /// Tests so far in which the sender did not slow down.
        inconclusive: u32,
    },
}

/// What the loss half currently believes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Loss is low, or tolerated as the path's own.
    Clear,
    /// Loss is high and being tested.
    Testing,
    /// Loss is congestion: the rate is being cut.
    Congested,
}

/// The loss-based target, in bits per second.
#[derive(Debug)]
pub struct LossJudge {
    target: f64,
    min: f64,
    max: f64,
    inherent: f64,
    state: State,
    verdict: Verdict,
    window: VecDeque<(Instant, Batch)>,
    last_change: Option<Instant>,
    last_cut: Option<Instant>,
    /// Set exactly while the verdict is congestion (cleared wherever the verdict leaves it).
    congested_from: Option<CongestedFrom>,
    /// The most that arrived (bits a second) while congestion was last found, until the
    /// target passes it well.
    capacity: Option<f64>,
    /// Since when loss has held the target without a queue.
    holding_since: Option<Instant>,
}

/// Totals of the window: packets lost of all, bytes sent and arrived a second, and the latest
/// queueing delay.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    lost: u64,
    total: u64,
    sent_rate: f64,
    arrived_rate: f64,
    /// Bytes a second arrived over the last [`RECENT_BATCHES`] batches, timed by the receiver's
    /// arrival times (the feedback's own arrival here bunches behind a queue): with a deep queue
    /// the link is busy, so this is its rate now, where the window's rate also holds what
    /// arrived before the queue built (or, at a call's start, before the link narrowed).
    recent_arrived_rate: Option<f64>,
    queue_ms: f64,
    /// Seconds from the window's first batch to its last.
    span: f64,
}

impl Totals {
    fn loss(&self) -> f64 {
        self.lost as f64 / self.total.max(1) as f64
    }
}

impl LossJudge {
    pub fn new(initial: f64, min: f64, max: f64) -> Self {
        Self {
            target: initial.clamp(min, max),
            min,
            max,
            inherent: 0.0,
            state: State::Normal,
            verdict: Verdict::Clear,
            window: VecDeque::new(),
            last_change: None,
            last_cut: None,
            congested_from: None,
            capacity: None,
            holding_since: None,
        }
    }

    pub fn target(&self) -> f64 {
        self.target
    }

    /// The loss the path has whatever the rate, as last measured (0 until a test found some).
    pub fn inherent_loss(&self) -> f64 {
        self.inherent
    }

    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// The loss over the last [`WINDOW`] of feedback, once it holds enough packets to say.
    pub fn window_loss(&self) -> Option<f64> {
        let totals = self.totals();
        (totals.total >= MIN_PACKETS).then(|| totals.loss())
    }

    fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        let (mut sent, mut arrived) = (0.0, 0.0);
        for (_, batch) in &self.window {
            totals.lost += batch.lost;
            totals.total += batch.total;
            sent += batch.sent_bytes as f64;
            arrived += batch.arrived_bytes as f64;
            totals.queue_ms = batch.queue_ms;
        }
        if let (Some((first, _)), Some((last, _))) = (self.window.front(), self.window.back()) {
            totals.span = last.saturating_duration_since(*first).as_secs_f64();
        }
        // The first batch covers the time before the span: n batches over n - 1 gaps.
        let n = self.window.len() as f64;
        let seconds = (totals.span * n / (n - 1.0).max(1.0)).max(0.05);
        totals.sent_rate = sent / seconds;
        totals.arrived_rate = arrived / seconds;
        let n = self.window.len();
        if n > RECENT_BATCHES {
            let arrivals: Option<Vec<Duration>> = self
                .window
                .iter()
                .skip(n - 1 - RECENT_BATCHES)
                .map(|(_, batch)| batch.last_arrival)
                .collect();
            if let Some(arrivals) = arrivals {
                let seconds = arrivals[RECENT_BATCHES]
                    .saturating_sub(arrivals[0])
                    .as_secs_f64();
                let bytes: u64 = self
                    .window
                    .iter()
                    .skip(n - RECENT_BATCHES)
                    .map(|(_, batch)| batch.arrived_bytes)
                    .sum();
                totals.recent_arrived_rate = (seconds > 0.0).then(|| bytes as f64 / seconds);
            }
        }
        totals
    }

    /// Folds in one batch of feedback received at `now` and returns the target. `delay_target`
    /// is the delay half's target: the rate a random-loss verdict returns to at most.
    pub fn update(&mut self, now: Instant, batch: Batch, delay_target: f64) -> f64 {
        self.window.push_back((now, batch));
        while let Some((at, _)) = self.window.front() {
            if now.saturating_duration_since(*at) <= WINDOW {
                break;
            }
            self.window.pop_front();
        }
        let totals = self.totals();
        // Decide on a full window only: rates over a part of one mislead. A deep queue is the
        // exception: it is congestion however little feedback there is, and a call that starts
        // into a link narrower than its start rate fills it before the first window is full.
        let full_window = totals.total >= MIN_PACKETS && totals.span >= WINDOW.as_secs_f64() * 0.8;
        let deep_queue_early = matches!(self.state, State::Normal)
            && totals.queue_ms > OVERUSE_QUEUE_MS
            && totals.total >= MIN_PACKETS
            && totals.span >= MIN_QUEUE_SPAN.as_secs_f64();
        if !full_window && !deep_queue_early {
            return self.target;
        }
        if self
            .last_change
            .is_some_and(|last| now.saturating_duration_since(last) < CHANGE_EVERY)
        {
            return self.target;
        }
        let loss = totals.loss();
        let excess = loss - self.inherent;
        match self.state {
            State::Testing {
                since,
                rate_before,
                sent_before,
                arrived_before,
                inconclusive,
            } => {
                if now.saturating_duration_since(since) < TEST_FOR {
                    return self.target;
                }
                let sent_ratio = totals.sent_rate / sent_before.max(1.0);
                let arrived_ratio = totals.arrived_rate / arrived_before.max(1.0);
                let stuck = sent_ratio >= 0.95;
                if stuck && inconclusive < INCONCLUSIVE_TESTS {
                    // The sender did not slow down (it sends less than the target anyway):
                    // nothing is proven yet. Cut again and keep measuring against the same
                    // "before".
                    self.state = State::Testing {
                        since: now,
                        rate_before,
                        sent_before,
                        arrived_before,
                        inconclusive: inconclusive + 1,
                    };
                    self.set(now, self.target * TEST_CUT);
                    return self.target;
                }
                self.state = State::Normal;
                // Random loss: what arrives follows what is sent. Capacity: what arrives stays
                // while less is sent. A sender that cannot slow down (at its floor) proves
                // neither; without a queue the loss is then taken as the path's own, since
                // cutting on would only take the estimate to its floor and pause video, as it
                // did under a 300 kbit/s cap with 5 % loss in the network lab.
                let random = if stuck {
                    totals.queue_ms < QUEUE_MS
                } else {
                    arrived_ratio < (1.0 + sent_ratio) / 2.0
                };
                if random {
                    self.tolerate(now, loss, rate_before, delay_target);
                } else {
                    self.congested(CongestedFrom {
                        sent: sent_before,
                        arrived: arrived_before,
                        target: rate_before,
                    });
                    self.cut(now, Some(loss), totals.arrived_rate);
                }
            }
            State::Normal => {
                let here = CongestedFrom {
                    sent: totals.sent_rate,
                    arrived: totals.arrived_rate,
                    target: self.target,
                };
                if totals.queue_ms > OVERUSE_QUEUE_MS {
                    self.congested(here);
                    let arrived = totals
                        .recent_arrived_rate
                        .map_or(totals.arrived_rate, |recent| {
                            recent.min(totals.arrived_rate)
                        });
                    self.cut(now, None, arrived);
                } else if excess > HIGH_LOSS {
                    if let Some(from) = self.loss_outlived_the_cuts(&totals) {
                        // Congestion was misjudged (a test fooled by noisy feedback): the
                        // sender came well down and the loss stayed. Without this the cuts went
                        // on to the floor at 20 % random loss in the network lab.
                        self.tolerate(now, loss, from.target, delay_target);
                    } else if totals.queue_ms > QUEUE_MS || self.verdict == Verdict::Congested {
                        // A queue, or congestion found a moment ago: no (new) test needed.
                        self.congested(here);
                        self.cut(now, Some(loss), totals.arrived_rate);
                    } else {
                        self.start_test(now, &totals);
                    }
                } else if excess < LOW_LOSS {
                    self.verdict = Verdict::Clear;
                    self.congested_from = None;
                    // The path's own loss may fall (the user walked nearer the access point).
                    if loss < self.inherent {
                        self.inherent = 0.9 * self.inherent + 0.1 * loss;
                    }
                    let growth = self.growth(now);
                    self.set(now, self.target * growth);
                } else if totals.queue_ms < QUEUE_MS {
                    let since = *self.holding_since.get_or_insert(now);
                    if now.saturating_duration_since(since) >= HOLD_TESTED_AFTER {
                        self.start_test(now, &totals);
                    }
                    return self.target;
                }
            }
        }
        // Whatever was decided, the loss did not hold the rate.
        self.holding_since = None;
        self.target
    }

    /// The loss is the path's own (`loss`): tolerated from now on, and the target goes back to
    /// `rate_before`, but not over the delay half's `delay_target` (nor under where it is).
    fn tolerate(&mut self, now: Instant, loss: f64, rate_before: f64, delay_target: f64) {
        self.inherent = loss;
        self.verdict = Verdict::Clear;
        self.congested_from = None;
        self.set(now, rate_before.min(delay_target.max(self.target)));
    }

    /// The growth of the target per change while loss is low. Climbing back towards a rate
    /// that congested the path a moment ago is done at GCC's 8 % a second (28 % a second took
    /// the sender straight back into a 300 kbit/s cap's queue within two seconds of each cut),
    /// and near the rate that arrived then at [`CAPACITY_GROWTH`]; the memory of that rate goes
    /// once the target is well past it.
    fn growth(&mut self, now: Instant) -> f64 {
        if self
            .capacity
            .is_some_and(|c| self.target > c * CAPACITY_FORGOTTEN_ABOVE)
        {
            self.capacity = None;
        }
        let recently_cut = self
            .last_cut
            .is_some_and(|cut| now.saturating_duration_since(cut) < SLOW_GROWTH_FOR);
        if self
            .capacity
            .is_some_and(|c| self.target >= c * NEAR_CAPACITY)
        {
            CAPACITY_GROWTH
        } else if recently_cut {
            SLOW_GROWTH
        } else {
            GROWTH
        }
    }

    /// Cuts the rate by [`TEST_CUT`] to see whether the loss follows it.
    fn start_test(&mut self, now: Instant, totals: &Totals) {
        self.holding_since = None;
        self.verdict = Verdict::Testing;
        self.state = State::Testing {
            since: now,
            rate_before: self.target,
            sent_before: totals.sent_rate,
            arrived_before: totals.arrived_rate,
            inconclusive: 0,
        };
        self.set(now, self.target * TEST_CUT);
    }

    /// The verdict becomes congestion; `here` is remembered if it was not congestion already.
    fn congested(&mut self, here: CongestedFrom) {
        let arrived = here.arrived * 8.0;
        self.capacity = match (self.congested_from, self.capacity) {
            // The same episode: the most any of its windows saw arrive.
            (Some(_), Some(capacity)) => Some(capacity.max(arrived)),
            _ => Some(arrived),
        };
        self.congested_from.get_or_insert(here);
        self.verdict = Verdict::Congested;
    }

    /// While congested without a queue: where congestion was found, if the sender has since come
    /// down to [`REJUDGE_AT_SENT_SHARE`] of its rate then and what arrives fell with it (the
    /// test's rule, over a wider change of rate, so noise in the feedback cannot fool it twice).
    fn loss_outlived_the_cuts(&self, totals: &Totals) -> Option<CongestedFrom> {
        let from = self.congested_from?;
        if totals.queue_ms > QUEUE_MS {
            return None;
        }
        let sent_ratio = totals.sent_rate / from.sent.max(1.0);
        let arrived_ratio = totals.arrived_rate / from.arrived.max(1.0);
        (sent_ratio <= REJUDGE_AT_SENT_SHARE && arrived_ratio < (1.0 + sent_ratio) / 2.0)
            .then_some(from)
    }

    /// Cuts for congestion, never up: for loss (`Some`), by half the loss but not under
    /// [`ARRIVED_SHARE`] of what arrives (`arrived_rate`, bytes a second); for a deep queue
    /// (`None`), to that share of what arrives.
    fn cut(&mut self, now: Instant, loss: Option<f64>, arrived_rate: f64) {
        if self
            .last_cut
            .is_some_and(|last| now.saturating_duration_since(last) < CUT_EVERY)
        {
            return;
        }
        self.last_cut = Some(now);
        let delivered = arrived_rate * 8.0 * ARRIVED_SHARE;
        let next = match loss {
            Some(loss) => (self.target * (1.0 - 0.5 * loss.min(0.5))).max(delivered),
            None => delivered,
        };
        self.set(now, next.min(self.target));
    }

    fn set(&mut self, now: Instant, target: f64) {
        self.target = target.clamp(self.min, self.max);
        self.last_change = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 50_000.0;
    const MAX: f64 = 1_650_000.0;

    /// A sender at `rate` bits/s for 100 ms through a path that loses `random` of everything and
    /// carries at most `capacity` bits/s (a policer: no queue).
    fn batch(rate: f64, random: f64, capacity: f64, queue_ms: f64) -> Batch {
        let sent_bytes = (rate / 8.0 / 10.0) as u64;
        let total = (sent_bytes / 1200).max(1);
        let through = (sent_bytes as f64 * (1.0 - random)).min(capacity / 8.0 / 10.0);
        let arrived_bytes = through as u64;
        let lost = total - (total as f64 * arrived_bytes as f64 / sent_bytes as f64) as u64;
        Batch {
            lost,
            total,
            sent_bytes,
            arrived_bytes,
            queue_ms,
            last_arrival: None,
        }
    }

    /// Runs `seconds` of 100 ms batches; the sender follows the target at once.
    fn run(
        judge: &mut LossJudge,
        start: Instant,
        seconds: u64,
        random: f64,
        capacity: f64,
        queue_ms: f64,
    ) -> Instant {
        run_ms(judge, start, seconds * 1000, random, capacity, queue_ms)
    }

    /// [`run`] for `ms` milliseconds (whole batches).
    fn run_ms(
        judge: &mut LossJudge,
        start: Instant,
        ms: u64,
        random: f64,
        capacity: f64,
        queue_ms: f64,
    ) -> Instant {
        let mut now = start;
        for _ in 0..ms / 100 {
            now += Duration::from_millis(100);
            let rate = judge.target();
            judge.update(now, batch(rate, random, capacity, queue_ms), MAX);
        }
        now
    }

    #[test]
    fn random_loss_is_tested_once_then_tolerated_at_the_full_rate() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let now = run(&mut judge, Instant::now(), 20, 0.20, f64::MAX, 0.0);
        assert_eq!(judge.verdict(), Verdict::Clear);
        assert!(judge.target() > 0.95 * MAX, "{}", judge.target());
        // About 20 %: the batches are whole packets (13 to 17 of them), so each loses 3 or 4.
        assert!(
            (judge.inherent_loss() - 0.20).abs() < 0.04,
            "{}",
            judge.inherent_loss()
        );
        // Forty per cent later: tested again, tolerated again.
        run(&mut judge, now, 20, 0.40, f64::MAX, 0.0);
        assert!(judge.target() > 0.9 * MAX, "{}", judge.target());
        assert!(judge.inherent_loss() > 0.35, "{}", judge.inherent_loss());
    }

    #[test]
    fn a_policer_without_a_queue_is_congestion_and_the_rate_comes_down_to_it() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        run(&mut judge, Instant::now(), 30, 0.0, 300_000.0, 0.0);
        assert!(judge.target() < 450_000.0, "{}", judge.target());
        assert_eq!(judge.inherent_loss(), 0.0);
    }

    #[test]
    fn high_loss_with_a_queue_is_cut_at_once_without_a_test() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let start = Instant::now();
        run(&mut judge, start, 2, 0.0, 300_000.0, 120.0);
        assert_eq!(judge.verdict(), Verdict::Congested);
        assert!(judge.target() < 0.8 * MAX, "{}", judge.target());
    }

    #[test]
    fn congestion_is_cut_once_a_second_while_the_sender_catches_up() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let mut now = Instant::now();
        // The sender stays at its old rate (it follows once a second): 40 % lost in a queue
        // short enough for loss to decide.
        for _ in 0..20 {
            now += Duration::from_millis(100);
            judge.update(now, batch(MAX, 0.0, 0.6 * MAX, 60.0), MAX);
        }
        // Two seconds of feedback, the first 0.8 s deciding nothing: at most two cuts, each of
        // at most a quarter (cutting every 200 ms, it was eight).
        assert!(judge.target() >= MAX * 0.75 * 0.75, "{}", judge.target());
        assert!(judge.target() < MAX, "{}", judge.target());
    }

    #[test]
    fn a_deep_queue_without_loss_brings_the_rate_to_what_arrives() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let mut now = Instant::now();
        let mut last_second = Vec::new();
        // A shaper delivers 300 kbit/s of what is sent and queues the rest (no loss yet); the
        // queue drains once the sender is under that.
        for step in 0..50 {
            now += Duration::from_millis(100);
            let rate = judge.target();
            let queue_ms = if rate > 300_000.0 { 150.0 } else { 0.0 };
            let mut b = batch(rate, 0.0, f64::MAX, queue_ms);
            b.arrived_bytes = b.arrived_bytes.min(300_000 / 8 / 10);
            judge.update(now, b, MAX);
            if step >= 40 {
                last_second.push(judge.target());
            }
        }
        // Down to 0.85 of what arrives, then probing around the shaper's rate.
        for target in last_second {
            assert!(
                (0.8 * 255_000.0..=1.2 * 300_000.0).contains(&target),
                "{target}"
            );
        }
    }

    /// Runs `seconds` of a path without a queue that loses `random` of everything, a second at
    /// a time; the first second each of `rates` was reached (`None`: never).
    fn seconds_to_reach(
        judge: &mut LossJudge,
        mut now: Instant,
        seconds: u32,
        random: f64,
        rates: &[f64],
    ) -> Vec<Option<u32>> {
        let mut reached = vec![None; rates.len()];
        for second in 1..=seconds {
            now = run(judge, now, 1, random, f64::MAX, 0.0);
            for (rate, at) in rates.iter().zip(reached.iter_mut()) {
                if judge.target() >= *rate && at.is_none() {
                    *at = Some(second);
                }
            }
        }
        reached
    }

    #[test]
    fn after_congestion_the_climb_slows_near_what_arrived_until_well_past_it() {
        let mut judge = LossJudge::new(1_000_000.0, MIN, MAX);
        let mut now = Instant::now();
        // A second of a deep queue at 1,000 kbit/s with 850 kbit/s arriving: the link's rate.
        for _ in 0..10 {
            now += Duration::from_millis(100);
            let mut b = batch(judge.target(), 0.0, f64::MAX, 100.0);
            b.arrived_bytes = 850_000 / 8 / 10;
            judge.update(now, b, MAX);
        }
        assert!(judge.target() < 750_000.0, "{}", judge.target());
        let reached = seconds_to_reach(&mut judge, now, 30, 0.0, &[780_000.0, 970_000.0, MAX]);
        let [Some(near), Some(past), Some(top)] = reached[..] else {
            panic!("{reached:?}");
        };
        // 8 % a second to 0.9 of 850 kbit/s, 2 % a second from there to 1.15 of it (12 s),
        // then 28 % a second.
        assert!(near <= 2, "{reached:?}");
        assert!(past - near >= 10, "{reached:?}");
        assert!(top - past <= 4, "{reached:?}");
    }

    #[test]
    fn loss_that_holds_the_rate_for_seconds_without_a_queue_is_tested_and_tolerated() {
        let mut judge = LossJudge::new(1_500_000.0, MIN, MAX);
        // 5 % random loss (one packet in 15 at this rate): over the 2 % under which the rate
        // grows, under the 10 % that is tested at once.
        let now = run(&mut judge, Instant::now(), 12, 0.05, f64::MAX, 0.0);
        assert!(
            (0.04..0.09).contains(&judge.inherent_loss()),
            "{}",
            judge.inherent_loss()
        );
        let reached = seconds_to_reach(&mut judge, now, 10, 0.05, &[MAX]);
        assert!(reached[0].is_some(), "the target climbs again");
    }

    #[test]
    fn a_clean_path_climbs_back_and_the_inherent_loss_fades() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let now = run(&mut judge, Instant::now(), 20, 0.20, f64::MAX, 0.0);
        let before = judge.inherent_loss();
        run(&mut judge, now, 30, 0.0, f64::MAX, 0.0);
        assert!(
            judge.inherent_loss() < before / 4.0,
            "{}",
            judge.inherent_loss()
        );
        assert_eq!(judge.target(), MAX);
    }

    #[test]
    fn random_loss_at_a_sender_that_cannot_slow_down_is_tolerated_after_two_tests() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let mut now = Instant::now();
        // The encoder is at its floor: 200 kbit/s whatever the target; 15 % lost, no queue.
        for _ in 0..200 {
            now += Duration::from_millis(100);
            judge.update(now, batch(200_000.0, 0.15, f64::MAX, 0.0), MAX);
        }
        assert_eq!(judge.verdict(), Verdict::Clear);
        assert!(judge.inherent_loss() > 0.1, "{}", judge.inherent_loss());
        assert!(judge.target() > 0.9 * MAX, "{}", judge.target());
    }

    #[test]
    fn random_loss_once_taken_for_congestion_is_tolerated_once_the_cuts_do_not_end_it() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        // A limit at 60 % of the rate while the loss is tested, with 20 % random loss: the test
        // finds congestion (what arrives stays while less is sent).
        let now = run(&mut judge, Instant::now(), 4, 0.20, 0.6 * MAX, 0.0);
        assert_eq!(judge.verdict(), Verdict::Congested);
        // The limit goes; the random loss stays. The cuts bring the sender down, the loss does
        // not follow, and the rate goes back.
        let now = run(&mut judge, now, 8, 0.20, f64::MAX, 0.0);
        assert_eq!(judge.verdict(), Verdict::Clear);
        assert!(judge.inherent_loss() > 0.15, "{}", judge.inherent_loss());
        run(&mut judge, now, 10, 0.20, f64::MAX, 0.0);
        assert!(judge.target() > 0.9 * MAX, "{}", judge.target());
    }

    #[test]
    fn a_queue_that_builds_before_the_first_full_window_is_cut_at_once() {
        // A call at the most whose link narrows to 1,000 kbit/s after its first batch (the
        // network lab puts its cap on once the first picture is decoded): the queue grows 40
        // ms every 100 ms batch, while only what the link carries arrives.
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let start = Instant::now();
        let mut now = start + Duration::from_millis(100);
        let arrived = |at: Instant, batch: Batch| Batch {
            last_arrival: Some(at - start),
            ..batch
        };
        judge.update(now, arrived(now, batch(MAX, 0.0, f64::MAX, 0.0)), MAX);
        let mut cut_after = None;
        for n in 1..=10u32 {
            now += Duration::from_millis(100);
            let rate = judge.target();
            let queued = batch(rate, 0.0, 1_000_000.0, 40.0 * f64::from(n));
            judge.update(now, arrived(now, queued), MAX);
            if judge.target() < MAX {
                cut_after = Some(n);
                break;
            }
        }
        // The 200 ms queue is not full yet: cut at the second batch into it (80 ms of queue), to
        // 0.85 of what the link carries now, not of the window's rate, which holds the
        // unlimited first batch (0.85 of that would be over the link).
        assert_eq!(cut_after, Some(2));
        assert_eq!(judge.verdict(), Verdict::Congested);
        assert!(
            (judge.target() - 850_000.0).abs() < 20_000.0,
            "{}",
            judge.target()
        );
    }

    #[test]
    fn a_shallow_queue_or_loss_decides_nothing_before_the_first_full_window() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        // 30 % loss and a 50 ms queue for 0.7 s: no full window yet, nothing decided.
        let now = run_ms(&mut judge, Instant::now(), 700, 0.3, f64::MAX, 50.0);
        assert_eq!(judge.target(), MAX);
        // The window fills: now the loss is tested.
        run_ms(&mut judge, now, 500, 0.3, f64::MAX, 50.0);
        assert!(judge.target() < MAX, "{}", judge.target());
    }

    #[test]
    fn too_few_packets_decide_nothing() {
        let mut judge = LossJudge::new(MAX, MIN, MAX);
        let now = Instant::now();
        let lossy = Batch {
            lost: 5,
            total: 5,
            sent_bytes: 6000,
            arrived_bytes: 0,
            queue_ms: 0.0,
            last_arrival: None,
        };
        assert_eq!(judge.update(now, lossy, MAX), MAX);
    }
}
