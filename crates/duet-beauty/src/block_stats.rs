//! First pass over the frame: per reduced-grid cell, the mean luma, the mean squared luma and
//! a skin weight from the cell's mean chroma.
//!
//! Squares are summed at full resolution, so a cell's variance includes detail finer than the
//! cell (eyelashes, hair strands) that a plain downscale would average away and then blur.

use crate::frame::{chroma_size, ChromaPlanes, FrameMut};
use crate::geometry::Geometry;
use crate::skin::skin_weight;

/// Per-column and per-cell sums for one band of rows, reused across frames.
#[derive(Debug, Default)]
pub(crate) struct ColumnSums {
    luma: Vec<u32>,
    luma_squared: Vec<u32>,
    /// U sums then V sums (NV12 is de-interleaved on the way in).
    chroma: Vec<u32>,
    cell_luma: Vec<u32>,
    cell_luma_squared: Vec<u32>,
    cell_u: Vec<u32>,
    cell_v: Vec<u32>,
}

impl ColumnSums {
    /// Sizes the sums for a frame; allocates only when the frame grows.
    pub fn resize(&mut self, geometry: &Geometry) {
        let (chroma_width, _) = chroma_size(geometry.width, geometry.height);
        self.luma.resize(geometry.width, 0);
        self.luma_squared.resize(geometry.width, 0);
        self.chroma.resize(2 * chroma_width, 0);
        for cells in [
            &mut self.cell_luma,
            &mut self.cell_luma_squared,
            &mut self.cell_u,
            &mut self.cell_v,
        ] {
            cells.resize(geometry.low_width, 0);
        }
    }
}

/// Per-cell outputs, each `geometry.low_len()` long.
pub(crate) struct CellStats<'s> {
    /// Mean luma, 0..=255.
    pub mean: &'s mut [f32],
    /// Mean of squared luma.
    pub mean_squared: &'s mut [f32],
    /// Skin weight, 0..=1.
    pub skin: &'s mut [f32],
}

/// Fills `out` from the frame's planes. Inlined so that it is compiled inside the pipeline's
/// AVX2 clone, where `geometry.factor` is also a constant (see `pipeline.rs`).
#[inline(always)]
pub(crate) fn cell_stats(
    frame: &FrameMut<'_>,
    geometry: &Geometry,
    sums: &mut ColumnSums,
    out: CellStats<'_>,
) {
    let Geometry {
        width,
        height,
        factor,
        low_width,
        ..
    } = *geometry;
    let (chroma_width, chroma_height) = chroma_size(width, height);
    let half = factor / 2;
    let cell_rows = out
        .mean
        .chunks_exact_mut(low_width)
        .zip(out.mean_squared.chunks_exact_mut(low_width))
        .zip(out.skin.chunks_exact_mut(low_width));
    for (i, ((mean, mean_squared), skin)) in cell_rows.enumerate() {
        let rows = i * factor..(i * factor + factor).min(height);
        let chroma_rows = i * half..(i * half + half).min(chroma_height);
        let luma_rows = rows.len();
        let chroma_row_count = chroma_rows.len();

        // The first row of a band sets the sums, the others add to them: no clearing pass.
        for (n, row) in rows.enumerate() {
            let row = frame.luma.row(row, width);
            add_row(&mut sums.luma, &mut sums.luma_squared, row, n == 0);
        }
        let (u_sums, v_sums) = sums.chroma.split_at_mut(chroma_width);
        for (n, row) in chroma_rows.enumerate() {
            let first = n == 0;
            match &frame.chroma {
                ChromaPlanes::I420 { u, v } => {
                    add_values(u_sums, u.row(row, chroma_width), first);
                    add_values(v_sums, v.row(row, chroma_width), first);
                }
                ChromaPlanes::Nv12 { uv } => {
                    add_interleaved(u_sums, v_sums, uv.row(row, 2 * chroma_width), first);
                }
            }
        }

        sum_cells(&sums.luma, factor, &mut sums.cell_luma);
        sum_cells(&sums.luma_squared, factor, &mut sums.cell_luma_squared);
        sum_cells(u_sums, half, &mut sums.cell_u);
        sum_cells(v_sums, half, &mut sums.cell_v);
        // Every cell but possibly the last is full width.
        let luma_scale = 1.0 / (luma_rows * factor) as f32;
        let chroma_scale = 1.0 / (chroma_row_count * half) as f32;
        for j in 0..low_width {
            mean[j] = sums.cell_luma[j] as f32 * luma_scale;
            mean_squared[j] = sums.cell_luma_squared[j] as f32 * luma_scale;
        }
        let last = low_width - 1;
        let last_columns = width - last * factor;
        if last_columns < factor {
            let scale = 1.0 / (luma_rows * last_columns) as f32;
            mean[last] = sums.cell_luma[last] as f32 * scale;
            mean_squared[last] = sums.cell_luma_squared[last] as f32 * scale;
        }
        let last_chroma_scale = 1.0 / (chroma_row_count * (chroma_width - last * half)) as f32;
        for j in 0..low_width {
            let scale = if j == last {
                last_chroma_scale
            } else {
                chroma_scale
            };
            skin[j] = skin_weight(
                mean[j],
                sums.cell_u[j] as f32 * scale,
                sums.cell_v[j] as f32 * scale,
            );
        }
    }
}

