//! The stages of one frame, in order, compiled twice: for the baseline CPU and for AVX2.
//!
//! Every stage function is `#[inline(always)]` so that it is compiled inside [`run_avx2`], whose
//! `target_feature` lets the compiler vectorise the loops 8 floats wide instead of 4. No fused
//! multiply-add is enabled, so both clones round identically and give the same bytes.

// Unsafe code is allowed in this module only: the AVX2 build of the pipeline is called only after the CPU was checked for AVX2.
#![allow(unsafe_code)]

use crate::block_stats::{cell_stats, CellStats};
use crate::box_mean::box_mean;
use crate::coefficients::{cell_line, WindowStats};
use crate::frame::FrameMut;
use crate::geometry::{Geometry, LINE_RADIUS, STATS_RADIUS};
use crate::levels::SmoothingParams;
use crate::render::{render, CellGrids, Work};
use crate::scratch::Scratch;

/// What to do to one frame.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job<'a> {
    /// Smoothing parameters, or `None` when beauty is off.
    pub smoothing: Option<SmoothingParams>,
    /// The per-pixel work of the last pass.
    pub work: Work<'a>,
}

/// Filters `frame` in place, with the widest vector unit this CPU has.
pub(crate) fn run(frame: &mut FrameMut<'_>, scratch: &mut Scratch, job: Job<'_>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has just been checked to support AVX2, the only feature enabled.
        unsafe { run_avx2(frame, scratch, job) };
        return;
    }
    run_stages(frame, scratch, job);
}

/// [`run_stages`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn run_avx2(frame: &mut FrameMut<'_>, scratch: &mut Scratch, job: Job<'_>) {
    run_stages(frame, scratch, job);
}

#[inline(always)]
fn run_stages(frame: &mut FrameMut<'_>, scratch: &mut Scratch, job: Job<'_>) {
    let geometry = Geometry::for_frame(frame.width(), frame.height());
    // The cell size is known only per frame, but the loops over a cell's pixels are far faster
    // when it is a constant: compile the stages once per common size (360p to 1080p).
    match geometry.factor {
        2 => stages_with_factor::<2>(frame, scratch, job, geometry),
        4 => stages_with_factor::<4>(frame, scratch, job, geometry),
        6 => stages_with_factor::<6>(frame, scratch, job, geometry),
        _ => stages_with_factor::<0>(frame, scratch, job, geometry),
    }
}

/// The stages with `geometry.factor` replaced by the constant `FACTOR` (0: keep the runtime one).
#[inline(always)]
fn stages_with_factor<const FACTOR: usize>(
    frame: &mut FrameMut<'_>,
    scratch: &mut Scratch,
    job: Job<'_>,
    geometry: Geometry,
) {
    let geometry = if FACTOR == 0 {
        geometry
    } else {
        Geometry {
            factor: FACTOR,
            ..geometry
        }
    };
    scratch.prepare(geometry);
    cell_stats(
        frame,
        &geometry,
        &mut scratch.column_sums,
        CellStats {
            mean: &mut scratch.cell_mean,
            mean_squared: &mut scratch.cell_mean_squared,
            skin: &mut scratch.cell_skin,
        },
    );
    compute_lines(scratch, &geometry, job.smoothing);
    let cells = CellGrids {
        slope: &scratch.window_slope,
        offset: &scratch.window_offset,
        whiten: &scratch.whiten,
    };
    render(
        &mut frame.luma,
        &geometry,
        cells,
        &mut scratch.rows,
        job.work,
    );
}

