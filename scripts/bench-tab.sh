#!/usr/bin/env bash
# The Duet desktop app against a browser tab (issue 21), in one run on one private X display:
# a duet-cli bot sends a 1280x720 30 fps moving picture and a 1 kHz tone; first the Duet app
# (debug build, as scripts/run.sh runs it) video-calls it, then the web client
# (interop/page/tab.html) in Debian's Chromium does, each sending 720p30 of its own. For each,
# over 30 s of the call after 5 s of settling: CPU of all its processes, their PSS, remote frames
# painted a second and how late they are painted; then both and the ratios are printed
# (docs/benchmarks.md, "Against a browser tab"). A benchmark, not a test: scripts/test.sh does
# not run it.
#
#   scripts/bench-tab.sh
#
# Installs what the GUI tests need (scripts/setup.sh test: Xvfb, openbox, WebKitWebDriver,
# tauri-driver, Chromium, interop/'s playwright-core), builds the page, the app, duet-server and
# duet-cli; the test harness starts and stops everything in a temporary HOME.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -eq 0 ] || { sed -n '2,15p' "$0"; exit 2; }
"$here/setup.sh" test
# shellcheck source=env.sh
source "$here/env.sh"
"$here/build-ui.sh"
duet_build_bins
DUET_BENCH=1 cargo test --locked -p duet-e2e --test gui_app -- --nocapture --exact \
  tab_bench::bench_against_a_browser_tab
