#!/usr/bin/env bash
# Impaired networks, Duet against Chromium in one run (docs/benchmarks.md, "Impaired networks"):
# every preset of issue 15 (clean; 5, 20 and 40 % random loss; bursty loss; caps of 1,000 and
# 300 kbit/s; 300 kbit/s with 5 % loss; a 5 s blackout) for 30 s on a 720p30 call, first
# duet-cli <-> duet-cli, then the interop page in Chromium <-> the same page, through the same
# lab (tests/benches/impaired/). Needs root (network namespaces), like the network lab's tests,
# and what scripts/setup.sh test installs (coturn, nftables, Chromium, the interop client).
#
#   scripts/bench-impaired.sh                 # everything, about 15 minutes
#   DUET_IMPAIRED_PRESETS=cap-300,blackout-5s DUET_IMPAIRED_SECONDS=20 scripts/bench-impaired.sh
#
# Figures also go to $DUET_IMPAIRED_OUT (JSON) when set. The dev profile is the one the tests
# and scripts/run.sh build: dependencies (webrtc-rs, codecs' bindings) and duet-media at opt-level 2.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/env.sh"
if [ "$(id -u)" != 0 ]; then
    echo "bench-impaired.sh: the network lab needs root" >&2
    exit 2
fi
[ -d interop/node_modules/playwright-core ] || (cd interop && npm ci --no-audit --no-fund)
duet_build_bins
# duet-cli's and duet-server's logs go to stderr; keep the printout to the figures.
export DUET_LOG="${DUET_LOG:-error}"
cargo bench --locked --profile dev -p duet-e2e --bench impaired
