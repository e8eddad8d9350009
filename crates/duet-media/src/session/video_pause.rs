//! Pausing the camera when the path cannot carry minBitrate, and trying it again.
//!
//! minBitrate is the floor the encoder never goes under; when what the bandwidth estimate leaves
//! for video stays under it for [`HOLD`], sending video at the floor would only queue and lose
//! packets (and starve the audio), so the camera stops sending and the far side is told
//! (VIDEO_AVAILABLE false, reason network). While nothing but audio is sent the estimate cannot
//! see spare capacity, so resuming is a trial: after a backoff ([`FIRST_BACKOFF`], doubled after
//! each failed trial up to [`MAX_BACKOFF`]) video is sent again at minBitrate. The trial
//! succeeds once the budget has stayed at or over the floor for [`TRIAL`]; it fails when the
//! budget is under the floor and not climbing (the path pushes back: the estimate fell or
//! stalled), or after [`TRIAL_LIMIT`]. The estimate may start a trial under the floor (it grew
//! only slowly while audio alone was sent), so a climbing budget is given time.
//!
//! The far side is told only of a pause and of a successful trial, not of each try, so its
//! picture does not flap; a trial's frames reach it meanwhile.
//!
//! Time is an input (the stats task ticks it once a second), so the tests run in virtual time.

use std::time::{Duration, Instant};

/// How long the budget must stay under the floor before video pauses. Longer than one report
/// interval, so one dip of the estimate (a burst of loss, a queue draining) does not pause.
pub const HOLD: Duration = Duration::from_secs(3);
/// The wait before the first trial after a pause.
pub const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait between trials (each failed trial doubles the wait up to this).
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// How long a trial's budget must stay at or over the floor for video to stay on.
pub const TRIAL: Duration = Duration::from_secs(4);
/// The longest a trial may take to get there. webrtc-rs's estimate climbs by at least 60 kbit/s
/// a second on a clean path (additively near its last ceiling), so from its 50 kbit/s floor it
/// reaches a few hundred kbit/s within this.
pub const TRIAL_LIMIT: Duration = Duration::from_secs(10);

/// Where the camera stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseState {
    /// Sending (or not wanted at all: camera off, no source); `below_since` is when the budget
    /// went under the floor, if it is under it.
    Sending { below_since: Option<Instant> },
    /// Paused by the network until the trial at `trial_at`.
    Paused { trial_at: Instant },
    /// Sending again at the floor since `since`, to see whether the path carries it; the budget
    /// has been at or over the floor since `held_since`, and was `last_budget` at the last
    /// report.
    Trial {
        since: Instant,
        held_since: Option<Instant>,
        last_budget: Option<u32>,
    },
}

/// The pause/resume state machine of the camera's video.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoPause {
    min_kbps: u32,
    state: PauseState,
    /// The wait before the next trial, once paused.
    backoff: Duration,
}

impl VideoPause {
    /// A machine for a floor of `min_kbps`, sending.
    pub fn new(min_kbps: u32) -> Self {
        Self {
            min_kbps,
            state: PauseState::Sending { below_since: None },
            backoff: FIRST_BACKOFF,
        }
    }

    /// The current state.
    pub fn state(&self) -> PauseState {
        self.state
    }

    /// Whether video counts as paused by the network (what the far side and the statistics are
    /// told): paused, or on trial.
    pub fn paused(&self) -> bool {
        !matches!(self.state, PauseState::Sending { .. })
    }

    /// Whether video frames are to be sent: sending, or on trial (at the floor).
    pub fn sending(&self) -> bool {
        !matches!(self.state, PauseState::Paused { .. })
    }

    /// Whether video is on trial (to be sent at the floor).
    pub fn on_trial(&self) -> bool {
        matches!(self.state, PauseState::Trial { .. })
    }

    /// The wait the next pause would last.
    pub fn backoff(&self) -> Duration {
        self.backoff
    }

