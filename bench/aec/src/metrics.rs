//! What an echo canceller's output is judged by. The microphone signal is built as echo + near
//! end (+ a noise floor), so both are known exactly, sample for sample.

use crate::signals::{at, RATE};

pub fn energy(x: &[f32]) -> f64 {
    x.iter().map(|&s| f64::from(s) * f64::from(s)).sum()
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.max(1e-12).log10()
}

/// Echo return loss enhancement over `from..to` seconds: how much quieter the output is than the
/// echo the microphone picked up, where the far end talks alone.
pub fn erle(echo: &[f32], out: &[f32], from: f64, to: f64) -> f64 {
    let range = at(from)..at(to).min(out.len());
    db(energy(&echo[range.clone()]) / energy(&out[range]))
}

/// The output's delay against the microphone, in samples (within `max`): the lag at which the
/// output correlates best with the near end over `from..to`. A canceller may delay its output;
/// judging the near end at the wrong lag would call kept speech lost.
pub fn output_lag(near: &[f32], out: &[f32], from: f64, to: f64, max: usize) -> usize {
    let range = at(from)..at(to).min(out.len()).saturating_sub(max);
    (0..=max)
        .max_by(|&a, &b| {
            let corr = |lag: usize| -> f64 {
                range
                    .clone()
                    .map(|i| f64::from(near[i]) * f64::from(out[i + lag]))
                    .sum()
            };
            corr(a).total_cmp(&corr(b))
        })
        .unwrap_or(0)
}

/// How the near end came through over a stretch, told apart from the echo by Hagerman and
/// Olofsson's phase inversion: the canceller runs twice, on echo + near end and on echo − near
/// end. Its gains hardly depend on the near end's sign, so half the difference of the two
/// outputs is what it made of the near end and half the sum what it made of the echo, even
/// where it shapes them band by band, which no single gain fitted to the output could follow.
#[derive(Debug, Clone, Copy)]
pub struct NearEnd {
    /// Over the 50 ms windows where the near end talks: its level in the output against the
    /// microphone, in dB (0: untouched), the median window's.
    pub kept_median_db: f64,
    /// The same over all those windows together.
    pub kept_overall_db: f64,
    /// Share of those windows where it kept at least a quarter of its energy (within 6 dB).
    pub kept_share: f64,
    /// Echo left: ERLE over the stretch, on the echo's part of the output. Not meaningful where
    /// no far end plays.
    pub echo_left_erle_db: f64,
}

const WINDOW: usize = RATE / 20;

/// `plus` and `minus`: the outputs for echo + near end and echo − near end, `lag` samples late.
pub fn near_end(
    near: &[f32],
    echo: &[f32],
    plus: &[f32],
    minus: &[f32],
    lag: usize,
    from: f64,
    to: f64,
) -> NearEnd {
    let talking = 10f64.powf(-45.0 / 20.0);
    let mut kept = Vec::new();
    let (mut near_in, mut near_out) = (0.0, 0.0);
    let (mut echo_in, mut echo_out) = (0.0, 0.0);
    let end = at(to).min(plus.len().min(minus.len()) - lag);
    let mut start = at(from);
    while start + WINDOW <= end {
        let n = &near[start..start + WINDOW];
        let out = start + lag..start + lag + WINDOW;
        let (mut near_part, mut echo_part) = (0.0, 0.0);
        for (&p, &m) in plus[out.clone()].iter().zip(&minus[out]) {
            let (p, m) = (f64::from(p), f64::from(m));
            near_part += ((p - m) / 2.0).powi(2);
            echo_part += ((p + m) / 2.0).powi(2);
        }
        let near_energy = energy(n);
        if (near_energy / WINDOW as f64).sqrt() > talking {
            kept.push(near_part / near_energy);
            near_in += near_energy;
            near_out += near_part;
        }
        echo_in += energy(&echo[start..start + WINDOW]);
        echo_out += echo_part;
        start += WINDOW;
    }
    kept.sort_by(f64::total_cmp);
    let median = kept.get(kept.len() / 2).copied().unwrap_or(0.0);
    NearEnd {
        kept_median_db: db(median),
        kept_overall_db: db(near_out / near_in.max(1e-12)),
        kept_share: kept.iter().filter(|&&k| k >= 0.25).count() as f64 / kept.len().max(1) as f64,
        echo_left_erle_db: db(echo_in / echo_out.max(1e-12)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Noise;

    fn noise(seconds: f64, level: f32, seed: u64) -> Vec<f32> {
        let mut n = Noise::new(seed);
        (0..at(seconds)).map(|_| level * n.next()).collect()
    }

    #[test]
    fn an_output_with_a_tenth_of_the_echo_is_20_db_better() {
        let echo = noise(2.0, 0.1, 1);
        let out: Vec<f32> = echo.iter().map(|s| s * 0.1).collect();
        assert!((erle(&echo, &out, 0.0, 2.0) - 20.0).abs() < 0.01);
    }

    /// A canceller that keeps 0.6 of the near end (-4.4 dB) and takes 40 dB off the echo, late by
    /// `lag`.
    fn canceller(near: &[f32], echo: &[f32], sign: f32, lag: usize) -> Vec<f32> {
        let mut out = vec![0.0; lag];
        out.extend(
            near.iter()
                .zip(echo)
                .map(|(n, e)| sign * 0.6 * n + 0.01 * e),
        );
        out
    }

    #[test]
    fn a_quieter_near_end_behind_a_lag_is_found_and_told_from_the_echo() {
        let near = noise(2.0, 0.1, 2);
        let echo = noise(2.0, 0.1, 3);
        let lag = 96;
        let plus = canceller(&near, &echo, 1.0, lag);
        let minus = canceller(&near, &echo, -1.0, lag);
        assert_eq!(output_lag(&near, &plus, 0.0, 2.0, 480), lag);
        let judged = near_end(&near, &echo, &plus, &minus, lag, 0.0, 1.9);
        assert!((judged.kept_median_db + 4.44).abs() < 0.1, "{judged:?}");
        assert!((judged.kept_overall_db + 4.44).abs() < 0.1, "{judged:?}");
        assert_eq!(judged.kept_share, 1.0);
        assert!((judged.echo_left_erle_db - 40.0).abs() < 0.1, "{judged:?}");
    }

    #[test]
    fn a_near_end_shaped_band_by_band_still_counts_as_kept() {
        // A first difference keeps the high band and removes the low one: no single gain
        // fits it to the near end, but its energy is still the near end's.
        let near = noise(1.0, 0.1, 4);
        let echo = vec![0.0; near.len()];
        let shaped = |sign: f32| -> Vec<f32> {
            let mut previous = 0.0;
            near.iter()
                .map(|&n| {
                    let out = sign * (n - previous) / 2.0;
                    previous = n;
                    out
                })
                .collect()
        };
        let judged = near_end(&near, &echo, &shaped(1.0), &shaped(-1.0), 0, 0.0, 1.0);
        // White noise through (1 - z^-1)/2 keeps half its energy: -3 dB.
        assert!((judged.kept_overall_db + 3.0).abs() < 0.2, "{judged:?}");
    }
}
