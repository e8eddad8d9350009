//! Mean over a square window, clipped at the borders, on the reduced grid.

/// Writes to `dst` the mean of `src` (a `width` x `height` grid, row-major) over the
/// `(2 * radius + 1)`-wide square around each cell; near borders the window is clipped and the
/// mean taken over the cells inside, so the border is not biased toward any padding value.
/// `row_sum` is scratch of at least `width` values. Inlined so that it is compiled inside the
/// pipeline's AVX2 clone (see `pipeline.rs`).
#[inline(always)]
pub(crate) fn box_mean(
    src: &[f32],
    dst: &mut [f32],
    row_sum: &mut [f32],
    width: usize,
    height: usize,
    radius: usize,
) {
    let row_sum = &mut row_sum[..width];
    let taps = (2 * radius + 1) as f32;
    for (i, out) in dst.chunks_exact_mut(width).take(height).enumerate() {
        let top = i.saturating_sub(radius);
        let bottom = (i + radius).min(height - 1);
        row_sum.copy_from_slice(&src[top * width..(top + 1) * width]);
        for row in src[(top + 1) * width..(bottom + 1) * width].chunks_exact(width) {
            add_into(row_sum, row);
        }
        let rows = (bottom - top + 1) as f32;
        sum_across(row_sum, out, radius);
        // Interior cells all have full rows of `taps` columns; only the borders are clipped.
        // Dividing (not multiplying by a reciprocal) keeps a constant exactly constant.
        let interior_count = rows * taps;
        for value in out.iter_mut() {
            *value /= interior_count;
        }
        for j in (0..width.min(radius)).chain(width.saturating_sub(radius).max(radius)..width) {
            let columns = ((j + radius).min(width - 1) - j.saturating_sub(radius) + 1) as f32;
            out[j] = sum_clipped(row_sum, j, radius) / (rows * columns);
        }
    }
}

/// Sum of `sums` over the window of `j`, clipped to the row.
#[inline(always)]
fn sum_clipped(sums: &[f32], j: usize, radius: usize) -> f32 {
    let left = j.saturating_sub(radius);
    let right = (j + radius).min(sums.len() - 1);
    sums[left..=right].iter().sum()
}

/// `acc += add`, element by element (written as a zip so it vectorises).
#[inline(always)]
fn add_into(acc: &mut [f32], add: &[f32]) {
    for (a, b) in acc.iter_mut().zip(add) {
        *a += b;
    }
}

/// `out[j] = sum of sums[j - radius ..= j + radius]` for the cells whose window lies inside
/// the row, as one shifted, vectorisable add per tap; the border cells are left to the caller.
#[inline(always)]
fn sum_across(sums: &[f32], out: &mut [f32], radius: usize) {
    let width = sums.len();
    if width > 2 * radius {
        let interior = width - 2 * radius;
        out[radius..radius + interior].copy_from_slice(&sums[..interior]);
        for tap in 1..=2 * radius {
            add_into(
                &mut out[radius..radius + interior],
                &sums[tap..tap + interior],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(src: &[f32], width: usize, height: usize, radius: usize) -> Vec<f32> {
        let mut out = vec![0.0; width * height];
        for i in 0..height {
            for j in 0..width {
                let (mut sum, mut count) = (0.0, 0.0);
                for y in i.saturating_sub(radius)..=(i + radius).min(height - 1) {
                    for x in j.saturating_sub(radius)..=(j + radius).min(width - 1) {
                        sum += src[y * width + x];
                        count += 1.0;
                    }
                }
                out[i * width + j] = sum / count;
            }
        }
        out
    }

    #[test]
    fn matches_a_naive_window_mean_at_every_size() {
        for (width, height) in [(1, 1), (2, 7), (5, 5), (6, 3), (13, 9)] {
            for radius in 0..4 {
                let src: Vec<f32> = (0..width * height)
                    .map(|i| ((i * 37) % 101) as f32)
                    .collect();
                let mut dst = vec![0.0; width * height];
                let mut scratch = vec![0.0; width];
                box_mean(&src, &mut dst, &mut scratch, width, height, radius);
                let expected = naive(&src, width, height, radius);
                for (got, want) in dst.iter().zip(&expected) {
                    assert!((got - want).abs() < 1e-3, "{width}x{height} r{radius}");
                }
            }
        }
    }

    #[test]
    fn a_constant_stays_exactly_constant() {
        let src = vec![1.0; 40 * 30];
        let mut dst = vec![0.0; 40 * 30];
        box_mean(&src, &mut dst, &mut [0.0; 40], 40, 30, 2);
        assert!(dst.iter().all(|&v| v == 1.0));
    }
}
