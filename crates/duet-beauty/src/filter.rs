//! The filter the media pipeline calls once per captured frame, before the encoder.

use crate::error::BeautyError;
use crate::frame::FrameMut;
use crate::levels::{smoothing_params, Level};
use crate::pipeline::{self, Job};
use crate::render::Work;
use crate::scratch::Scratch;
use crate::whitening::WhiteningCurves;

/// Skin smoothing (beauty) and whitening on I420/NV12 luma, in place, with buffers reused across
/// frames. Setting a level is O(1) and takes effect from the next [`BeautyFilter::apply`].
#[derive(Debug)]
pub struct BeautyFilter {
    beauty: Level,
    whiteness: Level,
    curves: WhiteningCurves,
    scratch: Scratch,
}

impl Default for BeautyFilter {
    fn default() -> Self {
        Self::new()
    }
}

impl BeautyFilter {
    /// A filter with both levels at 0 (frames pass through unchanged).
    pub fn new() -> Self {
        Self {
            beauty: Level::OFF,
            whiteness: Level::OFF,
            curves: WhiteningCurves::new(),
            scratch: Scratch::default(),
        }
    }

    /// Sets skin smoothing, 0 (off) to 9; above 9 is an error and leaves the level unchanged.
    pub fn set_beauty_level(&mut self, level: u8) -> Result<(), BeautyError> {
        self.beauty = Level::new(level)?;
        Ok(())
    }

    /// Sets whitening, 0 (off) to 9; above 9 is an error and leaves the level unchanged.
    pub fn set_whiteness_level(&mut self, level: u8) -> Result<(), BeautyError> {
        self.whiteness = Level::new(level)?;
        Ok(())
    }

    /// The current beauty level.
    pub fn beauty_level(&self) -> u8 {
        self.beauty.get()
    }

    /// The current whiteness level.
    pub fn whiteness_level(&self) -> u8 {
        self.whiteness.get()
    }

    /// Filters the frame's luma in place; chroma is read (for the skin gate) but never written.
    /// With both levels at 0 the frame is left exactly as it was. Cannot fail: the frame view
    /// was validated when it was built. Allocates only on the first frame of a larger size.
    pub fn apply(&mut self, frame: &mut FrameMut<'_>) {
        let lift = self.curves.lift(self.whiteness);
        let work = match (self.beauty.is_off(), self.whiteness.is_off()) {
            (true, true) => return,
            (false, true) => Work::Smooth,
            (true, false) => Work::Whiten(lift),
            (false, false) => Work::SmoothAndWhiten(lift),
        };
        let smoothing = (!self.beauty.is_off()).then(|| smoothing_params(self.beauty));
        pipeline::run(frame, &mut self.scratch, Job { smoothing, work });
    }
}
