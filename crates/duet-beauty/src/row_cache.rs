//! The cell rows around the frame row being rendered, interpolated to every column, and the
//! spans of columns they change.

use std::ops::Range;

use crate::active_spans::active_spans;
use crate::geometry::{sample_between, Geometry};
use crate::render::{CellGrids, Work};

/// Per-column values of the three interpolated channels.
#[derive(Debug, Default)]
pub(crate) struct Lines {
    /// Slope `A` of the line.
    pub slope: Vec<f32>,
    /// Offset `B` of the line.
    pub offset: Vec<f32>,
    /// Whitening weight.
    pub whiten: Vec<f32>,
}

impl Lines {
    fn resize(&mut self, width: usize) {
        self.slope.resize(width, 0.0);
        self.offset.resize(width, 0.0);
        self.whiten.resize(width, 0.0);
    }
}

/// One row of cells interpolated to every frame column.
#[derive(Debug, Default)]
struct ExpandedRow {
    lines: Lines,
    /// Per cell of the row: does it change anything? Where a cell and its neighbours do not,
    /// the interpolated line is exactly `1 * I + 0` and the whitening weight exactly 0, so the
    /// pixels there are skipped: non-skin areas cost nothing in the last pass.
    active: Vec<bool>,
}

/// The two expanded cell rows around the current frame row, kept while frame rows advance
/// between them, so each cell row is expanded once per frame. A frame row's values are
/// `upper + weight * step`, with `step = lower - upper` computed once per pair of cell rows.
#[derive(Debug, Default)]
pub(crate) struct RowCache {
    upper: ExpandedRow,
    lower: ExpandedRow,
    step: Lines,
    upper_cell_row: Option<usize>,
    lower_cell_row: Option<usize>,
    /// Weight of the right-hand cell for each pixel between two cell centres (`factor` values).
    between_weights: Vec<f32>,
    /// The pixel spans that the two cell rows change.
    spans: Vec<Range<usize>>,
}

impl RowCache {
    /// Sizes the rows for a frame; allocates only when the frame grows.
    pub fn resize(&mut self, geometry: &Geometry) {
        for row in [&mut self.upper, &mut self.lower] {
            row.lines.resize(geometry.width);
            row.active.resize(geometry.low_width, false);
        }
        self.step.resize(geometry.width);
        // Pixel `t` past a cell centre lies (t + 0.5) / factor of the way to the next centre.
        let factor = geometry.factor;
        self.between_weights.clear();
        self.between_weights
            .extend((0..factor).map(|t| (t as f32 + 0.5) / factor as f32));
        // Spans are separated by at least one inactive cell, so there are at most half as many
        // as cells: reserve that now and never allocate while rendering.
        self.spans.clear();
        self.spans.reserve(geometry.low_width / 2 + 1);
    }

    /// Forgets the rows of the last frame, whose cell grids are gone.
    pub fn start_frame(&mut self) {
        self.upper_cell_row = None;
        self.lower_cell_row = None;
    }

    /// Loads the cell rows around frame row `y` and returns its interpolation weight between
    /// them; `base`, `step` and `spans` then describe that row.
    #[inline(always)]
    pub fn prepare_row(
        &mut self,
        y: usize,
        geometry: &Geometry,
        cells: CellGrids<'_>,
        work: Work<'_>,
    ) -> f32 {
        let (upper, lower, weight) = sample_between(y, geometry.factor, geometry.low_height);
        if self.upper_cell_row == Some(upper) && self.lower_cell_row == Some(lower) {
            return weight;
        }
        if self.upper_cell_row != Some(upper) {
            if self.lower_cell_row == Some(upper) {
                std::mem::swap(&mut self.upper, &mut self.lower);
                self.lower_cell_row = self.upper_cell_row;
            } else {
                expand_row(
                    upper,
                    geometry,
                    cells,
                    work,
                    &self.between_weights,
                    &mut self.upper,
                );
            }
            self.upper_cell_row = Some(upper);
        }
        if self.lower_cell_row != Some(lower) {
            expand_row(
                lower,
                geometry,
                cells,
                work,
                &self.between_weights,
                &mut self.lower,
            );
            self.lower_cell_row = Some(lower);
        }
        active_spans(
            &self.upper.active,
            &self.lower.active,
            geometry,
            &mut self.spans,
        );
        for span in &self.spans {
            let (up, down) = (&self.upper.lines, &self.lower.lines);
            if work.smooths() {
                difference(&up.slope, &down.slope, &mut self.step.slope, span);
                difference(&up.offset, &down.offset, &mut self.step.offset, span);
            }
            if work.whitens() {
                difference(&up.whiten, &down.whiten, &mut self.step.whiten, span);
            }
        }
        weight
    }