    /// Takes one report at `now`: `budget_kbps` is what the estimate leaves for video (`None`
    /// before the first estimate, which never pauses), `camera` whether the user's camera is on
    /// with a source (off, nothing is the network's doing: the machine starts over). Returns
    /// whether video counts as paused by the network ([`Self::paused`]).
    pub fn update(&mut self, now: Instant, budget_kbps: Option<u32>, camera: bool) -> bool {
        if !camera {
            *self = Self::new(self.min_kbps);
            return false;
        }
        let below = budget_kbps.is_some_and(|budget| budget < self.min_kbps);
        self.state = match self.state {
            PauseState::Sending { .. } if !below => PauseState::Sending { below_since: None },
            PauseState::Sending { below_since } => {
                let since = below_since.unwrap_or(now);
                if now.saturating_duration_since(since) >= HOLD {
                    self.backoff = FIRST_BACKOFF;
                    PauseState::Paused {
                        trial_at: now + self.backoff,
                    }
                } else {
                    PauseState::Sending {
                        below_since: Some(since),
                    }
                }
            }
            // The report that starts a trial is not judged: its estimate speaks of the paused
            // path, not of video at the floor.
            PauseState::Paused { trial_at } if now >= trial_at => PauseState::Trial {
                since: now,
                held_since: None,
                last_budget: budget_kbps,
            },
            paused @ PauseState::Paused { .. } => paused,
            PauseState::Trial {
                since,
                held_since,
                last_budget,
            } => self.judge_trial(now, budget_kbps, since, held_since, last_budget),
        };
        self.paused()
    }

    /// The state after one report of a trial that began at `since`.
    fn judge_trial(
        &mut self,
        now: Instant,
        budget_kbps: Option<u32>,
        since: Instant,
        held_since: Option<Instant>,
        last_budget: Option<u32>,
    ) -> PauseState {
        let fail = |this: &mut Self| {
            this.backoff = (this.backoff * 2).min(MAX_BACKOFF);
            PauseState::Paused {
                trial_at: now + this.backoff,
            }
        };
        let Some(budget) = budget_kbps else {
            if now.saturating_duration_since(since) >= TRIAL_LIMIT {
                return fail(self);
            }
            return PauseState::Trial {
                since,
                held_since: None,
                last_budget,
            };
        };
        if budget >= self.min_kbps {
            let held = held_since.unwrap_or(now);
            if now.saturating_duration_since(held) >= TRIAL {
                self.backoff = FIRST_BACKOFF;
                return PauseState::Sending { below_since: None };
            }
            return PauseState::Trial {
                since,
                held_since: Some(held),
                last_budget: Some(budget),
            };
        }
        let climbing = last_budget.is_some_and(|last| budget > last);
        if !climbing || now.saturating_duration_since(since) >= TRIAL_LIMIT {
            return fail(self);
        }
        PauseState::Trial {
            since,
            held_since: None,
            last_budget: Some(budget),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u32 = 300;

    /// Feeds one report a second from `start` (second `from` to `to`, inclusive) with `budget`;
    /// returns the paused flag of each.
    fn run(
        pause: &mut VideoPause,
        start: Instant,
        seconds: std::ops::RangeInclusive<u64>,
        budget: Option<u32>,
        camera: bool,
    ) -> Vec<bool> {
        seconds
            .map(|s| pause.update(start + Duration::from_secs(s), budget, camera))
            .collect()
    }

    #[test]
    fn a_budget_under_the_floor_for_the_hold_pauses() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        assert_eq!(run(&mut pause, t0, 0..=1, Some(900), true), [false; 2]);
        // Under from second 2: paused once it has been under for HOLD (3 s), at second 5.
        assert_eq!(
            run(&mut pause, t0, 2..=5, Some(MIN - 1), true),
            [false, false, false, true]
        );
        assert_eq!(
            pause.state(),
            PauseState::Paused {
                trial_at: t0 + Duration::from_secs(5) + FIRST_BACKOFF
            }
        );
    }

    #[test]
    fn a_brief_dip_or_no_estimate_does_not_pause() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        assert_eq!(run(&mut pause, t0, 0..=9, None, true), [false; 10]);
        for round in 0..5 {
            let at = 10 + round * 4;
            // Two seconds under the floor, then one at it: never paused.
            assert_eq!(run(&mut pause, t0, at..=at + 1, Some(40), true), [false; 2]);
            assert_eq!(
                run(&mut pause, t0, at + 2..=at + 3, Some(MIN), true),
                [false; 2]
            );
        }
        assert_eq!(pause.state(), PauseState::Sending { below_since: None });
    }

