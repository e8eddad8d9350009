//! duet-beauty's beauty and whiteness filters as the stage between capture and encoder, with
//! levels that the SDK changes from any thread and that take effect from the next frame.

use crate::filter::VideoFrameFilter;
use crate::frame::I420Frame;
use duet_beauty::{BeautyError, BeautyFilter, FrameMut, Level, PlaneMut};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

#[derive(Debug, Default)]
struct Levels {
    beauty: AtomicU8,
    whiteness: AtomicU8,
}

/// Changes the levels of running [`BeautyStage`]s; cheap to clone and to call from any thread.
/// Every stage made by [`BeautyControl::stage`] (one per call, one per preview) follows it.
#[derive(Debug, Clone, Default)]
pub struct BeautyControl {
    levels: Arc<Levels>,
}

impl BeautyControl {
    /// A control at levels (0, 0): filters off.
    pub fn new() -> Self {
        Self::default()
    }

    /// A new stage (its own filter and buffers) that follows this control's levels.
    pub fn stage(&self) -> BeautyStage {
        BeautyStage {
            filter: BeautyFilter::new(),
            levels: self.levels.clone(),
            applied: (0, 0),
            warned: false,
        }
    }

    /// Sets the smoothing level (0..=9, 0 is off); the next captured frame uses it.
    pub fn set_beauty_level(&self, level: u8) -> Result<(), BeautyError> {
        Level::new(level)?;
        self.levels.beauty.store(level, Ordering::Relaxed);
        Ok(())
    }

    /// Sets the whitening level (0..=9, 0 is off); the next captured frame uses it.
    pub fn set_whiteness_level(&self, level: u8) -> Result<(), BeautyError> {
        Level::new(level)?;
        self.levels.whiteness.store(level, Ordering::Relaxed);
        Ok(())
    }

    /// The levels in force, as (beauty, whiteness).
    pub fn levels(&self) -> (u8, u8) {
        (
            self.levels.beauty.load(Ordering::Relaxed),
            self.levels.whiteness.load(Ordering::Relaxed),
        )
    }
}

/// The filter stage run on the capture thread; it owns the filter and its reused buffers.
pub struct BeautyStage {
    filter: BeautyFilter,
    levels: Arc<Levels>,
    applied: (u8, u8),
    warned: bool,
}

/// A stage starting at `beauty` and `whiteness` (nertc-call's beautyLevel and whitenessLevel), and the
/// handle that changes them.
pub fn beauty_stage(
    beauty: u8,
    whiteness: u8,
) -> Result<(BeautyStage, BeautyControl), BeautyError> {
    let control = BeautyControl::new();
    control.set_beauty_level(beauty)?;
    control.set_whiteness_level(whiteness)?;
    Ok((control.stage(), control))
}

impl BeautyStage {
    fn sync_levels(&mut self) -> (u8, u8) {
        let wanted = (
            self.levels.beauty.load(Ordering::Relaxed),
            self.levels.whiteness.load(Ordering::Relaxed),
        );
        if wanted != self.applied {
            // Both were validated by `BeautyControl` before they were stored.
            let beauty = self.filter.set_beauty_level(wanted.0);
            let whiteness = self.filter.set_whiteness_level(wanted.1);
            if beauty.is_ok() && whiteness.is_ok() {
                self.applied = wanted;
            }
        }
        self.applied
    }
}

impl VideoFrameFilter for BeautyStage {
    fn process(&mut self, frame: &mut I420Frame) {
        if self.sync_levels() == (0, 0) {
            return;
        }
        let (width, height) = (frame.width as usize, frame.height as usize);
        let (stride_y, stride_uv) = (frame.stride_y, frame.stride_uv);
        let view = FrameMut::i420(
            width,
            height,
            PlaneMut::new(&mut frame.y, stride_y),
            PlaneMut::new(&mut frame.u, stride_uv),
            PlaneMut::new(&mut frame.v, stride_uv),
        );
        match view {
            Ok(mut view) => self.filter.apply(&mut view),
            Err(error) if !self.warned => {
                // A source producing malformed frames is a bug upstream; send them unfiltered.
                tracing::warn!(%error, "frame cannot be filtered; sending it unfiltered");
                self.warned = true;
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 320x240 frame of noisy skin tone (YCbCr skin: Cb ~110, Cr ~155), which the filter smooths.
    fn skin_frame(seed: u32) -> I420Frame {
        let mut frame = I420Frame::black(320, 240).unwrap();
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        for y in frame.y.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            *y = 150u8.wrapping_add((state % 24) as u8).wrapping_sub(12);
        }
        frame.u.fill(110);
        frame.v.fill(155);
        frame
    }

    fn variance(plane: &[u8]) -> f64 {
        let mean = plane.iter().map(|&v| f64::from(v)).sum::<f64>() / plane.len() as f64;
        plane
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / plane.len() as f64
    }

    #[test]
    fn level_zero_passes_frames_through_untouched() {
        let (mut stage, _control) = beauty_stage(0, 0).unwrap();
        let original = skin_frame(1);
        let mut frame = original.clone();
        stage.process(&mut frame);
        assert_eq!(frame.y, original.y);
    }

    #[test]
    fn a_level_set_from_another_handle_applies_to_the_next_frame() {
        let (mut stage, control) = beauty_stage(0, 0).unwrap();
        let mut before = skin_frame(2);
        stage.process(&mut before);
        control.set_beauty_level(9).unwrap();
        let original = skin_frame(2);
        let mut after = original.clone();
        stage.process(&mut after);
        assert!(
            variance(&after.y) < variance(&original.y) * 0.5,
            "beauty 9 smooths noisy skin: variance {} -> {}",
            variance(&original.y),
            variance(&after.y)
        );
        assert_eq!(
            (after.u.clone(), after.v.clone()),
            (original.u, original.v),
            "chroma untouched"
        );
        control.set_whiteness_level(9).unwrap();
        let mut whiter = skin_frame(2);
        stage.process(&mut whiter);
        let mean = |p: &[u8]| p.iter().map(|&v| u64::from(v)).sum::<u64>() / p.len() as u64;
        assert!(
            mean(&whiter.y) > mean(&after.y),
            "whiteness raises skin luma"
        );
    }

    #[test]
    fn stages_of_one_control_follow_its_levels() {
        let control = BeautyControl::new();
        let (mut first, mut second) = (control.stage(), control.stage());
        control.set_beauty_level(9).unwrap();
        let original = skin_frame(3);
        for stage in [&mut first, &mut second] {
            let mut frame = original.clone();
            stage.process(&mut frame);
            assert!(variance(&frame.y) < variance(&original.y) * 0.5);
        }
    }

    #[test]
    fn out_of_range_levels_are_refused_and_change_nothing() {
        let (_stage, control) = beauty_stage(3, 4).unwrap();
        assert!(control.set_beauty_level(10).is_err());
        assert!(control.set_whiteness_level(200).is_err());
        assert_eq!(control.levels(), (3, 4));
        assert!(beauty_stage(10, 0).is_err());
    }
}