/// From the per-cell statistics, the window-averaged lines (`window_slope`, `window_offset`) and
/// whitening weights (`whiten`) that the last pass interpolates.
#[inline(always)]
fn compute_lines(scratch: &mut Scratch, geometry: &Geometry, smoothing: Option<SmoothingParams>) {
    let (width, height) = (geometry.low_width, geometry.low_height);
    let row = &mut scratch.box_row;
    box_mean(
        &scratch.cell_skin,
        &mut scratch.whiten,
        row,
        width,
        height,
        LINE_RADIUS,
    );
    let Some(params) = smoothing else {
        return;
    };
    box_mean(
        &scratch.cell_mean,
        &mut scratch.window_mean,
        row,
        width,
        height,
        STATS_RADIUS,
    );
    box_mean(
        &scratch.cell_mean_squared,
        &mut scratch.window_mean_squared,
        row,
        width,
        height,
        STATS_RADIUS,
    );
    let stats = scratch
        .window_mean
        .iter()
        .zip(&scratch.window_mean_squared)
        .zip(&scratch.cell_skin);
    for ((slope, offset), ((&mean, &mean_squared), &skin)) in scratch
        .slope
        .iter_mut()
        .zip(scratch.offset.iter_mut())
        .zip(stats)
    {
        let stats = WindowStats {
            mean,
            mean_squared,
            skin,
        };
        (*slope, *offset) = cell_line(stats, params);
    }
    box_mean(
        &scratch.slope,
        &mut scratch.window_slope,
        row,
        width,
        height,
        LINE_RADIUS,
    );
    box_mean(
        &scratch.offset,
        &mut scratch.window_offset,
        row,
        width,
        height,
        LINE_RADIUS,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::levels::{smoothing_params, Level};
    use crate::whitening::WhiteningCurves;
    use crate::{Frame, PixelFormat, PlaneName};

    /// A frame of pseudo-random texture over a ramp, skin-toned on its left half.
    fn textured(width: usize, height: usize) -> Frame {
        let mut frame = Frame::new(PixelFormat::I420, width, height).unwrap();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for (i, value) in frame
            .plane_mut(PlaneName::Y)
            .unwrap()
            .iter_mut()
            .enumerate()
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *value = (60 + (i % width) * 120 / width) as u8 + (state % 24) as u8;
        }
        let chroma_width = width.div_ceil(2);
        for (plane, skin) in [(PlaneName::U, 110), (PlaneName::V, 150)] {
            for (i, value) in frame.plane_mut(plane).unwrap().iter_mut().enumerate() {
                *value = if i % chroma_width < chroma_width / 2 {
                    skin
                } else {
                    128
                };
            }
        }
        frame
    }

    fn job(curves: &WhiteningCurves) -> Job<'_> {
        Job {
            smoothing: Some(smoothing_params(Level::MAX)),
            work: Work::SmoothAndWhiten(curves.lift(Level::MAX)),
        }
    }

    #[test]
    fn the_avx2_clone_and_the_baseline_give_the_same_bytes() {
        let curves = WhiteningCurves::new();
        let source = textured(203, 117);
        let (mut dispatched, mut baseline) = (source.clone(), source.clone());
        run(
            &mut dispatched.as_frame_mut(),
            &mut Scratch::default(),
            job(&curves),
        );
        run_stages(
            &mut baseline.as_frame_mut(),
            &mut Scratch::default(),
            job(&curves),
        );
        assert_ne!(baseline, source);
        assert_eq!(dispatched, baseline);
    }

    #[test]
    fn constant_cell_sizes_give_the_same_bytes_as_the_runtime_one() {
        let curves = WhiteningCurves::new();
        // 720 lines: cells of 4 pixels, one of the sizes compiled as a constant.
        let source = textured(801, 720);
        let geometry = Geometry::for_frame(801, 720);
        assert_eq!(geometry.factor, 4);
        let (mut constant, mut runtime) = (source.clone(), source.clone());
        let mut scratch = Scratch::default();
        stages_with_factor::<4>(
            &mut constant.as_frame_mut(),
            &mut scratch,
            job(&curves),
            geometry,
        );
        stages_with_factor::<0>(
            &mut runtime.as_frame_mut(),
            &mut scratch,
            job(&curves),
            geometry,
        );
        assert_ne!(constant, source);
        assert_eq!(constant, runtime);
    }
}
