//! Last pass: interpolates the per-cell lines and whitening weights to every pixel and applies
//! them to the luma rows in place. This is the only per-pixel arithmetic, so it is written as
//! plain loops over slices that the compiler vectorises; every function here is inlined into
//! the pipeline so that its AVX2 clone covers them (see `pipeline.rs`).

use std::ops::Range;

use crate::frame::PlaneMut;
use crate::geometry::Geometry;
use crate::row_cache::{Lines, RowCache};
use crate::whitening::Lift;

/// What the pass does to each pixel.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work<'a> {
    /// Apply the smoothing lines only.
    Smooth,
    /// Apply the whitening lift, weighted by skin, only.
    Whiten(&'a Lift),
    /// Smooth, then whiten the smoothed value.
    SmoothAndWhiten(&'a Lift),
}

impl Work<'_> {
    /// True if the pass applies the smoothing lines.
    pub fn smooths(self) -> bool {
        matches!(self, Work::Smooth | Work::SmoothAndWhiten(_))
    }

    /// True if the pass applies whitening.
    pub fn whitens(self) -> bool {
        matches!(self, Work::Whiten(_) | Work::SmoothAndWhiten(_))
    }
}

/// The per-cell grids to interpolate, each `low_width` x `low_height`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CellGrids<'s> {
    /// Slope `A` of each cell's line.
    pub slope: &'s [f32],
    /// Offset `B` of each cell's line.
    pub offset: &'s [f32],
    /// Whitening weight (smoothed skin weight), 0..=1.
    pub whiten: &'s [f32],
}

/// Applies `work` to every luma row of the frame.
#[inline(always)]
pub(crate) fn render(
    luma: &mut PlaneMut<'_>,
    geometry: &Geometry,
    cells: CellGrids<'_>,
    cache: &mut RowCache,
    work: Work<'_>,
) {
    cache.start_frame();
    for y in 0..geometry.height {
        let weight = cache.prepare_row(y, geometry, cells, work);
        let row = luma.row_mut(y, geometry.width);
        for span in cache.spans().iter().cloned() {
            let pixels = &mut row[span.clone()];
            let (base, step) = (cache.base(), cache.step());
            match work {
                Work::Smooth => smooth_row(pixels, base, step, span, weight),
                Work::Whiten(lift) => whiten_row(pixels, base, step, span, weight, lift),
                Work::SmoothAndWhiten(lift) => {
                    smooth_and_whiten_row(pixels, base, step, span, weight, lift);
                }
            }
        }
    }
}

/// Rounds a luma value to the nearest byte (ties to even), clamping to 0..=255.
///
/// Adding 1.5 * 2^23 moves the value's integer part to the low bits of the float's mantissa,
/// rounded by the addition itself; the low byte of the bits is then the result. Unlike a
/// saturating `as` cast, which the compiler does lane by lane, this vectorises.
#[inline(always)]
fn to_byte(value: f32) -> u8 {
    const ROUNDING_BIAS: f32 = 12_582_912.0;
    (value.clamp(0.0, 255.0) + ROUNDING_BIAS).to_bits() as u8
}

// Each row kernel gets the row cut to one span, and the interpolation's base and step over the
// same columns. They index slices cut to one common length instead of zipping six iterators:
// the bounds checks then disappear and the compiler vectorises the loops, which it does not do
// through the nested zips.

/// `I' = A * I + B`, with `A` and `B` interpolated between the two cell rows.
#[inline(always)]
fn smooth_row(row: &mut [u8], base: &Lines, step: &Lines, span: Range<usize>, weight: f32) {
    let n = row.len();
    let (slope, slope_step) = (&base.slope[span.clone()], &step.slope[span.clone()]);
    let (offset, offset_step) = (&base.offset[span.clone()], &step.offset[span]);
    let (slope, slope_step) = (&slope[..n], &slope_step[..n]);
    let (offset, offset_step) = (&offset[..n], &offset_step[..n]);
    for x in 0..n {
        let a = slope[x] + weight * slope_step[x];
        let b = offset[x] + weight * offset_step[x];
        row[x] = to_byte(a * f32::from(row[x]) + b);
    }
}

/// `I' = I + w * lift(I)`: the whitening curve blended in by the interpolated skin weight `w`.
#[inline(always)]
fn whiten_row(
    row: &mut [u8],
    base: &Lines,
    step: &Lines,
    span: Range<usize>,
    weight: f32,
    lift: &Lift,
) {
    let n = row.len();
    let (skin, skin_step) = (&base.whiten[span.clone()], &step.whiten[span]);
    let (skin, skin_step) = (&skin[..n], &skin_step[..n]);
    for x in 0..n {
        let w = skin[x] + weight * skin_step[x];
        let luma = f32::from(row[x]);
        row[x] = to_byte(luma + w * lift.at(luma));
    }
}

/// Both in one pass: the smoothed value, unrounded, is whitened and rounded once.
#[inline(always)]
fn smooth_and_whiten_row(
    row: &mut [u8],
    base: &Lines,
    step: &Lines,
    span: Range<usize>,
    weight: f32,
    lift: &Lift,
) {
    let n = row.len();
    let (slope, slope_step) = (&base.slope[span.clone()], &step.slope[span.clone()]);
    let (offset, offset_step) = (&base.offset[span.clone()], &step.offset[span.clone()]);
    let (skin, skin_step) = (&base.whiten[span.clone()], &step.whiten[span]);
    let (slope, slope_step) = (&slope[..n], &slope_step[..n]);
    let (offset, offset_step) = (&offset[..n], &offset_step[..n]);
    let (skin, skin_step) = (&skin[..n], &skin_step[..n]);
    for x in 0..n {
        let a = slope[x] + weight * slope_step[x];
        let b = offset[x] + weight * offset_step[x];
        // A smoothed value is a blend of the pixel and its window mean, so within 0..=255 up to
        // rounding; the polynomial is smooth there, and `to_byte` clamps the result.
        let smoothed = a * f32::from(row[x]) + b;
        let w = skin[x] + weight * skin_step[x];
        row[x] = to_byte(smoothed + w * lift.at(smoothed));
    }
}
