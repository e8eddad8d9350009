//! The hook between capture and the encoder where frame filters (beauty, whiteness) run.

use crate::frame::I420Frame;

/// Transforms each captured frame in place before it is encoded.
///
/// The beauty filter (duet-beauty's `BeautyFilter::apply`) plugs in here. Filters run on the
/// capture thread, so a slow filter lowers the frame rate rather than queueing frames.
pub trait VideoFrameFilter: Send {
    /// Processes one frame; size and format must stay the same.
    fn process(&mut self, frame: &mut I420Frame);
}

/// A filter that leaves frames untouched.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFilter;

impl VideoFrameFilter for NoFilter {
    fn process(&mut self, _frame: &mut I420Frame) {}
}
