//! Beauty (skin smoothing) and whiteness filters for I420 and NV12 video frames, on the CPU.
//!
//! The media pipeline calls [`BeautyFilter::apply`] on each captured frame before the encoder,
//! and the local preview shows the filtered frame. Only the luma plane is written: smoothing is a
//! skin-gated, self-guided Fast Guided Filter (He and Sun) whose statistics live on a grid 4 to 6
//! times coarser than the frame, and whitening is the tone curve
//! `v' = log(v*(b-1)+1)/log(b)` blended in by the same skin gate. See `docs/beauty.md`.
//!
//! ```
//! use duet_beauty::{BeautyFilter, Frame, PixelFormat};
//!
//! let mut frame = Frame::new(PixelFormat::I420, 640, 360)?;
//! let mut filter = BeautyFilter::new();
//! filter.set_beauty_level(6)?;
//! filter.set_whiteness_level(3)?;
//! filter.apply(&mut frame.as_frame_mut());
//! # Ok::<(), duet_beauty::BeautyError>(())
//! ```
//!
//! Architecture invariant: no I/O, no threads, no clock; all buffers are owned by the filter and
//! reused, so steady-state frames do not allocate.

mod active_spans;
mod block_stats;
mod box_mean;
mod coefficients;
mod error;
mod filter;
mod frame;
mod geometry;
mod levels;
mod owned_frame;
mod pipeline;
mod render;
mod row_cache;
mod scratch;
mod skin;
mod whitening;

pub use error::{BeautyError, PlaneName};
pub use filter::BeautyFilter;
pub use frame::{FrameMut, PixelFormat, PlaneMut};
pub use levels::Level;
pub use owned_frame::Frame;
