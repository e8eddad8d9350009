//! Pixel masks for the quality tests, built independently of the filter's own skin detector.

use duet_beauty::{Frame, PlaneName};

/// A per-luma-pixel mask, row-major.
pub struct Mask {
    pub width: usize,
    pub height: usize,
    pub bits: Vec<bool>,
}

impl Mask {
    /// Skin by Chai and Ngan's classical fixed rule (IEEE TCSVT 1999): 77 <= Cb <= 127 and
    /// 133 <= Cr <= 173, read from the I420 chroma sample under each pixel. It is a hard box,
    /// unlike the filter's soft ellipse and luma gate, so it judges the filter from outside.
    pub fn ycbcr_skin(frame: &Frame) -> Mask {
        let (width, height) = (frame.width(), frame.height());
        let chroma_width = width.div_ceil(2);
        let u = frame.plane(PlaneName::U).expect("an I420 frame");
        let v = frame.plane(PlaneName::V).expect("an I420 frame");
        let bits = (0..width * height)
            .map(|i| {
                let c = (i / width / 2) * chroma_width + (i % width) / 2;
                (77..=127).contains(&u[c]) && (133..=173).contains(&v[c])
            })
            .collect();
        Mask {
            width,
            height,
            bits,
        }
    }

    /// The filled ellipse with the given centre and half-axes, in pixels.
    pub fn ellipse(width: usize, height: usize, centre: (f32, f32), half_axes: (f32, f32)) -> Mask {
        let bits = (0..width * height)
            .map(|i| {
                let dx = ((i % width) as f32 - centre.0) / half_axes.0;
                let dy = ((i / width) as f32 - centre.1) / half_axes.1;
                dx * dx + dy * dy <= 1.0
            })
            .collect();
        Mask {
            width,
            height,
            bits,
        }
    }

    /// Every pixel.
    pub fn full(width: usize, height: usize) -> Mask {
        Mask {
            width,
            height,
            bits: vec![true; width * height],
        }
    }

    /// The union of rectangles given as (left, top, width, height).
    pub fn rectangles(
        width: usize,
        height: usize,
        rectangles: &[(usize, usize, usize, usize)],
    ) -> Mask {
        let mut bits = vec![false; width * height];
        for &(left, top, w, h) in rectangles {
            for y in top..top + h {
                bits[y * width + left..y * width + left + w].fill(true);
            }
        }
        Mask {
            width,
            height,
            bits,
        }
    }

    /// Pixels in both masks.
    pub fn and(&self, other: &Mask) -> Mask {
        self.combine(other, |a, b| a && b)
    }

    /// Pixels not in this mask.
    pub fn not(&self) -> Mask {
        Mask {
            bits: self.bits.iter().map(|b| !b).collect(),
            ..*self
        }
    }

    /// Pixels whose whole `(2r+1)`-square neighbourhood is in the mask.
    pub fn eroded(&self, radius: usize) -> Mask {
        self.not().dilated(radius).not()
    }

    /// Pixels with any pixel of the mask within their `(2r+1)`-square neighbourhood.
    pub fn dilated(&self, radius: usize) -> Mask {
        let (width, height) = (self.width, self.height);
        let mut bits = vec![false; width * height];
        for y in 0..height {
            for x in 0..width {
                if !self.bits[y * width + x] {
                    continue;
                }
                for ny in y.saturating_sub(radius)..=(y + radius).min(height - 1) {
                    for nx in x.saturating_sub(radius)..=(x + radius).min(width - 1) {
                        bits[ny * width + nx] = true;
                    }
                }
            }
        }
        Mask {
            width,
            height,
            bits,
        }
    }

    /// How many pixels are in the mask.
    pub fn count(&self) -> usize {
        self.bits.iter().filter(|&&b| b).count()
    }

    fn combine(&self, other: &Mask, op: impl Fn(bool, bool) -> bool) -> Mask {
        assert_eq!((self.width, self.height), (other.width, other.height));
        Mask {
            bits: self
                .bits
                .iter()
                .zip(&other.bits)
                .map(|(&a, &b)| op(a, b))
                .collect(),
            ..*self
        }
    }
}

impl Clone for Mask {
    fn clone(&self) -> Self {
        Mask {
            bits: self.bits.clone(),
            ..*self
        }
    }
}
