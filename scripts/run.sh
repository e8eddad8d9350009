#!/usr/bin/env bash
# Runs Duet on this machine: installs what building and running it needs and is missing (not the
# test stack: scripts/setup.sh run), builds (scripts/env.sh's duet_build_bins), and opens the
# desktop app, which starts its embedded signaling server (SQLite under
# ~/.local/share/app.duet.desktop) and signs in with an "echo test" contact to call. Arguments go
# to the app (for example a duet://call/<account> link). `./scripts/run.sh --server [ARGS]` runs
# only the signaling server (duet-server ARGS) instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh" run
source "$root/scripts/env.sh"
bin="$CARGO_TARGET_DIR/debug"

if [ "${1:-}" = "--server" ]; then
  shift
  duet_build_bins --server
  echo "duet: binaries in $bin (duet-server, duet-cli)"
  exec "$bin/duet-server" "$@"
fi

duet_build_bins
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "duet: no display (DISPLAY and WAYLAND_DISPLAY are unset); the app needs a desktop session." >&2
  echo "duet: run it from a desktop terminal, or './scripts/run.sh --server' for the signaling server only." >&2
  exit 1
fi
echo "duet: starting the app ($bin/duet); duet-server and duet-cli are in $bin too"
exec "$bin/duet" "$@"
