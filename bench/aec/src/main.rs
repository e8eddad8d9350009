//! Echo cancellation, the 2016 library against AEC3, on one recording (scripts/bench-aec.sh).
//!
//!   duet-aec-bench prepare DIR FAR_SPEECH.wav NEAR_SPEECH.wav
//!       lays the two talkers out on the test's timeline and writes DIR/far.wav (what the far end
//!       says: the canceller's reference), DIR/near.wav and DIR/room.wav (the far end as the
//!       microphone hears it through the room, to be played through the sound server);
//!   duet-aec-bench measure DIR
//!       reads DIR/capture.raw (room.wav recorded back from the sound server, s16le 48 kHz mono),
//!       builds the microphone signal, runs both cancellers and prints the figures as Markdown.

mod cancellers;
mod metrics;
mod signals;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use cancellers::{Aec3, Apm2016, Canceller, Modules, FRAME};
use signals::{at, Noise, RATE, TIMELINE};

/// Both talkers speak at this level (RMS while talking), and so does the echo: double talk at
/// an echo-to-near-end ratio of 0 dB, a laptop's speaker and microphone at arm's length.
const SPEECH_DBFS: f32 = -26.0;
/// The microphone's own noise floor.
const NOISE_DBFS: f32 = -70.0;
/// How long after the reference the echo reaches the microphone: a desktop's playout plus
/// capture buffering (cpal on PulseAudio), and a heavily buffered one (a Bluetooth headset's
/// speaker, say).
const ECHO_DELAYS_MS: [usize; 2] = [60, 200];
/// The longest delay a canceller's output may have: the band split delays it by 8 ms, noise
/// suppression's overlapping frames by about 6 ms more.
const MAX_OUTPUT_LAG: usize = RATE / 25;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["prepare", dir, far, near] => prepare(Path::new(dir), Path::new(far), Path::new(near)),
        ["measure", dir] => measure(Path::new(dir)),
        _ => bail!("usage: duet-aec-bench prepare DIR FAR.wav NEAR.wav | measure DIR"),
    }
}

fn speech(path: &Path) -> Result<Vec<f32>> {
    let (samples, rate) = signals::read_wav(path)?;
    let mut speech = signals::to_48k(&samples, rate)?;
    signals::set_speech_level(&mut speech, SPEECH_DBFS);
    Ok(speech)
}

fn prepare(dir: &Path, far_speech: &Path, near_speech: &Path) -> Result<()> {
    let t = &TIMELINE;
    let far = signals::lay_out(&speech(far_speech)?, 0.0, t.far_end, t.total);
    let near_speech = speech(near_speech)?;
    let mut near = signals::lay_out(&near_speech, t.double_talk.0, t.double_talk.1, t.total);
    let alone = signals::lay_out(&near_speech, t.near_alone.0, t.near_alone.1, t.total);
    near.iter_mut().zip(&alone).for_each(|(a, b)| *a += b);
    let mut room = signals::convolve(&far, &signals::room_response(0.3));
    signals::set_speech_level(&mut room, SPEECH_DBFS);
    std::fs::create_dir_all(dir)?;
    signals::write_wav(&dir.join("far.wav"), &far)?;
    signals::write_wav(&dir.join("near.wav"), &near)?;
    signals::write_wav(&dir.join("room.wav"), &room)?;
    Ok(())
}

fn read_raw(path: &Path) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect())
}

/// Makes a canceller running the given modules.
type NewCanceller = fn(Modules) -> Result<Box<dyn Canceller>>;

struct Case {
    library: &'static str,
    modules: Modules,
    /// The output for echo + near end, and for echo − near end (metrics::near_end says why).
    output: Vec<f32>,
    inverted: Vec<f32>,
    /// The output's delay against the microphone, in samples.
    lag: usize,
    cpu_per_frame_us: f64,
}

