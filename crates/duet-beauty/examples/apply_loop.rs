//! Runs `BeautyFilter::apply` (beauty 9 + whiteness 9) in a loop on the scaled portrait, for a
//! load-independent instruction count under callgrind (see docs/benchmarks.md):
//! `valgrind --tool=callgrind --toggle-collect='*BeautyFilter*apply*' \
//!     $CARGO_TARGET_DIR/release/examples/apply_loop 1280 720 portrait 10`
//! Arguments: width, height, `portrait` or `all-skin`, runs. The frame is refreshed from an
//! untouched copy before each run, as in the benchmark. Prints a hash of the last output, to
//! check that a speed change kept every byte. Prints a hash of the last output, to
//! check that a speed change kept every byte.

#[path = "../tests/support/mod.rs"]
mod support;

use duet_beauty::{BeautyFilter, PlaneName};
use std::hint::black_box;
use support::fixture::portrait_frame;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: apply_loop WIDTH HEIGHT portrait|all-skin RUNS";
    let [width, height, content, runs] = args.as_slice() else {
        return Err(usage.into());
    };
    let (width, height, runs): (usize, usize, usize) =
        (width.parse()?, height.parse()?, runs.parse()?);
    let mut source = portrait_frame(width, height);
    match content.as_str() {
        "portrait" => {}
        "all-skin" => {
            source
                .plane_mut(PlaneName::U)
                .ok_or("no U plane")?
                .fill(110);
            source
                .plane_mut(PlaneName::V)
                .ok_or("no V plane")?
                .fill(150);
        }
        _ => return Err(usage.into()),
    }
    let mut filter = BeautyFilter::new();
    filter.set_beauty_level(9)?;
    filter.set_whiteness_level(9)?;
    let mut frame = source.clone();
    for _ in 0..runs {
        frame.clone_from(&source);
        filter.apply(black_box(&mut frame.as_frame_mut()));
    }
    // FNV-1a of the last output: equal hashes before and after a change show it kept the bytes.
    let hash = frame
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        });
    println!("output hash {hash:016x}");
    Ok(())
}