/// `cells[j]` = sum of `columns[j * factor .. (j + 1) * factor]`, the last cell possibly
/// narrower. With `factor` a constant (see `pipeline.rs`) the inner sums unroll.
#[inline(always)]
fn sum_cells(columns: &[u32], factor: usize, cells: &mut [u32]) {
    let mut exact = columns.chunks_exact(factor);
    for (cell, chunk) in cells.iter_mut().zip(&mut exact) {
        *cell = chunk.iter().sum();
    }
    let rest = exact.remainder();
    if !rest.is_empty() {
        cells[columns.len() / factor] = rest.iter().sum();
    }
}

// The row kernels branch once per row on `first` rather than multiplying the old sum by 0 or 1
// per element: the multiplies were a tenth of this pass's instructions.

/// Adds one luma row to the column sums of values and of squares, or starts them with it.
#[inline(always)]
fn add_row(sums: &mut [u32], squares: &mut [u32], row: &[u8], first: bool) {
    let n = row.len();
    let (sums, squares) = (&mut sums[..n], &mut squares[..n]);
    if first {
        for x in 0..n {
            let value = u32::from(row[x]);
            sums[x] = value;
            squares[x] = value * value;
        }
    } else {
        for x in 0..n {
            let value = u32::from(row[x]);
            sums[x] += value;
            squares[x] += value * value;
        }
    }
}

/// Adds one row of samples to column sums, or starts them with it.
#[inline(always)]
fn add_values(sums: &mut [u32], row: &[u8], first: bool) {
    let n = row.len();
    let sums = &mut sums[..n];
    if first {
        sums.iter_mut()
            .zip(row)
            .for_each(|(sum, &value)| *sum = u32::from(value));
    } else {
        sums.iter_mut()
            .zip(row)
            .for_each(|(sum, &value)| *sum += u32::from(value));
    }
}

/// Adds one NV12 chroma row (U, V, U, V...) to separate U and V column sums, or starts them.
#[inline(always)]
fn add_interleaved(u_sums: &mut [u32], v_sums: &mut [u32], row: &[u8], first: bool) {
    let pairs = u_sums
        .iter_mut()
        .zip(v_sums.iter_mut())
        .zip(row.chunks_exact(2));
    if first {
        for ((u, v), pair) in pairs {
            *u = u32::from(pair[0]);
            *v = u32::from(pair[1]);
        }
    } else {
        for ((u, v), pair) in pairs {
            *u += u32::from(pair[0]);
            *v += u32::from(pair[1]);
        }
    }
}
