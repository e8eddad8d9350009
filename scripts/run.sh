#!/usr/bin/env bash
# Runs Duet on this machine: installs what is missing, builds, and starts the signaling server with
# its embedded SQLite file on 127.0.0.1. Until the desktop app lands, calls are placed with duet-cli
# (see README.md for a two-terminal call). Extra arguments go to duet-server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/setup.sh"
source "$root/scripts/env.sh"
cargo build --locked --bin duet-server --bin duet-cli
bin="$CARGO_TARGET_DIR/debug"
echo "duet: binaries in $bin (duet-server, duet-cli)"
exec "$bin/duet-server" "$@"
