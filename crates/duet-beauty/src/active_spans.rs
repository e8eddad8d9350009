//! Which pixels of a frame row the filter changes, from which of its cells are active.

use std::ops::Range;

use crate::geometry::Geometry;

/// Replaces `spans` with the pixel spans of a frame row that an active cell of either of two
/// cell rows reaches, merged so that no pixel is in two spans (it would be filtered twice).
///
/// Cell j is interpolated into the pixels from cell centre j-1 to cell centre j+1, so two runs
/// of active cells one inactive cell apart reach the same centre and merge; two or more apart,
/// the pixels between stay untouched. One pass over the cells, once per pair of cell rows.
pub(crate) fn active_spans(
    upper: &[bool],
    lower: &[bool],
    geometry: &Geometry,
    spans: &mut Vec<Range<usize>>,
) {
    spans.clear();
    let cells = upper.len().min(lower.len());
    let is_active = |j: usize| upper[j] | lower[j];
    let (factor, half) = (geometry.factor, geometry.factor / 2);
    let mut j = 0;
    while j < cells {
        if !is_active(j) {
            j += 1;
            continue;
        }
        let first = j;
        // One past the last active cell of the merged run.
        let mut end = j + 1;
        loop {
            while end < cells && is_active(end) {
                end += 1;
            }
            if end + 1 < cells && is_active(end + 1) {
                end += 2;
            } else {
                break;
            }
        }
        let start_pixel = if first == 0 {
            0
        } else {
            (first - 1) * factor + half
        };
        let end_pixel = if end == cells {
            geometry.width
        } else {
            (end * factor + half).min(geometry.width)
        };
        spans.push(start_pixel..end_pixel);
        j = end + 1;
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
        let mut out = Vec::new();
        active_spans(upper, lower, &geometry, &mut out);
        out
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

    /// The pixels some active cell reaches, as maximal runs, found pixel by pixel.
    fn covered_runs(active: &[bool], factor: usize, width: usize) -> Vec<Range<usize>> {
        let cells = active.len();
        let half = factor / 2;
        let reach = |j: usize| {
            let start = if j == 0 { 0 } else { (j - 1) * factor + half };
            let end = if j + 1 == cells {
                width
            } else {
                ((j + 1) * factor + half).min(width)
            };
            start..end
        };
        let covered: Vec<bool> = (0..width)
            .map(|p| (0..cells).any(|j| active[j] && reach(j).contains(&p)))
            .collect();
        let mut runs = Vec::new();
        let mut p = 0;
        while p < width {
            if covered[p] {
                let start = p;
                while p < width && covered[p] {
                    p += 1;
                }
                runs.push(start..p);
            } else {
                p += 1;
            }
        }
        runs
    }

    #[test]
    fn spans_are_the_covered_pixels_for_every_pattern() {
        for pattern in 0u32..1 << 12 {
            let upper: Vec<bool> = (0..6).map(|j| pattern >> j & 1 == 1).collect();
            let lower: Vec<bool> = (6..12).map(|j| pattern >> j & 1 == 1).collect();
            let either: Vec<bool> = upper.iter().zip(&lower).map(|(a, b)| a | b).collect();
            for (factor, width) in [(4, 24), (4, 22), (6, 33), (2, 12)] {
                assert_eq!(
                    spans(&upper, &lower, factor, width),
                    covered_runs(&either, factor, width),
                    "{upper:?} {lower:?} factor {factor} width {width}"
                );
            }
        }
    }
}
