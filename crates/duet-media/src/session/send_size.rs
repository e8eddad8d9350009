//! The picture size sent for a bitrate: the third step of adapting to the path, after the
//! bitrate (the encoder's target) and the frame rate (the encoder skips frames it cannot
//! afford). Two rules halve the picture:
//! - bits per pixel: below about 0.03 bits per pixel per frame VP8 turns a full-size picture
//!   into blocks and drops most frames; half the width and height at the same rate looks better
//!   and moves;
//! - skipped frames: how many bits a size needs depends on the picture (a busy scene needs
//!   several times what a still one does), so a size whose encoder skipped more than a third
//!   of a second's frames at the target is too big for it, whatever bits per pixel said. The
//!   network lab's 1,000 kbit/s cap showed why: at 832 kbit/s the rule above allowed 1280x720,
//!   where the test pattern's frames are 6-11 KB; the encoder sent 12-15 frames a second, and its
//!   first second at the new size 1,200 kbit, which overflowed the link's queue. The loss that
//!   followed cut the estimate, the picture was halved, the estimate climbed back and the
//!   picture grew again: three freezes in 30 s where Chromium had none.
//!
//! A size halved for skipping is grown back only once the target is well over the one it
//! skipped at ([`STARVED_MARGIN`]), so a target that stays put does not flip the size, and the
//! keyframe each change costs, back and forth. A size grown back to that skips again has failed
//! at the target it was grown at, even if the estimate fell meanwhile: that target is the one
//! remembered, or each climb of the estimate would try the size again. Frames skipped at a
//! target the estimate has since passed by that margin do not halve the size: it gets a fresh
//! second at the new target.

use std::collections::VecDeque;

/// Bits per pixel per frame under which the picture is halved.
pub const MIN_BITS_PER_PIXEL: f64 = 0.02;
/// Above this many times the threshold of the next larger size, that size comes back (so a
/// target hovering at a threshold does not flip the size, and the keyframe each change costs,
/// back and forth).
pub const GROW_MARGIN: f64 = 1.5;
/// The smallest side a halving may produce.
pub const MIN_SIDE: u32 = 90;
/// The share of a second's frames the encoder must encode at a size (not skip to hold the
/// target): under it the frame rate has dropped by a third, and the size goes next.
pub const MIN_ENCODED_SHARE: f64 = 2.0 / 3.0;
/// A size halved for skipping frames at some target comes back only over this many times it.
pub const STARVED_MARGIN: f64 = 1.3;

/// Chooses the sent size within the configured one, remembering the last choice, the frames
/// encoded at it, and the targets at which larger sizes skipped frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SendSize {
    /// How many times the configured size is halved.
    halvings: u32,
    /// Whether each frame given to the encoder at the current size was encoded, and the target
    /// then, newest last; at most a second of them.
    encoded: VecDeque<(bool, u32)>,
    /// The target the current size was grown back at (`None`: the configured size, or halved).
    grown_at: Option<u32>,
    /// For each number of halvings, the highest target its size skipped frames at (0: never).
    starved_at: Vec<u32>,
}

fn halved(width: u32, height: u32, times: u32) -> (u32, u32) {
    // Even sides, as VP8 and I420 need.
    let side = |s: u32| ((s >> times) & !1).max(2);
    (side(width), side(height))
}

fn needed_kbps(width: u32, height: u32, fps: u32) -> f64 {
    f64::from(width) * f64::from(height) * f64::from(fps.max(1)) * MIN_BITS_PER_PIXEL / 1000.0
}

impl SendSize {
    /// The size to send `width`x`height` pictures at `fps` under `target_kbps`.
    pub fn choose(&mut self, width: u32, height: u32, fps: u32, target_kbps: u32) -> (u32, u32) {
        let before = self.halvings;
        let target = f64::from(target_kbps);
        let can_halve = |halvings: u32| {
            let (nw, nh) = halved(width, height, halvings + 1);
            nw.min(nh) >= MIN_SIDE
        };
        if self.skipping(fps) && can_halve(self.halvings) {
            let skipped_at = self.encoded.iter().filter(|(e, _)| !e).map(|(_, t)| *t);
            let failed_at = skipped_at.chain(self.grown_at).max().unwrap_or(target_kbps);
            if target > f64::from(failed_at) * STARVED_MARGIN {
                // The target rose well past the one the frames were skipped at: the size gets a
                // fresh second at it (halving it now, the rule below would grow it straight back).
                self.encoded.clear();
            } else {
                let level = self.halvings as usize;
                if self.starved_at.len() <= level {
                    self.starved_at.resize(level + 1, 0);
                }
                self.starved_at[level] = self.starved_at[level].max(failed_at);
                self.halvings += 1;
                self.grown_at = None;
            }
        }
        loop {
            let (w, h) = halved(width, height, self.halvings);
            if target < needed_kbps(w, h, fps) && can_halve(self.halvings) {
                self.halvings += 1;
                continue;
            }
            if self.halvings > 0 {
                let bigger = self.halvings - 1;
                let (bw, bh) = halved(width, height, bigger);
                let starved = self.starved_at.get(bigger as usize).copied().unwrap_or(0);
                if target > needed_kbps(bw, bh, fps) * GROW_MARGIN
                    && target > f64::from(starved) * STARVED_MARGIN
                {
                    self.halvings = bigger;
                    self.grown_at = Some(target_kbps);
                    continue;
                }
            }
            if self.halvings != before {
                self.encoded.clear();
            }
            return (w, h);
        }
    }