    /// The spans of columns this row changes; every other pixel stays as it is.
    pub fn spans(&self) -> &[Range<usize>] {
        &self.spans
    }

    /// Values at the upper cell row.
    pub fn base(&self) -> &Lines {
        &self.upper.lines
    }

    /// Lower minus upper, valid within the spans.
    pub fn step(&self) -> &Lines {
        &self.step
    }
}

/// `out = to - from` over `span`.
#[inline(always)]
fn difference(from: &[f32], to: &[f32], out: &mut [f32], span: &Range<usize>) {
    let (from, to) = (&from[span.clone()], &to[span.clone()]);
    for ((out, &from), &to) in out[span.clone()].iter_mut().zip(from).zip(to) {
        *out = to - from;
    }
}

/// Expands the channels `work` needs of one cell row and marks its active cells.
#[inline(always)]
fn expand_row(
    cell_row: usize,
    geometry: &Geometry,
    cells: CellGrids<'_>,
    work: Work<'_>,
    weights: &[f32],
    expanded: &mut ExpandedRow,
) {
    let factor = geometry.factor;
    let range = cell_row * geometry.low_width..(cell_row + 1) * geometry.low_width;
    let (slope, offset, whiten) = (
        &cells.slope[range.clone()],
        &cells.offset[range.clone()],
        &cells.whiten[range],
    );
    if work.smooths() {
        expand(slope, weights, factor, &mut expanded.lines.slope);
        expand(offset, weights, factor, &mut expanded.lines.offset);
    }
    if work.whitens() {
        expand(whiten, weights, factor, &mut expanded.lines.whiten);
    }
    let active = slope.iter().zip(offset).zip(whiten).map(|((&a, &b), &w)| {
        (work.smooths() && (a != 1.0 || b != 0.0)) || (work.whitens() && w != 0.0)
    });
    for (slot, is_active) in expanded.active.iter_mut().zip(active) {
        *slot = is_active;
    }
}

/// Linear interpolation of one row of cells to every frame column: constant up to the first
/// cell centre and after the last, and `factor` pixels between each pair of centres, pixel `t`
/// at `weights[t]` of the way. With `factor` a constant (see `pipeline.rs`) the inner loop
/// unrolls into a few vector operations.
#[inline(always)]
fn expand(cells: &[f32], weights: &[f32], factor: usize, out: &mut [f32]) {
    let weights = &weights[..factor];
    let first_centre = (factor / 2).min(out.len());
    let (before, body) = out.split_at_mut(first_centre);
    before.fill(cells[0]);
    let intervals = cells.len() - 1;
    let full = (body.len() / factor).min(intervals);
    for (chunk, pair) in body
        .chunks_exact_mut(factor)
        .take(full)
        .zip(cells.windows(2))
    {
        let (left, step) = (pair[0], pair[1] - pair[0]);
        for (slot, &weight) in chunk.iter_mut().zip(weights) {
            *slot = left + weight * step;
        }
    }
    let mut done = full * factor;
    if full < intervals && done < body.len() {
        // The frame ends part way between two cell centres.
        let (left, step) = (cells[full], cells[full + 1] - cells[full]);
        for (slot, &weight) in body[done..].iter_mut().zip(weights) {
            *slot = left + weight * step;
        }
        done = body.len();
    }
    body[done..].fill(cells[intervals]);
}
