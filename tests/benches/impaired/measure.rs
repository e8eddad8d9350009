//! What one run delivered, from Bob's decode times of Alice's pictures, his tone windows and
//! Alice's send rate: the figures issue 15 asks for, computed the same way for both stacks.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::presets::Preset;

/// A gap between decoded pictures longer than this is a freeze.
const FREEZE_MS: f64 = 500.0;

pub fn unix_ms_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What a stack's run produced, before any figure is computed.
#[derive(Debug, Default)]
pub struct Raw {
    /// When the impairment went on (Unix ms) and when the measured span ended.
    pub from_ms: f64,
    pub to_ms: f64,
    /// Bob's decode times of Alice's pictures (Unix ms), and the sizes seen.
    pub frame_times_ms: Vec<f64>,
    pub sizes: Vec<String>,
    /// One-second windows of Bob's audio carrying Alice's tone, of all windows.
    pub tone_windows: (usize, usize),
    /// Share of Bob's received audio samples that were concealed, where the stack reports it.
    pub concealed_share: Option<f64>,
    /// Alice's send rate (RTP payload, audio and video), (Unix ms, kbit/s) a second.
    pub send_kbps: Vec<(f64, f64)>,
    /// When the blackout ended (Unix ms).
    pub restored_at_ms: Option<f64>,
    /// Whether the call lived to the end of the span (not ended by the network).
    pub call_kept: bool,
}

/// The figures of one run.
#[derive(Debug)]
pub struct Outcome {
    pub fps_p50: f64,
    pub fps_p10: f64,
    pub freezes: usize,
    pub freeze_seconds: f64,
    /// When each freeze began, in seconds after the impairment went on: the goals count the
    /// ones after the first 5 s apart.
    pub freeze_starts_s: Vec<f64>,
    pub tone_windows: (usize, usize),
    pub concealed_share: Option<f64>,
    /// Median send rate over the span, and for a cap: (seconds to settle under it, median after).
    pub send_kbps_p50: Option<f64>,
    pub settled: Option<(f64, f64)>,
    pub media_back_ms: Option<f64>,
    pub call_kept: bool,
    pub sizes: Vec<String>,
}

fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 0.5)
}

/// Nearest-rank percentile; `None` when empty.
fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

impl Outcome {
    pub fn of(raw: Raw, preset: &Preset) -> Outcome {
        let span: Vec<f64> = raw
            .frame_times_ms
            .iter()
            .copied()
            .filter(|t| (raw.from_ms..raw.to_ms).contains(t))
            .collect();
        let windows = ((raw.to_ms - raw.from_ms) / 1000.0).floor() as usize;
        let mut per_second: Vec<f64> = (0..windows)
            .map(|i| {
                let start = raw.from_ms + i as f64 * 1000.0;
                span.iter()
                    .filter(|t| (start..start + 1000.0).contains(*t))
                    .count() as f64
            })
            .collect();
        // The span's ends count as edges: no picture for the first or last 500 ms is a freeze.
        let edges: Vec<f64> = std::iter::once(raw.from_ms)
            .chain(span.iter().copied())
            .chain(std::iter::once(raw.to_ms))
            .collect();
        let (gaps, freeze_starts_s): (Vec<f64>, Vec<f64>) = edges
            .windows(2)
            .map(|w| (w[1] - w[0], (w[0] - raw.from_ms) / 1000.0))
            .filter(|(gap, _)| *gap > FREEZE_MS)
            .unzip();
        let mut rates: Vec<f64> = raw
            .send_kbps
            .iter()
            .filter(|(at, _)| (raw.from_ms..=raw.to_ms + 1000.0).contains(at))
            .map(|(_, kbps)| *kbps)
            .collect();
        let settled = preset
            .cap_kbit
            .and_then(|cap| settle(&raw.send_kbps, raw.from_ms, raw.to_ms, cap as f64));
        let media_back_ms = raw.restored_at_ms.and_then(|back| {
            raw.frame_times_ms
                .iter()
                .find(|t| **t > back)
                .map(|t| t - back)
        });
        Outcome {
            fps_p50: median(&mut per_second.clone()).unwrap_or(0.0),
            fps_p10: percentile(&mut per_second, 0.1).unwrap_or(0.0),
            freezes: gaps.len(),
            // Summing from 0.0: an empty f64 sum is -0.0.
            freeze_seconds: gaps.iter().fold(0.0, |sum, gap| sum + gap) / 1000.0,
            freeze_starts_s,
            tone_windows: raw.tone_windows,
            concealed_share: raw.concealed_share,
            send_kbps_p50: median(&mut rates),
            settled,
            media_back_ms,
            call_kept: raw.call_kept,
            sizes: raw.sizes,
        }
    }

    fn tone_share(&self) -> f64 {
        let (heard, of) = self.tone_windows;
        if of == 0 {
            0.0
        } else {
            heard as f64 / of as f64
        }
    }

