//! Impaired networks, Duet against Chromium in the same run (docs/benchmarks.md, "Impaired
//! networks"; run by `scripts/bench-impaired.sh`, as root).
//!
//! Each preset runs twice through a fresh two-site lab (`duet_e2e::lab::two_sites`; cone NATs,
//! STUN from coturn, duet-server over wss:// in the public namespace): first duet-cli calling
//! duet-cli, then the interop page in headless Chromium calling the same page. Both send a
//! 1280x720 moving test pattern at 30 fps with a 1,500 kbit/s ceiling and a tone (Alice 440 Hz,
//! Bob 880 Hz). Once Bob decodes Alice's first picture, the preset's impairment goes onto Alice's
//! router for [`seconds`] and Bob's reception of Alice is measured: when each picture was
//! decoded, which one-second windows carry Alice's tone, and Alice's send rate.
//!
//! Environment: `DUET_IMPAIRED_SECONDS` (default 30), `DUET_IMPAIRED_PRESETS` (names, comma
//! separated; default all), `DUET_IMPAIRED_STACKS` (`duet,chromium`), `DUET_IMPAIRED_OUT` (a
//! JSON file for the figures).

mod measure;
mod presets;
mod stacks;

use std::time::Duration;

use measure::Outcome;
use presets::Preset;
use stacks::Stack;

fn seconds() -> Duration {
    let seconds = std::env::var("DUET_IMPAIRED_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    Duration::from_secs(seconds)
}

fn wanted<T>(all: Vec<T>, variable: &str, name: impl Fn(&T) -> &str) -> Vec<T> {
    match std::env::var(variable) {
        Ok(list) if !list.trim().is_empty() => {
            let names: Vec<&str> = list.split(',').map(str::trim).collect();
            for asked in &names {
                assert!(
                    all.iter().any(|item| name(item) == *asked),
                    "{variable}: no `{asked}`"
                );
            }
            all.into_iter()
                .filter(|item| names.contains(&name(item)))
                .collect()
        }
        _ => all,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; this binary takes no arguments of its own.
    let presets = wanted(Preset::all(), "DUET_IMPAIRED_PRESETS", |p| p.name);
    let stacks = wanted(
        vec![Stack::Duet, Stack::Chromium],
        "DUET_IMPAIRED_STACKS",
        |s| s.name(),
    );
    let seconds = seconds();
    eprintln!(
        "impaired networks: {} presets x {} stacks, {} s each",
        presets.len(),
        stacks.len(),
        seconds.as_secs()
    );
    let mut outcomes: Vec<(String, &'static str, Outcome)> = Vec::new();
    for preset in &presets {
        for stack in &stacks {
            let outcome = stacks::run(*stack, preset, seconds);
            println!(
                "{:<16} {:<8} {}",
                preset.name,
                stack.name(),
                outcome.one_line(preset)
            );
            outcomes.push((preset.name.to_owned(), stack.name(), outcome));
        }
    }
    println!();
    println!("{}", measure::table(&presets, &outcomes));
    if let Ok(path) = std::env::var("DUET_IMPAIRED_OUT") {
        let json: Vec<_> = outcomes
            .iter()
            .map(|(preset, stack, outcome)| {
                serde_json::json!({"preset": preset, "stack": stack, "outcome": outcome.to_json()})
            })
            .collect();
        std::fs::write(
            &path,
            serde_json::to_string_pretty(&json).expect("plain JSON"),
        )
        .unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
    }
}
