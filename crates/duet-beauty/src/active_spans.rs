//! Which pixels of a frame row the filter changes, from which of its cells are active.

use std::ops::Range;

use crate::geometry::Geometry;

/// The pixel spans of a frame row that an active cell of either cell row reaches, merged so
/// that no pixel is in two spans (it would be filtered twice).
#[derive(Clone, Copy)]
pub(crate) struct ActiveSpans<'a> {
    upper: &'a [bool],
    lower: &'a [bool],
    factor: usize,
    width: usize,
    next_cell: usize,
}

impl<'a> ActiveSpans<'a> {
    /// The spans reached by active cells of either of two cell rows.
    pub fn new(upper: &'a [bool], lower: &'a [bool], geometry: &Geometry) -> Self {
        Self {
            upper,
            lower,
            factor: geometry.factor,
            width: geometry.width,
            next_cell: 0,
        }
    }

    fn is_active(&self, cell: usize) -> bool {
        self.upper[cell] || self.lower[cell]
    }

    /// The next run of active cells, as pixels: cell j is interpolated into the pixels from
    /// cell centre j-1 to cell centre j+1.
    fn next_run(&mut self) -> Option<Range<usize>> {
        let cells = self.upper.len();
        let first = (self.next_cell..cells).find(|&j| self.is_active(j))?;
        let end_cell = (first..cells)
            .find(|&j| !self.is_active(j))
            .unwrap_or(cells);
        self.next_cell = end_cell;
        let half = self.factor / 2;
        let start = if first == 0 {
            0
        } else {
            (first - 1) * self.factor + half
        };
        let end = if end_cell == cells {
            self.width
        } else {
            (end_cell * self.factor + half).min(self.width)
        };
        Some(start..end)
    }
}

impl Iterator for ActiveSpans<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let mut span = self.next_run()?;
        // Runs one or two cells apart reach the same pixels: merge them.
        while let Some(following) = self.peek_run() {
            if following.start > span.end {
                break;
            }
            span.end = following.end;
            self.next_run();
        }
        Some(span)
    }
}

impl ActiveSpans<'_> {
    /// The next run without consuming it.
    fn peek_run(&self) -> Option<Range<usize>> {
        let mut copy = *self;
        copy.next_run()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(upper: &[bool], lower: &[bool], factor: usize, width: usize) -> Vec<Range<usize>> {
        let geometry = Geometry {
            width,
            height: factor,
            factor,
            low_width: upper.len(),
            low_height: 1,
        };
        ActiveSpans::new(upper, lower, &geometry).collect()
    }

    #[test]
    fn a_cell_reaches_from_the_centre_before_it_to_the_centre_after_it() {
        let (t, f) = (true, false);
        // Factor 4: cell centres at 1.5, 5.5, 9.5, 13.5, 17.5, 21.5.
        assert_eq!(spans(&[f, f, t, f, f, f], &[f; 6], 4, 24), vec![6..14]);
        assert_eq!(spans(&[t, f, f, f, f, f], &[f; 6], 4, 24), vec![0..6]);
        assert_eq!(spans(&[f; 6], &[f, f, f, f, f, t], 4, 22), vec![18..22]);
        assert_eq!(spans(&[f; 6], &[f; 6], 4, 24), Vec::<Range<usize>>::new());
    }

    #[test]
    fn runs_that_reach_the_same_pixels_merge_and_others_stay_apart() {
        let (t, f) = (true, false);
        // One inactive cell between runs: their spans touch at its centre, so they merge.
        assert_eq!(spans(&[t, f, t, f, f, f], &[f; 6], 4, 24), vec![0..14]);
        // Two inactive cells between: the pixels between their centres stay untouched.
        assert_eq!(
            spans(&[t, f, f, t, f, f], &[f; 6], 4, 24),
            vec![0..6, 10..18]
        );
        // Either cell row counts.
        assert_eq!(
            spans(&[t, f, f, f, f, f], &[f, f, f, t, f, f], 4, 24),
            vec![0..6, 10..18]
        );
    }
}