    pub fn one_line(&self, preset: &Preset) -> String {
        let mut line = format!(
            "fps p50 {:.0} p10 {:.0} | freezes {} ({:.1} s{}) | tone {}/{} | send p50 {} kbit/s | {}",
            self.fps_p50,
            self.fps_p10,
            self.freezes,
            self.freeze_seconds,
            if self.freeze_starts_s.is_empty() {
                String::new()
            } else {
                let starts: Vec<String> = self
                    .freeze_starts_s
                    .iter()
                    .map(|s| format!("{s:.1}"))
                    .collect();
                format!("; from {} s", starts.join(", "))
            },
            self.tone_windows.0,
            self.tone_windows.1,
            self.send_kbps_p50.map_or("-".into(), |k| format!("{k:.0}")),
            self.sizes.join(" "),
        );
        if let Some(share) = self.concealed_share {
            line += &format!(" | concealed {:.1} %", share * 100.0);
        }
        if preset.cap_kbit.is_some() {
            line += &match self.settled {
                Some((after, kbps)) => format!(" | under the cap after {after:.0} s at {kbps:.0}"),
                None => " | never settled under the cap".into(),
            };
        }
        if preset.blackout {
            line += &format!(
                " | media back {} | call {}",
                self.media_back_ms
                    .map_or("never".into(), |ms| format!("{ms:.0} ms after the network")),
                if self.call_kept { "kept" } else { "ended" }
            );
        }
        line
    }

    pub fn to_json(&self) -> Value {
        json!({
            "fps_p50": self.fps_p50, "fps_p10": self.fps_p10,
            "freezes": self.freezes, "freeze_seconds": self.freeze_seconds,
            "freeze_starts_s": self.freeze_starts_s,
            "tone_windows": [self.tone_windows.0, self.tone_windows.1],
            "concealed_share": self.concealed_share,
            "send_kbps_p50": self.send_kbps_p50,
            "settled": self.settled.map(|(s, k)| json!({"after_s": s, "kbps": k})),
            "media_back_ms": self.media_back_ms, "call_kept": self.call_kept,
            "sizes": self.sizes,
        })
    }
}

/// The first second from which every later sample of the span stays at or under `cap`: seconds
/// after `from`, and the median rate from then on. `None` if the last sample is over it.
fn settle(samples: &[(f64, f64)], from: f64, to: f64, cap: f64) -> Option<(f64, f64)> {
    let span: Vec<(f64, f64)> = samples
        .iter()
        .copied()
        .filter(|(at, _)| *at > from && *at <= to + 1000.0)
        .collect();
    let first_of_tail = span
        .iter()
        .rposition(|(_, kbps)| *kbps > cap)
        .map_or(0, |last_over| last_over + 1);
    let tail = span.get(first_of_tail..).filter(|t| !t.is_empty())?;
    // A sample is the rate over the second before it: the tail began a second before its first.
    let after = ((tail[0].0 - 1000.0 - from) / 1000.0).max(0.0);
    let mut rates: Vec<f64> = tail.iter().map(|(_, k)| *k).collect();
    Some((after, median(&mut rates)?))
}

/// The side-by-side table of docs/benchmarks.md: a row per preset and stack, and whether Duet is
/// at least as good as Chromium on freezes and audio windows.
pub fn table(presets: &[Preset], outcomes: &[(String, &'static str, Outcome)]) -> String {
    let mut out = String::from(
        "| preset | stack | fps p50 / p10 | freezes (count, s) | tone windows | sent kbit/s p50 | cap: settled after, kbit/s | blackout: media back, call | Duet >= Chromium (freezes, tone) |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for preset in presets {
        let of = |stack: &str| {
            outcomes
                .iter()
                .find(|(p, s, _)| p == preset.name && *s == stack)
                .map(|(_, _, o)| o)
        };
        let verdict = match (of("duet"), of("chromium")) {
            (Some(duet), Some(chromium)) => format!(
                "{}, {}",
                yes(duet.freeze_seconds <= chromium.freeze_seconds + 0.05),
                yes(duet.tone_share() >= chromium.tone_share())
            ),
            _ => "-".into(),
        };
        for (_, stack, o) in outcomes.iter().filter(|(p, _, _)| p == preset.name) {
            let cap = match (preset.cap_kbit, o.settled) {
                (None, _) => "-".into(),
                (Some(_), Some((after, kbps))) => format!("{after:.0} s, {kbps:.0}"),
                (Some(_), None) => "never".into(),
            };
            let blackout = if preset.blackout {
                format!(
                    "{}, {}",
                    o.media_back_ms
                        .map_or("never".into(), |ms| format!("{ms:.0} ms")),
                    if o.call_kept { "kept" } else { "ended" }
                )
            } else {
                "-".into()
            };
            out += &format!(
                "| {} | {} | {:.0} / {:.0} | {}, {:.1} | {}/{} | {} | {} | {} | {} |\n",
                preset.name,
                stack,
                o.fps_p50,
                o.fps_p10,
                o.freezes,
                o.freeze_seconds,
                o.tone_windows.0,
                o.tone_windows.1,
                o.send_kbps_p50.map_or("-".into(), |k| format!("{k:.0}")),
                cap,
                blackout,
                if *stack == "duet" { &verdict } else { "" },
            );
        }
    }
    out
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}