    /// Records whether the encoder encoded (`true`) or skipped the last frame it was given at
    /// the size [`Self::choose`] returned, at `target_kbps`, for a picture sent at `fps`.
    pub fn record(&mut self, encoded: bool, target_kbps: u32, fps: u32) {
        self.encoded.push_back((encoded, target_kbps));
        while self.encoded.len() > fps.max(1) as usize {
            self.encoded.pop_front();
        }
    }

    /// Whether a whole second of frames at the current size is recorded and the encoder
    /// skipped more of them than [`MIN_ENCODED_SHARE`] allows.
    fn skipping(&self, fps: u32) -> bool {
        if self.encoded.len() < fps.max(1) as usize {
            return false;
        }
        let encoded = self.encoded.iter().filter(|(e, _)| *e).count();
        (encoded as f64) < self.encoded.len() as f64 * MIN_ENCODED_SHARE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_low_target_halves_the_picture_and_a_recovered_one_restores_it() {
        let mut size = SendSize::default();
        // 640x480 at 30 fps needs 184 kbit/s at 0.02 bit per pixel.
        assert_eq!(size.choose(640, 480, 30, 900), (640, 480));
        assert_eq!(size.choose(640, 480, 30, 100), (320, 240));
        // Just over the full size's threshold is not enough to grow back...
        assert_eq!(size.choose(640, 480, 30, 200), (320, 240));
        // ...half again over it is.
        assert_eq!(size.choose(640, 480, 30, 280), (640, 480));
    }

    #[test]
    fn never_under_the_smallest_side_and_always_even() {
        let mut size = SendSize::default();
        assert_eq!(size.choose(1280, 720, 30, 1), (160, 90));
        let (w, h) = SendSize::default().choose(642, 362, 30, 100);
        assert!(w % 2 == 0 && h % 2 == 0, "{w}x{h}");
    }

    /// Gives the encoder a second of frames at `size`'s current choice, encoding `encoded` of
    /// every 30.
    fn second_of_frames(size: &mut SendSize, target: u32, encoded: usize) -> (u32, u32) {
        let chosen = size.choose(1280, 720, 30, target);
        for i in 0..30 {
            size.record(i < encoded, target, 30);
        }
        chosen
    }

    #[test]
    fn a_size_whose_frames_are_skipped_is_halved_and_kept_small_until_the_target_grows() {
        let mut size = SendSize::default();
        // 832 kbit/s is over what bits per pixel ask of 1280x720 at 30 fps (553 kbit/s).
        assert_eq!(second_of_frames(&mut size, 832, 14), (1280, 720));
        assert_eq!(second_of_frames(&mut size, 832, 30), (640, 360), "halved");
        // Bits per pixel alone would grow back at 830 kbit/s; the skipped frames say not at
        // 832, nor at a little more...
        assert_eq!(second_of_frames(&mut size, 1_000, 30), (640, 360));
        // ...but well over it, the bigger size is tried again.
        assert_eq!(second_of_frames(&mut size, 1_100, 30), (1280, 720));
    }

    #[test]
    fn a_few_skipped_frames_or_less_than_a_second_of_them_change_nothing() {
        let mut size = SendSize::default();
        assert_eq!(second_of_frames(&mut size, 832, 21), (1280, 720));
        assert_eq!(
            second_of_frames(&mut size, 832, 21),
            (1280, 720),
            "under a third skipped"
        );
        let mut size = SendSize::default();
        for _ in 0..20 {
            size.record(false, 832, 30);
        }
        assert_eq!(
            size.choose(1280, 720, 30, 832),
            (1280, 720),
            "20 frames only"
        );
    }

    #[test]
    fn frames_skipped_at_a_target_since_risen_well_past_get_a_fresh_second() {
        let mut size = SendSize::default();
        assert_eq!(second_of_frames(&mut size, 700, 14), (1280, 720));
        // 1,000 kbit/s is over 1.3 x 700: the skips are old news, and the size is tried at it,
        // frame after frame.
        for frame in 0..30 {
            assert_eq!(
                size.choose(1280, 720, 30, 1_000),
                (1280, 720),
                "frame {frame}"
            );
            size.record(true, 1_000, 30);
        }
    }

    #[test]
    fn skipping_at_the_smallest_size_keeps_it() {
        let mut size = SendSize::default();
        assert_eq!(size.choose(1280, 720, 30, 1), (160, 90));
        for _ in 0..30 {
            size.record(false, 1, 30);
        }
        assert_eq!(size.choose(1280, 720, 30, 1), (160, 90));
    }

    #[test]
    fn a_size_grown_back_that_skips_again_needs_more_than_it_was_grown_at() {
        let mut size = SendSize::default();
        second_of_frames(&mut size, 832, 14);
        assert_eq!(second_of_frames(&mut size, 832, 30), (640, 360));
        assert_eq!(
            second_of_frames(&mut size, 1_100, 30),
            (1280, 720),
            "grown back"
        );
        // The estimate fell while the grown size skipped frames: 1,100 kbit/s was not enough.
        assert_eq!(second_of_frames(&mut size, 700, 14), (1280, 720));
        assert_eq!(
            second_of_frames(&mut size, 1_300, 30),
            (640, 360),
            "1.3 x 1,100 needed"
        );
        assert_eq!(second_of_frames(&mut size, 1_450, 30), (1280, 720));
    }
}
