//! The user's 0..=9 levels and what each one means to the filters: the one place to tune them.

use crate::error::BeautyError;

/// A beauty or whiteness level, 0 (off) to 9 (strongest), as in the SDK's `beautyLevel` and
/// `whitenessLevel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Level(u8);

impl Level {
    /// The strongest level.
    pub const MAX: Level = Level(9);
    /// Filter off: the frame passes through unchanged.
    pub const OFF: Level = Level(0);

    /// A level from 0..=9; anything above 9 is an error.
    pub fn new(level: u8) -> Result<Self, BeautyError> {
        if level > Self::MAX.0 {
            return Err(BeautyError::LevelOutOfRange { level });
        }
        Ok(Self(level))
    }

    /// The level as a number.
    pub fn get(self) -> u8 {
        self.0
    }

    /// True for level 0.
    pub fn is_off(self) -> bool {
        self.0 == 0
    }
}

/// How hard the guided filter smooths at one beauty level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SmoothingParams {
    /// Weight of the smoothed picture on skin with no texture, 0..=1.
    pub strength: f32,
    /// Guided-filter regularisation, in squared 8-bit luma steps: local variances well below it
    /// (skin texture, pores, noise) are smoothed, those well above it (eyes, lips, hair) kept.
    pub eps: f32,
}

/// Smoothing for a beauty level: strength grows linearly to 1 at level 9, and the variance
/// threshold grows too, so higher levels also flatten coarser blemishes.
pub(crate) fn smoothing_params(level: Level) -> SmoothingParams {
    let step = f32::from(level.get());
    // The threshold is a standard deviation of 9.25 luma steps at level 1 (fine pores and camera
    // noise) rising to 19.25 at level 9 (freckles, blemishes); eyes, brows, eyelashes and text
    // deviate by 30 or more and the gate falls off as the fourth power above the threshold.
    let sigma = 8.0 + 1.25 * step;
    SmoothingParams {
        strength: step / 9.0,
        eps: sigma * sigma,
    }
}

/// Base `b` of the whitening curve `v' = log(v*(b-1)+1)/log(b)` for a whiteness level: level 0
/// gives b = 1 (the identity, as the curve tends to `v` when b tends to 1), level 9 gives
/// b = 2.8, which lifts mid-grey skin (v = 0.5) to about 0.62 and v = 0.7 to 0.79.
pub(crate) fn whitening_base(level: Level) -> f32 {
    1.0 + f32::from(level.get()) / 5.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_above_nine_are_rejected() {
        assert_eq!(Level::new(9).map(Level::get), Ok(9));
        assert_eq!(
            Level::new(10),
            Err(BeautyError::LevelOutOfRange { level: 10 })
        );
    }

    #[test]
    fn smoothing_grows_with_the_level() {
        let all: Vec<SmoothingParams> = (0..=9)
            .map(|l| smoothing_params(Level::new(l).unwrap()))
            .collect();
        assert_eq!(all[0].strength, 0.0);
        assert_eq!(all[9].strength, 1.0);
        for pair in all.windows(2) {
            assert!(pair[1].strength > pair[0].strength);
            assert!(pair[1].eps > pair[0].eps);
        }
    }
}
