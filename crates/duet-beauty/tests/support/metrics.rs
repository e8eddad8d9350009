//! Picture measurements for the quality tests.

use super::masks::Mask;

/// Peak signal-to-noise ratio in dB between two luma planes over the masked pixels; infinite
/// when they are identical there.
pub fn psnr(before: &[u8], after: &[u8], mask: &Mask) -> f64 {
    let (mut squared, mut count) = (0.0, 0usize);
    for ((&a, &b), _) in before
        .iter()
        .zip(after)
        .zip(&mask.bits)
        .filter(|(_, &inside)| inside)
    {
        let d = f64::from(a) - f64::from(b);
        squared += d * d;
        count += 1;
    }
    assert!(count > 0, "empty mask");
    let mse = squared / count as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

/// Mean squared difference between each masked pixel and the mean of its 5x5 neighbourhood:
/// the energy of detail finer than about 5 pixels, where skin texture (pores, blemishes, noise)
/// lives on a face some 100 pixels wide.
pub fn high_frequency_energy(luma: &[u8], mask: &Mask) -> f64 {
    let (width, height) = (mask.width, mask.height);
    let (mut energy, mut count) = (0.0, 0usize);
    for y in 2..height - 2 {
        for x in 2..width - 2 {
            if !mask.bits[y * width + x] {
                continue;
            }
            let mut sum = 0.0;
            for ny in y - 2..=y + 2 {
                for nx in x - 2..=x + 2 {
                    sum += f64::from(luma[ny * width + nx]);
                }
            }
            let detail = f64::from(luma[y * width + x]) - sum / 25.0;
            energy += detail * detail;
            count += 1;
        }
    }
    assert!(count > 0, "empty mask");
    energy / count as f64
}

/// Mean luma over the mask.
pub fn mean(luma: &[u8], mask: &Mask) -> f64 {
    let values: Vec<f64> = luma
        .iter()
        .zip(&mask.bits)
        .filter(|(_, &inside)| inside)
        .map(|(&v, _)| f64::from(v))
        .collect();
    assert!(!values.is_empty(), "empty mask");
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean absolute difference to the right and below neighbours over the masked pixels: how steep
/// the picture's edges are there.
pub fn mean_gradient(luma: &[u8], mask: &Mask) -> f64 {
    let width = mask.width;
    let (mut total, mut count) = (0.0, 0usize);
    for y in 0..mask.height - 1 {
        for x in 0..width - 1 {
            if !mask.bits[y * width + x] {
                continue;
            }
            let here = f64::from(luma[y * width + x]);
            total += (f64::from(luma[y * width + x + 1]) - here).abs();
            total += (f64::from(luma[(y + 1) * width + x]) - here).abs();
            count += 1;
        }
    }
    assert!(count > 0, "empty mask");
    total / count as f64
}

/// Pixels whose difference to the right or below neighbour is at least `threshold`: the edges.
pub fn edges(luma: &[u8], width: usize, height: usize, threshold: u8) -> Mask {
    let mut bits = vec![false; width * height];
    for y in 0..height - 1 {
        for x in 0..width - 1 {
            let here = luma[y * width + x];
            bits[y * width + x] = luma[y * width + x + 1].abs_diff(here) >= threshold
                || luma[(y + 1) * width + x].abs_diff(here) >= threshold;
        }
    }
    Mask {
        width,
        height,
        bits,
    }
}