fn measure(dir: &Path) -> Result<()> {
    let far = signals::read_wav(&dir.join("far.wav"))?.0;
    let near = signals::read_wav(&dir.join("near.wav"))?.0;
    let room = signals::read_wav(&dir.join("room.wav"))?.0;
    let capture = read_raw(&dir.join("capture.raw"))?;
    let lag = signals::find_lag(&room, &capture, at(5.0));
    if capture.len() < lag + at(TIMELINE.total) - at(0.5) {
        bail!(
            "the recording holds {:.1} s from where the room starts ({:.3} s in), {:.1} s expected",
            capture.len().saturating_sub(lag) as f64 / RATE as f64,
            lag as f64 / RATE as f64,
            TIMELINE.total
        );
    }
    let recorded = &capture[lag..];
    let lost = 10.0
        * (metrics::energy(&room[..at(10.0)]) / metrics::energy(&recorded[..at(10.0)])).log10();
    println!(
        "The room's sound starts {:.3} s into the recording; the recording is {:+.2} dB off the played file.\n",
        lag as f64 / RATE as f64,
        -lost
    );
    for delay_ms in ECHO_DELAYS_MS {
        let delay = delay_ms * RATE / 1000;
        let len = far.len().min(near.len()) / FRAME * FRAME;
        let echo: Vec<f32> = (0..len)
            .map(|i| {
                i.checked_sub(delay)
                    .and_then(|j| recorded.get(j))
                    .copied()
                    .unwrap_or(0.0)
            })
            .collect();
        let mut noise = Noise::new(0x00c0_ffee);
        let floor = 10f32.powf(NOISE_DBFS / 20.0) * 3f32.sqrt();
        let floor: Vec<f32> = (0..len).map(|_| floor * noise.next()).collect();
        let mic: Vec<f32> = (0..len).map(|i| echo[i] + near[i] + floor[i]).collect();
        let inverted_mic: Vec<f32> = (0..len).map(|i| echo[i] - near[i] + floor[i]).collect();
        let mut cases = Vec::new();
        for modules in [Modules::EchoOnly, Modules::WithNoiseSuppression] {
            let libraries: [(&'static str, NewCanceller); 2] = [
                ("2016 library", |m| Ok(Box::new(Apm2016::new(m)?))),
                ("AEC3 (2.1)", |m| Ok(Box::new(Aec3::new(m)?))),
            ];
            for (library, new) in libraries {
                let (output, spent) = cancellers::run(new(modules)?.as_mut(), &far, &mic)?;
                let (inverted, _) = cancellers::run(new(modules)?.as_mut(), &far, &inverted_mic)?;
                let file = output_name(dir, library, modules, delay_ms);
                signals::write_wav(&file, &output)?;
                cases.push(Case {
                    library,
                    modules,
                    lag: metrics::output_lag(
                        &near,
                        &output,
                        TIMELINE.near_alone.0,
                        TIMELINE.near_alone.1,
                        MAX_OUTPUT_LAG,
                    ),
                    cpu_per_frame_us: spent.as_secs_f64() * 1e6 / (output.len() / FRAME) as f64,
                    output,
                    inverted,
                });
            }
        }
        print_table(delay_ms, &echo, &near, &cases);
    }
    Ok(())
}

fn output_name(dir: &Path, library: &str, modules: Modules, delay_ms: usize) -> PathBuf {
    let library = if library.starts_with("AEC3") {
        "aec3"
    } else {
        "apm2016"
    };
    let modules = match modules {
        Modules::EchoOnly => "aec",
        Modules::WithNoiseSuppression => "aec-ns",
    };
    dir.join(format!("out-{library}-{modules}-{delay_ms}ms.wav"))
}

fn print_table(delay_ms: usize, echo: &[f32], near: &[f32], cases: &[Case]) {
    let t = &TIMELINE;
    println!("### Echo {delay_ms} ms after the reference\n");
    print!("| | ");
    for case in cases {
        let modules = match case.modules {
            Modules::EchoOnly => "AEC",
            Modules::WithNoiseSuppression => "AEC + NS",
        };
        print!("{}, {modules} | ", case.library);
    }
    println!();
    println!("|---|{}", "---|".repeat(cases.len()));
    let row = |label: &str, value: &dyn Fn(&Case) -> String| {
        print!("| {label} | ");
        for case in cases {
            print!("{} | ", value(case));
        }
        println!();
    };
    row("ERLE, far end alone, first 3.5 s (dB)", &|c| {
        format!("{:.1}", metrics::erle(echo, &c.output, 0.0, 3.5))
    });
    row("ERLE, far end alone, 3.5–16 s (dB)", &|c| {
        format!(
            "{:.1}",
            metrics::erle(echo, &c.output, 3.5, t.double_talk.0)
        )
    });
    let near_end_over = |c: &Case, (from, to): (f64, f64)| {
        metrics::near_end(near, echo, &c.output, &c.inverted, c.lag, from, to)
    };
    let double_talk = |c: &Case| near_end_over(c, t.double_talk);
    row("Double talk: echo left, as ERLE (dB)", &|c| {
        format!("{:.1}", double_talk(c).echo_left_erle_db)
    });
    row("Double talk: near end kept, median (dB)", &|c| {
        format!("{:.1}", double_talk(c).kept_median_db)
    });
    row("Double talk: near end kept, all windows (dB)", &|c| {
        format!("{:.1}", double_talk(c).kept_overall_db)
    });
    row("Double talk: near-end windows kept within 6 dB", &|c| {
        format!("{:.0} %", 100.0 * double_talk(c).kept_share)
    });
    row("ERLE, far end alone after double talk (dB)", &|c| {
        format!(
            "{:.1}",
            metrics::erle(echo, &c.output, t.double_talk.1, t.far_end)
        )
    });
    let alone = |c: &Case| near_end_over(c, t.near_alone);
    row("Near end alone: kept, median (dB)", &|c| {
        format!("{:.1}", alone(c).kept_median_db)
    });
    row("Near end alone: windows kept within 6 dB", &|c| {
        format!("{:.0} %", 100.0 * alone(c).kept_share)
    });
    row("Output lag (ms)", &|c| {
        format!("{:.0}", c.lag as f64 * 1000.0 / RATE as f64)
    });
    row("CPU per 10 ms frame (µs)", &|c| {
        format!("{:.0}", c.cpu_per_frame_us)
    });
    println!();
}
