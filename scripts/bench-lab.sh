#!/usr/bin/env bash
# Call setup through the network lab (tests/tests/network_lab.rs), repeated: the time from the
# answer to the caller's first remote picture, over cone NATs with STUN, symmetric NATs through
# TURN, and with the relay policy on one side. Needs root (network namespaces), like the tests.
# Usage: scripts/bench-lab.sh [runs]   (default 5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/env.sh"
runs="${1:-5}"
cargo build -p duet-server -p duet-cli
cargo test -p duet-e2e --test network_lab --no-run
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for _ in $(seq "$runs"); do
    cargo test -q -p duet-e2e --test network_lab scenario_ -- --test-threads 1 --nocapture 2>&1 \
        | grep '^lab call setup' >> "$out"
done
# One line per path: the samples, then the median.
python3 - "$out" <<'PY'
import collections, statistics, sys
samples = collections.defaultdict(list)
for line in open(sys.argv[1]):
    path, ms = line.split(', ', 1)[1].split(': answer -> first remote frame at the caller ')
    samples[path].append(float(ms.split()[0]))
for path, values in samples.items():
    print(f"{path:<28} n={len(values):<3} p50 {statistics.median(values):7.1f} ms  "
          f"min {min(values):7.1f}  max {max(values):7.1f}")
PY
