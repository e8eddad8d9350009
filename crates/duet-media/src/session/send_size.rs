//! The picture size sent for a bitrate: the third step of adapting to the path, after the
//! bitrate (the encoder's target) and the frame rate (the encoder skips frames it cannot
//! afford). Below about 0.03 bits per pixel per frame VP8 turns a full-size picture into blocks
//! and drops most frames; half the width and height at the same rate looks better and moves.

/// Bits per pixel per frame under which the picture is halved.
pub const MIN_BITS_PER_PIXEL: f64 = 0.02;
/// Above this many times the threshold of the next larger size, that size comes back (so a
/// target hovering at a threshold does not flip the size, and the keyframe each change costs,
/// back and forth).
pub const GROW_MARGIN: f64 = 1.5;
/// The smallest side a halving may produce.
pub const MIN_SIDE: u32 = 90;

/// Chooses the sent size within the configured one, remembering the last choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SendSize {
    /// How many times the configured size is halved.
    halvings: u32,
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
        let target = f64::from(target_kbps);
        loop {
            let (w, h) = halved(width, height, self.halvings);
            let (nw, nh) = halved(width, height, self.halvings + 1);
            if target < needed_kbps(w, h, fps) && nw.min(nh) >= MIN_SIDE {
                self.halvings += 1;
                continue;
            }
            if self.halvings > 0 {
                let (bw, bh) = halved(width, height, self.halvings - 1);
                if target > needed_kbps(bw, bh, fps) * GROW_MARGIN {
                    self.halvings -= 1;
                    continue;
                }
            }
            return (w, h);
        }
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
}