    #[test]
    fn a_trial_that_holds_the_floor_resumes() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        run(&mut pause, t0, 0..=3, Some(50), true);
        assert!(pause.paused() && !pause.sending());
        // Paused at 3 s; the budget recovers at once, but nothing changes before the backoff.
        assert_eq!(run(&mut pause, t0, 4..=7, Some(900), true), [true; 4]);
        assert!(!pause.sending());
        // The trial sends video, but the far side is told only once it held.
        assert!(pause.update(t0 + Duration::from_secs(8), Some(900), true));
        assert!(pause.on_trial() && pause.sending());
        assert_eq!(run(&mut pause, t0, 9..=12, Some(MIN), true), [true; 4]);
        assert!(pause.on_trial(), "held 3 s of TRIAL (4 s)");
        assert!(!pause.update(t0 + Duration::from_secs(13), Some(MIN), true));
        assert_eq!(pause.state(), PauseState::Sending { below_since: None });
        assert_eq!(pause.backoff(), FIRST_BACKOFF);
    }

    #[test]
    fn a_trial_starting_under_the_floor_is_given_time_while_the_budget_climbs() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        run(&mut pause, t0, 0..=3, Some(50), true);
        // The trial at 8 s starts with the budget still low from the paused path.
        pause.update(t0 + Duration::from_secs(8), Some(80), true);
        for (s, budget) in [(9, 140), (10, 200), (11, 260), (12, 320)] {
            pause.update(t0 + Duration::from_secs(s), Some(budget), true);
            assert!(pause.on_trial(), "climbing at {s} s: {:?}", pause.state());
        }
        assert_eq!(run(&mut pause, t0, 13..=15, Some(340), true), [true; 3]);
        assert!(!pause.update(t0 + Duration::from_secs(16), Some(340), true));
        assert!(pause.sending() && !pause.on_trial());
    }

    #[test]
    fn a_trial_that_never_reaches_the_floor_fails_at_its_limit() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        run(&mut pause, t0, 0..=3, Some(50), true);
        pause.update(t0 + Duration::from_secs(8), Some(10), true);
        for s in 9..18 {
            pause.update(t0 + Duration::from_secs(s), Some(10 + s as u32), true);
            assert!(pause.on_trial());
        }
        // TRIAL_LIMIT (10 s) after the trial began, still climbing but under: failed.
        pause.update(t0 + Duration::from_secs(18), Some(30), true);
        assert_eq!(
            pause.state(),
            PauseState::Paused {
                trial_at: t0 + Duration::from_secs(18) + FIRST_BACKOFF * 2
            }
        );
    }

    #[test]
    fn a_failed_trial_pauses_again_with_a_doubled_backoff_up_to_the_ceiling() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        let mut now = t0;
        for s in 0..=3 {
            pause.update(t0 + Duration::from_secs(s), Some(100), true);
            now = t0 + Duration::from_secs(s);
        }
        let mut waits = Vec::new();
        for _ in 0..5 {
            let PauseState::Paused { trial_at } = pause.state() else {
                panic!("paused: {:?}", pause.state())
            };
            waits.push(trial_at - now);
            // A second before the trial: still paused.
            assert!(pause.update(trial_at - Duration::from_secs(1), Some(100), true));
            // The trial starts (its first report is not judged, and sends video), the next one
            // is under the floor and not climbing.
            assert!(pause.update(trial_at, Some(100), true));
            assert!(pause.sending());
            now = trial_at + Duration::from_secs(1);
            assert!(pause.update(now, Some(100), true));
            assert!(!pause.sending());
        }
        let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [5, 10, 20, 30, 30]);
    }

    #[test]
    fn the_users_camera_off_is_not_a_network_pause() {
        let mut pause = VideoPause::new(MIN);
        let t0 = Instant::now();
        // Camera off with no budget at all: never paused by the network.
        assert_eq!(run(&mut pause, t0, 0..=9, Some(10), false), [false; 10]);
        // Paused by the network, then the user turns the camera off: no longer the network's
        // pause, and on again it starts over (a fresh hold before pausing).
        run(&mut pause, t0, 10..=13, Some(10), true);
        assert!(pause.paused());
        assert!(!pause.update(t0 + Duration::from_secs(14), Some(10), false));
        assert_eq!(run(&mut pause, t0, 15..=17, Some(10), true), [false; 3]);
        assert!(pause.update(t0 + Duration::from_secs(18), Some(10), true));
    }
}
