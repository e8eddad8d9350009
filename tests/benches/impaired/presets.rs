//! The presets of issue 15 and how each is played on Alice's router over a run: random UDP loss
//! (nftables `numgen random`), an upload cap (`tc tbf`), bursts where nothing is forwarded for
//! 200 ms every 2 s, and one 5 s blackout 10 s in. The same rules for both stacks; nftables'
//! random numbers take no seed, so "the same seeds" is the same loss rate, not the same packets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use duet_e2e::lab::impair;

use crate::measure::unix_ms_now;

/// One network condition.
#[derive(Debug, Clone)]
pub struct Preset {
    pub name: &'static str,
    /// Random loss of UDP both ways, in percent.
    pub loss_percent: u8,
    /// Alice's upload cap in kbit/s.
    pub cap_kbit: Option<u32>,
    /// Nothing forwarded for 200 ms every 2 s.
    pub bursty: bool,
    /// Nothing forwarded from 10 s to 15 s.
    pub blackout: bool,
}

/// When the blackout starts, and how long it lasts.
pub const BLACKOUT_AT: Duration = Duration::from_secs(10);
pub const BLACKOUT_FOR: Duration = Duration::from_secs(5);
const BURST_EVERY: Duration = Duration::from_secs(2);
const BURST_FOR: Duration = Duration::from_millis(200);

impl Preset {
    const fn new(name: &'static str) -> Preset {
        Preset {
            name,
            loss_percent: 0,
            cap_kbit: None,
            bursty: false,
            blackout: false,
        }
    }

    pub fn all() -> Vec<Preset> {
        vec![
            Preset::new("clean"),
            Preset {
                loss_percent: 5,
                ..Preset::new("loss-5")
            },
            Preset {
                loss_percent: 20,
                ..Preset::new("loss-20")
            },
            Preset {
                loss_percent: 40,
                ..Preset::new("loss-40")
            },
            Preset {
                bursty: true,
                ..Preset::new("bursty")
            },
            Preset {
                cap_kbit: Some(1000),
                ..Preset::new("cap-1000")
            },
            Preset {
                cap_kbit: Some(300),
                ..Preset::new("cap-300")
            },
            Preset {
                cap_kbit: Some(300),
                loss_percent: 5,
                ..Preset::new("cap-300-loss-5")
            },
            Preset {
                blackout: true,
                ..Preset::new("blackout-5s")
            },
        ]
    }
}

/// A preset being played on a router; dropping it stops the bursts.
pub struct Playing {
    stop: Arc<AtomicBool>,
    bursts: Option<thread::JoinHandle<()>>,
    /// When the network came back after the blackout (Unix ms), once it has.
    pub restored_at_ms: Option<f64>,
}

/// Puts `preset` on `router` now; the blackout is played by [`Playing::tick`].
pub fn start(preset: &Preset, router: &str) -> Playing {
    if preset.loss_percent > 0 {
        impair::udp_loss(router, preset.loss_percent);
    }
    if let Some(kbit) = preset.cap_kbit {
        impair::cap_upload(router, kbit);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let bursts = preset.bursty.then(|| {
        let (stop, router) = (stop.clone(), router.to_owned());
        thread::spawn(move || {
            // A benchmark's schedule, not a test's wait: the bursts are the condition measured.
            while !stop.load(Ordering::Relaxed) {
                thread::sleep(BURST_EVERY - BURST_FOR);
                impair::blackout(&router);
                thread::sleep(BURST_FOR);
                impair::clear(&router);
            }
        })
    });
    Playing {
        stop,
        bursts,
        restored_at_ms: None,
    }
}

impl Playing {
    /// Plays the blackout at its time since `since`; call it often (every 50 ms or so).
    pub fn tick(&mut self, preset: &Preset, router: &str, since: Instant, blacked: &mut bool) {
        if !preset.blackout || self.restored_at_ms.is_some() {
            return;
        }
        let elapsed = since.elapsed();
        if !*blacked && elapsed >= BLACKOUT_AT {
            impair::blackout(router);
            *blacked = true;
        } else if *blacked && elapsed >= BLACKOUT_AT + BLACKOUT_FOR {
            impair::clear(router);
            self.restored_at_ms = Some(unix_ms_now());
        }
    }

    /// Stops the bursts and lifts every impairment (the call then hangs up over a clean path).
    pub fn finish(mut self, preset: &Preset, router: &str) -> Option<f64> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(bursts) = self.bursts.take() {
            let _ = bursts.join();
        }
        impair::clear(router);
        if preset.cap_kbit.is_some() {
            impair::lift_cap(router);
        }
        self.restored_at_ms
    }
}
