//! The reduced grid on which the guided filter's statistics and coefficients are computed.
//!
//! Following He and Sun's Fast Guided Filter, window statistics are computed on a grid `factor`
//! times coarser than the frame, and only the final per-pixel step runs at full resolution.

/// Radius, in reduced-grid cells, of the window whose variance decides between smoothing and
/// keeping an edge.
pub(crate) const STATS_RADIUS: usize = 2;
/// Radius, in reduced-grid cells, of the window over which each pixel's line is averaged. One
/// cell less than [`STATS_RADIUS`], because interpolation between cells reaches one cell
/// further: every line that touches a pixel then comes from a window that saw that pixel's
/// neighbourhood, so an edge is never smoothed by a window that did not contain it.
pub(crate) const LINE_RADIUS: usize = 1;

/// Frame size and the reduced grid derived from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Frame width in pixels.
    pub width: usize,
    /// Frame height in pixels.
    pub height: usize,
    /// Pixels per reduced-grid cell along each axis; always even, so each cell covers whole
    /// 4:2:0 chroma samples.
    pub factor: usize,
    /// Reduced-grid width, `ceil(width / factor)`.
    pub low_width: usize,
    /// Reduced-grid height, `ceil(height / factor)`.
    pub low_height: usize,
}

impl Geometry {
    /// The grid for a frame: one cell per 2x2 pixels up to 540 lines on the short side, then
    /// one more pixel pair per 360 lines (4 at 720p, 6 at 1080p). The window of the filter grows
    /// with the frame, so a face covers about as many cells at any camera resolution.
    pub fn for_frame(width: usize, height: usize) -> Self {
        let short_side = width.min(height);
        let factor = 2 * ((short_side + 180) / 360).max(1);
        Self {
            width,
            height,
            factor,
            low_width: width.div_ceil(factor),
            low_height: height.div_ceil(factor),
        }
    }

    /// Cells in the reduced grid.
    pub fn low_len(&self) -> usize {
        self.low_width * self.low_height
    }
}

/// Where full-resolution pixel `index` falls between reduced-grid cell centres: the cell before
/// it, the cell after it (the same at the borders) and the weight of the one after.
pub(crate) fn sample_between(index: usize, factor: usize, low_len: usize) -> (usize, usize, f32) {
    // Cell j's centre is at full-resolution coordinate (j + 0.5) * factor - 0.5.
    let position = (index as f32 + 0.5) / factor as f32 - 0.5;
    if position <= 0.0 {
        return (0, 0, 0.0);
    }
    let before = position as usize;
    if before + 1 >= low_len {
        return (low_len - 1, low_len - 1, 0.0);
    }
    (before, before + 1, position - before as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_scales_with_the_short_side() {
        assert_eq!(Geometry::for_frame(1280, 720).factor, 4);
        assert_eq!(Geometry::for_frame(720, 1280).factor, 4);
        assert_eq!(Geometry::for_frame(1920, 1080).factor, 6);
        assert_eq!(Geometry::for_frame(640, 480).factor, 2);
        assert_eq!(Geometry::for_frame(1, 1).factor, 2);
        let g = Geometry::for_frame(1281, 721);
        assert_eq!((g.low_width, g.low_height), (321, 181));
    }

    #[test]
    fn samples_interpolate_between_cell_centres() {
        // Factor 4: cell centres at 1.5, 5.5, 9.5...
        assert_eq!(sample_between(0, 4, 3), (0, 0, 0.0));
        assert_eq!(sample_between(1, 4, 3), (0, 0, 0.0));
        assert_eq!(sample_between(2, 4, 3), (0, 1, 0.125));
        assert_eq!(sample_between(5, 4, 3), (0, 1, 0.875));
        assert_eq!(sample_between(6, 4, 3), (1, 2, 0.125));
        assert_eq!(sample_between(11, 4, 3), (2, 2, 0.0));
        assert_eq!(sample_between(0, 2, 1), (0, 0, 0.0));
    }
}
