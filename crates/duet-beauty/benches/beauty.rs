//! Time of one `BeautyFilter::apply` at beauty 9 + whiteness 9 on 720p and 1080p I420 frames,
//! one thread, then OpenCV's bilateral and guided filters on the same frames as the baseline.
//! The frames are the portrait fixture scaled to the size (`portrait`), and the same with
//! skin-tone chroma everywhere (`all-skin`), the slowest content: non-skin areas cost nothing
//! in the filter's last pass.
//!
//! `cargo bench -p duet-beauty --bench beauty` runs both; the OpenCV part needs Python with
//! opencv-contrib-python-headless (scripts/pip-requirements.txt) and says so if it is missing.

// Unsafe code is allowed in this module only: clock_gettime for the thread's CPU time, which std does not offer.
#![allow(unsafe_code)]

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{BenchmarkId, Criterion, Throughput};
use duet_beauty::{BeautyFilter, Frame, PlaneName};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::fixture::portrait_frame;

const SIZES: [(usize, usize); 2] = [(1280, 720), (1920, 1080)];

fn strongest_filter() -> BeautyFilter {
    let mut filter = BeautyFilter::new();
    // Cannot fail: 9 is the top of the valid range.
    filter.set_beauty_level(9).expect("9 is a valid level");
    filter.set_whiteness_level(9).expect("9 is a valid level");
    filter
}

fn bench_apply(criterion: &mut Criterion, frames: &[Frame]) {
    let mut group = criterion.benchmark_group("beauty9_whiteness9");
    for source in frames {
        let size = format!("{}x{}", source.width(), source.height());
        group.throughput(Throughput::Elements(
            (source.width() * source.height()) as u64,
        ));
        for (content, content_frame) in
            [("portrait", source.clone()), ("all-skin", all_skin(source))]
        {
            let mut filter = strongest_filter();
            let mut frame = content_frame.clone();
            let id = BenchmarkId::new(content, &size);
            group.bench_function(id, |bencher| {
                // Each run filters a fresh copy written into the same buffer just before it (not
                // timed), as a capture pool hands over a just-converted frame: filtering a
                // filtered frame again would measure different content.
                bencher.iter_custom(|runs| {
                    let mut timed = Duration::ZERO;
                    for _ in 0..runs {
                        frame.clone_from(&content_frame);
                        let start = Instant::now();
                        filter.apply(black_box(&mut frame.as_frame_mut()));
                        timed += start.elapsed();
                    }
                    timed
                });
            });
        }
    }
    group.finish();
}

/// CPU time this thread has used, in milliseconds: unlike wall time, it does not count the
/// time other processes on a shared machine hold the core.
fn thread_cpu_ms() -> f64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `time` is a valid, writable timespec and the clock id is a Linux constant.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is available on Linux");
    time.tv_sec as f64 * 1e3 + time.tv_nsec as f64 / 1e6
}

/// Medians of `iterations` runs, in milliseconds: (wall time, thread CPU time).
fn median_ms(source: &Frame, iterations: usize) -> (f64, f64) {
    let mut filter = strongest_filter();
    let mut frame = source.clone();
    filter.apply(&mut frame.as_frame_mut());
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..iterations)
        .map(|_| {
            frame.clone_from(source);
            let (start, start_cpu) = (Instant::now(), thread_cpu_ms());
            filter.apply(black_box(&mut frame.as_frame_mut()));
            (
                start.elapsed().as_secs_f64() * 1e3,
                thread_cpu_ms() - start_cpu,
            )
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[iterations / 2], cpu[iterations / 2])
}

/// The frame with skin-tone chroma everywhere: every cell active, the slowest content.
fn all_skin(frame: &Frame) -> Frame {
    let mut skin = frame.clone();
    // Cannot fail: the benchmark's frames are I420, which has U and V planes.
    skin.plane_mut(PlaneName::U).expect("I420").fill(110);
    skin.plane_mut(PlaneName::V).expect("I420").fill(150);
    skin
}

/// Runs the OpenCV script on the frame written to `path`; `Err` says why there is no baseline.
fn opencv_medians(path: &Path, frame: &Frame) -> Result<String, String> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-beauty-opencv.py");
    let output = Command::new("python3")
        .arg(&script)
        .arg(path)
        .arg(frame.width().to_string())
        .arg(frame.height().to_string())
        .output()
        .map_err(|e| format!("could not run python3: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_string());
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Reads one number field out of the script's flat JSON line.
fn field(json: &str, name: &str) -> Option<f64> {
    let start = json.find(&format!("\"{name}\":"))? + name.len() + 3;
    let rest = json[start..].trim_start();
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim().parse().ok()
}

fn compare_with_opencv(frames: &[Frame]) {
    println!(
        "\nduet-beauty vs OpenCV, same frame, one thread, medians (wall time / thread CPU time):"
    );
    for frame in frames {
        let label = format!("{}x{}", frame.width(), frame.height());
        let (wall, cpu) = median_ms(frame, 301);
        let (worst_wall, worst_cpu) = median_ms(&all_skin(frame), 301);
        println!("  {label}: duet-beauty, beauty 9 + whiteness 9: {wall:.3} / {cpu:.3} ms");
        println!(
            "  {label}: same, skin-tone chroma everywhere (worst case): \
             {worst_wall:.3} / {worst_cpu:.3} ms"
        );
        let path = std::env::temp_dir().join(format!("duet-beauty-bench-{label}.i420"));
        // A benchmark run without a writable temp dir cannot compare anyway: stop loudly.
        std::fs::write(&path, frame.as_bytes()).expect("the temp dir is writable");
        match opencv_medians(&path, frame) {
            Ok(json) => {
                for (name, key) in [
                    ("OpenCV bilateralFilter d=9, Y plane", "bilateral_y"),
                    ("OpenCV ximgproc.guidedFilter, Y plane", "guided_y"),
                    ("OpenCV bilateralFilter d=9, BGR", "bilateral_bgr"),
                ] {
                    let wall_key = format!("{key}_ms");
                    let cpu_key = format!("{key}_cpu_ms");
                    match (field(&json, &wall_key), field(&json, &cpu_key)) {
                        (Some(ms), Some(cpu_ms)) => println!(
                            "    {name}: {ms:.3} / {cpu_ms:.3} ms = {:.1}x / {:.1}x duet-beauty \
                             ({:.1}x / {:.1}x worst case)",
                            ms / wall,
                            cpu_ms / cpu,
                            ms / worst_wall,
                            cpu_ms / worst_cpu
                        ),
                        _ => println!("    {name}: missing from {json}"),
                    }
                }
                println!("    ({json})");
            }
            Err(why) => println!("    OpenCV baseline not measured: {why}"),
        }
        let _ = std::fs::remove_file(&path);
    }
}

fn main() {
    let frames: Vec<Frame> = SIZES.iter().map(|&(w, h)| portrait_frame(w, h)).collect();
    let mut criterion = Criterion::default().configure_from_args();
    bench_apply(&mut criterion, &frames);
    criterion.final_summary();
    // `cargo bench` passes --bench; `cargo test --benches` does not and only smoke-tests.
    if std::env::args().any(|arg| arg == "--bench") {
        compare_with_opencv(&frames);
    }
}
