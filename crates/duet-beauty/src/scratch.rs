//! Every buffer the filter needs, owned by the filter and reused from frame to frame.

use crate::block_stats::ColumnSums;
use crate::geometry::Geometry;
use crate::row_cache::RowCache;

/// Buffers sized for the last frame's geometry. Resizing to the same size is a no-op and to a
/// smaller size keeps capacity, so only a frame larger than any before it allocates.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    geometry: Option<Geometry>,
    /// Column sums of the first pass.
    pub column_sums: ColumnSums,
    /// Per-cell mean luma.
    pub cell_mean: Vec<f32>,
    /// Per-cell mean squared luma.
    pub cell_mean_squared: Vec<f32>,
    /// Per-cell skin weight.
    pub cell_skin: Vec<f32>,
    /// Window mean of `cell_mean`.
    pub window_mean: Vec<f32>,
    /// Window mean of `cell_mean_squared`.
    pub window_mean_squared: Vec<f32>,
    /// Per-cell line slope.
    pub slope: Vec<f32>,
    /// Window mean of `slope`.
    pub window_slope: Vec<f32>,
    /// Per-cell line offset.
    pub offset: Vec<f32>,
    /// Window mean of `offset`.
    pub window_offset: Vec<f32>,
    /// Window mean of the skin weight: how much whitening each cell gets.
    pub whiten: Vec<f32>,
    /// One reduced-grid row of partial sums for the box mean.
    pub box_row: Vec<f32>,
    /// Expanded cell rows for the last pass.
    pub rows: RowCache,
}

impl Scratch {
    /// Sizes every buffer for `geometry`, doing nothing if it is the last frame's.
    pub fn prepare(&mut self, geometry: Geometry) {
        if self.geometry == Some(geometry) {
            return;
        }
        let cells = geometry.low_len();
        self.column_sums.resize(&geometry);
        for grid in [
            &mut self.cell_mean,
            &mut self.cell_mean_squared,
            &mut self.cell_skin,
            &mut self.window_mean,
            &mut self.window_mean_squared,
            &mut self.slope,
            &mut self.window_slope,
            &mut self.offset,
            &mut self.window_offset,
            &mut self.whiten,
        ] {
            grid.resize(cells, 0.0);
        }
        self.box_row.resize(geometry.low_width, 0.0);
        self.rows.resize(&geometry);
        self.geometry = Some(geometry);
    }
}
