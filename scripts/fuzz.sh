#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a fixed number of executions, one after another on one
# core, and prints executions, time and executions per second for each. Exits non-zero if any
# target found a crash, a hang or a broken invariant (libFuzzer leaves the input in
# fuzz/artifacts/<target>/; `cargo +nightly fuzz run <target> <file>` replays it).
#
#   scripts/fuzz.sh [EXECUTIONS]        # default 1000000 per target
#
# Environment: FUZZ_TARGETS (space-separated, default all), FUZZ_MAX_SECONDS (stop a target after
# that long; it then reports the executions it reached), FUZZ_TARGET_DIR (default
# ~/.cache/duet/target-fuzz-nightly; the grown corpus lives there too, the committed seeds in
# fuzz/corpus/<target>/ are only read), FUZZ_SANITIZER (`address` or `none` for every target;
# default: per target, see `sanitizer_of`). A benchmark-style script: scripts/test.sh does not run
# it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

runs="${1:-1000000}"
targets=(${FUZZ_TARGETS:-protocol_client protocol_server switchboard client_mirror vp8_assembler jitter_buffer y4m_reader wav_reader})
target_dir="${FUZZ_TARGET_DIR:-$HOME/.cache/duet/target-fuzz-nightly}"
max_seconds="${FUZZ_MAX_SECONDS:-0}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

# The targets of safe Rust (duet-protocol and duet-call `forbid(unsafe_code)`; the unsafe code inside
# std and their few dependencies, serde_json, sha2, base64, is not what they test) run without
# AddressSanitizer: the memory errors it finds cannot happen in safe Rust (an out-of-bounds index
# panics, which libFuzzer reports like any crash), and it made them about 10 times slower. The
# media targets call into libvpx and libopus through unsafe code, so they keep it.
sanitizer_of() {
    if [ -n "${FUZZ_SANITIZER:-}" ]; then
        echo "$FUZZ_SANITIZER"
        return
    fi
    case "$1" in
        protocol_client | protocol_server | switchboard | client_mirror) echo none ;;
        *) echo address ;;
    esac
}

# Each sanitizer builds in its own directory (changing the flags in one would rebuild every
# dependency each time). Release with debug assertions; libvpx and libopus are the system's,
# uninstrumented, which ASan allows.
build_dir() {
    case "$1" in
        none) echo "$target_dir" ;;
        *) echo "$target_dir/sanitizer-$1" ;;
    esac
}
for target in "${targets[@]}"; do
    sanitizer=$(sanitizer_of "$target")
    cargo +nightly fuzz build --fuzz-dir fuzz --target-dir "$(build_dir "$sanitizer")" \
        --sanitizer "$sanitizer" "$target"
done

failed=()
summary=()
for target in "${targets[@]}"; do
    grown="$target_dir/corpus/$target"
    mkdir -p "$grown" "fuzz/artifacts/$target"
    dict=()
    case "$target" in
        protocol_*) dict=(-dict=fuzz/protocol.dict) ;;
    esac
    log="$target_dir/fuzz-$target.log"
    sanitizer=$(sanitizer_of "$target")
    echo "== $target: $runs executions (sanitizer: $sanitizer)"
    start=$(date +%s.%N)
    status=0
    # The grown corpus comes first: libFuzzer writes new inputs only to the first directory.
    cargo +nightly fuzz run --fuzz-dir fuzz --target-dir "$(build_dir "$sanitizer")" \
        --sanitizer "$sanitizer" "$target" \
        "$grown" "fuzz/corpus/$target" -- \
        -runs="$runs" -max_total_time="$max_seconds" -timeout=30 -print_final_stats=1 \
        "${dict[@]}" >"$log" 2>&1 || status=$?
    seconds=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    executed=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # libFuzzer's own average is in whole seconds of its run; this is over the wall time.
    per_second=$(awk -v n="${executed:-0}" -v s="$seconds" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1) }')
    result=ok
    if [ "$status" -ne 0 ]; then
        result="FAILED (exit $status; see $log)"
        failed+=("$target")
        grep -E "^(==[0-9]+==ERROR|thread .* panicked|SUMMARY|artifact_prefix|Test unit written)" "$log" | head -5 || true
    elif [ "${executed:-0}" -lt "$runs" ]; then
        result="time limit"
    fi
    line=$(printf '%-16s %12s executions %9s s %9s exec/s  %-7s  %s' \
        "$target" "${executed:-?}" "$seconds" "${per_second:-?}" "$sanitizer" "$result")
    echo "$line"
    summary+=("$line")
done

echo
echo "== summary ($runs executions asked per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
    echo "crashes or broken invariants in: ${failed[*]}" >&2
    exit 1
fi
