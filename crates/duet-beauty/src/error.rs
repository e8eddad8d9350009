//! The one error type of the crate.

use std::fmt;

/// Why a frame view could not be built or a level could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeautyError {
    /// Width or height is zero: there is no picture to filter.
    #[error("frame is {width}x{height}: width and height must both be at least 1")]
    EmptyFrame {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// The frame's byte size does not fit in memory addresses.
    #[error("frame of {width}x{height} is too large to address")]
    FrameTooLarge {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
    },
    /// A row stride is shorter than the bytes of one row of that plane.
    #[error("{plane} plane stride {stride} is shorter than one row of {row_bytes} bytes")]
    StrideTooSmall {
        /// Which plane.
        plane: PlaneName,
        /// The stride given, in bytes.
        stride: usize,
        /// The bytes one row of this plane needs.
        row_bytes: usize,
    },
    /// A plane's slice ends before its last row does.
    #[error("{plane} plane holds {len} bytes but its rows need {needed}")]
    PlaneTooShort {
        /// Which plane.
        plane: PlaneName,
        /// The slice length given.
        len: usize,
        /// The bytes the plane's rows need at the given stride.
        needed: usize,
    },
    /// Packed bytes given to [`crate::Frame::from_bytes`] are not exactly one frame long.
    #[error("packed frame holds {len} bytes but a frame of this size is {expected}")]
    PackedLengthMismatch {
        /// The length given.
        len: usize,
        /// The length of a packed frame of the stated size.
        expected: usize,
    },
    /// A beauty or whiteness level above 9.
    #[error("level {level} is out of range 0..=9")]
    LevelOutOfRange {
        /// The level asked for.
        level: u8,
    },
}

/// Names a plane of an I420 or NV12 frame, in errors and in [`crate::Frame`] accessors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaneName {
    /// Luma, full resolution.
    Y,
    /// I420 blue-difference chroma, half resolution.
    U,
    /// I420 red-difference chroma, half resolution.
    V,
    /// NV12 interleaved chroma (U then V per pixel pair), half resolution.
    Uv,
}

impl fmt::Display for PlaneName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PlaneName::Y => "Y",
            PlaneName::U => "U",
            PlaneName::V => "V",
            PlaneName::Uv => "UV",
        })
    }
}
