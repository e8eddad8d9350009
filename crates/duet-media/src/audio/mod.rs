//! Audio processing: resampling, echo cancellation / noise suppression / gain control, the
//! receive-side jitter buffer with loss concealment, and tone measurement.

pub mod analysis;
pub mod callback;
pub mod jitter;
pub mod processing;
pub mod resample;
