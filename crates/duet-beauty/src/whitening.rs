//! The whitening tone curve `v' = log(v*(b-1)+1)/log(b)`, one polynomial per level.
//!
//! The curve is concave, fixes black (0) and white (1), and is strictly increasing, so it lifts
//! mid-tones most and can never push a highlight up to a flat white. The renderer needs it per
//! pixel, where a table lookup would stop the loop from vectorising, so each level's lift
//! `curve(v) - v` is stored as its degree-6 Chebyshev interpolant, within 0.01 luma step of the
//! exact curve (checked by the tests below).

use crate::levels::{whitening_base, Level};

/// Degree of the polynomials: the error shrinks about 4.5 times per degree at level 9, and 6 is
/// the first below a hundredth of a luma step.
const DEGREE: usize = 6;

/// The lift of one level, `curve(v) - v` in 8-bit steps, as a polynomial in `u = v * 2/255 - 1`
/// (the input luma mapped to -1..=1), lowest power first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lift {
    coefficients: [f32; DEGREE + 1],
}

impl Lift {
    /// The lift at luma `value` (0.0..=255.0), in luma steps.
    #[inline(always)]
    pub fn at(&self, value: f32) -> f32 {
        let u = value * (2.0 / 255.0) - 1.0;
        let c = &self.coefficients;
        let mut sum = c[DEGREE];
        for &coefficient in c[..DEGREE].iter().rev() {
            sum = sum * u + coefficient;
        }
        sum
    }
}

/// The lifts of all ten levels, computed once, so changing level on a frame costs nothing.
#[derive(Debug, Clone)]
pub(crate) struct WhiteningCurves {
    lifts: [Lift; 10],
}

impl WhiteningCurves {
    /// Fits all ten levels.
    pub fn new() -> Self {
        let lifts = std::array::from_fn(|level| {
            // Cannot fail: `from_fn` counts 0..10, exactly the valid levels.
            let level = Level::new(level as u8).expect("0..=9 is valid");
            fit(|value| exact_lift(value, f64::from(whitening_base(level))))
        });
        Self { lifts }
    }

    /// The lift of one level; zero at level 0.
    pub fn lift(&self, level: Level) -> &Lift {
        &self.lifts[usize::from(level.get())]
    }
}

/// `curve(v) - v` in luma steps for luma `value` in 0..=255; base 1 is the identity (its limit).
fn exact_lift(value: f64, base: f64) -> f64 {
    if base <= 1.0 {
        return 0.0;
    }
    let v = value / 255.0;
    ((v * (base - 1.0)).ln_1p() / base.ln() - v) * 255.0
}

/// Interpolates `f` (a function of luma 0..=255) at the Chebyshev nodes of -1..=1, returning
/// the polynomial in `u` in monomial form.
fn fit(f: impl Fn(f64) -> f64) -> Lift {
    const NODES: usize = DEGREE + 1;
    let angle = |k: usize| std::f64::consts::PI * (k as f64 + 0.5) / NODES as f64;
    let samples: Vec<f64> = (0..NODES)
        .map(|k| f((angle(k).cos() + 1.0) * 255.0 / 2.0))
        .collect();
    // Chebyshev coefficients: c_j = 2/N * sum_k f(x_k) cos(j * angle_k), with c_0 halved.
    let mut chebyshev = [0.0f64; NODES];
    for (j, c) in chebyshev.iter_mut().enumerate() {
        let sum: f64 = (0..NODES)
            .map(|k| samples[k] * (j as f64 * angle(k)).cos())
            .sum();
        *c = sum * 2.0 / NODES as f64;
    }
    chebyshev[0] /= 2.0;
    // Sum c_j * T_j(u) in monomial form, building T_j by T_{j+1} = 2u T_j - T_{j-1}
    // (and T_1 = u).
    let mut monomial = [0.0f64; NODES];
    let mut previous = [0.0f64; NODES];
    let mut current = [0.0f64; NODES];
    current[0] = 1.0;
    for (j, &c) in chebyshev.iter().enumerate() {
        for (m, t) in monomial.iter_mut().zip(&current) {
            *m += c * t;
        }
        if j + 1 < NODES {
            let mut next = [0.0f64; NODES];
            let doubling = if j == 0 { 1.0 } else { 2.0 };
            for power in 0..NODES {
                let shifted = if power > 0 { current[power - 1] } else { 0.0 };
                next[power] = doubling * shifted - previous[power];
            }
            previous = current;
            current = next;
        }
    }
    Lift {
        coefficients: monomial.map(|c| c as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(l: u8) -> Level {
        Level::new(l).unwrap()
    }

    #[test]
    fn level_zero_moves_nothing() {
        let lift = *WhiteningCurves::new().lift(level(0));
        assert!((0..=255).all(|v| lift.at(v as f32) == 0.0));
    }

    #[test]
    fn polynomials_follow_the_exact_curve_within_a_hundredth_of_a_step() {
        let curves = WhiteningCurves::new();
        for l in 0..=9 {
            let base = f64::from(whitening_base(level(l)));
            for value in 0..=255 {
                let exact = exact_lift(f64::from(value), base);
                let fitted = f64::from(curves.lift(level(l)).at(value as f32));
                assert!(
                    (exact - fitted).abs() < 0.01,
                    "level {l}, {value}: {fitted} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn lift_grows_with_the_level_for_every_mid_tone() {
        let curves = WhiteningCurves::new();
        for value in 1..255 {
            for l in 1..=9 {
                let lower = curves.lift(level(l - 1)).at(value as f32);
                let higher = curves.lift(level(l)).at(value as f32);
                assert!(
                    higher > lower,
                    "value {value}, level {l}: {higher} <= {lower}"
                );
            }
        }
    }

    #[test]
    fn curve_keeps_order_and_never_reaches_white_below_white() {
        let curves = WhiteningCurves::new();
        for l in 0..=9 {
            let lift = curves.lift(level(l));
            let mapped: Vec<f32> = (0..=255).map(|v| v as f32 + lift.at(v as f32)).collect();
            assert!(mapped.windows(2).all(|p| p[1] > p[0]), "level {l}");
            // 254 must round below 255: its image stays under 254.5.
            assert!(mapped[254] < 254.5, "level {l}: {}", mapped[254]);
        }
    }
}
